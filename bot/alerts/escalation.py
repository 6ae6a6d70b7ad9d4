"""Urgent reports nobody picked up in time go to the gemeente's backup desk, once."""

from __future__ import annotations

import datetime as dt
import logging

from bot.core.domain import URGENT_CATEGORIES, RecipientKind
from bot.core.i18n import translator
from bot.reports import texts as render
from bot.runtime.services import Services
from storage import outbox, sightings, users

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
        reports = await sightings.of_incident(services.db, incident.id)
        if not reports:
            continue
        first = reports[0]
        first.area = services.catalog.area(first.area.buurt_code) or first.area
        languages = await users.languages(services.db, list(desks))
        async with services.db.transaction() as tx:
            # Marked in the same transaction as the messages: escalates exactly once.
            if not await sightings.mark_escalated(tx, incident.id, now):
                continue
            for desk in desks:
                language = languages.get(desk, services.config.language)
                t = translator(language)
                minutes = int((now - incident.first_at).total_seconds() // 60)
                text = "⏫ <b>" + t.gettext("Escalatie: niet opgepakt na {minutes} minuten").format(minutes=minutes) + "</b>\n\n"
                text += render.sighting_text(
                    t, first, tz=services.config.timezone, for_kind=RecipientKind.FALLBACK_DESK,
                    report_count=incident.report_count,
                )
                await outbox.enqueue(
                    tx, desk, "sendMessage",
                    {"text": text, "parse_mode": "HTML", "reply_markup": render.officer_keyboard(t, incident.id)},
                    priority=outbox.PRIORITY_URGENT, kind=RecipientKind.FALLBACK_DESK.value, language=language,
                    incident_id=incident.id, not_before=now,
                )
        if not desks:
            log.warning("incident %d is unacknowledged but its gemeente has no backup desk", incident.id)
        escalated += 1
    if escalated:
        services.wake_sender()
    return escalated
