"""Running patrol rounds: planning, signing up, cancelling, the tick, and walk reports.

Rounds, walkers and the send log live in SQLite. The tick (a repeating JobQueue job) works
out from them and the clock what is due — the shortage warning to the coordinators, the
reminder to each walker, the walk-report question afterwards — and the send log, written in
the same transaction as the outbox row, makes each of them go out once: after a restart, a
clock jump, or two ticks close together. The pure rules are in :mod:`bot.patrol.rules`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.core import permissions
from bot.core.domain import LocationSource, Role, Sighting
from bot.core.i18n import Translator, translator
from bot.core.schedule import Missed
from bot.core.textsafety import clean_text
from bot.patrol.buttons import OUTCOME_LABELS, report_buttons, sign_up_buttons
from bot.patrol.rules import (
    FOLLOW_UP_CATEGORY,
    MAX_ROUTE_CHARS,
    PlanError,
    PlannedSend,
    PlanRequest,
    Round,
    RoundStatus,
    SendKind,
    WalkOutcome,
    WalkStep,
    needs_routing,
    parse_plan,
    planned_sends,
    round_buurt,
    rules_from_config,
    split_team,
    step_after,
)
from bot.reports.service import submit_sighting
from bot.reports.texts import esc, inline_keyboard
from bot.runtime.services import Services
from storage import outbox, teams, users
from storage import patrol as store
from storage.db import Database, Transaction
from storage.teams import Team

log = logging.getLogger(__name__)

RETENTION_EVERY = dt.timedelta(hours=1)


async def team_name(db: Database | Transaction, team_id: int) -> str:
    """The team's name for the texts about its rounds; empty when the team is gone."""
    team = await teams.get_team(db, team_id)
    return team.name if team else ""


# ---------------------------------------------------------------------------- texts


def when_label(t: Translator, round_: Round, tz: dt.tzinfo) -> str:
    """"zaterdag 05-12-2026 20:00–22:00" in the reader's language and the configured timezone."""
    local = round_.starts_at.astimezone(tz)
    return f"{t.weekday(local.weekday())} {t.datetime(round_.starts_at, tz)}–{t.time(round_.ends_at, tz)}"


class Phase(StrEnum):
    """Where a round is, as its announcement shows it."""

    OPEN = "open"  # planned, not started: sign up with the buttons
    RUNNING = "running"
    OVER = "over"
    CANCELLED = "cancelled"


def phase_of(round_: Round, now: dt.datetime) -> Phase:
    if round_.status is RoundStatus.CANCELLED:
        return Phase.CANCELLED
    if now < round_.starts_at:
        return Phase.OPEN
    return Phase.RUNNING if now < round_.ends_at else Phase.OVER


def round_text(language: str, round_: Round, team_name: str, tz: dt.tzinfo, *, cancelled: bool = False,
               phase: Phase | None = None) -> str:
    """The announcement in a group and the card in /rondes (counts only, never names)."""
    t = translator(language)
    phase = Phase.CANCELLED if cancelled else (phase or Phase.OPEN)
    lines = []
    if phase is Phase.CANCELLED:
        lines.append("❌ <b>" + t.gettext("Geannuleerd") + "</b>")
    elif phase is Phase.RUNNING:
        lines.append("▶️ <b>" + t.gettext("De ronde is begonnen; aanmelden kan niet meer.") + "</b>")
    elif phase is Phase.OVER:
        lines.append("🏁 <b>" + t.gettext("De ronde is voorbij.") + "</b>")
    lines += [
        "🚶 <b>" + t.gettext("Loopronde {team}").format(team=esc(team_name)) + "</b>",
        "🗓 " + esc(when_label(t, round_, tz)),
        "📍 " + esc(round_.route),
        "👥 " + t.ngettext("{n} van minimaal {min} loper aangemeld", "{n} van minimaal {min} lopers aangemeld",
                          round_.min_walkers).format(n=len(round_.walkers), min=round_.min_walkers),
    ]
    if phase is Phase.OPEN:
        if round_.missing:
            lines.append(t.ngettext("Nog {n} loper nodig.", "Nog {n} lopers nodig.", round_.missing).format(
                n=round_.missing))
    if phase in (Phase.OPEN, Phase.RUNNING):
        lines += ["", t.gettext("Loop altijd samen en grijp nooit zelf in. Bij gevaar: bel 112.")]
    lines.append(t.gettext("Ronde {id}").format(id=round_.id))
    return "\n".join(lines)


