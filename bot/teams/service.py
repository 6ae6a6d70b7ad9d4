"""Teams, their alert groups and invites: the look-ups and writes behind /team, /koppel,
/ontkoppel, /uitnodigen, /uitnodigingen, /intrekken and an invite's /start link.

The handlers parse the update and render the reply; who may do it, what changes, in which
transaction, and who else is told happens here. Every write goes through storage/ (which
writes the audit entries in the same transaction), and a notice goes through the outbox in
the same transaction as its cause.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum, StrEnum

from bot.core import permissions
from bot.core.domain import Role
from bot.core.i18n import Translator, translator
from bot.core.textsafety import parse_id
from bot.runtime.services import Services
from bot.teams import texts
from bot.teams.invites import ClaimResult, NewInvite, claim_invite, create_invite
from bot.teams.texts import ROLE_NAMES, GroupView, TeamView
from storage import invites, outbox, teams, users

log = logging.getLogger(__name__)
INVITE_CODE = re.compile(r"[0-9a-f]{4,16}")


async def grants_of(services: Services, user_id: int) -> list[permissions.Grant]:
    """Every role someone holds, with its scope."""
    return await users.roles_of(services.db, user_id)


async def scope_label(services: Services, t: Translator, scope: str) -> str:
    """What a scope is called for people: the gemeente, the wijk, or "team <name>"."""
    catalog = services.catalog
    if scope.startswith("GM"):
        return catalog.gemeente_names.get(scope, scope)
    if scope.startswith("WK"):
        return catalog.wijk_names.get(scope, scope)
    if (team_id := permissions.team_of_scope(scope)) is not None:
        team = await teams.get_team(services.db, team_id)
        return texts.team_label(t, team.name if team is not None else None, team_id)
    return scope


# ---------------------------------------------------------------------------- teams


@dataclass(frozen=True, slots=True)
class NewTeam:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Renamed:
    team_id: int
    old_name: str
    name: str


class TeamRefusal(StrEnum):
    NOT_MANAGED = "not_managed"  # no such team, or the caller does not manage it
    NOT_IN_AREA = "not_in_area"  # /team nieuw for buurten outside the caller's area
    NAME_TAKEN = "name_taken"
    BAD_BUURTEN = "bad_buurten"  # unknown buurten, or in another gemeente than the team's
    GEMEENTE_DECIDES = "gemeente_decides"  # a team's own coordinator may not change its buurten
    FROM_CONFIG = "from_config"  # the config file defines this team


def from_config(services: Services, team: teams.Team) -> bool:
    """Teams named in the config file get their name and buurten from it at every start."""
    return any(configured.name == team.name for configured in services.config.teams)


def resolve_buurten(services: Services, words: Iterable[str],
                    gemeente: str | None = None) -> tuple[list[str], list[str]]:
    """Buurtcodes or buurt names → codes; also the words that matched nothing.

    Names like "Centrum" exist in several gemeenten: with ``gemeente`` they are looked up there."""
    catalog = services.catalog
    by_name = {}
    for code in catalog.buurt_codes():
        area = catalog.area(code)
        if area and (gemeente is None or permissions.gemeente_of(code) == gemeente):
            by_name[area.buurt_name.lower()] = code
    found: list[str] = []
    unknown: list[str] = []
    for word in (w.strip() for w in words):
        if not word:
            continue
        match = word.upper() if word.upper() in catalog else by_name.get(word.lower())
        (found if match else unknown).append(match or word)
    return sorted(set(found)), unknown


async def create_team(services: Services, name: str, buurten: list[str], *, created_by: int) -> NewTeam:
    """A new team for ``buurten`` (all in one gemeente); whoever made it becomes its coordinator."""
    async with services.db.transaction() as tx:
        team_id = await teams.create_team(tx, name, permissions.gemeente_of(buurten[0]), buurten,
                                          created_by=created_by)
        await users.grant_role(tx, created_by, Role.COORDINATOR, permissions.team_scope(team_id), granted_by=created_by)
    return NewTeam(team_id, name)


async def new_team(services: Services, actor: int, name: str, buurten: list[str]) -> NewTeam | TeamRefusal:
    """/team nieuw: a team for buurten in the actor's own area, under a name not yet taken."""
    if not permissions.can_create_team(await grants_of(services, actor), buurten):
        log.warning("refused /team nieuw outside the caller's area")
        return TeamRefusal.NOT_IN_AREA
    if await teams.team_by_name(services.db, name) is not None:
        log.info("refused /team nieuw: the name is taken")
        return TeamRefusal.NAME_TAKEN
    return await create_team(services, name, buurten, created_by=actor)


