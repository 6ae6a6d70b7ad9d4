"""Pure rules of the report journey: urgency, times, descriptions."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.privacy.profiling import fold

# Words that mean "danger now" in what a resident types. Lower-case, without accents.
URGENT_WORDS = (
    "spoed", "nu bezig", "inbraak bezig", "wordt ingebroken", "ingebroken wordt", "wordt nu ingebroken",
    "inbreker", "inbrekers", "nu ingebroken", "brand", "help",
    "gevaar", "wapen", "mes", "vechtpartij", "overval", "112",
    "emergency", "burglary in progress", "fire", "weapon", "knife", "robbery", "danger",
)
_URGENT = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in URGENT_WORDS) + r")(?!\w)")


# Saying 112 was already called is not a sign of danger now: the resident did what we would
# ask, and "Bel nu 112" again (or an escalation) would be wrong. "112" up to five words away
# from "gebeld" / "called", either way round, is such a phrase; it is left out before the
# urgent words are looked for, so "112 is gebeld, er wordt nu ingebroken" is still urgent.
_CALLED = r"(?:gebeld|ingeschakeld|gewaarschuwd|called|phoned|rang)"
_NEAR = r"(?:[^\W\d]+\s+){0,5}?"  # up to five words in between, no numbers, no sentence end
_CALLED_112 = re.compile(
    rf"(?<!\w)112\s+{_NEAR}{_CALLED}(?!\w)"
    rf"|(?<!\w){_CALLED}\s+{_NEAR}112(?!\w)"
)


def is_urgent_text(text: str) -> bool:
    """Does free text the resident typed mark the situation as urgent (danger now)?"""
    folded = _CALLED_112.sub(" ", fold(text))
    return bool(_URGENT.search(folded)) or text.count("!") >= 3


def description_sounds_urgent(text: str, *, earlier: bool) -> bool:
    """Does the description make the report urgent? Not when the resident said it happened
    earlier ("Eerder"): "gisteren zag ik een inbreker" is a report, not danger now."""
    return not earlier and is_urgent_text(text)


class WhenProblem(StrEnum):
    UNREADABLE = "unreadable"
    FUTURE = "future"
    TOO_OLD = "too_old"


@dataclass(frozen=True, slots=True)
class WhenResult:
    at: dt.datetime | None
    problem: WhenProblem | None = None


_TIME = re.compile(r"(\d{1,2})[:.h](\d{2})")
_DATE = re.compile(r"(\d{1,2})[-/](\d{1,2})(?:[-/](\d{2,4}))?")
YESTERDAY_WORDS = ("gisteren", "yesterday", "dün", "wczoraj")
MAX_AGE = dt.timedelta(days=7)


def parse_when(text: str, *, now: dt.datetime, tz: dt.tzinfo) -> WhenResult:
    """'21:30', '21.30', 'gisteren 22:15', '24-11 23:05' in local time → an aware UTC time.

    A bare time later than now means yesterday (people report at night what they saw before
    midnight). Older than a week is refused: that is an aangifte, not a neighbourhood alert.
    """
    folded = fold(text.strip())
    time_match = _TIME.search(folded)
    if not time_match:
        return WhenResult(None, WhenProblem.UNREADABLE)
    hour, minute = int(time_match[1]), int(time_match[2])
    if hour > 23 or minute > 59:
        return WhenResult(None, WhenProblem.UNREADABLE)
    local_now = now.astimezone(tz)
    day = local_now.date()
    date_match = _DATE.search(folded.replace(time_match[0], " "))
    explicit_day = False
    if date_match:
        year = int(date_match[3]) if date_match[3] else day.year
        year = year + 2000 if year < 100 else year
        try:
            day = dt.date(year, int(date_match[2]), int(date_match[1]))
        except ValueError:
            return WhenResult(None, WhenProblem.UNREADABLE)
        explicit_day = True
    elif any(word in folded for word in YESTERDAY_WORDS):
        day = day - dt.timedelta(days=1)
        explicit_day = True
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)
    if not explicit_day and local > local_now:
        local -= dt.timedelta(days=1)
    at = local.astimezone(dt.UTC)
    if at > now + dt.timedelta(minutes=5):
        return WhenResult(None, WhenProblem.FUTURE)
    if now - at > MAX_AGE:
        return WhenResult(None, WhenProblem.TOO_OLD)
    return WhenResult(at)


class DescriptionProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"


def description_problem(text: str, max_chars: int) -> DescriptionProblem | None:
    if not text.strip():
        return DescriptionProblem.EMPTY
    if len(text) > max_chars:
        return DescriptionProblem.TOO_LONG
    return None
