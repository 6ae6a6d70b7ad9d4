"""Submitting a sighting: store it, merge it into an incident, route it and queue the messages.

All of that is one transaction, so the resident is told "received" only when every message
it causes is safely in the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.core.domain import (
    CLOSED_STATUSES,
    OFFICER_KIND_VALUES,
    OFFICER_KINDS,
    OPEN_STATUSES,
    RECEIPT_KIND,
    RELAY_KIND,
    UNDELIVERED,
    URGENT_CATEGORIES,
    Point,
    Recipient,
    RecipientKind,
    ResolvedLocation,
    Sighting,
    SightingStatus,
)
from bot.core.i18n import Translator, translator
from bot.core.textsafety import clean_text
from bot.geo.address import find_address, without_address
from bot.geo.locate import LocateResult, Outcome
from bot.privacy.profiling import Review, review_description
from bot.privacy.rules import REPORT_WINDOW, is_muted, minutes_until_allowed
from bot.reports import questions
from bot.reports import texts as render
from bot.reports.buttons import CALL_NOW, CANCEL_WORDS, NO_PLACE, Act, Action, parse, typed_answer
from bot.reports.draft import (
    Call112,
    Place,
    ReportDraft,
    Step,
    WhenMode,
    advance,
    answer_112,
    ask_change,
    change,
    choose_category,
    choose_when,
    offer_places,
    send_back_description,
    set_description,
    set_photo,
    set_place,
    set_time,
    set_urgent,
    without_candidates,
)
from bot.reports.incidents import find_merge_target
from bot.reports.officer_buttons import officer_keyboard
from bot.reports.questions import Reply
from bot.reports.routing import avoid_broken, route_sighting, with_walkers_on_duty
from bot.reports.rules import (
    MAX_AGE,
    RECEIPT_GRACE,
    DescriptionProblem,
    WhenProblem,
    description_problem,
    description_sounds_urgent,
    fold_words,
    guess_category,
    is_urgent_text,
    parse_when,
    says_earlier,
)
from bot.runtime.metrics import SIGHTINGS
from bot.runtime.services import Services
from storage import desk as desk_store
from storage import drafts, outbox, sightings, users, watch
from storage import patrol as patrol_store
from storage import privacy as privacy_store
from storage.db import Database, Transaction

CLOSED = CLOSED_STATUSES
DRAFT_CONFIRM_STEP = Step.CONFIRM.value  # a draft is submitted only from its summary


class DraftGone(Exception):
    """The report's draft was no longer there: it was already sent (a second press on
    "Versturen"), or cancelled. Nothing was stored, nothing queued."""


class Refused(Exception):
    """The reporter may not file a report now (muted, or over the hourly limit): ``text`` says
    so. Nothing was stored, nothing queued, the draft is still there."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True, slots=True)
class ReceiptTo:
    """Where the resident's "Ontvangen" goes: the summary message it replaces (or a new message
    when there is none to edit), with the summary's text and the resident's language."""

    chat_id: int
    message_id: int | None
    summary: str
    t: Translator


@dataclass(frozen=True, slots=True)
class Submitted:
    sighting: Sighting
    incident_id: int
    merged: bool
    report_count: int
    recipients: tuple[Recipient, ...]
    receipt: str | None = None  # the receipt's text (summary and "Ontvangen"), with ``receipt_to``
    receipt_row: int | None = None  # its outbox row


def priority_of(sighting: Sighting) -> int:
    return outbox.PRIORITY_URGENT if sighting.urgent or sighting.category in URGENT_CATEGORIES else outbox.PRIORITY_NORMAL