async def set_team_buurten(services: Services, team: teams.Team, buurten: list[str], *, by: int) -> teams.Team:
    """The team now follows ``buurten``; routing follows at once. Returns the team as it is now."""
    async with services.db.transaction() as tx:
        await teams.set_buurten(tx, team.id, buurten, by=by)
    await services.refresh_directory()
    return replace(team, buurten=tuple(buurten))


@dataclass(frozen=True, slots=True)
class BuurtenChange:
    """What /team buurten did: the team as it is now, or why not (with the words that matched
    no buurt)."""

    team: teams.Team | None
    refusal: TeamRefusal | None = None
    unknown: tuple[str, ...] = ()


async def change_team_buurten(services: Services, actor: int, team_id: int, words: list[str]) -> BuurtenChange:
    """/team buurten <nummer> <buurten…>: only an admin or an area coordinator of the team's
    gemeente changes its reach, and never of a team the config file defines."""
    team = await teams.get_team(services.db, team_id)
    codes, unknown = resolve_buurten(services, words, team.gemeente_code if team else None)
    grants = await grants_of(services, actor)
    if team is None or not permissions.can_manage_team(grants, team.id, team.gemeente_code):
        log.warning("refused /team buurten for a team the caller does not manage")
        return BuurtenChange(None, TeamRefusal.NOT_MANAGED)
    if unknown or not codes or any(permissions.gemeente_of(c) != team.gemeente_code for c in codes):
        return BuurtenChange(team, TeamRefusal.BAD_BUURTEN, tuple(unknown))
    # Its own coordinator may not widen (or narrow) the team's reach: that is the gemeente's call.
    if not permissions.can_change_team_buurten(grants, team.gemeente_code, team.buurten, codes):
        log.warning("refused /team buurten: only an admin or an area coordinator may change a team's buurten")
        return BuurtenChange(team, TeamRefusal.GEMEENTE_DECIDES)
    if from_config(services, team):
        log.info("refused /team buurten for a team defined in the config file")
        return BuurtenChange(team, TeamRefusal.FROM_CONFIG)
    return BuurtenChange(await set_team_buurten(services, team, codes, by=actor))


async def rename_team(services: Services, team: teams.Team, name: str, *, by: int) -> Renamed:
    async with services.db.transaction() as tx:
        await teams.rename_team(tx, team.id, name, by=by)
    return Renamed(team.id, team.name, name)


async def rename_managed_team(services: Services, actor: int, team_id: int, name: str) -> Renamed | TeamRefusal:
    """/team naam <nummer> <nieuwe naam>, by someone who may rename that team."""
    team = await teams.get_team(services.db, team_id)
    if team is None or not permissions.can_rename_team(await grants_of(services, actor), team.id, team.gemeente_code):
        log.warning("refused /team naam for a team the caller does not manage")
        return TeamRefusal.NOT_MANAGED
    if from_config(services, team):
        log.info("refused /team naam for a team defined in the config file")
        return TeamRefusal.FROM_CONFIG
    other = await teams.team_by_name(services.db, name)
    if other is not None and other.id != team.id:
        log.info("refused /team naam: the name is taken")
        return TeamRefusal.NAME_TAKEN
    return await rename_team(services, team, name, by=actor)


async def team_view(services: Services, team: teams.Team) -> TeamView:
    """A team with its buurten by name, its coordinators by name and its groups."""
    catalog = services.catalog
    groups = await teams.groups_of_team(services.db, team.id)
    coordinators = await users.holders_of_scope(services.db, Role.COORDINATOR, permissions.team_scope(team.id))
    names = await users.display_names(services.db, coordinators)
    return TeamView(
        team.id, team.name,
        tuple(area.buurt_name if (area := catalog.area(code)) else code for code in team.buurten),
        tuple(names.get(coordinator) or None for coordinator in coordinators),
        tuple(GroupView(group.title, group.active) for group in groups),
    )


async def managed_team_view(services: Services, actor: int, team_id: int | None) -> TeamView | None:
    """/team <nummer>: the team, for its coordinators and the admins of its gemeente; None
    when there is no such team or the actor does not manage it."""
    team = await teams.get_team(services.db, team_id) if team_id is not None else None
    if team is None or not permissions.can_manage_team(await grants_of(services, actor), team.id, team.gemeente_code):
        log.warning("refused /team <nummer> for a team the caller does not manage")
        return None
    return await team_view(services, team)