def personal_card(language: str, round_: Round, team_name: str, tz: dt.tzinfo, person: int) -> str:
    """A round as one person sees it in private: the card, and whether they walk."""
    text = round_text(language, round_, team_name, tz)
    if person in round_.walkers:
        text += "\n\n✅ " + translator(language).gettext("Jij loopt mee.")
    return text


def announcement(language: str, round_: Round, team_name: str, tz: dt.tzinfo, now: dt.datetime) -> dict[str, object]:
    """The one rendering of a round's announcement for its phase, used for the first send and
    every edit: the sign-up buttons only while signing up is possible."""
    phase = phase_of(round_, now)
    payload: dict[str, object] = {"text": round_text(language, round_, team_name, tz, phase=phase), "parse_mode": "HTML"}
    if phase is Phase.OPEN:
        payload["reply_markup"] = inline_keyboard(sign_up_buttons(language, round_.id))
    return payload


def shortage_text(language: str, round_: Round, team_name: str, tz: dt.tzinfo) -> str:
    t = translator(language)
    return "⚠️ " + t.ngettext(
        "De loopronde van {team} op {when} ({route}) heeft {n} loper, minimaal {min} nodig. "
        "Vraag in de groep wie er mee wil lopen, of annuleer met /ronde annuleer {id}.",
        "De loopronde van {team} op {when} ({route}) heeft {n} lopers, minimaal {min} nodig. "
        "Vraag in de groep wie er mee wil lopen, of annuleer met /ronde annuleer {id}.",
        len(round_.walkers),
    ).format(team=esc(team_name), when=esc(when_label(t, round_, tz)), route=esc(round_.route),
             n=len(round_.walkers), min=round_.min_walkers, id=round_.id)


def reminder_text(language: str, round_: Round, team_name: str, tz: dt.tzinfo) -> str:
    t = translator(language)
    return "⏰ " + t.gettext(
        "Herinnering: de loopronde van {team} begint om {time} ({route}). Tijdens de ronde krijg je de "
        "meldingen uit de buurten van het team ook hier. Loop samen en grijp nooit zelf in; bij gevaar: bel 112."
    ).format(team=esc(team_name), time=t.time(round_.starts_at, tz), route=esc(round_.route))


def report_question(language: str, round_: Round, tz: dt.tzinfo) -> str:
    t = translator(language)
    return "🚶 " + t.gettext("De loopronde van {when} ({route}) is voorbij. Hoe ging het?").format(
        when=esc(when_label(t, round_, tz)), route=esc(round_.route))


def cancelled_notice(language: str, round_: Round, team_name: str, tz: dt.tzinfo) -> str:
    t = translator(language)
    return "❌ " + t.gettext("De loopronde van {team} op {when} ({route}) is geannuleerd.").format(
        team=esc(team_name), when=esc(when_label(t, round_, tz)), route=esc(round_.route))


