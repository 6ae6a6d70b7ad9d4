"""The wijkagent's desk: list open incidents, show one in full, and act on it.

Every action is a plain async function taking (services, the acting person's Telegram id, the
incident id, ...) and checking for itself that the person may do it, so a Telegram button, a
typed command and a web page (the Mini App) all go through the same rules. Each owns its
transaction: the outbox rows, the status and the audit trail are written together.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.core import permissions
from bot.core.domain import (
    CLOSED_STATUSES,
    IncidentAction,
    RecipientKind,
    SightingStatus,
)
from bot.core.i18n import Translator, translator
from bot.desk import rules as desk_rules
from bot.desk import texts
from bot.desk.rules import DeskScope
from bot.privacy import service as privacy
from bot.reports import officer_buttons
from bot.reports import service as reports
from bot.reports import texts as render
from bot.reports.officer_buttons import PAGE_SIZE, Filter
from bot.runtime.services import Services
from storage import desk as store
from storage import outbox, sightings, teams, users
from storage.db import Transaction
from storage.desk import DeskRow

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    DONE = "done"
    NOT_FOUND = "not_found"  # no such incident, or not in the person's area: the same answer
    NOT_ALLOWED = "not_allowed"  # they see it but may not act on it (a coordinator)
    ALREADY = "already"  # it already was so
    CLOSED = "closed"  # closed already (or closed at the same moment)
    NOT_CLOSED = "not_closed"  # reopen: it is open
    NO_REPORTER = "no_reporter"  # nobody to ask: the reporters used /vergeetmij, or retention passed
    NO_COLLEAGUE = "no_colleague"  # not someone this incident can go to
    EMPTY = "empty"  # an empty text


# ---------------------------------------------------------------------------- scope


async def scope_of(services: Services, user_id: int) -> DeskScope:
    grants = await users.roles_of(services.db, user_id)
    team_buurten: dict[int, tuple[str, ...]] = {}
    for team_id in permissions.coordinated_teams(grants):
        team = await teams.get_team(services.db, team_id)
        if team is not None:
            team_buurten[team.id] = team.buurten
    desks = [g.code for g in services.config.gemeenten
             if any(o.telegram_id == user_id for o in (*g.fallback_desk, *g.backup_desk))]
    return desk_rules.desk_scope(grants, team_buurten, desk_gemeenten=desks,
                                 care_categories=desk_rules.care_categories(services.config.routing))


async def _delivered_to(services: Services, user_id: int, incident_id: int) -> bool:
    deliveries = [(d.chat_id, d.kind) for d in await outbox.deliveries_for_incident(services.db, incident_id)]
    return permissions.may_act_on_incident(user_id, deliveries)


async def may_act(services: Services, user_id: int, row: DeskRow) -> bool:
    """An officer the incident went to, or one whose area (and, for the care desk, category) it is."""
    return (await scope_of(services, user_id)).may_act(row) or await _delivered_to(services, user_id, row.id)


async def _names(services: Services, ids: set[int | None]) -> dict[int, str]:
    """How colleagues are shown: the config's name for an officer or desk, else their Telegram name."""
    wanted = {i for i in ids if i is not None}
    names = await users.display_names(services.db, sorted(wanted))
    for gemeente in services.config.gemeenten:
        officers = [*gemeente.fallback_desk, *gemeente.backup_desk, *gemeente.care_desk]
        for wijk in gemeente.wijken:
            officers += [*wijk.wijkagenten, *wijk.boa, *wijk.care_desk]
        for officer in officers:
            if officer.telegram_id in wanted and officer.name:
                names[officer.telegram_id] = officer.name
    return names


def _place(services: Services, row: DeskRow) -> str:
    area = services.catalog.area(row.buurt_code)
    return render.place_label(area, row.street) if area else (row.street or row.buurt_code)


# ---------------------------------------------------------------------------- /demp


class MuteOutcome(StrEnum):
    MUTED = "muted"
    UNMUTED = "unmuted"
    NOT_A_MUTER = "not_a_muter"  # no role that may mute
    OUT_OF_REACH = "out_of_reach"  # nobody who reported (or holds a role) in their area: the same
    # answer whether the person exists or not
    DUTY = "duty"  # someone with a duty role, and the muter is not an admin


