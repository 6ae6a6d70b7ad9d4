"""Pure figures for "informatiegestuurd werken": scopes, periods, small-cell suppression, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core import permissions
from bot.core.domain import OFFICER_ROLES, Role
from bot.core.i18n import N_

SMALL_CELL = 3


@dataclass(frozen=True, slots=True)
class Scope:
    """What one person may see: BU-prefixes of their areas, and whether points are allowed."""

    prefixes: tuple[str, ...]
    group_by: str  # wijk_code for officers and admins, buurt_code for coordinators
    may_export: bool


def scope_of(grants: Iterable[tuple[Role, str]], team_buurten: dict[int, tuple[str, ...]]) -> Scope | None:
    """Officers and admins see their wijk/gemeente; coordinators only their teams' buurten."""
    prefixes: set[str] = set()
    officer = False
    for role, scope in grants:
        if (role is Role.ADMIN or role in OFFICER_ROLES) and scope[:2] in ("GM", "WK"):
            prefixes.add("BU" + scope[2:])
            officer = True
        elif role is Role.COORDINATOR and (team_id := permissions.team_of_scope(scope)) is not None:
            prefixes.update(team_buurten.get(team_id, ()))
    if not prefixes:
        return None
    # A prefix inside another adds nothing.
    minimal = tuple(sorted(p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)))
    return Scope(minimal, "wijk_code" if officer else "buurt_code", officer)


# The periods /overzicht and the Mini App's overview offer, with their labels.
PERIOD_LABELS = {"7d": N_("7 dagen"), "30d": N_("30 dagen"), "kwartaal": N_("dit kwartaal"), "12m": N_("12 maanden")}


def day_bounds(start: dt.date, end: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """Local days [start, end) as UTC instants."""
    return (dt.datetime.combine(start, dt.time(0), tzinfo=tz).astimezone(dt.UTC),
            dt.datetime.combine(end, dt.time(0), tzinfo=tz).astimezone(dt.UTC))


# Colour classes of the choropleth: 0 reports, "<3" (1 or 2, never told apart), then ranges.
CHOROPLETH_BOUNDS = (0, SMALL_CELL - 1, 5, 10, 20)


def choropleth_class(value: int) -> int:
    """0 for none, 1 for a hidden count (<3), 2.. for 3-5, 6-10, 11-20, above 20."""
    return sum(1 for bound in CHOROPLETH_BOUNDS if value > bound)


def period(name: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """[start, end) for '7d', '30d', 'kwartaal', '12m'."""
    if name == "7d":
        return today - dt.timedelta(days=6), today + dt.timedelta(days=1)
    if name == "kwartaal":
        first_month = 3 * ((today.month - 1) // 3) + 1
        return dt.date(today.year, first_month, 1), today + dt.timedelta(days=1)
    if name == "12m":
        return dt.date(today.year - 1, today.month, 1), today + dt.timedelta(days=1)
    return today - dt.timedelta(days=29), today + dt.timedelta(days=1)


def year_earlier(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    def back(day: dt.date) -> dt.date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:  # 29 February
            return day.replace(year=day.year - 1, day=28)
    return back(start), back(end)


def cell(value: int, threshold: int = SMALL_CELL) -> str:
    """A count as shown: below the threshold it could point at a reporter, so '<3'."""
    if 0 < value < threshold:
        return f"<{threshold}"
    return str(value)


def total_cell(value: int, parts_hidden: bool, threshold: int = SMALL_CELL) -> str:
    """A total shown beside parts of which some are '<3': exact, it would give the hidden ones
    back by subtraction (6 + '<3' = 7 means 1), so it is rounded to a multiple of 5."""
    if value < threshold or not parts_hidden:
        return cell(value, threshold)
    return f"≈{max(5, 5 * round(value / 5))}"


def median_minutes(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# CSV outcome columns: which incident statuses each one sums ("afgerond" by an officer is the
# alert's "opgelost"; the old "handled" was migrated to it).
OUTCOME_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("opgelost", ("resolved",)),
    ("vals_alarm", ("false_alarm",)),
    ("verlopen", ("expired",)),
    ("geen_actie", ("no_action",)),
)

Row = tuple[str, str, str, str, str, int]
OutcomeKey = tuple[str, str, str, str, str]


def outcome_total(outcomes: dict[str, int], column: str) -> int:
    statuses = dict(OUTCOME_COLUMNS)[column]
    return sum(outcomes.get(s, 0) for s in statuses)


def to_csv(rows: list[Row], outcomes: dict[OutcomeKey, dict[str, int]] | None = None,
           threshold: int = SMALL_CELL) -> bytes:
    """Semicolon-separated (what Dutch Excel expects), UTF-8 with BOM so accents survive.

    Per month, buurt and category: the reports, and how the alerts that started then ended
    (opgelost, vals alarm, verlopen, geen actie). Every count below the threshold is "<3".
    """
    outcomes = dict(outcomes or {})
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["gemeente", "wijk", "buurt", "categorie", "maand", "meldingen",
                     *(name for name, _ in OUTCOME_COLUMNS)])
    keyed = {(g, w, b, c, m): n for g, w, b, c, m, n in rows}
    for key in outcomes:
        keyed.setdefault(key, 0)  # an alert whose reports fell outside the rows still counts
    for key in sorted(keyed, key=lambda k: (k[0], k[1], k[2], k[4], k[3])):
        ended = outcomes.get(key, {})
        writer.writerow([*key, cell(keyed[key], threshold),
                         *(cell(outcome_total(ended, name), threshold) for name, _ in OUTCOME_COLUMNS)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
