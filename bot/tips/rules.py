"""Tips, the pure rules: reading what someone types after /tips, and what makes an own tip.

No I/O: bot.tips.service applies the answers to the stored schedule.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

DAY_WORDS = {"maandag": 0, "dinsdag": 1, "woensdag": 2, "donderdag": 3, "vrijdag": 4, "zaterdag": 5, "zondag": 6,
             "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
TIP_MIN_LETTERS = 10


class SettingsProblem(StrEnum):
    DAY = "day"  # "/tips dag" with a word that is no weekday
    TIME = "time"
    QUIET = "quiet"


@dataclass(frozen=True, slots=True)
class ScheduleChange:
    """One change to a chat's tip schedule; the fields left None stay as they are."""

    weekday: int | None = None
    time: dt.time | None = None
    quiet: tuple[dt.time, dt.time] | None = None


def _time(word: str) -> dt.time | None:
    match = TIME.match(word)
    return dt.time(int(match[1]), int(match[2])) if match else None


def parse_settings(args: Sequence[str]) -> ScheduleChange | SettingsProblem | None:
    """``dag vrijdag`` · ``tijd 19:30`` · ``stil 22:00-08:00`` (and English); None when the words
    ask for no change (just /tips: show the settings)."""
    words = [a.lower() for a in args]
    if len(words) < 2:
        return None
    what, value = words[0], words[1]
    if what in ("dag", "day"):
        return ScheduleChange(weekday=DAY_WORDS[value]) if value in DAY_WORDS else SettingsProblem.DAY
    if what in ("tijd", "time"):
        time = _time(value)
        return ScheduleChange(time=time) if time is not None else SettingsProblem.TIME
    if what in ("stil", "quiet"):
        parts = value.split("-")
        times = [_time(p) for p in parts]
        if len(parts) != 2 or times[0] is None or times[1] is None:
            return SettingsProblem.QUIET
        return ScheduleChange(quiet=(times[0], times[1]))
    return None


def long_enough(text: str) -> bool:
    """An own tip has at least TIP_MIN_LETTERS letters or digits: zero-width or control
    characters alone clean to nothing, and never make an empty tip."""
    return sum(ch.isalnum() for ch in text) >= TIP_MIN_LETTERS