def details_text(language: str, round_: Round, team_name: str, tz: dt.tzinfo, walkers: list[store.WalkerName],
                 reports: list[store.WalkReport]) -> str:
    """For the coordinator: who walks, and the walk reports."""
    t = translator(language)
    lines = [round_text(language, round_, team_name, tz, cancelled=round_.status is RoundStatus.CANCELLED), ""]
    lines.append("<b>" + t.gettext("Lopers") + "</b>")
    lines += [f"• {esc(w.name or str(w.telegram_id))}" for w in walkers] or ["• " + t.gettext("nog niemand")]
    names = {w.telegram_id: w.name for w in walkers}
    answered = [r for r in reports if r.outcome is not None]
    if answered:
        lines += ["", "<b>" + t.gettext("Loopverslagen") + "</b>"]
        for report in answered:
            assert report.outcome is not None
            line = f"• {esc(names.get(report.telegram_id) or str(report.telegram_id))}: " \
                   f"{t.gettext(OUTCOME_LABELS[report.outcome])}"
            if report.text:
                line += f" — {esc(report.text)}"
            lines.append(line)
    return "\n".join(lines)


def _names(services: Services, team: Team) -> dict[str, str]:
    names = {}
    for code in team.buurten:
        area = services.catalog.area(code)
        names[code] = area.buurt_name if area else code
    return names


# ---------------------------------------------------------------------------- planning


async def plan_round(services: Services, team: Team, request: PlanRequest, *, by: int) -> tuple[Round, int]:
    """Store the round and queue its announcement to every active group of the team, together.
    Returns the round and how many groups it was announced in."""
    rules = rules_from_config(services.config)
    now = services.now()
    route = clean_text(request.route, MAX_ROUTE_CHARS)
    buurt = round_buurt(route, team.buurten, _names(services, team))
    groups = [g for g in await teams.groups_of_team(services.db, team.id) if g.active]
    async with services.db.transaction() as tx:
        round_id = await store.create_round(
            tx, team_id=team.id, starts_at=request.starts_at, ends_at=request.starts_at + rules.duration,
            route=route, buurt_code=buurt, min_walkers=request.min_walkers, created_by=by, now=now)
        round_ = await store.get_round(tx, round_id)
        assert round_ is not None
        for group in groups:
            outbox_id = await outbox.enqueue(
                tx, group.chat_id, "sendMessage",
                announcement(group.language, round_, team.name, services.config.timezone, now),
                kind="patrol", language=group.language, not_before=now)
            await store.add_message(tx, outbox_id, round_id, group.chat_id, group.language)
    log.info("patrol round %d planned for team %d, announced in %d groups", round_id, team.id, len(groups))
    services.wake_sender()
    return round_, len(groups)


async def _queue_announcement_edits(services: Services, tx: Transaction, round_: Round, team_name: str, *,
                                    cancelled: bool = False) -> None:
    """Every announcement of the round shows the new count, and its phase (cancelled, started,
    over: then without the sign-up buttons)."""
    now = services.now()
    if cancelled:
        round_ = dataclasses.replace(round_, status=RoundStatus.CANCELLED)
    for message in await store.announcements(tx, round_.id):
        payload = announcement(message.language, round_, team_name, services.config.timezone, now)
        await outbox.enqueue(tx, message.chat_id, "editMessageText", payload, kind="patrol",
                             language=message.language, edit_of=message.outbox_id, not_before=services.now())


class SignUp(StrEnum):
    INVALID = "invalid"  # the button does not belong to this chat or person
    SIGNED_UP = "signed_up"
    ALREADY = "already"
    SIGNED_OFF = "signed_off"
    NOT_SIGNED_UP = "not_signed_up"
    CLOSED = "closed"  # started, over or cancelled


async def change_sign_up(services: Services, round_id: int, person: int, *, join: bool,
                         member_of_team: bool) -> tuple[SignUp, Round | None]:
    """Sign up (``join``) or off; the announcements are edited in the same transaction.

    ``member_of_team``: the press came from the team's group, so the person is remembered as a
    member and sees the team's rounds in /rondes from then on.
    """
    now = services.now()
    async with services.db.transaction() as tx:
        current = await store.get_round(tx, round_id)
        if current is None or not current.open_for_sign_up(now):
            return SignUp.CLOSED, current
        if member_of_team:
            await store.add_member(tx, current.team_id, person, now)
        if join:
            changed = await store.sign_up(tx, round_id, person, now)
        else:
            changed = await store.sign_off(tx, round_id, person)
        if not changed:
            return (SignUp.ALREADY if join else SignUp.NOT_SIGNED_UP), current
        updated = await store.get_round(tx, round_id)
        assert updated is not None
        await _queue_announcement_edits(services, tx, updated, await team_name(tx, updated.team_id))
    services.wake_sender()
    return (SignUp.SIGNED_UP if join else SignUp.SIGNED_OFF), updated