async def submit_sighting(
    services: Services, sighting: Sighting, *, reporter_label: str | None, draft_owner: int | None = None,
    also: Callable[[Transaction, Sighting], Awaitable[None]] | None = None,
    receipt_to: ReceiptTo | None = None,
    refusal: Callable[[Transaction], Awaitable[str | None]] | None = None,
) -> Submitted:
    """``also`` runs inside the same transaction once the sighting is stored (a walk report
    records the sighting it became), so both are written or neither.

    With ``draft_owner``, that person's draft (still at the confirm step) is taken in the same
    transaction, first: when it is already gone, :class:`DraftGone` is raised and nothing is
    written. Updates run concurrently, so two presses on "Versturen" can both get this far.

    With ``receipt_to``, the resident's receipt is an outbox row of the same transaction: killed
    right after the commit, the bot still sends it (after ``RECEIPT_GRACE``) once it runs again.

    ``refusal`` is asked first, in the transaction (no trip of its own to the database
    thread): a text raises :class:`Refused` and nothing is written.
    """
    config = services.config
    now = services.now()
    sighting.created_at = now
    local_year = now.astimezone(config.timezone).year
    window = dt.timedelta(minutes=config.incidents.merge_minutes)
    group_languages = {
        g.chat_id: g.language for gs in services.directory.groups_by_buurt.values() for g in gs
    }
    # Inline: a report's statements are short and many (the draft, who is on duty, the
    # incident, the sighting, every message it causes); a hop to the database thread for each
    # was most of its cost.
    async with services.db.transaction(inline=True) as tx:
        if refusal is not None and (refused := await refusal(tx)) is not None:
            raise Refused(refused)
        # The draft goes in the same transaction: never a stored report *and* a live draft,
        # and never two reports from one draft.
        if draft_owner is not None and not await drafts.take(tx, draft_owner, step=DRAFT_CONFIRM_STEP):
            raise DraftGone
        directory = services.directory
        if rounds := await patrol_store.running(tx, now):
            # Walkers on duty right now get what the alert group gets; who that is depends on the moment.
            directory = with_walkers_on_duty(directory, rounds, now)
        recipients = route_sighting(sighting, sighting.area, directory)
        if services.broken_chats:
            recipients = avoid_broken(recipients, services.broken_chats,
                                      directory.fallback_desks.get(sighting.area.gemeente_code, ()))
        languages = await users.languages(tx, [r.chat_id for r in recipients if r.chat_id > 0])
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
        receipt = receipt_row = None
        if receipt_to is not None:
            assert sighting.reference is not None
            t = receipt_to.t
            receipt = receipt_to.summary + "\n\n" + questions.receipt(
                t, reference=sighting.reference, merged_count=report_count if merged else None,
                forwarded=render.forwarded_to(t, [r.kind for r in recipients]) if recipients else None)
            receipt_row = await _queue_receipt(services, tx, receipt_to, receipt, sighting, incident_id)
    services.wake_sender()
    SIGHTINGS.labels(category=sighting.category.value).inc()
    return Submitted(sighting, incident_id, merged, report_count, tuple(recipients), receipt, receipt_row)


async def _queue_receipt(services: Services, tx: Transaction, to: ReceiptTo, text: str, sighting: Sighting,
                         incident_id: int) -> int:
    """The receipt as an outbox row: an edit that turns the summary into the receipt (its buttons
    go, so nobody sends it twice), or a new message when there is no summary to edit. The
    handler shows it at once and marks it sent (``receipt_shown``); the outbox sends it only
    when that did not happen within ``RECEIPT_GRACE``."""
    now = services.now()
    payload: dict[str, object] = {"text": text, "parse_mode": "HTML"}
    if to.message_id is not None:
        method, payload["message_id"] = "editMessageText", to.message_id
    else:
        method, payload["reply_markup"] = "sendMessage", {"remove_keyboard": True}
    return await outbox.enqueue(tx, to.chat_id, method, payload, kind=RECEIPT_KIND, language=to.t.language,
                                sighting_id=sighting.id, incident_id=incident_id, not_before=now + RECEIPT_GRACE,
                                now=now)


async def receipt_shown(services: Services, row_id: int) -> None:
    """The handler showed the receipt itself: the outbox need not send it."""
    await outbox.mark_shown(services.db, row_id, now=services.now())