async def own_team_views(services: Services, actor: int) -> list[TeamView] | None:
    """/team: the teams the actor coordinates; None when they coordinate none."""
    team_ids = permissions.coordinated_teams(await grants_of(services, actor))
    if not team_ids:
        return None
    return [await team_view(services, team) for team_id in sorted(team_ids)
            if (team := await teams.get_team(services.db, team_id))]


# ---------------------------------------------------------------------------- alert groups


async def team_to_link(services: Services, actor: int, word: str | None) -> int | None:
    """The team /koppel links a group to: the team number typed (``word``), or without one the
    actor's only team; None when the actor does not coordinate it (or has several teams and
    named none)."""
    team_ids = permissions.coordinated_teams(await grants_of(services, actor))
    if word is not None:
        team_id = parse_id(word)
    else:
        team_id = next(iter(team_ids)) if len(team_ids) == 1 else None
    if team_id is None or team_id not in team_ids:
        log.warning("refused /koppel by someone who is not that team's coordinator")
        return None
    return team_id


async def link_group(services: Services, chat_id: int, team_id: int, *, title: str | None, language: str,
                     linked_by: int) -> teams.Team:
    """Alerts from the team's buurten go to this group from now on. Returns the team."""
    team = await teams.get_team(services.db, team_id)
    assert team is not None
    async with services.db.transaction() as tx:
        await teams.link_group(tx, chat_id, team_id, title=title, language=language, linked_by=linked_by)
    await services.refresh_directory()
    return team


async def owner_elsewhere(services: Services, chat_id: int, team_id: int,
                          grants: Iterable[tuple[Role, str]]) -> teams.Team | None:
    """The other team this group is the alert group of, when the caller may not take it over
    (only that team's coordinator or an admin of its gemeente may); None when linking is fine."""
    group = await teams.get_group(services.db, chat_id)
    if group is None or group.team_id == team_id:
        return None
    other = await teams.get_team(services.db, group.team_id)
    if other is None or permissions.can_manage_team(grants, other.id, other.gemeente_code):
        return None
    return other


@dataclass(frozen=True, slots=True)
class Linking:
    """What /koppel did: the team the group is linked to now, or (``team`` None) the other
    team whose alert group it is and which the actor may not take over."""

    team: teams.Team | None
    other_team: teams.Team | None = None


async def link_group_by(services: Services, actor: int, chat_id: int, team_id: int, *, title: str | None,
                        language: str) -> Linking:
    """/koppel by the team's coordinator (see :func:`team_to_link`) who is an admin of the
    group (Telegram's answer, checked by the handler)."""
    if (other := await owner_elsewhere(services, chat_id, team_id, await grants_of(services, actor))):
        log.warning("refused /koppel of a group that belongs to another team")
        return Linking(None, other)
    return Linking(await link_group(services, chat_id, team_id, title=title, language=language, linked_by=actor))


async def unlink_group(services: Services, chat_id: int) -> bool:
    """The group gets no more alerts; True when it was receiving them."""
    changed = await teams.set_group_active(services.db, chat_id, False)
    await services.refresh_directory()
    return changed


async def unlink_group_by(services: Services, actor: int, chat_id: int) -> bool:
    """/ontkoppel by the linked team's coordinator; False (nothing changed) for anyone else."""
    group = await teams.get_group(services.db, chat_id)
    if group is None or group.team_id not in permissions.coordinated_teams(await grants_of(services, actor)):
        log.warning("refused /ontkoppel by someone who is not the linked team's coordinator")
        return False
    await unlink_group(services, chat_id)
    return True


# ---------------------------------------------------------------------------- invites


async def claim(services: Services, t: Translator, token: str, user_id: int) -> str:
    """``/start <invite token>``: the role is granted (once) and the answer says which."""
    result, role, scope = await claim_invite(services, token, user_id)
    granted = result in (ClaimResult.GRANTED, ClaimResult.ALREADY)
    label = await scope_label(services, t, scope or "") if granted else ""
    return texts.claim_answer(t, result, role, label)


class InviteRefusal(StrEnum):
    UNKNOWN_TEAM = "unknown_team"
    UNKNOWN_AREA = "unknown_area"
    NOT_ALLOWED = "not_allowed"  # no right to invite for this role and scope


@dataclass(frozen=True, slots=True)
class Invitation:
    invite: NewInvite
    role: Role
    scope: str