async def cancel_round(services: Services, round_: Round, *, by: int) -> bool:
    """Cancelled: announcements edited, walkers told privately. False when it was not planned."""
    now = services.now()
    tz = services.config.timezone
    name = await team_name(services.db, round_.team_id)
    languages = await users.languages(services.db, list(round_.walkers))
    async with services.db.transaction() as tx:
        if not await store.cancel_round(tx, round_.id, by=by, now=now):
            return False
        await _queue_announcement_edits(services, tx, round_, name, cancelled=True)
        for walker in round_.walkers:
            language = languages.get(walker, services.config.language)
            await outbox.enqueue(tx, walker, "sendMessage",
                                 {"text": cancelled_notice(language, round_, name, tz), "parse_mode": "HTML"},
                                 kind="patrol_cancelled", language=language, not_before=now)
    services.wake_sender()
    return True


# ---------------------------------------------------------------------------- the tick


@dataclass(slots=True)
class PatrolTick:
    sent: int = 0
    skipped: int = 0


async def run_patrol_tick(services: Services) -> PatrolTick:
    """Send what is due now; safe to run as often as you like."""
    rules = rules_from_config(services.config)
    now = services.now()
    result = PatrolTick()
    rounds = await store.for_tick(services.db, starting_before=now + rules.shortage_lead,
                                  ended_after=now - rules.report_grace)
    coordinators: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for round_ in rounds:
        if round_.team_id not in coordinators:
            coordinators[round_.team_id] = await users.holders_of_scope(
                services.db, Role.COORDINATOR, permissions.team_scope(round_.team_id))
            names[round_.team_id] = await team_name(services.db, round_.team_id)
        await _announce_phase(services, round_, names[round_.team_id], now)
        planned = planned_sends(round_, coordinators[round_.team_id], rules)
        done = await store.logged(services.db, [p.key for p in planned])
        for send in planned:
            if send.key in done:
                continue
            decision = send.decide(now)
            if decision is Missed.WAIT:
                continue
            if decision is Missed.SKIP:
                async with services.db.transaction() as tx:
                    if await store.log_send(tx, send.key, round_id=round_.id, chat_id=send.chat_id,
                                            kind=send.kind.value, scheduled_for=send.due, status="skipped", now=now):
                        log.info("skipped a patrol %s that was due %s ago", send.kind.value, now - send.due)
                        result.skipped += 1
                continue
            if await _send(services, round_, names[round_.team_id], send, now):
                result.sent += 1
    if result.sent:
        services.wake_sender()
    last = services.patrol_retention_at
    if last is None or now - last >= RETENTION_EVERY:
        services.patrol_retention_at = now
        await store.apply_retention(services.db, now=now, retention_days=services.config.retention_days)
    return result


async def _announce_phase(services: Services, round_: Round, team_name: str, now: dt.datetime) -> None:
    """Once when the round starts and once when it is over, every announcement is edited: it
    says so and loses the sign-up buttons (logged like the other sends, so once only)."""
    phase = phase_of(round_, now)
    if phase not in (Phase.RUNNING, Phase.OVER):
        return
    async with services.db.transaction() as tx:
        if await store.log_send(tx, f"round:{round_.id}:{phase.value}", round_id=round_.id, chat_id=0,
                                kind=f"announce_{phase.value}", scheduled_for=now, status="sent", now=now):
            await _queue_announcement_edits(services, tx, round_, team_name)


