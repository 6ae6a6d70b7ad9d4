"""Patrol rounds (loopronden): the pure rules.

Who is on duty at a moment, which shortage warnings, reminders and walk-report questions are
due, what a walk report leads to, and reading the date and time a coordinator types. No I/O:
storage hands these functions what it read, and the tick and the handlers act on the answers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.config.schema import Config, PatrolConfig
from bot.core.domain import Category, Round, RoundStatus, WalkOutcome
from bot.core.schedule import Missed, decide_missed, local_at
from bot.privacy.profiling import fold

MAX_ROUTE_CHARS = 200
MAX_MIN_WALKERS = 50
# A walk report that needs follow-up is routed like a sighting of this category (to the wijkagent
# in the default routing table).
FOLLOW_UP_CATEGORY = Category.OTHER


_CONFIG_DEFAULTS = PatrolConfig()


@dataclass(frozen=True, slots=True)
class PatrolRules:
    """How long rounds last and when people hear about them. All but report_grace and max_ahead
    come from ``[patrol]`` (rules_from_config); their defaults are PatrolConfig's."""

    duration: dt.timedelta = dt.timedelta(minutes=_CONFIG_DEFAULTS.round_minutes)
    shortage_lead: dt.timedelta = dt.timedelta(hours=_CONFIG_DEFAULTS.shortage_hours)
    reminder_lead: dt.timedelta = dt.timedelta(minutes=_CONFIG_DEFAULTS.reminder_minutes)
    report_grace: dt.timedelta = dt.timedelta(hours=24)  # the walk-report question is not sent later than this
    default_min_walkers: int = _CONFIG_DEFAULTS.min_walkers
    max_ahead: dt.timedelta = dt.timedelta(days=366)


def rules_from_config(config: Config) -> PatrolRules:
    """The rules from the config's ``[patrol]`` (defaults when it is absent)."""
    section = config.patrol
    return PatrolRules(
        duration=dt.timedelta(minutes=section.round_minutes),
        shortage_lead=dt.timedelta(hours=section.shortage_hours),
        reminder_lead=dt.timedelta(minutes=section.reminder_minutes),
        default_min_walkers=section.min_walkers,
    )


# ---------------------------------------------------------------------------- duty routing


# ---------------------------------------------------------------------------- what is due


class SendKind(StrEnum):
    SHORTAGE = "shortage"  # to the coordinators: too few walkers
    REMINDER = "reminder"  # to each walker, before the start
    REPORT = "report"  # the walk-report question after the round


@dataclass(frozen=True, slots=True)
class PlannedSend:
    key: str  # the same after a restart: the send log holds it once
    kind: SendKind
    round_id: int
    chat_id: int
    due: dt.datetime
    deadline: dt.datetime  # later than this it is skipped, not sent

    def decide(self, now: dt.datetime) -> Missed:
        return decide_missed(self.due, now, self.deadline - self.due)


def shortage_due(round_: Round, rules: PatrolRules) -> dt.datetime:
    """When a round without enough walkers is reported to the coordinators: ``shortage_lead``
    before the start. A round planned later than that gets half of the time it had left, so the
    announcement has a chance to fill it before the coordinator is bothered."""
    regular = round_.starts_at - rules.shortage_lead
    if round_.created_at <= regular:
        return regular
    return round_.created_at + (round_.starts_at - round_.created_at) / 2


def planned_sends(round_: Round, coordinators: Sequence[int], rules: PatrolRules) -> list[PlannedSend]:
    """Everything that could be due for this round: the shortage warning while it lacks walkers,
    a reminder per walker, and afterwards the walk-report question to each walker (to the
    coordinators when nobody signed up, so the round still gets a report)."""
    if round_.status is not RoundStatus.PLANNED:
        return []
    sends: list[PlannedSend] = []
    prefix = f"patrol:{round_.id}"
    if round_.short:
        due = shortage_due(round_, rules)
        sends += [PlannedSend(f"{prefix}:shortage:{c}", SendKind.SHORTAGE, round_.id, c, due, round_.starts_at)
                  for c in coordinators]
    remind_at = round_.starts_at - rules.reminder_lead
    sends += [PlannedSend(f"{prefix}:reminder:{w}", SendKind.REMINDER, round_.id, w, remind_at, round_.starts_at)
              for w in round_.walkers]
    reporters = round_.walkers or tuple(coordinators)
    sends += [PlannedSend(f"{prefix}:report:{p}", SendKind.REPORT, round_.id, p, round_.ends_at,
                          round_.ends_at + rules.report_grace) for p in reporters]
    return sends


