"""The figures behind /overzicht: who sees which area, and the counts of a period (with the
same period a year earlier) read from storage. Pure rules (periods, small cells, the CSV) are
in bot.insight.rules; what people read is rendered by the handler."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core import permissions
from bot.core.domain import Category
from bot.insight.rules import (
    SMALL_CELL,
    Scope,
    day_bounds,
    median_minutes,
    period,
    scope_of,
    to_csv,
    year_earlier,
)
from bot.runtime.services import Services
from storage import insight, teams, users


async def scope_for(services: Services, user_id: int) -> Scope | None:
    """What this person may see (their areas, and whether they may export); None when they
    hold no officer, coordinator or admin role."""
    return await scope_of_grants(services, await users.roles_of(services.db, user_id))


async def scope_of_grants(services: Services, grants: Iterable[permissions.Grant]) -> Scope | None:
    """The same from grants already read (the Mini App reads them for more than this)."""
    grants = tuple(grants)
    team_buurten: dict[int, tuple[str, ...]] = {}
    for team_id in sorted(permissions.coordinated_teams(grants)):  # only a coordinator sees a team's buurten
        team = await teams.get_team(services.db, team_id)
        if team is not None:
            team_buurten[team.id] = team.buurten
    return scope_of(grants, team_buurten)


def period_of(services: Services, name: str) -> tuple[dt.date, dt.date]:
    """[start, end) of a named period ending today, in the bot's timezone."""
    tz = services.config.timezone
    return period(name, services.now().astimezone(tz).date())


@dataclass(frozen=True, slots=True)
class Overview:
    """The counts of one period for one scope, unrounded: the handler shows them as cells."""

    start: dt.date
    end: dt.date  # exclusive
    by_category: dict[Category, int]
    by_category_year_earlier: dict[Category, int]
    area_totals: dict[str, int]  # by wijk or buurt code (the scope's group_by)
    hidden_in: frozenset[str]  # areas with a category count below the small-cell threshold
    area_outcomes: dict[str, dict[str, int]]  # area → incident status → count
    area_names: dict[str, str]  # area code → its name
    ack_minutes: float | None  # median minutes until a report was picked up
    outcomes: dict[str, int]  # incident status → count
    area_label: str  # the scope's areas by name, at most three


async def overview(services: Services, scope: Scope, name: str) -> Overview:
    tz = services.config.timezone
    start, end = period_of(services, name)
    since, until = day_bounds(start, end, tz)
    before_since, before_until = day_bounds(*year_earlier(start, end), tz)
    prefixes = list(scope.prefixes)
    now_counts = await insight.counts(services.db, prefixes, since, until, by=scope.group_by)
    then_counts = await insight.counts(services.db, prefixes, before_since, before_until, by=scope.group_by)
    area_outcomes: dict[str, dict[str, int]] = {}
    for (area, status), value in (await insight.outcomes_by_area(
            services.db, prefixes, since, until, by=scope.group_by)).items():
        area_outcomes.setdefault(area, {})[status] = value
    areas: dict[str, int] = {}
    for (area, _), value in now_counts.items():
        areas[area] = areas.get(area, 0) + value
    return Overview(
        start=start, end=end,
        by_category={c: sum(v for (_, cat), v in now_counts.items() if cat == c.value) for c in Category},
        by_category_year_earlier={c: sum(v for (_, cat), v in then_counts.items() if cat == c.value) for c in Category},
        area_totals=areas,
        # An area's total next to a hidden category cell of that area would give it back.
        hidden_in=frozenset(area for (area, _), value in now_counts.items() if 0 < value < SMALL_CELL),
        area_outcomes=area_outcomes,
        area_names={area: _area_name(services, area) for area in areas},
        ack_minutes=median_minutes(await insight.acknowledgement_minutes(services.db, prefixes, since, until)),
        outcomes=await insight.outcomes(services.db, prefixes, since, until),
        area_label=area_label(services, scope),
    )


def _area_name(services: Services, code: str) -> str:
    """A wijk's or buurt's name; the code itself when the catalog does not know it."""
    if (wijk := services.catalog.wijk_names.get(code)):
        return wijk
    area = services.catalog.area(code)
    return area.buurt_name if area else code


def area_label(services: Services, scope: Scope) -> str:
    """The area of the figures: gemeente, wijk or buurt names (at most three, then "…")."""
    names = []
    for prefix in sorted(scope.prefixes):
        digits = prefix[2:]
        if len(digits) == 4:
            names.append(services.catalog.gemeente_names.get("GM" + digits, prefix))
        elif len(digits) == 6:
            names.append(services.catalog.wijk_names.get("WK" + digits, prefix))
        else:
            area = services.catalog.area(prefix)
            names.append(area.buurt_name if area else prefix)
    return ", ".join(names[:3]) + (", …" if len(names) > 3 else "")


@dataclass(frozen=True, slots=True)
class Export:
    start: dt.date
    end: dt.date  # exclusive
    csv: bytes


async def monthly_csv(services: Services, scope: Scope, name: str) -> Export:
    """Per month, buurt and category: the reports and how the alerts ended (small cells as <3)."""
    start, end = period_of(services, name)
    since, until = day_bounds(start, end, services.config.timezone)
    rows = await insight.monthly(services.db, list(scope.prefixes), since, until)
    outcomes = await insight.monthly_outcomes(services.db, list(scope.prefixes), since, until)
    return Export(start, end, to_csv(rows, outcomes))
