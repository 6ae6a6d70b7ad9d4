"""Every alert ends: expiry after a while, or an officer/coordinator marks the outcome; an alert
can be relayed once to the neighbouring buurten (adjacent, or within a radius) for a limited
time; and area broadcasts nobody ended expire too."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from bot.alerts import broadcasts
from bot.config.schema import Config
from bot.core.domain import RELAY_KIND, Category, Point, RecipientKind, SightingStatus
from bot.core.i18n import Translator, translator
from bot.reports import texts as render
from bot.reports.service import OPEN_STATUSES, set_incident_status
from bot.runtime.services import Services
from bot.teams.invites import deep_link
from storage import lifecycle, outbox, sightings, users, watch
from storage.db import Transaction
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
    first.area = services.catalog.area(first.area.buurt_code) or first.area
    now = services.now()
    until = now + dt.timedelta(minutes=services.config.alert_relay_ttl_minutes)
    async with services.db.transaction() as tx:
        if not await lifecycle.mark_relayed(tx, incident_id, now, until):
            return 0  # relayed before: once only
        watchers = await watch.counts(tx, incident_id)
        for chat_id, language in groups.items():
            t = translator(language)
            payload = {"text": _relay_text(services, t, first, incident, watchers), "parse_mode": "HTML",
                       "reply_markup": render.group_keyboard(t, incident_id)}
            await outbox.enqueue(tx, chat_id, "sendMessage", payload, priority=outbox.PRIORITY_URGENT,
                                 kind=RELAY_KIND, language=language, incident_id=incident_id, not_before=now)
        log.info("relayed incident %d to %d neighbouring groups by %s", incident_id, len(groups),
                 f"a radius of {radius_m} m" if radius_m else "adjacency")
    services.wake_sender()
    return len(groups)


def _relay_text(services: Services, t: Translator, first: sightings.Sighting, incident: Incident,
                watchers: tuple[int, int], *, relay_over: bool = False) -> str:
    return render.sighting_text(t, first, tz=services.config.timezone, for_kind=RecipientKind.TEAM_GROUP,
                                report_count=incident.report_count, status=incident.status, watchers=watchers,
                                relayed_from=first.area.buurt_name or first.area.buurt_code, relay_over=relay_over)


async def end_relay(services: Services, incident_id: int) -> int:
    """The relay's time-to-live passed: every relayed message says it is no longer current and
    loses its buttons. The original alert goes on where it started. Returns edits queued."""
    incident = await sightings.get_incident(services.db, incident_id)
    first = await sightings.first_of_incident(services.db, incident_id)
    if incident is None or first is None:
        return 0
    first.area = services.catalog.area(first.area.buurt_code) or first.area
    now = services.now()
    queued = 0
    async with services.db.transaction() as tx:
        if not await lifecycle.mark_relay_ended(tx, incident_id, now):
            return 0
        watchers = await watch.counts(tx, incident_id)
        queued = await _edit_relayed(services, tx, first, incident, watchers, now)
    services.wake_sender()
    return queued


async def _edit_relayed(services: Services, tx: Transaction, first: sightings.Sighting, incident: Incident,
                        watchers: tuple[int, int], now: dt.datetime) -> int:
    queued = 0
    for delivery in await outbox.deliveries_for_incident(tx, incident.id):
        if delivery.kind != RELAY_KIND or delivery.method != "sendMessage" or delivery.status in ("failed", "dropped"):
            continue
        t = translator(delivery.language)
        # No reply_markup: the edit takes the buttons away.
        payload = {"text": _relay_text(services, t, first, incident, watchers, relay_over=True), "parse_mode": "HTML"}
        await outbox.enqueue(tx, delivery.chat_id, "editMessageText", payload, priority=outbox.PRIORITY_NORMAL,
                             kind=delivery.kind, language=delivery.language, incident_id=incident.id,
                             edit_of=delivery.outbox_id, not_before=now)
        queued += 1
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