# ---------------------------------------------------------------------------- walk reports


class WalkStep(StrEnum):
    DONE = "done"  # stored as it is
    ASK_TEXT = "ask_text"  # one free-text message completes it


def step_after(outcome: WalkOutcome) -> WalkStep:
    return WalkStep.DONE if outcome is WalkOutcome.NOTHING else WalkStep.ASK_TEXT


def needs_routing(outcome: WalkOutcome) -> bool:
    return outcome is WalkOutcome.FOLLOW_UP


# ---------------------------------------------------------------------------- where a round is


def round_buurt(route: str, team_buurten: Sequence[str], names: Mapping[str, str]) -> str:
    """The buurt a round is in: the team's buurt the route names (by name or code, longest name
    first, case and accents ignored), else the team's first buurt."""
    folded = fold(route)
    candidates = sorted(team_buurten, key=lambda code: -len(names.get(code, "")))
    for code in candidates:
        for word in (names.get(code, ""), code):
            if word and re.search(rf"(?<!\w){re.escape(fold(word))}(?!\w)", folded):
                return code
    return sorted(team_buurten)[0]


# ---------------------------------------------------------------------------- reading the plan

TEAM_WORD = re.compile(r"^(?:#|team:?)(\d{1,9})$", re.IGNORECASE)


def split_team(words: Sequence[str]) -> tuple[int | None, list[str]]:
    """``/ronde nieuw #3 za 20:00 …``: the team named in front (``#3``, ``team3``, ``team:3``),
    if any, and the words after it."""
    if words and (match := TEAM_WORD.match(words[0])):
        return int(match[1]), list(words[1:])
    return None, list(words)


WEEKDAYS = {
    "ma": 0, "maandag": 0, "di": 1, "din": 1, "dinsdag": 1, "wo": 2, "woe": 2, "woensdag": 2,
    "do": 3, "don": 3, "donderdag": 3, "vr": 4, "vrij": 4, "vrijdag": 4, "za": 5, "zat": 5, "zaterdag": 5,
    "zo": 6, "zon": 6, "zondag": 6,
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2, "thu": 3,
    "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4, "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}
RELATIVE_DAYS = {"vandaag": 0, "today": 0, "vanavond": 0, "tonight": 0, "morgen": 1, "tomorrow": 1,
                 "overmorgen": 2}
