"""Teams, their alert groups and the roles invites gave: the writes behind /team, /koppel,
/ontkoppel, /intrekken and the group watch buttons.

The handlers parse the update, check the caller's rights and render the reply; what changes,
in which transaction, and who else is told happens here. Every write goes through storage/
(which writes the audit entries in the same transaction), and a notice goes through the outbox
in the same transaction as its cause.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum

from bot.core import permissions
from bot.core.domain import Role
from bot.core.i18n import N_, translator
from bot.reports.service import queue_incident_edits
from bot.runtime.services import Services
from storage import invites, outbox, teams, users, watch

ROLE_NAMES = {
    Role.ADMIN: N_("beheerder"), Role.COORDINATOR: N_("coördinator"), Role.WIJKAGENT: N_("wijkagent"),
    Role.BOA: N_("wijk-BOA"), Role.CARE_DESK: N_("zorgloket"), Role.RESIDENT: N_("bewoner"),
}


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


def from_config(services: Services, team: teams.Team) -> bool:
    """Teams named in the config file get their name and buurten from it at every start."""
    return any(configured.name == team.name for configured in services.config.teams)


async def create_team(services: Services, name: str, buurten: list[str], *, created_by: int) -> NewTeam:
    """A new team for ``buurten`` (all in one gemeente); whoever made it becomes its coordinator."""
    async with services.db.transaction() as tx:
        team_id = await teams.create_team(tx, name, permissions.gemeente_of(buurten[0]), buurten,
                                          created_by=created_by)
        await users.grant_role(tx, created_by, Role.COORDINATOR, f"team:{team_id}", granted_by=created_by)
    return NewTeam(team_id, name)


async def set_team_buurten(services: Services, team: teams.Team, buurten: list[str], *, by: int) -> teams.Team:
    """The team now follows ``buurten``; routing follows at once. Returns the team as it is now."""
    async with services.db.transaction() as tx:
        await teams.set_buurten(tx, team.id, buurten, by=by)
    await services.refresh_directory()
    return replace(team, buurten=tuple(buurten))


async def rename_team(services: Services, team: teams.Team, name: str, *, by: int) -> Renamed:
    async with services.db.transaction() as tx:
        await teams.rename_team(tx, team.id, name, by=by)
    return Renamed(team.id, team.name, name)


# ---------------------------------------------------------------------------- alert groups


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


async def unlink_group(services: Services, chat_id: int) -> bool:
    """The group gets no more alerts; True when it was receiving them."""
    changed = await teams.set_group_active(services.db, chat_id, False)
    await services.refresh_directory()
    return changed


async def record_watch_response(services: Services, incident_id: int, chat_id: int, user_id: int,
                                name: str, kind: str) -> bool:
    """An "Ik kijk" / "Gezien" press in a group. False when that person had already answered so;
    otherwise every message about the incident is edited to show the new count."""
    if not await watch.record(services.db, incident_id, chat_id, user_id, name, kind, services.now()):
        return False
    async with services.db.transaction() as tx:
        await queue_incident_edits(services, tx, incident_id)
    services.wake_sender()
    return True


# ---------------------------------------------------------------------------- invites


class Revocation(Enum):
    INVITE_REVOKED = "invite"  # it was still open: nobody can claim it now
    ROLE_REVOKED = "role"  # it was used: the role it gave is taken back
    ALREADY_GONE = "gone"  # revoked before, or the role it gave is no longer held


async def revoke_invite(services: Services, invite: invites.Invite, actor: int) -> Revocation:
    """/intrekken of an invite the actor may revoke. Written to the audit log either way."""
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
