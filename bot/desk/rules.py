"""Who sees which incidents on the desk, in which order, and who may take them over. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.core import permissions
from bot.core.domain import (
    OPEN_STATUSES,
    URGENT_CATEGORIES,
    Category,
    RecipientKind,
    Role,
    SightingStatus,
)
from bot.reports.officer_buttons import PAGE_SIZE, Filter

# How long closed incidents stay on the desk under "Alles" (to reopen one, or see how it ended).
CLOSED_SHOWN = dt.timedelta(days=7)
# A typed line the bot waits for (a question, an answer, a note) is forgotten after this.
INPUT_TTL = dt.timedelta(minutes=30)
NOTE_MAX_CHARS = 200  # a one-line note
QUESTION_MAX_CHARS = 500

# Roles that see every report of their area, and may act on it.
FULL_ROLES = frozenset({Role.ADMIN, Role.WIJKAGENT, Role.BOA})


class Placed(Protocol):
    """Where a report was made and what it is about: enough to say whose area it is."""

    @property
    def category(self) -> Category: ...
    @property
    def wijk_code(self) -> str: ...
    @property
    def buurt_code(self) -> str: ...


class Listed(Protocol):
    @property
    def category(self) -> Category: ...
    @property
    def gemeente_code(self) -> str: ...
    @property
    def wijk_code(self) -> str: ...
    @property
    def buurt_code(self) -> str: ...
    @property
    def status(self) -> SightingStatus: ...
    @property
    def urgent(self) -> bool: ...
    @property
    def first_at(self) -> dt.datetime: ...
    @property
    def id(self) -> int: ...


@dataclass(frozen=True, slots=True)
class DeskScope:
    """What one person sees on the desk.

    ``full``: areas (GM/WK codes) where they see and may act on every report (wijkagent, BOA,
    the gemeente's admins and desks); ``care``: areas where they see and act on the care
    categories only (the care desk); ``buurten``: a coordinator's teams' buurten, to see only.
    """

    full: tuple[str, ...] = ()
    care: tuple[str, ...] = ()
    care_categories: frozenset[Category] = frozenset()
    buurten: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.full or self.care or self.buurten)

    @property
    def gemeenten(self) -> list[str]:
        codes = {permissions.gemeente_of(code) for code in (*self.full, *self.care, *self.buurten)}
        return sorted(codes)

    def may_act(self, row: Placed) -> bool:
        if any(permissions.area_contains(area, row.wijk_code) for area in self.full):
            return True
        return row.category in self.care_categories and any(
            permissions.area_contains(area, row.wijk_code) for area in self.care)

    def sees(self, row: Placed) -> bool:
        return self.may_act(row) or row.buurt_code in self.buurten

    def overlaps(self, code: str) -> bool:
        """Does area ``code`` (GM/WK/BU) overlap what this person sees (inside it, or around part of it)?"""
        return any(permissions.area_contains(area, code) or permissions.area_contains(code, area) or area == code
                   for area in (*self.full, *self.care, *self.buurten))

    @property
    def areas(self) -> tuple[str, ...]:
        """Every area code this scope names (GM/WK codes, and a coordinator's buurten)."""
        return (*self.full, *self.care, *sorted(self.buurten))


def may_mute_here(scope: DeskScope, reported: Iterable[Placed], target: DeskScope) -> bool:
    """/demp reaches a person who reported in the muter's area, or whose role's area overlaps it
    (a coordinator or officer need not have reported); ``target`` is that person's own scope.
    Whether the muter's role may mute them at all is ``permissions.may_mute``."""
    return any(scope.sees(row) for row in reported) or any(scope.overlaps(code) for code in target.areas)


def desk_scope(grants: Iterable[permissions.Grant], team_buurten: Mapping[int, Iterable[str]], *,
               desk_gemeenten: Iterable[str], care_categories: Iterable[Category]) -> DeskScope:
    """The scope from someone's roles, their teams' buurten and the gemeenten whose fallback or
    backup desk they are (config)."""
    grants = list(grants)
    full = {scope for role, scope in grants if role in FULL_ROLES and scope[:2] in ("GM", "WK")}
    full |= set(desk_gemeenten)
    care = {scope for role, scope in grants if role is Role.CARE_DESK and scope[:2] in ("GM", "WK")}
    buurten = {code for team_id in permissions.coordinated_teams(grants) for code in team_buurten.get(team_id, ())}
    return DeskScope(tuple(sorted(full)), tuple(sorted(care)), frozenset(care_categories), frozenset(buurten))


def care_categories(routing: Mapping[Category, Iterable[RecipientKind]]) -> frozenset[Category]:
    """The categories the routing table sends to the care desk: what the care desk sees."""
    return frozenset(c for c, kinds in routing.items() if RecipientKind.CARE_DESK in tuple(kinds))


def matches(filter_: Filter, status: SightingStatus) -> bool:
    if filter_ is Filter.NEW:
        return status is SightingStatus.NEW
    if filter_ is Filter.TAKEN:
        return status is SightingStatus.ACKNOWLEDGED
    if filter_ is Filter.OPEN:
        return status in OPEN_STATUSES
    return True


def is_urgent(row: Listed) -> bool:
    return row.urgent or row.category in URGENT_CATEGORIES


def desk_order(rows: Iterable[Listed]) -> list[Listed]:
    """Open before closed, urgent before the rest, newest first."""
    return sorted(rows, key=lambda r: (r.status not in OPEN_STATUSES, not is_urgent(r),
                                       -r.first_at.timestamp(), -r.id))


def page_of(count: int, page: int) -> tuple[int, int]:
    """(the page actually shown, the number of pages), ``page`` clamped to what exists."""
    pages = max(1, -(-count // PAGE_SIZE))
    return min(max(page, 0), pages - 1), pages


def age_minutes(first_at: dt.datetime, now: dt.datetime) -> int:
    return max(0, int((now - first_at).total_seconds() // 60))


def colleagues(officers: Mapping[tuple[RecipientKind, str], tuple[int, ...]], wijken: Iterable[str],
               *, gemeente_code: str, exclude: int) -> list[tuple[int, RecipientKind]]:
    """Who an incident can be handed over to: the officers of its wijk and the adjacent wijken
    (``wijken``), and the gemeente-wide ones; each once, not the one handing over."""
    areas = [*wijken, gemeente_code]
    found: dict[int, RecipientKind] = {}
    for area in areas:
        for kind in (RecipientKind.WIJKAGENT, RecipientKind.BOA, RecipientKind.CARE_DESK):
            for officer in officers.get((kind, area), ()):
                if officer != exclude:
                    found.setdefault(officer, kind)
    return list(found.items())


def one_line(text: str, limit: int) -> str:
    """A note is one line: newlines become spaces, cut at ``limit``."""
    return " ".join(text.split())[:limit]