async def _stored_receipt(services: Services, user_id: int, t: Translator, message_id: int) -> Answer | None:
    """*Versturen* pressed on a summary whose report is stored already (a second press, or the
    first one's answer lost when the bot was stopped): its receipt, not "verlopen"."""
    stored = await outbox.receipt_for(services.db, user_id, message_id)
    if stored is None:
        return None
    row_id, text = stored
    return Answer([Reply(text, html=True, edit=True, remove_keyboard=True)], toast=t.gettext("Je melding is al verstuurd."),
                  receipt=row_id)


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
    payload = copy_payload(services, t, sighting, recipient.kind.value, incident_id, CopyState(reporter=reporter_label))
    message_row = await outbox.enqueue(
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
    if recipient.kind in OFFICER_KINDS:
        await _queue_officer_pin(services, tx, sighting, recipient.chat_id, kind=recipient.kind.value,
                                 language=language, reply_to=message_row)
    if sighting.photo_file_id and recipient.kind in OFFICER_KINDS:
        await _queue_officer_photo(services, tx, sighting, recipient.chat_id, sighting.reference or "",
                                   kind=recipient.kind.value, language=language)


async def _queue_officer_pin(
    services: Services, tx: Transaction, sighting: Sighting, chat_id: int, *, kind: str, language: str,
    reply_to: int,
) -> None:
    """The exact place as a native Telegram location pin, as a reply to the officer's copy of the
    report (one tap opens it in a map or navigation app). Officers only, like the house number."""
    if sighting.point is None:
        return
    await outbox.enqueue(
        tx, chat_id, "sendLocation", {"latitude": sighting.point.lat, "longitude": sighting.point.lon},
        priority=priority_of(sighting), kind=kind, language=language, sighting_id=sighting.id, incident_id=None,
        reply_to=reply_to, not_before=services.now(),
    )


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
        if (delivery.method != "sendMessage" or delivery.status in UNDELIVERED
                or delivery.kind not in OFFICER_KIND_VALUES or delivery.chat_id in told):
            continue
        told.add(delivery.chat_id)
        kind = RecipientKind(delivery.kind)
        t = translator(delivery.language)
        addition = t.gettext("Aanvulling op {reference}").format(reference=first.reference)
        text = "➕ <b>" + render.esc(addition) + "</b>\n" + render.sighting_text(
            t, sighting, tz=services.config.timezone, for_kind=kind, reporter_label=reporter_label)
        addition_row = await outbox.enqueue(
            tx, delivery.chat_id, "sendMessage", {"text": text, "parse_mode": "HTML"}, priority=priority_of(sighting),
            kind=delivery.kind, language=delivery.language, sighting_id=sighting.id, incident_id=None,
            reply_to=delivery.outbox_id, not_before=services.now(),
        )
        await _queue_officer_pin(services, tx, sighting, delivery.chat_id, kind=delivery.kind,
                                 language=delivery.language, reply_to=addition_row)
        if sighting.photo_file_id:
            # As for the first report, by file id.
            await _queue_officer_photo(services, tx, sighting, delivery.chat_id, addition + " · " + (sighting.reference or ""),
                                       kind=delivery.kind, language=delivery.language, reply_to=delivery.outbox_id)


async def queue_incident_edits(services: Services, tx: Transaction, incident_id: int) -> None:
    """Edit every message about the incident in place: new count, new status."""
    first = await sightings.first_of_incident(tx, incident_id)
    if first is not None:
        await _queue_edits(services, tx, incident_id, first, await outbox.deliveries_for_incident(tx, incident_id))


@dataclass(frozen=True, slots=True)
class CopyState:
    """What a copy of an incident's message shows besides the first report itself."""

    report_count: int = 1
    status: SightingStatus = SightingStatus.NEW
    watchers: tuple[int, int] = (0, 0)
    reporter: str | None = None  # officers' copies only
    references: tuple[str, ...] = ()  # officers' copies of a merged incident: the newest references
    relay_over: bool = False
    escalated_minutes: int | None = None  # the backup desk's copy: not picked up after so long


def copy_payload(services: Services, t: Translator, first: Sighting, kind: str, incident_id: int,
                 state: CopyState) -> dict[str, object]:
    """The one rendering of an incident's message for a delivery kind and state: the first send
    and every later edit of that copy come from here, so an edit never drops what the first
    send said (the backup desk's escalation header, a relay's "niet meer actueel")."""
    relayed = kind == RELAY_KIND
    recipient = RecipientKind.TEAM_GROUP if relayed else RecipientKind(kind)
    officer = recipient in OFFICER_KINDS
    text = render.sighting_text(
        t, first, tz=services.config.timezone, for_kind=recipient, report_count=state.report_count,
        status=state.status, watchers=state.watchers, reporter_label=state.reporter if officer else None,
        relayed_from=(first.area.buurt_name or first.area.buurt_code) if relayed else None,
        relay_over=relayed and state.relay_over,
    )
    if recipient is RecipientKind.BACKUP_DESK and state.escalated_minutes is not None:
        text = "⏫ <b>" + t.gettext("Escalatie: niet opgepakt na {minutes} minuten").format(
            minutes=state.escalated_minutes) + "</b>\n\n" + text
    if officer and state.report_count > 1 and state.references:
        shown = ", ".join(state.references)
        if state.report_count > len(state.references):
            shown = "…, " + shown
        text += "\n" + t.gettext("Meldingen: {references}").format(references=shown)
    payload: dict[str, object] = {"text": text, "parse_mode": "HTML"}
    if officer:
        payload["reply_markup"] = officer_keyboard(t, incident_id, state.status)
    elif state.status in OPEN_STATUSES and not (relayed and state.relay_over) and recipient is RecipientKind.TEAM_GROUP:
        payload["reply_markup"] = render.group_keyboard(t, incident_id)
    return payload


async def copy_state(services: Services, db: Database | Transaction, incident: sightings.Incident,
                     first: Sighting) -> CopyState:
    """The incident's state as every copy shows it, read in ``db`` (a transaction, while editing)."""
    first.area = services.catalog.area(first.area.buurt_code) or first.area
    # Officers' copies keep "Melder: …" through every edit. The label is read from the users
    # table, so after /vergeetmij (reporter anonymised, user row erased) it is gone here too.
    reporter: str | None = None
    if first.reporter_id is not None:
        user = await users.get(db, first.reporter_id)
        if user is not None:
            reporter = render.reporter_label(user.display_name, user.username)
    references = tuple(await sightings.references_of_incident(db, incident.id)) if incident.report_count > 1 else ()
    escalated = (int((incident.escalated_at - incident.first_at).total_seconds() // 60)
                 if incident.escalated_at is not None else None)
    return CopyState(report_count=incident.report_count, status=incident.status,
                     watchers=await watch.counts(db, incident.id), reporter=reporter, references=references,
                     relay_over=incident.relay_over, escalated_minutes=escalated)


async def copy_text(services: Services, t: Translator, incident: sightings.Incident, first: Sighting,
                    kind: RecipientKind) -> str:
    """The text of a copy as it stands now (the desk's detail view shows the officers' one)."""
    state = await copy_state(services, services.db, incident, first)
    return str(copy_payload(services, t, first, kind.value, incident.id, state)["text"])


async def queue_copy(services: Services, tx: Transaction, incident_id: int, chat_id: int, kind: RecipientKind,
                     language: str, *, priority: int = outbox.PRIORITY_URGENT) -> int | None:
    """A new copy of the incident's message to one more chat (a hand-over, a re-routed delivery),
    rendered as the others are now and edited with them from then on. Returns its outbox id."""
    incident = await sightings.get_incident(tx, incident_id)
    first = await sightings.first_of_incident(tx, incident_id)
    if incident is None or first is None:
        return None
    state = await copy_state(services, tx, incident, first)
    payload = copy_payload(services, translator(language), first, kind.value, incident_id, state)
    return await outbox.enqueue(tx, chat_id, "sendMessage", payload, priority=priority, kind=kind.value,
                                language=language, sighting_id=first.id, incident_id=incident_id,
                                not_before=services.now())


async def _queue_edits(services: Services, tx: Transaction, incident_id: int, first: Sighting,
                       deliveries: list[outbox.Delivery]) -> None:
    """Queue the edits, given the incident's first report and the deliveries of its messages."""
    incident = await sightings.get_incident(tx, incident_id)
    if incident is None:
        return
    state = await copy_state(services, tx, incident, first)
    for delivery in deliveries:
        if delivery.method != "sendMessage" or delivery.status in UNDELIVERED:
            continue
        t = translator(delivery.language)
        payload = copy_payload(services, t, first, delivery.kind, incident_id, state)
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
        await desk_store.add_event(tx, incident_id, now, by, status.value)
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


# ============================================================================ the report journey
#
# The resident's side: what a message or a button press does to their draft (bot.reports.draft
# decides the order), what the bot answers (bot.reports.questions), and the submission above.
# handlers/report.py only reads the update, calls these, and sends the replies.


@dataclass(frozen=True, slots=True)
class Incoming:
    """A private message as the journey sees it."""

    text: str | None = None  # the text, or a photo's caption
    photo: str | None = None  # file id of the largest size
    point: Point | None = None  # a shared location, or a point picked on the map (web_app_data)
    forwarded_at: dt.datetime | None = None  # a forwarded message: when it was first sent


@dataclass(slots=True)
class Answer:
    """What the handler sends: ``toast`` answers a button press, ``replies`` follow in order."""

    replies: list[Reply] = field(default_factory=list)
    toast: str | None = None
    receipt: int | None = None  # the receipt's outbox row: once the replies are out, ``receipt_shown``


async def load_draft(services: Services, user_id: int) -> ReportDraft | None:
    cached = services.draft_cache.get(user_id)
    if cached is None:
        cached = await drafts.load(services.db, user_id)
        if cached is None:
            return None
        services.draft_cache[user_id] = cached
    # A fresh object each time: a step that fails half-way never changes the cached draft.
    return ReportDraft.from_json(cached[0], cached[1])


async def has_draft(services: Services, user_id: int) -> bool:
    return await load_draft(services, user_id) is not None


async def _save(services: Services, user_id: int, draft: ReportDraft) -> None:
    data = draft.to_json()
    # In memory first: when the database cannot be written (a full disk), the person is told
    # so and the draft waits here until a later step can write it.
    services.draft_cache[user_id] = (draft.step.value, data)
    await drafts.save(services.db, user_id, draft.step.value, data)


async def forget_draft(services: Services, user_id: int) -> None:
    services.draft_cache.pop(user_id, None)
    await drafts.delete(services.db, user_id)


async def report_refusal(services: Services, user_id: int, t: Translator,
                         db: Database | Transaction | None = None) -> str | None:
    """Why this person may not file a report right now (muted, or over the hourly limit), or
    None; read in ``db`` (a report's transaction) when given."""
    now = services.now()
    muted_until, recent = await privacy_store.report_limits(db or services.db, user_id, now - REPORT_WINDOW)
    if is_muted(muted_until, now):
        # Neutral on purpose: a muted person is not told they were muted, only where to go.
        return t.gettext("Je kunt op dit moment geen melding maken via deze bot. Bij gevaar: bel 112. Geen spoed: 0900-8844.")
    wait = minutes_until_allowed(recent, now=now, limit=services.config.limits.reports_per_hour)
    if wait is not None:
        return t.ngettext(
            "Je hebt het afgelopen uur al veel meldingen gedaan. Probeer het over {n} minuut opnieuw. Bij gevaar: bel 112.",
            "Je hebt het afgelopen uur al veel meldingen gedaan. Probeer het over {n} minuten opnieuw. Bij gevaar: bel 112.",
            wait,
        ).format(n=wait)
    return None


def clean_description(text: str) -> str:
    # Bidi overrides and zero-width characters never reach the group; the length limit is
    # checked on what is left, so nothing is cut silently.
    return clean_text(text, 100_000)


def _place(location: ResolvedLocation) -> Place:
    area = location.area
    return Place(
        buurt=area.buurt_code, source=location.source,
        lat=location.point.lat if location.point else None, lon=location.point.lon if location.point else None,
        street=location.street, house_number=location.house_number, postcode=location.postcode,
        label=render.place_label(area, location.street),
    )


def review_draft(draft: ReportDraft, t: Translator) -> Review | None:
    """The description check for the draft as it stands (category and text), or None without text."""
    if draft.description is None or draft.category is None:
        return None
    return review_description(draft.description, draft.category, t.language, no_person=draft.no_person)


async def _ask(services: Services, user_id: int, t: Translator, draft: ReportDraft, answer: Answer) -> Answer:
    """Save the draft and ask its question; at the summary, the description is checked first
    (whatever way the draft got there, nothing about a person reaches a group unchecked)."""
    if draft.step is Step.CONFIRM and (review := review_draft(draft, t)) is not None and not review.accepted:
        changed = draft.recheck_description
        send_back_description(draft)
        await _save(services, user_id, draft)
        answer.replies.append(questions.send_back(t, review.reasons, changed_category=changed,
                                                  no_person_possible=review.no_person_possible))
        return answer
    reply = questions.question(t, draft, services.config.timezone)
    await _save(services, user_id, draft)
    answer.replies.append(reply)
    return answer


async def start_report(services: Services, user_id: int, t: Translator, words: str = "") -> Answer:
    """/melding: step by step, from an empty draft ("/melding er wordt ingebroken" is urgent)."""
    refusal = await report_refusal(services, user_id, t)
    if refusal is not None:
        return Answer([Reply(refusal)])
    draft = ReportDraft()
    if words and is_urgent_text(words):
        set_urgent(draft)
    return await _ask(services, user_id, t, advance(draft), Answer())


async def start_from_message(services: Services, user_id: int, t: Translator, incoming: Incoming) -> Answer:
    """A text, photo, location or forwarded message outside any report starts one, filled in
    with what it says; only what is still missing is asked."""
    if not (incoming.text or incoming.photo or incoming.point):
        # A sticker, a voice note, a contact: nothing to make a report of.
        return Answer([Reply(t.gettext("Wil je iets melden? Stuur wat je zag als bericht, foto of locatie, "
                                       "of tik op /melding om stap voor stap te melden."))])
    refusal = await report_refusal(services, user_id, t)
    if refusal is not None:
        answer = Answer()
        if incoming.text and is_urgent_text(incoming.text):
            answer.replies.append(questions.call_112_now(t, t.gettext("Je bericht klinkt als gevaar nu.")))
        answer.replies.append(Reply(refusal))
        return answer
    now = services.now()
    draft = ReportDraft(photo=incoming.photo, photo_asked=True)  # a photo is never asked for here
    answer = Answer()
    notes: list[Reply] = []
    text = clean_description(incoming.text or "").strip()
    # When: a forwarded message keeps the time it was first sent; words like "gisteren" ask.
    earlier = bool(text) and says_earlier(text)
    if incoming.forwarded_at is not None and now - incoming.forwarded_at > FORWARD_IS_EARLIER:
        if now - incoming.forwarded_at <= MAX_AGE:
            set_time(draft, incoming.forwarded_at)
        else:
            draft.when_mode = WhenMode.EARLIER
        earlier = True
    elif earlier:
        parsed = parse_when(text, now=now, tz=services.config.timezone)
        draft.when_mode = WhenMode.EARLIER
        draft.occurred_at = parsed.at
    else:
        draft.when_mode, draft.occurred_at = WhenMode.NOW, now
    if text:
        if description_sounds_urgent(text, earlier=earlier):
            draft.urgent, draft.urgent_from_description = True, True
        if (category := guess_category(text, t.language)) is not None:
            draft.category, draft.category_guessed = category, True
        if (mention := find_address(text)) is not None:
            result = await services.locator.find_mention(mention)
            street = mention.street
            if result.outcome is Outcome.FOUND and result.location is not None:
                draft.place, draft.place_announced = _place(result.location), False
                street = result.location.street or street
            elif result.outcome is Outcome.CHOOSE:
                draft.place_candidates = [_place(c) for c in result.candidates]
            else:
                notes.append(Reply(_place_problem(t, result)))
            # The neighbours read the street, never the house number or postcode.
            text = without_address(text, mention, street)
        if len(fold_words(text).split()) >= MIN_DESCRIPTION_WORDS:
            draft.description = text
    if incoming.point is not None:
        notes += await _take_point(services, t, draft, incoming.point)
    if draft.category is not None and draft.category_guessed:
        notes.insert(0, questions.category_note(t, draft.category))
    advance(draft)
    await _ask(services, user_id, t, draft, answer)
    if draft.step is Step.CALLED_112 and draft.emergency:
        answer.replies += notes  # "Bel nu 112" comes first
    else:
        answer.replies[:0] = notes
    return answer


FORWARD_IS_EARLIER = dt.timedelta(minutes=15)
MIN_DESCRIPTION_WORDS = 2


def _place_problem(t: Translator, result: LocateResult) -> str:
    if result.outcome is Outcome.OUTSIDE:
        return questions.outside_area(t)
    if result.outcome is Outcome.NOT_FOUND:
        return questions.not_found(t)
    return questions.address_hint(t, result.hint)


async def _take_point(services: Services, t: Translator, draft: ReportDraft, point: Point) -> list[Reply]:
    result = await services.locator.describe_point(point)
    if result.outcome is Outcome.FOUND and result.location is not None:
        set_place(draft, _place(result.location))
        return []
    return [Reply(questions.outside_area(t))]


async def handle_message(services: Services, user_id: int, t: Translator, incoming: Incoming) -> Answer:
    """Any private message that is not a command: the answer to the current question, or the
    start of a new report."""
    draft = await load_draft(services, user_id)
    if draft is None:
        return await start_from_message(services, user_id, t, incoming)
    answer = Answer()
    step = draft.step
    text = incoming.text.strip() if incoming.text else None
    # A place shared at any step fills the place while it is missing; a photo is taken anywhere.
    if incoming.point is not None and (draft.place is None or step in (Step.LOCATION, Step.PLACE_CHOICE)):
        answer.replies += await _take_point(services, t, draft, incoming.point)
        return await _ask(services, user_id, t, advance(draft) if draft.place else draft, answer)
    if incoming.photo is not None:
        if step is Step.PHOTO:
            set_photo(draft, incoming.photo)
        else:
            _keep_photo(draft, incoming.photo)
        if step is Step.PHOTO or not text:
            return await _ask(services, user_id, t, draft, answer)
    if text is None:
        if step in BUTTON_ONLY_STEPS:
            answer.replies.append(questions.tap_a_button(t))
        else:
            answer.replies.append(Reply(t.gettext("Dat kan ik bij deze vraag niet gebruiken.")))
        return await _ask(services, user_id, t, draft, answer)
    if fold_words(text) in CANCEL_WORDS:
        return await cancel(services, user_id, t)
    if step in (Step.LOCATION, Step.PLACE_CHOICE):
        if step is Step.PLACE_CHOICE and (action := typed_answer(step, text, t, candidates=draft.place_candidates)):
            return await _apply(services, user_id, t, draft, action, reporter_label=None)
        return await _place_from_text(services, user_id, t, draft, text)
    if step is Step.WHEN_TIME:
        return await _time_from_text(services, user_id, t, draft, text)
    if step is Step.DESCRIPTION:
        return await _description(services, user_id, t, draft, clean_description(text), no_person=False)
    action = typed_answer(step, text, t, emergency=draft.emergency, candidates=draft.place_candidates)
    if action is not None:
        return await _apply(services, user_id, t, draft, action, reporter_label=None)
    if step is Step.WHEN and (at := parse_when(text[:100], now=services.now(), tz=services.config.timezone).at):
        return await _ask(services, user_id, t, set_time(draft, at), answer)
    answer.replies.append(questions.tap_a_button(t))
    return await _ask(services, user_id, t, draft, answer)


def _keep_photo(draft: ReportDraft, file_id: str) -> None:
    draft.photo = file_id
    draft.photo_asked = True


async def _place_from_text(services: Services, user_id: int, t: Translator, draft: ReportDraft, text: str) -> Answer:
    answer = Answer()
    mention = find_address(text)
    if mention is not None:
        result = await services.locator.find_mention(mention)
    else:
        result = await services.locator.locate_text(text[:200])
    if result.outcome is Outcome.FOUND and result.location is not None:
        set_place(draft, _place(result.location))
    elif result.outcome is Outcome.CHOOSE:
        offer_places(draft, [_place(c) for c in result.candidates])
    else:
        # Nothing the resident typed is thrown away: the draft stays, the place is asked again.
        answer.replies.append(Reply(_place_problem(t, result)))
        draft.place_candidates = []
        draft.step = Step.LOCATION
    return await _ask(services, user_id, t, draft, answer)


async def _time_from_text(services: Services, user_id: int, t: Translator, draft: ReportDraft, text: str) -> Answer:
    answer = Answer()
    result = parse_when(text[:100], now=services.now(), tz=services.config.timezone)
    if result.at is None:
        problems = {
            WhenProblem.FUTURE: t.gettext("Die tijd ligt in de toekomst."),
            WhenProblem.TOO_OLD: t.gettext(
                "Dat is meer dan een week geleden. Doe daarvoor aangifte of bel de politie op 0900-8844."),
        }
        answer.replies.append(Reply(problems.get(result.problem, t.gettext("Die tijd begrijp ik niet."))  # type: ignore[arg-type]
                                    ))
        return await _ask(services, user_id, t, draft, answer)
    return await _ask(services, user_id, t, set_time(draft, result.at), answer)


async def _description(services: Services, user_id: int, t: Translator, draft: ReportDraft, text: str, *,
                       no_person: bool) -> Answer:
    answer = Answer()
    limit = services.config.limits.description_max_chars
    problem = description_problem(text, limit)
    if problem is DescriptionProblem.TOO_LONG:
        answer.replies.append(Reply(t.gettext("Dat is te lang ({length} tekens). Houd het kort: maximaal {limit} tekens.")
                                    .format(length=len(text), limit=limit)))
        return answer
    if problem is DescriptionProblem.EMPTY:
        return await _ask(services, user_id, t, draft, answer)
    if draft.category is not None:
        review = review_description(text, draft.category, t.language, no_person=no_person)
        if not review.accepted:
            # Sent back kindly: what makes a useful, fair description.
            draft.description = text
            changed = draft.recheck_description
            send_back_description(draft)
            await _save(services, user_id, draft)
            answer.replies.append(questions.send_back(t, review.reasons, changed_category=changed,
                                                      no_person_possible=review.no_person_possible))
            return answer
    if set_description(draft, text, no_person=no_person,
                       sounds_urgent=description_sounds_urgent(text, earlier=draft.when_mode is WhenMode.EARLIER)):
        if draft.call_112 in (Call112.CALLED, Call112.NOT_CALLED):
            # 112 was answered already: the warning alone, then on.
            answer.replies.append(questions.call_112_now(t, t.gettext("Je beschrijving klinkt als gevaar nu.")))
    return await _ask(services, user_id, t, draft, answer)


async def handle_button(services: Services, user_id: int, t: Translator, data: str | None, *,
                        reporter_label: str | None, message_id: int | None = None) -> Answer:
    """A press on one of the report's buttons (the data may be forged or stale), on the
    message ``message_id`` in the resident's private chat."""
    action = parse(data)
    if action is None:
        return Answer(toast=t.gettext("Onbekende keuze."))
    if action.act is Act.CANCEL:
        return await cancel(services, user_id, t)
    draft = await load_draft(services, user_id)
    if action.act is Act.CONFIRM and message_id is not None and (draft is None or draft.step is not Step.CONFIRM) \
            and (stored := await _stored_receipt(services, user_id, t, message_id)) is not None:
        return stored
    if draft is None:
        return Answer(toast=t.gettext("Deze knop is verlopen."))
    if draft.step not in BUTTON_STEPS[action.act]:
        answer = Answer(toast=t.gettext("Deze knop hoort bij een eerdere vraag."))
        return await _ask(services, user_id, t, draft, answer)
    return await _apply(services, user_id, t, draft, action, reporter_label=reporter_label, message_id=message_id)


ALL_STEPS = frozenset(Step)
BUTTON_ONLY_STEPS = frozenset({Step.CATEGORY, Step.CALLED_112, Step.WHEN, Step.PHOTO, Step.CONFIRM, Step.CHANGE,
                               Step.PLACE_CHOICE})
BUTTON_STEPS: dict[Act, frozenset[Step]] = {
    Act.URGENT: frozenset({Step.CATEGORY}),
    Act.CATEGORY: frozenset({Step.CATEGORY}),
    Act.CALL_112: frozenset({Step.CALLED_112}),
    Act.WHEN: frozenset({Step.WHEN}),
    Act.NO_PHOTO: frozenset({Step.PHOTO}),
    Act.NO_PERSON: frozenset({Step.DESCRIPTION}),
    Act.CONFIRM: frozenset({Step.CONFIRM}),
    Act.CHANGE: frozenset({Step.CONFIRM}),
    Act.EDIT: ALL_STEPS,  # "Soort: … — wijzig" may be pressed while another question waits
    Act.PLACE: frozenset({Step.PLACE_CHOICE}),
    Act.CANCEL: ALL_STEPS,
}


async def _apply(services: Services, user_id: int, t: Translator, draft: ReportDraft, action: Action, *,
                 reporter_label: str | None, message_id: int | None = None) -> Answer:
    """What a button (pressed or typed) does to the draft."""
    answer = Answer()
    act = action.act
    if act is Act.CANCEL:
        return await cancel(services, user_id, t)
    if act is Act.URGENT:
        return await _ask(services, user_id, t, set_urgent(draft), answer)
    if act is Act.CATEGORY:
        if (category := action.category) is None:
            return Answer(toast=t.gettext("Onbekende keuze."))
        return await _ask(services, user_id, t, choose_category(draft, category), answer)
    if act is Act.CALL_112:
        if (call := action.call_112) is None:
            return Answer(toast=t.gettext("Onbekende keuze."))
        if action.value == CALL_NOW:
            # The numbers once, and on: the report says 112 is being called (changeable in the summary).
            answer.replies.append(Reply(t.gettext("Bel 112 en vertel wat je ziet en waar.") + "\n\n"
                                        + questions.emergency_numbers(t) + "\n\n"
                                        + t.gettext("Ik zet in je melding dat 112 gebeld is. Klopt dat niet, "
                                                    "dan pas je het aan bij de controle.")))
        return await _ask(services, user_id, t, answer_112(draft, call), answer)
    if act is Act.WHEN:
        if (mode := action.when) is None:
            return Answer(toast=t.gettext("Onbekende keuze."))
        return await _ask(services, user_id, t, choose_when(draft, mode, now=services.now()), answer)
    if act is Act.NO_PHOTO:
        return await _ask(services, user_id, t, set_photo(draft, None), answer)
    if act is Act.NO_PERSON:
        text = draft.pending_description
        if not text:
            answer.toast = t.gettext("Deze knop hoort bij een eerdere vraag.")
            return await _ask(services, user_id, t, draft, answer)
        return await _description(services, user_id, t, draft, text, no_person=True)
    if act is Act.CHANGE:
        return await _ask(services, user_id, t, ask_change(draft), answer)
    if act is Act.EDIT:
        if (what := action.field) is None:
            return Answer(toast=t.gettext("Onbekende keuze."))
        return await _ask(services, user_id, t, change(draft, what), answer)
    if act is Act.PLACE:
        if action.value == NO_PLACE:
            draft = without_candidates(draft)
            return await _ask(services, user_id, t, draft, answer)
        index = action.place_index
        if index is None or index >= len(draft.place_candidates):
            return Answer(toast=t.gettext("Onbekende keuze."))
        return await _ask(services, user_id, t, set_place(draft, draft.place_candidates[index], announce=False), answer)
    if act is Act.CONFIRM:
        return await _confirm(services, user_id, t, draft, reporter_label=reporter_label, message_id=message_id)
    return Answer(toast=t.gettext("Onbekende keuze."))


async def _confirm(services: Services, user_id: int, t: Translator, draft: ReportDraft, *,
                   reporter_label: str | None, message_id: int | None) -> Answer:
    if (review := review_draft(draft, t)) is not None and not review.accepted:
        # A refusal still comes first, as at every start of a report.
        if (refusal := await report_refusal(services, user_id, t)) is not None:
            return Answer([Reply(refusal)])
        draft.recheck_description = True
        return await _ask(services, user_id, t, draft, Answer())
    summary = questions.summary_text(t, draft, services.config.timezone)
    sighting = sighting_from_draft(draft, reporter_id=user_id, language=t.language, services=services)

    async def refusal_in(tx: Transaction) -> str | None:
        return await report_refusal(services, user_id, t, tx)

    try:
        # The mute and the hourly limit are read in the report's own transaction.
        submitted = await submit_sighting(services, sighting, reporter_label=reporter_label, draft_owner=user_id,
                                          receipt_to=ReceiptTo(user_id, message_id, summary, t), refusal=refusal_in)
    except Refused as refused:
        return Answer([Reply(refused.text)])
    except DraftGone:
        # A second press on "Versturen" while the first was being stored (updates run side by
        # side): the first one took the draft and sends the receipt; this one only says so.
        return Answer(toast=t.gettext("Je melding is al verstuurd."))
    services.draft_cache.pop(user_id, None)
    assert submitted.receipt is not None
    # Only now, with the sighting, its messages and the receipt stored, the resident hears
    # "received": one edit turns the summary into the receipt (its buttons go).
    return Answer([Reply(submitted.receipt, html=True, edit=True, remove_keyboard=True)], receipt=submitted.receipt_row)


def sighting_from_draft(draft: ReportDraft, *, reporter_id: int, language: str, services: Services) -> Sighting:
    place = draft.place
    assert place is not None and draft.category is not None and draft.description is not None
    area = services.catalog.area(place.buurt)
    assert area is not None
    return Sighting(
        category=draft.category,
        reporter_id=reporter_id,
        area=area,
        occurred_at=draft.occurred_at or services.now(),
        description=draft.description,
        location_source=place.source,
        point=place.point,
        street=place.street,
        house_number=place.house_number,
        postcode=place.postcode,
        photo_file_id=draft.photo,
        urgent=draft.urgent,
        called_112=draft.called_112,
        language=language,
    )


async def cancel(services: Services, user_id: int, t: Translator) -> Answer:
    """*Annuleren*, /annuleer, or "stop" typed: the only way a resident's words are thrown away."""
    await forget_draft(services, user_id)
    return Answer([questions.cancelled(t)])
