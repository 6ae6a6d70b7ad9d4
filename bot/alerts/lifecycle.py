"""Every alert ends: expiry after a while, or an officer/coordinator marks the outcome; an alert
can be relayed once to the neighbouring buurten (adjacent, or within a radius) for a limited
time; and area broadcasts nobody ended expire too."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from enum import StrEnum

from bot.alerts import broadcasts
from bot.config.schema import Config
from bot.core import permissions
from bot.core.domain import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    RELAY_KIND,
    UNDELIVERED,
    Category,
    Point,
    SightingStatus,
)
from bot.core.i18n import Translator, translator
from bot.reports.service import copy_payload, copy_state, set_incident_status
from bot.runtime.services import Services
from bot.teams.invites import deep_link
from storage import lifecycle, outbox, sightings, teams, users
from storage.sightings import Incident

log = logging.getLogger(__name__)
DEFAULT_EXPIRY = dt.timedelta(hours=2)
RELAY_RADIUS_M = (100, 5_000)  # a relay by radius: from a street to a few buurten, never a town
WATCH_START_PAYLOAD = "watch"  # t.me/<bot>?start=watch: opens the private chat "Ik kijk" needs


@dataclass(frozen=True, slots=True)
class ExpiryRule:
    default: dt.timedelta = DEFAULT_EXPIRY
    by_category: tuple[tuple[Category, dt.timedelta], ...] = ()

    def for_category(self, category: Category) -> dt.timedelta:
        return dict(self.by_category).get(category, self.default)

    @property
    def shortest(self) -> dt.timedelta:
        return min([self.default, *(d for _, d in self.by_category)])


def expired(first_at: dt.datetime, category: Category, now: dt.datetime, rule: ExpiryRule) -> bool:
    return now - first_at >= rule.for_category(category)


def expiry_rule(config: Config) -> ExpiryRule:
    """How long alerts stay current: ``[alerts]`` expiry minutes, per category where set."""
    return ExpiryRule(dt.timedelta(minutes=config.alert_expiry_minutes),
                      tuple((c, dt.timedelta(minutes=m)) for c, m in config.alert_expiry_by_category.items()))


async def run_expiry_tick(services: Services) -> int:
    """One pass of the lifecycle clock; returns how many alerts and broadcasts it ended.

    - Open alerts past their (per-category) expiry end as "verlopen": every message is edited,
      reporters and the people who pressed "Ik kijk" are told.
    - Relays past their time-to-live: the relayed messages say they are no longer current.
    - Area broadcasts nobody ended, past the default expiry: ended as "verlopen".
    """
    rule = expiry_rule(services.config)
    now = services.now()
    count = 0
    for incident in await lifecycle.open_incidents(services.db, now - rule.shortest):
        if expired(incident.first_at, incident.category, now, rule):
            await set_incident_status(services, incident.id, SightingStatus.EXPIRED, by=None)
            count += 1
    for incident in await lifecycle.relays_past_their_time(services.db, now):
        await end_relay(services, incident.id)
    for broadcast_id in await lifecycle.broadcasts_sent_before(services.db, now - rule.default):
        await broadcasts.end(services, broadcast_id, outcome="expired")
        log.info("broadcast %d expired", broadcast_id)
        count += 1
    return count


# ---------------------------------------------------------------------------- /afsluiten


async def incident_for_reference(services: Services, user_id: int, reference: str) -> int | None:
    """The incident of a reference, if the person is an officer it went to or a coordinator of a
    group that got it."""
    sighting = await sightings.by_reference(services.db, reference.upper())
    if sighting is None or sighting.incident_id is None:
        return None
    deliveries = [(d.chat_id, d.kind) for d in await outbox.deliveries_for_incident(services.db, sighting.incident_id)]
    if permissions.may_act_on_incident(user_id, deliveries):
        return sighting.incident_id
    for team_id in permissions.coordinated_teams(await users.roles_of(services.db, user_id)):
        own_groups = [g.chat_id for g in await teams.groups_of_team(services.db, team_id)]
        if permissions.may_see_responses(own_groups, deliveries):
            return sighting.incident_id
    return None


class CloseResult(StrEnum):
    CLOSED = "closed"
    NOT_YOURS = "not_yours"
    ALREADY_CLOSED = "already_closed"


async def close_by_reference(services: Services, user_id: int, reference: str, outcome: SightingStatus) -> CloseResult:
    """/afsluiten: end an alert that went to the person (or their groups) with its outcome."""
    incident_id = await incident_for_reference(services, user_id, reference)
    if incident_id is None:
        return CloseResult.NOT_YOURS
    incident = await sightings.get_incident(services.db, incident_id)
    if incident is None or incident.status in CLOSED_STATUSES:
        return CloseResult.ALREADY_CLOSED
    if await set_incident_status(services, incident_id, outcome, by=user_id) is None:
        return CloseResult.ALREADY_CLOSED
    return CloseResult.CLOSED


# ---------------------------------------------------------------------------- relay


def relay_buurten(services: Services, incident: Incident, radius_m: int | None) -> set[str]:
    """The buurten a relay goes to: adjacent ones (from the polygons), or those within a radius
    of the alert's point (or of its buurt's centre when the report had no point)."""
    index = services.locator.index
    if radius_m is None:
        return index.adjacent_buurten(incident.buurt_code)
    centre: Point | None = incident.point or index.centroid(incident.buurt_code)
    if centre is None:
        return set()
    return set(index.buurten_within(centre, radius_m)) - {incident.buurt_code}


async def relay(services: Services, incident_id: int, *, by: int, radius_m: int | None = None) -> int:
    """Send the alert once to the groups of neighbouring buurten; returns groups reached.

    The relayed message has the group buttons ("Ik kijk" / "Gezien"), says where it came from,
    and is current for ``[alerts] relay_ttl_minutes``; it is edited when that passes and when
    the original ends.
    """
    incident = await sightings.get_incident(services.db, incident_id)
    if incident is None or incident.status not in OPEN_STATUSES or incident.relayed_at is not None:
        return 0
    buurten = relay_buurten(services, incident, radius_m)
    already = {d.chat_id for d in await outbox.deliveries_for_incident(services.db, incident_id)}
    groups = {g.chat_id: g.language for code in sorted(buurten)
              for g in services.directory.groups_by_buurt.get(code, ()) if g.chat_id not in already}
    first = await sightings.first_of_incident(services.db, incident_id)
    if first is None or not groups:
        return 0  # nobody to relay to: the one relay is not used up
    now = services.now()
    until = now + dt.timedelta(minutes=services.config.alert_relay_ttl_minutes)
    async with services.db.transaction() as tx:
        if not await lifecycle.mark_relayed(tx, incident_id, now, until):
            return 0  # relayed before: once only
        state = await copy_state(services, tx, incident, first)
        for chat_id, language in groups.items():
            payload = copy_payload(services, translator(language), first, RELAY_KIND, incident_id, state)
            await outbox.enqueue(tx, chat_id, "sendMessage", payload, priority=outbox.PRIORITY_URGENT,
                                 kind=RELAY_KIND, language=language, incident_id=incident_id, not_before=now)
        log.info("relayed incident %d to %d neighbouring groups by %s", incident_id, len(groups),
                 f"a radius of {radius_m} m" if radius_m else "adjacency")
    services.wake_sender()
    return len(groups)


async def end_relay(services: Services, incident_id: int) -> int:
    """The relay's time-to-live passed: every relayed message says it is no longer current and
    loses its buttons (and keeps saying so when the original ends later). The original alert
    goes on where it started. Returns edits queued."""
    first = await sightings.first_of_incident(services.db, incident_id)
    if first is None:
        return 0
    now = services.now()
    queued = 0
    async with services.db.transaction() as tx:
        if not await lifecycle.mark_relay_ended(tx, incident_id, now):
            return 0
        incident = await sightings.get_incident(tx, incident_id)
        if incident is None:
            return 0
        state = await copy_state(services, tx, incident, first)
        for delivery in await outbox.deliveries_for_incident(tx, incident.id):
            if delivery.kind != RELAY_KIND or delivery.method != "sendMessage" or delivery.status in UNDELIVERED:
                continue
            payload = copy_payload(services, translator(delivery.language), first, RELAY_KIND, incident_id, state)
            await outbox.enqueue(tx, delivery.chat_id, "editMessageText", payload, priority=outbox.PRIORITY_NORMAL,
                                 kind=delivery.kind, language=delivery.language, incident_id=incident.id,
                                 edit_of=delivery.outbox_id, not_before=now)
            queued += 1
    services.wake_sender()
    return queued


# ---------------------------------------------------------------------------- "Ik kijk" and private chats


async def watch_answer(services: Services, t: Translator, telegram_id: int, kind: str,
                       bot_username: str | None) -> tuple[str, str | None]:
    """The answer to an "Ik kijk" / "Gezien" press: (text, url to open or None).

    Whoever goes to look is told the outcome in private, but a bot cannot start a private chat:
    someone who never started the bot gets the t.me start link (answerCallbackQuery's ``url``,
    which the Bot API allows for t.me/<bot>?start=… links) instead of a silent 403 later.
    """
    if kind != "look":
        return t.gettext("Dank je voor het doorgeven."), None
    text = t.gettext("Dank je. Blijf op afstand en grijp niet zelf in.")
    if bot_username and not await users.reachable_in_private(services.db, telegram_id):
        return text + " " + t.gettext("Start de bot in een privégesprek, dan hoor je hoe dit afloopt."), \
            deep_link(bot_username, WATCH_START_PAYLOAD)
    return text, None
