"""The buttons under the /tips settings: their callback_data, built and parsed here only.

``tips:pause`` · ``tips:resume`` · ``tips:theme:<theme>``. The data says what to change, never
in which chat: the handler applies a press to the chat it was pressed in, after the service
checked who pressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.tips.library import THEMES

PREFIX = "tips:"
PATTERN = r"^tips:"  # what the handler's CallbackQueryHandler takes
_THEME = PREFIX + "theme:"


class Action(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    THEME = "theme"  # opt out of a theme, or back in


@dataclass(frozen=True, slots=True)
class TipsPress:
    action: Action
    theme: str | None = None  # for THEME: a key of bot.tips.library.THEMES


def pause_data(paused: bool) -> str:
    """The pause button: "resume" while paused, "pause" otherwise."""
    return PREFIX + (Action.RESUME if paused else Action.PAUSE).value


def theme_data(theme: str) -> str:
    return _THEME + theme


def parse(data: str | None) -> TipsPress | None:
    """The press a button's data stands for; None for anything the bot did not build."""
    if data == PREFIX + Action.PAUSE.value:
        return TipsPress(Action.PAUSE)
    if data == PREFIX + Action.RESUME.value:
        return TipsPress(Action.RESUME)
    if data is not None and data.startswith(_THEME) and data[len(_THEME):] in THEMES:
        return TipsPress(Action.THEME, data[len(_THEME):])
    return None