async def mute(services: Services, user_id: int, target: int, until: dt.datetime | None) -> MuteOutcome:
    """/demp: mute ``target`` until ``until`` (None lifts it), when they reported in the muter's
    area (the desk's scope: an officer's wijk or gemeente, a coordinator's teams' buurten, an
    admin's gemeente or wijk) or hold a role there."""
    grants = await users.roles_of(services.db, user_id)
    roles = {role for role, _ in grants}
    if not roles & permissions.MUTER_ROLES:
        return MuteOutcome.NOT_A_MUTER
    reported = await store.places_reported_by(services.db, target)
    if not desk_rules.may_mute_here(await scope_of(services, user_id), reported, await scope_of(services, target)):
        log.warning("refused /demp of someone who did not report in the muter's area")
        return MuteOutcome.OUT_OF_REACH
    if not permissions.may_mute(roles, {role for role, _ in await users.roles_of(services.db, target)}):
        log.warning("refused /demp of someone with a duty role by a non-admin")
        return MuteOutcome.DUTY
    await privacy.set_muted(services, target, until, by=user_id)
    return MuteOutcome.MUTED if until is not None else MuteOutcome.UNMUTED


# ---------------------------------------------------------------------------- /meldingen


@dataclass(frozen=True, slots=True)
class Page:
    text: str
    keyboard: dict[str, object]
    shown: tuple[int, ...]  # incident ids on this page


