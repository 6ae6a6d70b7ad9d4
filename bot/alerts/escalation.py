"""Urgent reports nobody picked up in time go to the gemeente's backup desk, once."""

from __future__ import annotations

import datetime as dt
import logging

from bot.core.domain import URGENT_CATEGORIES, RecipientKind
from bot.reports.service import queue_copy
from bot.runtime.services import Services
from storage import sightings, users

log = logging.getLogger(__name__)


def escalation_cutoff(now: dt.datetime, minutes: int) -> dt.datetime:
    return now - dt.timedelta(minutes=minutes)


async def escalate_due(services: Services) -> int:
    """Escalate every urgent incident (an urgent category, or a report marked "Nu gevaar") still
    'new' after the configured time. Returns how many."""
    now = services.now()
    cutoff = escalation_cutoff(now, services.config.incidents.escalate_after_minutes)
    due = await sightings.unacknowledged_incidents(
        services.db, [c.value for c in URGENT_CATEGORIES], cutoff
    )
    escalated = 0
    for incident in due:
        desks = services.directory.backup_desks.get(incident.gemeente_code, ())
        languages = await users.languages(services.db, list(desks))
        async with services.db.transaction() as tx:
            # Marked in the same transaction as the messages: escalates exactly once.
            if not await sightings.mark_escalated(tx, incident.id, now):
                continue
            for desk in desks:
                # The same rendering as every later edit of it: the escalation header stays.
                await queue_copy(services, tx, incident.id, desk, RecipientKind.BACKUP_DESK,
                                 languages.get(desk, services.config.language))
        if not desks:
            log.warning("incident %d is unacknowledged but its gemeente has no backup desk", incident.id)
        escalated += 1
    if escalated:
        services.wake_sender()
    return escalated