async def _send(services: Services, round_: Round, team_name: str, send: PlannedSend, now: dt.datetime) -> bool:
    tz = services.config.timezone
    language = (await users.languages(services.db, [send.chat_id])).get(send.chat_id, services.config.language)
    payload: dict[str, object] = {"parse_mode": "HTML"}
    if send.kind is SendKind.SHORTAGE:
        payload["text"] = shortage_text(language, round_, team_name, tz)
    elif send.kind is SendKind.REMINDER:
        payload["text"] = reminder_text(language, round_, team_name, tz)
    else:
        payload["text"] = report_question(language, round_, tz)
        payload["reply_markup"] = inline_keyboard(report_buttons(language, round_.id))
    async with services.db.transaction() as tx:
        # The log row and the outbox row commit together: logged means queued, and only once.
        if not await store.log_send(tx, send.key, round_id=round_.id, chat_id=send.chat_id, kind=send.kind.value,
                                    scheduled_for=send.due, status="sent", now=now):
            return False
        if send.kind is SendKind.REPORT:
            await store.ask_report(tx, round_.id, send.chat_id, now)
        await outbox.enqueue(tx, send.chat_id, "sendMessage", payload, kind=f"patrol_{send.kind.value}",
                             language=language, not_before=now)
    return True


# ---------------------------------------------------------------------------- walk reports


class Choice(StrEnum):
    STORED = "stored"
    ASK_TEXT = "ask_text"
    ALREADY = "already"
    INVALID = "invalid"  # no walk-report question went to this person for this round


async def _refresh_awaiting(services: Services, person: int) -> None:
    """services.patrol_awaiting follows storage, so the check on every private message costs no query."""
    awaiting = services.patrol_awaiting
    if await store.awaiting_text(services.db, person) is None:
        awaiting.discard(person)
    else:
        awaiting.add(person)


async def choose_outcome(services: Services, round_id: int, person: int, outcome: WalkOutcome) -> Choice:
    if await store.get_report(services.db, round_id, person) is None:
        return Choice.INVALID
    step = step_after(outcome)
    async with services.db.transaction() as tx:
        changed = await store.choose_outcome(tx, round_id, person, outcome, done=step is WalkStep.DONE,
                                             now=services.now())
    if not changed:
        return Choice.ALREADY
    await _refresh_awaiting(services, person)
    return Choice.STORED if step is WalkStep.DONE else Choice.ASK_TEXT


@dataclass(frozen=True, slots=True)
class TextStored:
    outcome: WalkOutcome
    reference: str | None = None  # of the sighting a follow-up became
    routed: bool = False


class _AlreadyAnswered(Exception):
    """A second message raced the first: roll back the sighting it would create."""


async def owes_text(services: Services, person: int) -> bool:
    return person in services.patrol_awaiting


async def submit_text(services: Services, person: int, text: str, *, language: str,
                      reporter_label: str | None) -> TextStored | None:
    """The free-text message that completes a walk report; None when none was waiting.

    A follow-up becomes a sighting in the round's buurt, routed like any other (category
    OTHER: the wijkagent), stored in the same transaction as the walk report.
    """
    report = await store.awaiting_text(services.db, person)
    if report is None or report.outcome is None:
        await _refresh_awaiting(services, person)
        return None
    round_ = await store.get_round(services.db, report.round_id)
    now = services.now()
    tz = services.config.timezone
    area = services.catalog.area(round_.buurt_code) if round_ is not None else None
    result: TextStored | None
    if needs_routing(report.outcome) and round_ is not None and area is not None:
        t = translator(language)
        sighting = Sighting(
            category=FOLLOW_UP_CATEGORY, reporter_id=person, area=area, occurred_at=round_.starts_at,
            description=t.gettext("Loopronde {when}, {route}: {text}").format(
                when=when_label(t, round_, tz), route=round_.route, text=text),
            location_source=LocationSource.PATROL, language=language)

        async def record(tx: Transaction, stored: Sighting) -> None:
            if not await store.finish_report(tx, report.round_id, person, text, sighting_id=stored.id, now=now):
                raise _AlreadyAnswered

        try:
            submitted = await submit_sighting(services, sighting, reporter_label=reporter_label, also=record)
        except _AlreadyAnswered:
            result = None
        else:
            result = TextStored(WalkOutcome.FOLLOW_UP, submitted.sighting.reference, bool(submitted.recipients))
    else:
        if needs_routing(report.outcome):
            log.warning("walk report of round %d needs follow-up but its buurt is not configured", report.round_id)
        async with services.db.transaction() as tx:
            stored = await store.finish_report(tx, report.round_id, person, text, sighting_id=None, now=now)
        result = TextStored(report.outcome) if stored else None
    await _refresh_awaiting(services, person)
    return result


