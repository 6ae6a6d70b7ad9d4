"""Submitting a sighting: store it, merge it into an incident, route it and queue the messages.

All of that is one transaction, so the resident is told "received" only when every message
it causes is safely in the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.domain import URGENT_CATEGORIES, Recipient, RecipientKind, Sighting, SightingStatus
from bot.core.i18n import translator
from bot.reports import texts as render
from bot.reports.incidents import find_merge_target
from bot.reports.routing import route_sighting, with_walkers_on_duty
from bot.runtime.metrics import SIGHTINGS
from bot.runtime.services import Services
from storage import drafts, outbox, sightings, users, watch
from storage import patrol as patrol_store
from storage.db import Transaction

OFFICER_KINDS = {RecipientKind.WIJKAGENT, RecipientKind.BOA, RecipientKind.CARE_DESK, RecipientKind.FALLBACK_DESK}
OFFICER_KIND_VALUES = {k.value for k in OFFICER_KINDS}
CLOSED = {SightingStatus.HANDLED, SightingStatus.NO_ACTION, SightingStatus.RESOLVED, SightingStatus.FALSE_ALARM,
          SightingStatus.EXPIRED}
DRAFT_CONFIRM_STEP = "confirm"  # the report flow's last step (handlers.report Step.CONFIRM)
RELAY_KIND = "relay"  # a group message in a neighbouring buurt
OPEN_STATUSES = (SightingStatus.NEW, SightingStatus.ACKNOWLEDGED)


class DraftGone(Exception):
    """The report's draft was no longer there: it was already sent (a second press on
    "Versturen"), or cancelled. Nothing was stored, nothing queued."""


@dataclass(frozen=True, slots=True)
class Submitted:
    sighting: Sighting
    incident_id: int
    merged: bool
    report_count: int
    recipients: tuple[Recipient, ...]


def priority_of(sighting: Sighting) -> int:
    return outbox.PRIORITY_URGENT if sighting.urgent or sighting.category in URGENT_CATEGORIES else outbox.PRIORITY_NORMAL


async def submit_sighting(
    services: Services, sighting: Sighting, *, reporter_label: str | None, draft_owner: int | None = None,
    also: Callable[[Transaction, Sighting], Awaitable[None]] | None = None,
) -> Submitted:
    """``also`` runs inside the same transaction once the sighting is stored (a walk report
    records the sighting it became), so both are written or neither.

    With ``draft_owner``, that person's draft (still at the confirm step) is taken in the same
    transaction, first: when it is already gone, :class:`DraftGone` is raised and nothing is
    written. Updates run concurrently, so two presses on "Versturen" can both get this far.
    """
    config = services.config
    now = services.now()
    sighting.created_at = now
    local_year = now.astimezone(config.timezone).year
    window = dt.timedelta(minutes=config.incidents.merge_minutes)
    directory = services.directory
    if rounds := await patrol_store.running(services.db, now):
        # Walkers on duty right now get what the alert group gets; who that is depends on the moment.
        directory = with_walkers_on_duty(directory, rounds, now)
    recipients = route_sighting(sighting, sighting.area, directory)
    languages = await users.languages(services.db, [r.chat_id for r in recipients if r.chat_id > 0])
    group_languages = {
        g.chat_id: g.language for gs in services.directory.groups_by_buurt.values() for g in gs
    }
    async with services.db.transaction() as tx:
        # The draft goes in the same transaction: never a stored report *and* a live draft,
        # and never two reports from one draft.
        if draft_owner is not None and not await drafts.take(tx, draft_owner, step=DRAFT_CONFIRM_STEP):
            raise DraftGone
        candidates = await sightings.open_incidents_since(
            tx, sighting.category, sighting.area.gemeente_code, now - window,
            buurt_code=sighting.area.buurt_code, near=sighting.point,
            radius_deg=config.incidents.merge_distance_m / 111_000 * 1.2,
        )
        incident_id = find_merge_target(
            sighting, candidates, max_distance_m=config.incidents.merge_distance_m, window=window
        )
        merged = incident_id is not None
        if incident_id is None:
            incident_id = await sightings.create_incident(tx, sighting)
            report_count = 1
        else:
            report_count = await sightings.add_report_to_incident(tx, incident_id, now)
        sighting.incident_id = incident_id
        await sightings.create(tx, sighting, local_year=local_year)
        if also is not None:
            await also(tx, sighting)
        if merged:
            # The edits and the additions are about the same first report and the same copies of it.
            first = await sightings.first_of_incident(tx, incident_id)
            if first is not None:
                deliveries = await outbox.deliveries_for_incident(tx, incident_id)
                await _queue_edits(services, tx, incident_id, first, deliveries)
                await _queue_additions(services, tx, sighting, first, deliveries, reporter_label)
        else:
            for recipient in recipients:
                language = group_languages.get(recipient.chat_id) or languages.get(recipient.chat_id) or config.language
                await _queue_routed(services, tx, sighting, recipient, language, reporter_label, incident_id)
    services.wake_sender()
    SIGHTINGS.labels(category=sighting.category.value).inc()
    return Submitted(sighting, incident_id, merged, report_count, tuple(recipients))


async def _queue_routed(
    services: Services,
    tx: Transaction,
    sighting: Sighting,
    recipient: Recipient,
    language: str,
    reporter_label: str | None,
    incident_id: int,
) -> None:
    t = translator(language)
    text = render.sighting_text(
        t, sighting, tz=services.config.timezone, for_kind=recipient.kind, reporter_label=reporter_label
    )
    if recipient.kind in OFFICER_KINDS:
        keyboard = render.officer_keyboard(t, incident_id)
    elif recipient.kind is RecipientKind.TEAM_GROUP:
        keyboard = render.group_keyboard(t, incident_id)
    else:
        keyboard = None
    payload: dict[str, object] = {"text": text, "parse_mode": "HTML"}
    if keyboard:
        payload["reply_markup"] = keyboard
    await outbox.enqueue(
        tx,
        recipient.chat_id,
        "sendMessage",
        payload,
        priority=priority_of(sighting),
        kind=recipient.kind.value,
        language=language,
        sighting_id=sighting.id,
        incident_id=incident_id,
        not_before=services.now(),
    )
    if sighting.photo_file_id and recipient.kind in OFFICER_KINDS:
        await _queue_officer_photo(services, tx, sighting, recipient.chat_id, sighting.reference or "",
                                   kind=recipient.kind.value, language=language)


async def _queue_officer_photo(
    services: Services, tx: Transaction, sighting: Sighting, chat_id: int, caption: str, *, kind: str,
    language: str, reply_to: int | None = None,
) -> None:
    """The sighting's photo to an officer. Photos go to officers only; re-sending by file_id as
    a photo strips metadata. The row carries no incident id: it is not a message to edit."""
    await outbox.enqueue(
        tx, chat_id, "sendPhoto", {"photo": sighting.photo_file_id, "caption": caption},
        priority=priority_of(sighting), kind=kind, language=language, sighting_id=sighting.id, incident_id=None,
        reply_to=reply_to, not_before=services.now(),
    )


async def _queue_additions(
    services: Services, tx: Transaction, sighting: Sighting, first: Sighting, deliveries: list[outbox.Delivery],
    reporter_label: str | None,
) -> None:
    """A report merged into an incident: the officers get it in full, as a reply to their copy
    of the first report (its text as written, its photo, who reported).

    The edited first message shows only the first report with a new count; what a later
    reporter saw (another description, a photo, someone to call back) would otherwise never
    reach the wijkagent. Groups get the edit only: they need the count, not another alert.
    The rows carry the new sighting's id (so /vergeetmij and retention reach them) and no
    incident id (they are not the incident's messages to edit).
    """
    told: set[int] = set()
    for delivery in deliveries:
        if (delivery.method != "sendMessage" or delivery.status in ("failed", "dropped")
                or delivery.kind not in OFFICER_KIND_VALUES or delivery.chat_id in told):
            continue
        told.add(delivery.chat_id)
        kind = RecipientKind(delivery.kind)
        t = translator(delivery.language)
        addition = t.gettext("Aanvulling op {reference}").format(reference=first.reference)
        text = "➕ <b>" + render.esc(addition) + "</b>\n" + render.sighting_text(
            t, sighting, tz=services.config.timezone, for_kind=kind, reporter_label=reporter_label)
        await outbox.enqueue(
            tx, delivery.chat_id, "sendMessage", {"text": text, "parse_mode": "HTML"}, priority=priority_of(sighting),
            kind=delivery.kind, language=delivery.language, sighting_id=sighting.id, incident_id=None,
            reply_to=delivery.outbox_id, not_before=services.now(),
        )
        if sighting.photo_file_id:
            # As for the first report, by file id.
            await _queue_officer_photo(services, tx, sighting, delivery.chat_id, addition + " · " + (sighting.reference or ""),
                                       kind=delivery.kind, language=delivery.language, reply_to=delivery.outbox_id)


async def queue_incident_edits(services: Services, tx: Transaction, incident_id: int) -> None:
    """Edit every message about the incident in place: new count, new status."""
    first = await sightings.first_of_incident(tx, incident_id)
    if first is not None:
        await _queue_edits(services, tx, incident_id, first, await outbox.deliveries_for_incident(tx, incident_id))


async def _queue_edits(services: Services, tx: Transaction, incident_id: int, first: Sighting,
                       deliveries: list[outbox.Delivery]) -> None:
    """Queue the edits, given the incident's first report and the deliveries of its messages."""
    incident = await sightings.get_incident(tx, incident_id)
    if incident is None:
        return
    references: list[str] | None = None
    first.area = services.catalog.area(first.area.buurt_code) or first.area
    watchers = await watch.counts(tx, incident_id)
    # Officers' copies keep "Melder: …" through every edit. The label is read from the users
    # table, so after /vergeetmij (reporter anonymised, user row erased) it is gone here too.
    reporter: str | None = None
    if first.reporter_id is not None:
        user = await users.get(tx, first.reporter_id)
        if user is not None:
            reporter = render.reporter_label(user.display_name, user.username)
    for delivery in deliveries:
        if delivery.method != "sendMessage" or delivery.status in ("failed", "dropped"):
            continue
        relayed = delivery.kind == RELAY_KIND
        kind = RecipientKind.TEAM_GROUP if relayed else RecipientKind(delivery.kind)
        t = translator(delivery.language)
        text = render.sighting_text(
            t, first, tz=services.config.timezone, for_kind=kind, report_count=incident.report_count,
            status=incident.status, watchers=watchers,
            reporter_label=reporter if kind in OFFICER_KINDS else None,
            relayed_from=(first.area.buurt_name or first.area.buurt_code) if relayed else None,
            relay_over=relayed and incident.relay_over and incident.status in OPEN_STATUSES,
        )
        if kind in OFFICER_KINDS and incident.report_count > 1:
            if references is None:
                references = await sightings.references_of_incident(tx, incident_id)
            shown = ", ".join(references)
            if incident.report_count > len(references):
                shown = "…, " + shown
            text += "\n" + t.gettext("Meldingen: {references}").format(references=shown)
        payload: dict[str, object] = {"text": text, "parse_mode": "HTML"}
        if incident.status in OPEN_STATUSES and not (relayed and incident.relay_over):
            if kind in OFFICER_KINDS:
                payload["reply_markup"] = render.officer_keyboard(t, incident_id)
            elif kind is RecipientKind.TEAM_GROUP:
                payload["reply_markup"] = render.group_keyboard(t, incident_id)
        await outbox.enqueue(
            tx, delivery.chat_id, "editMessageText", payload, priority=outbox.PRIORITY_NORMAL,
            kind=delivery.kind, language=delivery.language, incident_id=incident_id, edit_of=delivery.outbox_id,
            not_before=services.now(),
        )


async def set_incident_status(
    services: Services, incident_id: int, status: SightingStatus, *, by: int | None
) -> list[int] | None:
    """An officer changed the status: edit every message, tell every reporter. Returns reporters told,
    or None when the status did not change because it already was ``status`` or the incident was
    closed by then (checked and set in this one transaction: two presses at once tell nobody twice)."""
    now = services.now()
    async with services.db.transaction() as tx:
        if not await sightings.set_incident_status(tx, incident_id, status, by=by, at=now):
            return None
        await queue_incident_edits(services, tx, incident_id)
        if status in CLOSED:
            # People who went to look get the outcome privately, so nobody stays out in the dark.
            first = await sightings.first_of_incident(tx, incident_id)
            ref = first.reference or "" if first else ""
            lookers = await watch.lookers(tx, incident_id)
            languages = await users.languages(tx, lookers) if lookers else {}
            for looker in lookers:
                language = languages.get(looker, services.config.language)
                t = translator(language)
                await outbox.enqueue(
                    tx, looker, "sendMessage",
                    {"text": t.gettext("Het alarm {reference} waar je naar keek: {status}.").format(
                        reference=ref, status=t.gettext(render.STATUS_LABELS[status]))},
                    priority=outbox.PRIORITY_NORMAL, kind="status", language=language, not_before=now)
        told: list[int] = []
        for reporter_id, language, reference in await sightings.reporters_of_incident(tx, incident_id):
            told.append(reporter_id)
            t = translator(language)
            await outbox.enqueue(
                tx, reporter_id, "sendMessage",
                {"text": render.status_update_for_reporter(t, reference, status), "parse_mode": "HTML"},
                priority=outbox.PRIORITY_NORMAL, kind="status", language=language, incident_id=None,
                not_before=now,
            )
    services.wake_sender()
    return told
