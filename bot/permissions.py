"""Who may do what: pure rules over (role, scope) pairs.

Scopes: 'GMxxxx' (a gemeente), 'WKxxxxxx' (a wijk), 'team:<id>'. A coordinator scope can also
be an area (GM/WK): that coordinator may create teams there.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain import Role

Grant = tuple[Role, str]
OFFICER_ROLES = (Role.WIJKAGENT, Role.BOA, Role.CARE_DESK)


def area_contains(scope: str, code: str) -> bool:
    """Does area scope ``scope`` (GM…/WK…) contain ``code`` (GM…/WK…/BU…)?"""
    if scope.startswith("GM"):
        return code[2:6] == scope[2:6] and code[:2] in ("GM", "WK", "BU")
    if scope.startswith("WK"):
        return code[:2] in ("WK", "BU") and code[2:8] == scope[2:8]
    return False


def gemeente_of(code: str) -> str:
    return "GM" + code[2:6]


def is_admin_for(grants: Iterable[Grant], code: str) -> bool:
    return any(role is Role.ADMIN and area_contains(scope, code) for role, scope in grants)


def coordinated_teams(grants: Iterable[Grant]) -> set[int]:
    return {int(scope[5:]) for role, scope in grants if role is Role.COORDINATOR and scope.startswith("team:")}


def can_create_team(grants: Iterable[Grant], buurten: Iterable[str]) -> bool:
    """Admins in their gemeente; coordinators with an area scope inside that area."""
    grants = list(grants)
    codes = list(buurten)
    if not codes:
        return False
    return all(
        any(role in (Role.ADMIN, Role.COORDINATOR) and scope[:2] in ("GM", "WK") and area_contains(scope, code)
            for role, scope in grants)
        for code in codes
    )


def can_manage_team(grants: Iterable[Grant], team_id: int, team_gemeente: str) -> bool:
    grants = list(grants)
    return team_id in coordinated_teams(grants) or is_admin_for(grants, team_gemeente)


def can_invite(grants: Iterable[Grant], role: Role, scope: str, *, team_gemeente: str | None = None) -> bool:
    """Admins invite anyone within their gemeente; coordinators only co-coordinators of their team."""
    grants = list(grants)
    if role is Role.RESIDENT:
        return False
    if scope.startswith("team:"):
        if role is not Role.COORDINATOR or team_gemeente is None:
            return False
        return int(scope[5:]) in coordinated_teams(grants) or is_admin_for(grants, team_gemeente)
    if scope[:2] not in ("GM", "WK"):
        return False
    return is_admin_for(grants, scope)


def alert_areas(grants: Iterable[Grant]) -> list[str]:
    """Areas (GM/WK) a person may send an area alert to: officers and admins in their scope."""
    return sorted({scope for role, scope in grants
                   if role in (Role.ADMIN, *OFFICER_ROLES) and scope[:2] in ("GM", "WK")})


def can_alert_area(grants: Iterable[Grant], target: str) -> bool:
    """May send an area alert to ``target`` (a GM/WK code, or a buurt code for radius alerts)."""
    return any(area_contains(scope, target) for scope in alert_areas(grants))


def custom_tip_scopes(grants: Iterable[Grant]) -> list[str]:
    """Where a person's own tips go: a coordinator's teams ('team:<id>'), an admin's area ('GM…'/'WK…')."""
    grants = list(grants)
    scopes = [f"team:{team_id}" for team_id in sorted(coordinated_teams(grants))]
    scopes += sorted({scope for role, scope in grants if role is Role.ADMIN and scope[:2] in ("GM", "WK")})
    return scopes