# ---------------------------------------------------------------------------- what the handlers ask


async def coordinated_teams(services: Services, person: int) -> set[int]:
    return permissions.coordinated_teams(await users.roles_of(services.db, person))


class PlanRefusal(StrEnum):
    GROUP_NOT_LINKED = "group_not_linked"  # planned in a group that is not a team's
    NOT_COORDINATOR = "not_coordinator"
    WHICH_TEAM = "which_team"  # coordinates more teams and named none
    NO_SUCH_TEAM = "no_such_team"


@dataclass(frozen=True, slots=True)
class PlanRefused:
    reason: PlanRefusal
    example_team: int = 0  # for WHICH_TEAM: one of their teams, for the example


@dataclass(frozen=True, slots=True)
class Planned:
    round: Round
    team_name: str
    groups: int  # the groups it is announced in


async def plan_from_command(services: Services, person: int, words: Sequence[str], *,
                            group_chat: int | None) -> Planned | PlanRefused | PlanError:
    """/ronde nieuw [#team] <datum> <tijd> [minimum] <route>, typed in private or in a team's
    group (``group_chat``: then the round is that group's team's). Only a coordinator of the
    team plans; stored and queued before this returns."""
    coordinated = await coordinated_teams(services, person)
    team_id, words = split_team(words)
    if group_chat is not None:
        group = await teams.get_group(services.db, group_chat)
        if group is None or not group.active:
            return PlanRefused(PlanRefusal.GROUP_NOT_LINKED)
        team_id = group.team_id  # in a team's group, the round is that team's
    elif team_id is None and len(coordinated) == 1:
        team_id = next(iter(coordinated))
    if not coordinated or (team_id is not None and team_id not in coordinated):
        log.warning("refused /ronde nieuw by someone who does not coordinate that team")
        return PlanRefused(PlanRefusal.NOT_COORDINATOR)
    if team_id is None:
        return PlanRefused(PlanRefusal.WHICH_TEAM, min(coordinated))
    team = await teams.get_team(services.db, team_id)
    if team is None or not team.buurten:
        return PlanRefused(PlanRefusal.NO_SUCH_TEAM)
    parsed = parse_plan(words, now=services.now(), tz=services.config.timezone, rules=rules_from_config(services.config))
    if isinstance(parsed, PlanError):
        return parsed
    round_, groups = await plan_round(services, team, parsed, by=person)
    return Planned(round_, team.name, groups)


class CancelOutcome(StrEnum):
    UNKNOWN = "unknown"  # no such round (or no number)
    NOT_COORDINATOR = "not_coordinator"
    ALREADY = "already"  # was cancelled before
    CANCELLED = "cancelled"


async def cancel_as_coordinator(services: Services, round_id: int | None, person: int) -> CancelOutcome:
    """/ronde annuleer <nummer>: only a coordinator of the round's team cancels it."""
    round_ = await store.get_round(services.db, round_id) if round_id is not None else None
    if round_ is None:
        return CancelOutcome.UNKNOWN
    if round_.team_id not in await coordinated_teams(services, person):
        log.warning("refused /ronde annuleer by someone who does not coordinate that team")
        return CancelOutcome.NOT_COORDINATOR
    if not await cancel_round(services, round_, by=person):
        return CancelOutcome.ALREADY
    return CancelOutcome.CANCELLED


