"""The group's answers to an alert: "👀 Ik kijk" / "✔️ Gezien" presses, and /reacties, where a
coordinator sees who answered.

A press counts once per person and kind, only in a group the alert was posted in; every copy
of the alert is then edited (through the outbox) to show the new counts.
"""

from __future__ import annotations

import logging
from enum import Enum

from bot.core import permissions
from bot.reports.group_buttons import WatchKind
from bot.reports.service import queue_incident_edits
from bot.runtime.services import Services
from storage import outbox, sightings, teams, users, watch

log = logging.getLogger(__name__)


class Press(Enum):
    COUNTED = "counted"
    REPEATED = "repeated"  # that person had already answered so
    NOT_HERE = "not_here"  # the alert was never posted in this chat (a forged button)


async def posted_in(services: Services, incident_id: int, chat_id: int) -> bool:
    """Whether the incident's alert was posted in this group (or relayed to it)."""
    deliveries = [(d.chat_id, d.kind) for d in await outbox.deliveries_for_incident(services.db, incident_id)]
    return permissions.may_respond_in_group(chat_id, deliveries)


async def record_watch_response(services: Services, incident_id: int, chat_id: int, user_id: int,
                                name: str, kind: WatchKind) -> bool:
    """An "Ik kijk" / "Gezien" press in a group. False when that person had already answered so;
    otherwise every message about the incident is edited to show the new count."""
    if not await watch.record(services.db, incident_id, chat_id, user_id, name, kind.value, services.now()):
        return False
    async with services.db.transaction() as tx:
        await queue_incident_edits(services, tx, incident_id)
    services.wake_sender()
    return True


async def press(services: Services, incident_id: int, chat_id: int, user_id: int, name: str,
                kind: WatchKind) -> Press:
    """A watch button pressed in ``chat_id`` by ``user_id`` (``name``: their cleaned first name,
    which the coordinator sees in /reacties)."""
    if not await posted_in(services, incident_id, chat_id):
        log.warning("refused a watch button that does not belong to this chat")
        return Press.NOT_HERE
    if not await record_watch_response(services, incident_id, chat_id, user_id, name, kind):
        log.info("refused a repeated watch button on incident %s", incident_id)
        return Press.REPEATED
    return Press.COUNTED


async def responders(services: Services, actor: int, reference: str) -> list[tuple[str, str]] | None:
    """/reacties <referentie>: (first name, kind) of everyone who answered, in order; None when
    there is no such report or it was not posted in a group of a team the actor coordinates."""
    sighting = await sightings.by_reference(services.db, reference) if reference else None
    if sighting is None or sighting.incident_id is None:
        log.warning("refused /reacties for a report that was not posted in the caller's groups")
        return None
    team_ids = permissions.coordinated_teams(await users.roles_of(services.db, actor))
    deliveries = [(d.chat_id, d.kind) for d in await outbox.deliveries_for_incident(services.db, sighting.incident_id)]
    own_groups = [g.chat_id for team_id in sorted(team_ids) for g in await teams.groups_of_team(services.db, team_id)]
    if not permissions.may_see_responses(own_groups, deliveries):
        log.warning("refused /reacties for a report that was not posted in the caller's groups")
        return None
    return await watch.responders(services.db, sighting.incident_id)
