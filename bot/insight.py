"""Pure figures for "informatiegestuurd werken": scopes, periods, small-cell suppression, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain import Role

SMALL_CELL = 3
OVERVIEW_ROLES = (Role.ADMIN, Role.WIJKAGENT, Role.BOA, Role.CARE_DESK, Role.COORDINATOR)


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
        if role in (Role.ADMIN, Role.WIJKAGENT, Role.BOA, Role.CARE_DESK) and scope[:2] in ("GM", "WK"):
            prefixes.add("BU" + scope[2:])
            officer = True
        elif role is Role.COORDINATOR and scope.startswith("team:"):
            prefixes.update(team_buurten.get(int(scope[5:]), ()))
    if not prefixes:
        return None
    # A prefix inside another adds nothing.
    minimal = tuple(sorted(p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)))
    return Scope(minimal, "wijk_code" if officer else "buurt_code", officer)


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


def median_minutes(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def to_csv(rows: list[tuple[str, str, str, str, str, int]], threshold: int = SMALL_CELL) -> bytes:
    """Semicolon-separated (what Dutch Excel expects), UTF-8 with BOM so accents survive."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["gemeente", "wijk", "buurt", "categorie", "maand", "meldingen"])
    for gemeente, wijk, buurt, category, month, count in rows:
        writer.writerow([gemeente, wijk, buurt, category, month, cell(count, threshold)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