async def invite(services: Services, actor: int, role: Role, target: str, *, label: str | None) -> Invitation | InviteRefusal:
    """/uitnodigen <rol> <GM…, WK… or team number>: a one-time invite, when the actor may
    give that role there."""
    team_number = parse_id(target)
    scope = permissions.team_scope(team_number) if team_number is not None else target.upper()
    team_gemeente = None
    if team_number is not None:
        team = await teams.get_team(services.db, team_number)
        if team is None:
            log.warning("refused /uitnodigen for a team that does not exist")
            return InviteRefusal.UNKNOWN_TEAM
        team_gemeente = team.gemeente_code
    elif scope[:2] not in ("GM", "WK") or (scope not in services.catalog.gemeente_names
                                            and scope not in services.catalog.wijk_names):
        log.warning("refused /uitnodigen for an unknown area")
        return InviteRefusal.UNKNOWN_AREA
    if not permissions.can_invite(await grants_of(services, actor), role, scope, team_gemeente=team_gemeente):
        log.warning("refused /uitnodigen: no right to invite for this role and scope")
        return InviteRefusal.NOT_ALLOWED
    return Invitation(await create_invite(services, role, scope, created_by=actor, label=label), role, scope)


async def _team_gemeente(services: Services, scope: str) -> str | None:
    """The gemeente of a "team:<n>" scope's team; None for other scopes or a team that is gone."""
    if (team_id := permissions.team_of_scope(scope)) is None:
        return None
    team = await teams.get_team(services.db, team_id)
    return team.gemeente_code if team else None


async def visible_invites(services: Services, actor: int) -> list[invites.Invite] | None:
    """/uitnodigingen: the invites the actor may see (an admin: those they may revoke, their
    own gemeenten's and their own; a coordinator: their own). None for anyone else."""
    grants = await grants_of(services, actor)
    is_admin = any(role is Role.ADMIN for role, _ in grants)
    if not is_admin and not permissions.coordinated_teams(grants):
        return None
    rows = await invites.listed(services.db, created_by=None if is_admin else actor)
    if is_admin:
        team_gemeenten: dict[str, str | None] = {}
        for row in rows:
            if row.scope.startswith("team:") and row.scope not in team_gemeenten:
                team_gemeenten[row.scope] = await _team_gemeente(services, row.scope)
        rows = [row for row in rows if permissions.can_revoke_invite(
            grants, actor, created_by=row.created_by, scope=row.scope, team_gemeente=team_gemeenten.get(row.scope))]
    return rows


class Revocation(Enum):
    INVITE_REVOKED = "invite"  # it was still open: nobody can claim it now
    ROLE_REVOKED = "role"  # it was used: the role it gave is taken back
    ALREADY_GONE = "gone"  # revoked before, or the role it gave is no longer held
    REFUSED = "refused"  # no such invite, or the actor may not revoke it


async def revoke_by_code(services: Services, actor: int, code: str) -> tuple[Revocation, invites.Invite | None]:
    """/intrekken <code>: an open invite can no longer be claimed; for a used one, the role it
    gave is taken back. Either way written to the audit log."""
    found = await invites.get_by_code(services.db, code) if INVITE_CODE.fullmatch(code) else None
    if found is None or not permissions.can_revoke_invite(
            await grants_of(services, actor), actor, created_by=found.created_by, scope=found.scope,
            team_gemeente=await _team_gemeente(services, found.scope)):
        log.warning("refused /intrekken: unknown invite or no right to revoke it")
        return Revocation.REFUSED, None
    revocation = await revoke_invite(services, found, actor)
    if revocation is Revocation.ALREADY_GONE:
        log.info("refused /intrekken: the invite was already revoked, or its role is gone")
    return revocation, found


async def revoke_invite(services: Services, invite: invites.Invite, actor: int) -> Revocation:
    """Revoke an invite the actor may revoke. Written to the audit log either way."""
    if await invites.revoke(services.db, invite.code, by=actor, now=services.now()):
        return Revocation.INVITE_REVOKED
    if invite.used_by is not None and await _revoke_granted_role(services, invite, actor):
        return Revocation.ROLE_REVOKED
    return Revocation.ALREADY_GONE


async def _revoke_granted_role(services: Services, invite: invites.Invite, actor: int) -> bool:
    """Take back the role a used invite gave; the holder is told in their language."""
    assert invite.used_by is not None
    holder = invite.used_by
    language = (await users.languages(services.db, [holder])).get(holder, services.config.language)
    ht = translator(language)
    async with services.db.transaction() as tx:
        if not await users.revoke_role(tx, holder, invite.role, invite.scope, revoked_by=actor):
            return False
        await outbox.enqueue(tx, holder, "sendMessage", {"text": ht.gettext(
            "Je rol als {role} bij Buurtwacht is ingetrokken.").format(role=ht.gettext(ROLE_NAMES[invite.role]))},
            kind="notice", language=language, not_before=services.now())
    await services.refresh_directory()
    services.wake_sender()
    return True