MONTHS = {
    "jan": 1, "januari": 1, "january": 1, "feb": 2, "februari": 2, "february": 2, "mrt": 3, "maa": 3, "mar": 3,
    "maart": 3, "march": 3, "apr": 4, "april": 4, "mei": 5, "may": 5, "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7, "aug": 8, "augustus": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "okt": 10, "oct": 10, "oktober": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}
FILLER = {"om", "at", "op", "on", "de", "the"}
_TIME = re.compile(r"^([01]?\d|2[0-3])(?:[:.h]([0-5]\d)|u([0-5]\d)?|h)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})[-/](\d{1,2})(?:[-/](\d{2}|\d{4}))?$")
_DAY = re.compile(r"^(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")


class PlanProblem(StrEnum):
    UNREADABLE_DATE = "unreadable_date"
    UNREADABLE_TIME = "unreadable_time"
    NO_SUCH_DATE = "no_such_date"  # 31-2
    WEEKDAY_MISMATCH = "weekday_mismatch"  # "vr 5-12" when 5 December is a Saturday
    PAST = "past"
    TOO_FAR = "too_far"
    NO_ROUTE = "no_route"
    BAD_MINIMUM = "bad_minimum"


@dataclass(frozen=True, slots=True)
class PlanRequest:
    starts_at: dt.datetime
    min_walkers: int
    route: str


@dataclass(frozen=True, slots=True)
class PlanError:
    problem: PlanProblem
    date: dt.date | None = None  # for WEEKDAY_MISMATCH: the date as typed


def _time_of(word: str) -> dt.time | None:
    match = _TIME.match(word.lower())
    if not match or (match[2] is None and match[3] is None and not re.search(r"[uh]$", word.lower())):
        return None  # a bare number is a day or a minimum, not a time
    return dt.time(int(match[1]), int(match[2] or match[3] or 0))


def _date_of(words: Sequence[str], today: dt.date) -> tuple[dt.date | None, int | None, int, bool]:
    """(date or None, weekday or None, words used, whether the year was given)."""
    i = 0
    weekday = None
    word = words[0].lower().rstrip(",") if words else ""
    if word in WEEKDAYS:
        weekday, i = WEEKDAYS[word], 1
    if i < len(words):
        word = words[i].lower().rstrip(",")
        if word in RELATIVE_DAYS:
            return today + dt.timedelta(days=RELATIVE_DAYS[word]), weekday, i + 1, True
        if (m := _ISO_DATE.match(word)) is not None:
            return _safe_date(int(m[1]), int(m[2]), int(m[3])), weekday, i + 1, True
        if (m := _DAY_MONTH.match(word)) is not None:
            year = m[3]
            if year is not None and len(year) == 2:
                year = "20" + year
            return (_safe_date(int(year) if year else today.year, int(m[2]), int(m[1])), weekday, i + 1,
                    year is not None)
        if _DAY.match(word) and i + 1 < len(words) and words[i + 1].lower().rstrip(".,") in MONTHS:
            month = MONTHS[words[i + 1].lower().rstrip(".,")]
            used, year_given, year = i + 2, False, today.year
            if used < len(words) and _YEAR.match(words[used]):
                year, used, year_given = int(words[used]), used + 1, True
            return _safe_date(year, month, int(word)), weekday, used, year_given
    return None, weekday, i, False


class _NoSuchDate(Exception):
    pass


def _safe_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as error:
        raise _NoSuchDate from error


def parse_plan(words: Sequence[str], *, now: dt.datetime, tz: dt.tzinfo, rules: PatrolRules) -> PlanRequest | PlanError:
    """``<datum> <tijd> [<minimum>] <route of gebied>`` → a start in ``tz``, the minimum and the route.

    Dates: ``za``/``zaterdag``/``sat`` (the next one), ``vandaag``/``morgen``/``overmorgen``,
    ``2026-12-05``, ``5-12``, ``5/12/2026``, ``5 dec [2026]``; the date may be left out (today).
    Times: ``20:00``, ``20.00``, ``20u``, ``20u30``, ``20h``. A date without a year that has
    passed this year means next year; a start in the past is refused, not moved.
    """
    words = [w for w in words if w]
    today = now.astimezone(tz).date()
    try:
        date, weekday, used, year_given = _date_of(words, today)
    except _NoSuchDate:
        return PlanError(PlanProblem.NO_SUCH_DATE)
    rest = list(words[used:])
    while rest and rest[0].lower() in FILLER:
        rest.pop(0)
    if not rest:
        return PlanError(PlanProblem.UNREADABLE_TIME if used else PlanProblem.UNREADABLE_DATE)
    time = _time_of(rest[0])
    if time is None:
        return PlanError(PlanProblem.UNREADABLE_TIME if used else PlanProblem.UNREADABLE_DATE)
    rest.pop(0)
    if date is None and weekday is not None:
        date = today + dt.timedelta(days=(weekday - today.weekday()) % 7)
        if local_at(date, time, tz) <= now:
            date += dt.timedelta(days=7)  # "za 20:00" on Saturday evening at 21:00: next Saturday
    elif date is None:
        date = today
    elif weekday is not None and date.weekday() != weekday:
        return PlanError(PlanProblem.WEEKDAY_MISMATCH, date)
    if not year_given and date < today:
        try:
            date = date.replace(year=date.year + 1)
        except ValueError:
            return PlanError(PlanProblem.NO_SUCH_DATE)
    starts_at = local_at(date, time, tz)
    if starts_at <= now:
        return PlanError(PlanProblem.PAST)
    if starts_at - now > rules.max_ahead:
        return PlanError(PlanProblem.TOO_FAR)
    minimum = rules.default_min_walkers
    if rest and re.fullmatch(r"[0-9]{1,2}", rest[0]):
        minimum = int(rest.pop(0))
        if not 1 <= minimum <= MAX_MIN_WALKERS:
            return PlanError(PlanProblem.BAD_MINIMUM)
    route = " ".join(rest).strip()
    if not route:
        return PlanError(PlanProblem.NO_ROUTE)
    return PlanRequest(starts_at, minimum, route)