class DetailsRefusal(StrEnum):
    UNKNOWN = "unknown"  # no such round, or not a coordinator of its team
    NOT_IN_PRIVATE = "not_in_private"  # names and walk reports are not for the group


async def round_details(services: Services, round_id: int, person: int, language: str, *,
                        private: bool) -> str | DetailsRefusal:
    """/ronde <nummer>: who walks and what they reported, for the team's coordinator in private."""
    round_ = await store.get_round(services.db, round_id)
    if round_ is None or round_.team_id not in await coordinated_teams(services, person):
        return DetailsRefusal.UNKNOWN
    if not private:
        return DetailsRefusal.NOT_IN_PRIVATE
    return details_text(language, round_, await team_name(services.db, round_.team_id), services.config.timezone,
                        await store.walker_names(services.db, round_id),
                        await store.reports_of_round(services.db, round_id))


@dataclass(frozen=True, slots=True)
class RoundCard:
    round: Round
    team_name: str
    open_for_sign_up: bool


async def my_rounds(services: Services, person: int) -> list[RoundCard] | None:
    """/rondes: the coming rounds of the person's teams; None when they belong to no team."""
    team_ids = await store.teams_of_person(services.db, person)
    if not team_ids:
        return None
    rounds = await store.upcoming_for_teams(services.db, team_ids, services.now())
    names = {team_id: await team_name(services.db, team_id) for team_id in {r.team_id for r in rounds}}
    now = services.now()
    return [RoundCard(r, names[r.team_id], r.open_for_sign_up(now)) for r in rounds]


@dataclass(frozen=True, slots=True)
class SignUpAnswer:
    outcome: SignUp
    round: Round | None = None  # after the change
    team_name: str = ""  # of that round, for the card in a private chat
    private_chat_open: bool = True  # SIGNED_UP: can reminders reach them in private?


async def press_sign_up(services: Services, round_id: int, person: int, *, chat_id: int, private: bool,
                        join: bool) -> SignUpAnswer:
    """A sign-up button pressed in ``chat_id``. In a group it is valid in the round's team's own
    group (whoever can press there is a member); in private only the person's own chat, for a
    team they belong to."""
    round_ = await store.get_round(services.db, round_id)
    if round_ is None:
        allowed = False
    elif not private:
        group = await teams.get_group(services.db, chat_id)
        allowed = group is not None and group.active and group.team_id == round_.team_id
    else:
        allowed = chat_id == person and round_.team_id in await store.teams_of_person(services.db, person)
    if not allowed:
        log.warning("refused a patrol sign-up button that does not belong to this chat or person")
        return SignUpAnswer(SignUp.INVALID)
    outcome, updated = await change_sign_up(services, round_id, person, join=join, member_of_team=not private)
    reachable = outcome is not SignUp.SIGNED_UP or await users.reachable_in_private(services.db, person)
    name = await team_name(services.db, updated.team_id) if private and updated is not None else ""
    return SignUpAnswer(outcome, updated, name, reachable)


@dataclass(frozen=True, slots=True)
class ReportChoice:
    choice: Choice
    question: str = ""  # the walk-report question it answers, for the edited message


async def press_report(services: Services, round_id: int, person: int, outcome: WalkOutcome, *, chat_id: int,
                       language: str) -> ReportChoice:
    """A walk-report button: valid only in the person's own chat, for a round they were asked about."""
    choice = Choice.INVALID
    if chat_id == person:
        choice = await choose_outcome(services, round_id, person, outcome)
    if choice is Choice.INVALID:
        log.warning("refused a walk-report button for a round this person was not asked about")
    if choice in (Choice.INVALID, Choice.ALREADY):
        return ReportChoice(choice)
    round_ = await store.get_round(services.db, round_id)
    return ReportChoice(choice, report_question(language, round_, services.config.timezone) if round_ else "")
