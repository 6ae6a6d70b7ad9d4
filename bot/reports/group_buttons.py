"""The buttons under an alert in a team's group ("👀 Ik kijk", "✔️ Gezien"): their callback
data built and parsed here, and nowhere else.

Callback data can be forged: parsing only says what a press asks for; the service checks that
the alert was posted in the chat the button was pressed in (bot.alerts.watch).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

PREFIX = "watch"
PATTERN = rf"^{PREFIX}:"


class WatchKind(StrEnum):
    LOOK = "look"  # "Ik kijk": going to look (told in private how the alert ends)
    SEEN = "seen"  # "Gezien"


_DATA = re.compile(rf"{PREFIX}:([0-9]{{1,12}}):({'|'.join(kind.value for kind in WatchKind)})")


@dataclass(frozen=True, slots=True)
class WatchButton:
    incident_id: int
    kind: WatchKind


def watch_data(incident_id: int, kind: WatchKind) -> str:
    return f"{PREFIX}:{incident_id}:{kind.value}"


def parse_watch(data: str | None) -> WatchButton | None:
    """A watch button's data, or None when it is not one this module made."""
    match = _DATA.fullmatch(data or "")
    return WatchButton(int(match[1]), WatchKind(match[2])) if match else None
