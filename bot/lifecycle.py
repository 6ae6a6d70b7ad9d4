"""Every alert ends: expiry after a while, or an officer/coordinator marks the outcome; and an
alert can be relayed once to the neighbouring buurten."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from bot import render
from bot.domain import Category, RecipientKind, SightingStatus
from bot.i18n import translator
from bot.reporting import RELAY_KIND, set_incident_status
from bot.services import Services
from storage import lifecycle, outbox, sightings

log = logging.getLogger(__name__)
DEFAULT_EXPIRY = dt.timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class ExpiryRule:
    default: dt.timedelta = DEFAULT_EXPIRY
    by_category: tuple[tuple[Category, dt.timedelta], ...] = ()

    def for_category(self, category: Category) -> dt.timedelta:
        return dict(self.by_category).get(category, self.default)


def expired(first_at: dt.datetime, category: Category, now: dt.datetime, rule: ExpiryRule) -> bool:
    return now - first_at >= rule.for_category(category)


async def run_expiry_tick(services: Services) -> int:
    """Close every open alert past its expiry; each message is edited to show it ended."""
    rule: ExpiryRule = services.extras.get("expiry_rule") or ExpiryRule()
    now = services.now()
    count = 0
    for incident in await lifecycle.open_incidents(services.db, now - min([rule.default, *(d for _, d in rule.by_category)])):
        if expired(incident.first_at, incident.category, now, rule):
            await set_incident_status(services, incident.id, SightingStatus.EXPIRED, by=None)
            count += 1
    return count


async def relay(services: Services, incident_id: int, *, by: int) -> int:
    """Send the alert once to the groups of the neighbouring buurten; returns groups reached."""
    incident = await sightings.get_incident(services.db, incident_id)
    if incident is None or incident.status not in (SightingStatus.NEW, SightingStatus.ACKNOWLEDGED):
        return 0
    neighbours = services.locator.index.adjacent_buurten(incident.buurt_code)
    already = {d.chat_id for d in await outbox.deliveries_for_incident(services.db, incident_id)}
    groups = {g.chat_id: g.language for code in sorted(neighbours)
              for g in services.directory.groups_by_buurt.get(code, ()) if g.chat_id not in already}
    first = await sightings.first_of_incident(services.db, incident_id)
    if first is None:
        return 0
    first.area = services.catalog.area(first.area.buurt_code) or first.area
    now = services.now()
    async with services.db.transaction() as tx:
        if not await lifecycle.mark_relayed(tx, incident_id, now):
            return 0  # relayed before: once only
        for chat_id, language in groups.items():
            t = translator(language)
            text = render.sighting_text(t, first, tz=services.config.timezone, for_kind=RecipientKind.TEAM_GROUP,
                                        report_count=incident.report_count,
                                        relayed_from=first.area.buurt_name or first.area.buurt_code)
            await outbox.enqueue(tx, chat_id, "sendMessage", {"text": text, "parse_mode": "HTML"},
                                 priority=outbox.PRIORITY_URGENT, kind=RELAY_KIND, language=language,
                                 incident_id=incident_id, not_before=now)
        log.info("relayed incident %d to %d neighbouring groups", incident_id, len(groups))
    services.wake_sender()
    return len(groups)
