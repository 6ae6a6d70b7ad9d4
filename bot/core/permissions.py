"""Who may do what: pure rules over (role, scope) pairs.

Scopes: 'GMxxxx' (a gemeente), 'WKxxxxxx' (a wijk), 'team:<id>'. A coordinator scope can also
be an area (GM/WK): that coordinator may create teams there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.domain import OFFICER_KIND_VALUES, RELAY_KIND, RecipientKind, Role

Grant = tuple[Role, str]
# Who may send a Burgernet-style area alert (issue 5): the wijkagent, the BOA and the gemeente.
# The care desk receives reports about people in distress; it does not alarm a whole area.
AREA_ALERT_ROLES = frozenset({Role.ADMIN, Role.WIJKAGENT, Role.BOA})


# What a scope may be, in ASCII digits only ("²" and "١٢" are digits to str.isdigit and int()).
# A team number has at most 18 digits, so it fits SQLite's 64-bit integers.
_AREA_SCOPE = re.compile(r"GM[0-9]{4}|WK[0-9]{6}")
_TEAM_SCOPE = re.compile(r"team:([1-9][0-9]{0,17})")


def team_scope(team_id: int) -> str:
    """The scope of a team's coordinators: 'team:<id>'."""
    return f"team:{team_id}"


def team_of_scope(scope: str) -> int | None:
    """The team a 'team:<id>' scope names; None for any other scope, or one that is not valid
    (stored by an older version: ignored, never an error)."""
    match = _TEAM_SCOPE.fullmatch(scope)
    return int(match[1]) if match else None


def is_scope(scope: str) -> bool:
    """A gemeente (GMxxxx), a wijk (WKxxxxxx) or a team ('team:<id>'): what may be stored."""
    return bool(_AREA_SCOPE.fullmatch(scope) or _TEAM_SCOPE.fullmatch(scope))


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
    teams = {team_of_scope(scope) for role, scope in grants if role is Role.COORDINATOR}
    return {team for team in teams if team is not None}


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
        team_id = team_of_scope(scope)
        if role is not Role.COORDINATOR or team_gemeente is None or team_id is None:
            return False
        return team_id in coordinated_teams(grants) or is_admin_for(grants, team_gemeente)
    if scope[:2] not in ("GM", "WK"):
        return False
    return is_admin_for(grants, scope)


def alert_areas(grants: Iterable[Grant]) -> list[str]:
    """Areas (GM/WK) a person may send an area alert to: wijkagent, BOA and admin, in their scope."""
    return sorted({scope for role, scope in grants if role in AREA_ALERT_ROLES and scope[:2] in ("GM", "WK")})


def can_alert_area(grants: Iterable[Grant], target: str) -> bool:
    """May send an area alert to ``target`` (a GM/WK code, or a buurt code for radius alerts)."""
    return any(area_contains(scope, target) for scope in alert_areas(grants))


def custom_tip_scopes(grants: Iterable[Grant]) -> list[str]:
    """Where a person's own tips go: a coordinator's teams ('team:<id>'), an admin's area ('GM…'/'WK…')."""
    grants = list(grants)
    scopes = [team_scope(team_id) for team_id in sorted(coordinated_teams(grants))]
    scopes += sorted({scope for role, scope in grants if role is Role.ADMIN and scope[:2] in ("GM", "WK")})
    return scopes


def can_change_team_buurten(grants: Iterable[Grant], team_gemeente: str, current: Iterable[str],
                            wanted: Iterable[str]) -> bool:
    """Which buurten a team watches decides who sees its alerts, so its own coordinator may not
    widen it: only an admin of the team's gemeente, or someone whose area scope (the
    ``can_create_team`` rule) contains every buurt the team has now and will have."""
    grants = list(grants)
    wanted = list(wanted)
    codes = sorted(set(current) | set(wanted))
    if not wanted or any(gemeente_of(code) != team_gemeente for code in wanted):
        return False
    return is_admin_for(grants, team_gemeente) or can_create_team(grants, codes)


def can_rename_team(grants: Iterable[Grant], team_id: int, team_gemeente: str) -> bool:
    """A name changes nobody's reach: the team's coordinators and the gemeente's admins."""
    return can_manage_team(grants, team_id, team_gemeente)


def can_revoke_invite(grants: Iterable[Grant], actor_id: int, *, created_by: int | None, scope: str,
                      team_gemeente: str | None) -> bool:
    """Who made the invite, or an admin of its area (for a team invite: of the team's gemeente).

    The same person may also take back the role that the invite gave once it was used."""
    if created_by is not None and created_by == actor_id:
        return True
    if scope.startswith("team:"):
        return team_gemeente is not None and is_admin_for(grants, team_gemeente)
    return scope[:2] in ("GM", "WK") and is_admin_for(grants, scope)


# --- who may act on a routed report -------------------------------------------------------------
# A delivery is (chat id, recipient kind) of a message the outbox sent for an incident.
Delivery = tuple[int, str]
# The kinds whose messages carry the officer buttons.
OFFICER_DELIVERY_KINDS = OFFICER_KIND_VALUES


def may_act_on_incident(user_id: int, deliveries: Iterable[Delivery]) -> bool:
    """Only an officer the incident was routed to (in private) may take it, close it or end it."""
    return any(chat_id == user_id and kind in OFFICER_DELIVERY_KINDS for chat_id, kind in deliveries)


def may_respond_in_group(chat_id: int, deliveries: Iterable[Delivery]) -> bool:
    """The group buttons ("Ik kijk" / "Gezien") count only in a group the incident was posted to."""
    return any(chat == chat_id and kind in (RecipientKind.TEAM_GROUP.value, RELAY_KIND) for chat, kind in deliveries)


def may_see_responses(own_group_chats: Iterable[int], deliveries: Iterable[Delivery]) -> bool:
    """A coordinator sees who responded only when the incident was posted in one of their groups."""
    groups = {chat for chat, kind in deliveries if kind == RecipientKind.TEAM_GROUP.value}
    return any(chat in groups for chat in own_group_chats)


# --- muting -------------------------------------------------------------------------------------
MUTER_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.WIJKAGENT, Role.BOA})
# Anyone holding one of these has a duty in the bot; muting them is an admin's decision.
DUTY_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.WIJKAGENT, Role.BOA, Role.CARE_DESK})


def may_mute(actor_roles: Iterable[Role], target_roles: Iterable[Role]) -> bool:
    """Coordinators, officers and admins may mute a resident; only an admin may mute someone
    who holds an officer, coordinator or admin role (so nobody silences who oversees them)."""
    actor = set(actor_roles)
    if not actor & MUTER_ROLES:
        return False
    if set(target_roles) & DUTY_ROLES:
        return Role.ADMIN in actor
    return True


# Who may see /overzicht (figures per area) and, as of now, the officers' map.
OVERVIEW_ROLES = (Role.ADMIN, Role.WIJKAGENT, Role.BOA, Role.CARE_DESK, Role.COORDINATOR)