async def list_page(services: Services, user_id: int, filter_: Filter = Filter.OPEN, page: int = 0,
                    *, language: str) -> Page | None:
    """One page of the person's desk; None when they have no desk (no role with an area)."""
    scope = await scope_of(services, user_id)
    if scope.empty:
        return None
    now = services.now()
    closed_since = now - desk_rules.CLOSED_SHOWN if filter_ is Filter.ALL else None
    rows = [r for r in await store.incidents_in(services.db, scope.gemeenten, closed_since=closed_since)
            if scope.sees(r) and desk_rules.matches(filter_, r.status)]
    ordered: list[DeskRow] = desk_rules.desk_order(rows)  # type: ignore[assignment]
    page, pages = desk_rules.page_of(len(ordered), page)
    shown = ordered[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    t = translator(language)
    names = await _names(services, {r.holder for r in shown})
    lines = [texts.list_line(t, r, now=now, place=_place(services, r), names=names) for r in shown]
    return Page(texts.list_text(t, lines, filter_=filter_, page=page, pages=pages, total=len(ordered)),
                texts.list_keyboard(t, shown, filter_=filter_, page=page, pages=pages),
                tuple(r.id for r in shown))


@dataclass(frozen=True, slots=True)
class Detail:
    text: str
    keyboard: dict[str, object] | None
    point: tuple[float, float] | None  # the location pin, when the report has an exact point
    may_act: bool


async def detail(services: Services, user_id: int, incident_id: int, *, language: str) -> Detail | None:
    """The report in full with its history; None when it is not on the person's desk."""
    row = await store.incident(services.db, incident_id)
    if row is None:
        return None
    scope = await scope_of(services, user_id)
    acting = scope.may_act(row) or await _delivered_to(services, user_id, row.id)
    if not acting and not scope.sees(row):
        return None
    first = await sightings.first_of_incident(services.db, incident_id)
    incident = await sightings.get_incident(services.db, incident_id)
    if first is None or incident is None:
        return None
    t = translator(language)
    kind = RecipientKind.FALLBACK_DESK if acting else RecipientKind.TEAM_GROUP
    text = await reports.copy_text(services, t, incident, first, kind)
    events = await store.events(services.db, incident_id)
    questions = await store.questions_of(services.db, incident_id) if acting else []
    names = await _names(services, {row.holder} | {e.actor_id for e in events} | {e.target_id for e in events})
    text += "\n" + texts.history(t, events, tz=services.config.timezone, names=names)
    answered = [q for q in questions if q.question]
    if answered:
        text += "\n\n💬 <b>" + t.gettext("Vragen aan de melder") + "</b>"
        for q in answered:
            text += "\n• " + render.esc(q.question) + "\n  ↳ " + (
                render.esc(q.answer) if q.answer else t.gettext("(nog geen antwoord)"))
    point = (first.point.lat, first.point.lon) if acting and first.point is not None else None
    keyboard = officer_buttons.officer_keyboard(t, incident_id, row.status) if acting else None
    return Detail(text[:4000], keyboard, point, acting)


# ---------------------------------------------------------------------------- actions


async def _actionable(services: Services, user_id: int, incident_id: int) -> tuple[DeskRow | None, Outcome | None]:
    row = await store.incident(services.db, incident_id)
    if row is None:
        return None, Outcome.NOT_FOUND
    scope = await scope_of(services, user_id)
    if scope.may_act(row) or await _delivered_to(services, user_id, incident_id):
        return row, None
    log.warning("refused a desk action on incident %s by someone it is not for", incident_id)
    return None, Outcome.NOT_ALLOWED if scope.sees(row) else Outcome.NOT_FOUND


async def set_outcome(services: Services, user_id: int, incident_id: int, status: SightingStatus) -> Outcome:
    """*Ik pak dit op*, *Afgerond*, *Geen actie nodig*, *Vals alarm*: every copy is edited, every
    reporter told in their language, the change in the audit trail."""
    row, refused = await _actionable(services, user_id, incident_id)
    if row is None:
        return refused or Outcome.NOT_FOUND
    # Only ids and states in these lines: never who pressed, nor anything about the report.
    if row.status is status:
        log.info("refused outcome on incident %s: already %s (replayed or pressed twice)", incident_id, status.value)
        return Outcome.ALREADY
    if row.status in CLOSED_STATUSES:
        log.info("refused outcome on incident %s (to %s): already closed as %s", incident_id, status.value,
                 row.status.value)
        return Outcome.CLOSED
    if await reports.set_incident_status(services, incident_id, status, by=user_id) is None:
        # Another press (or the expiry) changed it between the check above and now.
        log.info("refused outcome on incident %s (to %s): changed at the same moment", incident_id, status.value)
        now = await store.incident(services.db, incident_id)
        return Outcome.ALREADY if now is not None and now.status is status else Outcome.CLOSED
    return Outcome.DONE


async def reopen(services: Services, user_id: int, incident_id: int) -> Outcome:
    """A closed report open again: picked up by whoever reopens it, every copy edited."""
    row, refused = await _actionable(services, user_id, incident_id)
    if row is None:
        return refused or Outcome.NOT_FOUND
    now = services.now()
    async with services.db.transaction() as tx:
        if not await store.reopen(tx, incident_id, SightingStatus.ACKNOWLEDGED):
            return Outcome.NOT_CLOSED
        await store.add_event(tx, incident_id, now, user_id, IncidentAction.REOPENED)
        await reports.queue_incident_edits(services, tx, incident_id)
    services.wake_sender()
    return Outcome.DONE


async def colleagues(services: Services, user_id: int, incident_id: int) -> list[tuple[int, str]] | None:
    """Who the incident can be handed over to (name shown), or None when the person may not."""
    row, _ = await _actionable(services, user_id, incident_id)
    if row is None:
        return None
    return [(person, name) for person, _kind, name in await _colleagues(services, row, user_id)]


async def _colleagues(services: Services, row: DeskRow, user_id: int) -> list[tuple[int, RecipientKind, str]]:
    index = services.locator.index
    wijken = {row.wijk_code}
    for buurt in [b for b in services.catalog.buurt_codes() if b.startswith("BU" + row.wijk_code[2:8])]:
        for neighbour in index.adjacent_buurten(buurt):
            area = services.catalog.area(neighbour)
            if area is not None and area.gemeente_code == row.gemeente_code:
                wijken.add(area.wijk_code)
    found = desk_rules.colleagues(services.directory.officers, sorted(wijken), gemeente_code=row.gemeente_code,
                                  exclude=user_id)
    names = await _names(services, {person for person, _ in found})
    return [(person, kind, names.get(person) or str(person)) for person, kind in found]


async def hand_over(services: Services, user_id: int, incident_id: int, to_id: int, note: str | None) -> Outcome:
    """*Overdragen*: the colleague gets the report (with the officer buttons) and the note; the
    incident is theirs from now on, in the audit trail and on the desk."""
    row, refused = await _actionable(services, user_id, incident_id)
    if row is None:
        return refused or Outcome.NOT_FOUND
    if row.status in CLOSED_STATUSES:
        return Outcome.CLOSED
    found = {person: kind for person, kind, _ in await _colleagues(services, row, user_id)}
    if to_id not in found:
        return Outcome.NO_COLLEAGUE
    note = desk_rules.one_line(note or "", desk_rules.NOTE_MAX_CHARS) or None
    names = await _names(services, {user_id})
    language = (await users.languages(services.db, [to_id])).get(to_id, services.config.language)
    now = services.now()
    async with services.db.transaction() as tx:
        if not await store.assign(tx, incident_id, to_id):
            return Outcome.ALREADY
        await store.add_event(tx, incident_id, now, user_id, IncidentAction.HANDED_OVER, target_id=to_id, note=note)
        copy_id = await reports.queue_copy(services, tx, incident_id, to_id, found[to_id], language)
        if copy_id is not None:
            t = translator(language)
            reference = row.reference
            await outbox.enqueue(tx, to_id, "sendMessage",
                                 {"text": texts.handed_over(t, reference, names.get(user_id) or t.gettext("Een collega"),
                                                            note), "parse_mode": "HTML"},
                                 priority=outbox.PRIORITY_URGENT, kind="desk_handover", language=language,
                                 reply_to=copy_id, not_before=now)
        await reports.queue_incident_edits(services, tx, incident_id)
    services.wake_sender()
    return Outcome.DONE


async def ask_reporter(services: Services, user_id: int, incident_id: int, question: str) -> Outcome:
    """*Vraag aan melder*: each reporter of the incident who can still be reached gets the
    question in their language with the reference, and a button to answer. Neither side sees
    who the other is."""
    question = " ".join(question.split())[:desk_rules.QUESTION_MAX_CHARS]

    async def message(tx: Transaction, sighting_id: int, reporter_id: int, t: Translator, reference: str) -> dict[str, Any]:
        question_id = await store.add_question(tx, incident_id, sighting_id, user_id, reporter_id, question,
                                               services.now())
        return {"text": texts.question_to_reporter(t, reference, question), "parse_mode": "HTML",
                "reply_markup": officer_buttons.answer_keyboard(t, question_id)}

    return await _to_every_reporter(services, user_id, incident_id, question, IncidentAction.QUESTION, message,
                                    priority=outbox.PRIORITY_URGENT, kind="desk_question")


async def may_answer(services: Services, reporter_id: int, question_id: int) -> Outcome:
    found = await store.question(services.db, question_id)
    if found is None or found.reporter_id != reporter_id:
        return Outcome.NOT_FOUND
    return Outcome.ALREADY if found.answer is not None else Outcome.DONE


async def answer_question(services: Services, reporter_id: int, question_id: int, answer: str) -> Outcome:
    """The reporter's answer: stored with the incident, relayed to the officer who asked."""
    found = await store.question(services.db, question_id)
    if found is None or found.reporter_id != reporter_id:
        return Outcome.NOT_FOUND
    answer = answer.strip()[:desk_rules.QUESTION_MAX_CHARS]
    if not answer:
        return Outcome.EMPTY
    reference = (await sightings.get(services.db, found.sighting_id))
    officer = found.officer_id
    language = (await users.languages(services.db, [officer])).get(officer, services.config.language) \
        if officer is not None else services.config.language
    now = services.now()
    async with services.db.transaction() as tx:
        if not await store.answer(tx, question_id, answer, now):
            return Outcome.ALREADY
        await store.add_event(tx, found.incident_id, now, None, IncidentAction.ANSWER)
        if officer is not None and reference is not None:
            t = translator(language)
            await outbox.enqueue(tx, officer, "sendMessage",
                                 {"text": texts.answer_to_officer(t, reference.reference or "", answer),
                                  "parse_mode": "HTML"},
                                 priority=outbox.PRIORITY_URGENT, kind="desk_answer", language=language,
                                 sighting_id=found.sighting_id, not_before=now)
    services.wake_sender()
    return Outcome.DONE


async def send_note(services: Services, user_id: int, incident_id: int, note: str) -> Outcome:
    """A one-line note to every reporter of the incident, in their language, with the reference."""
    note = desk_rules.one_line(note, desk_rules.NOTE_MAX_CHARS)

    async def message(tx: Transaction, sighting_id: int, reporter_id: int, t: Translator, reference: str) -> dict[str, Any]:
        return {"text": texts.note_to_reporter(t, reference, note), "parse_mode": "HTML"}

    return await _to_every_reporter(services, user_id, incident_id, note, IncidentAction.NOTE, message,
                                    priority=outbox.PRIORITY_NORMAL, kind="desk_note")


# A line for one reporter: (transaction, sighting, reporter, their translator, reference) → the
# sendMessage parameters; it may store what belongs to that reporter (a question) first.
ReporterMessage = Callable[[Transaction, int, int, Translator, str], Awaitable[dict[str, Any]]]


async def _to_every_reporter(services: Services, user_id: int, incident_id: int, line: str, action: IncidentAction,
                             message: ReporterMessage, *, priority: int, kind: str) -> Outcome:
    """An officer's line (a question, a note) to every reporter of the incident who can still be
    reached, in their language, and into the incident's history: one transaction."""
    row, refused = await _actionable(services, user_id, incident_id)
    if row is None:
        return refused or Outcome.NOT_FOUND
    if not line:
        return Outcome.EMPTY
    now = services.now()
    async with services.db.transaction() as tx:
        reporters = await store.reporters(tx, incident_id)
        if not reporters:
            return Outcome.NO_REPORTER
        for sighting_id, reporter_id, language, reference in reporters:
            params = await message(tx, sighting_id, reporter_id, translator(language), reference)
            await outbox.enqueue(tx, reporter_id, "sendMessage", params, priority=priority, kind=kind,
                                 language=language, sighting_id=sighting_id, not_before=now)
        await store.add_event(tx, incident_id, now, user_id, action, note=line)
    services.wake_sender()
    return Outcome.DONE


# ---------------------------------------------------------------------------- typed lines


class Waiting(StrEnum):
    QUESTION = "question"  # ref: incident
    ANSWER = "answer"  # ref: question
    NOTE = "note"  # ref: incident
    HANDOVER = "handover"  # ref: incident, target: colleague


async def wait_for(services: Services, user_id: int, kind: Waiting, ref: int, *, target: int | None = None) -> None:
    await store.wait_for_input(services.db, user_id, kind.value, ref, services.now(), target_id=target)
    services.desk_waiting.add(user_id)


async def is_waiting(services: Services, user_id: int) -> bool:
    return user_id in services.desk_waiting


async def stop_waiting(services: Services, user_id: int) -> bool:
    services.desk_waiting.discard(user_id)
    async with services.db.transaction() as tx:
        return await store.stop_waiting(tx, user_id)


@dataclass(frozen=True, slots=True)
class Typed:
    kind: Waiting
    outcome: Outcome


async def typed(services: Services, user_id: int, text: str | None) -> Typed | None:
    """A private message from someone the desk waits for: the line it waited for. None when
    the desk was not waiting for them (or waited too long): the message is someone else's."""
    if not await is_waiting(services, user_id):
        return None
    waiting = await store.waiting(services.db, user_id)
    await stop_waiting(services, user_id)
    if waiting is None or services.now() - waiting.created_at > desk_rules.INPUT_TTL:
        return None
    kind = Waiting(waiting.kind)
    text = text or ""
    if kind is Waiting.QUESTION:
        result = await ask_reporter(services, user_id, waiting.ref, text)
    elif kind is Waiting.ANSWER:
        result = await answer_question(services, user_id, waiting.ref, text)
    elif kind is Waiting.NOTE:
        result = await send_note(services, user_id, waiting.ref, text)
    else:
        result = await hand_over(services, user_id, waiting.ref, waiting.target_id or 0, text)
    return Typed(kind, result)


async def hand_over_waiting(services: Services, user_id: int) -> Outcome | None:
    """*Zonder notitie*: the hand-over the desk waits a note for, without one."""
    if not await is_waiting(services, user_id):
        return None
    waiting = await store.waiting(services.db, user_id)
    await stop_waiting(services, user_id)
    if waiting is None or waiting.kind != Waiting.HANDOVER.value:
        return None
    return await hand_over(services, user_id, waiting.ref, waiting.target_id or 0, None)

