"""Broadcasts: a coordinator's alarm to their teams, an officer's alert to an area.

A broadcast is prepared as a draft (the sender sees how many it will reach), then sent in one
transaction that writes every outbox row, then followed until the outbox has delivered it,
and finally ended ("opgelost"), which edits every message that went out.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

from bot.alerts.buttons import BroadcastAction, button_data
from bot.core import permissions
from bot.core.domain import BroadcastStatus, Point, Role
from bot.core.i18n import N_, translator
from bot.delivery import paid as paid_delivery
from bot.privacy.rules import REPORT_WINDOW, minutes_until_allowed
from bot.reports.routing import walkers_on_duty
from bot.runtime.services import Services
from storage import broadcasts, outbox, subscriptions, teams, users
from storage import patrol as patrol_store
from storage.broadcasts import Broadcast
from storage.db import Database, Transaction

log = logging.getLogger(__name__)

KINDS = {
    "team_alarm": N_("Buurtalarm"),
    "missing_person": N_("Vermiste persoon"),
    "suspect_vehicle": N_("Verdacht voertuig"),
    "scam_wave": N_("Waarschuwing: oplichting"),
    "other": N_("Gebiedsalarm"),
}
KIND_WORDS = {"vermist": "missing_person", "voertuig": "suspect_vehicle", "auto": "suspect_vehicle",
              "oplichting": "scam_wave", "babbeltruc": "scam_wave", "anders": "other"}

# How recipients see who sent it, most specific first: a wijkagent who is also an admin
# signs as wijkagent.
SENDER_LABELS: dict[Role, str] = {
    Role.WIJKAGENT: N_("wijkagent"),
    Role.BOA: N_("wijk-BOA"),
    Role.ADMIN: N_("gemeente"),
    Role.CARE_DESK: N_("zorgloket"),
    Role.COORDINATOR: N_("buurtpreventieteam"),
}


@dataclass(frozen=True, slots=True)
class Audience:
    buurten: tuple[str, ...]
    groups: tuple[tuple[int, str], ...]  # (chat id, language)
    subscribers: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.groups) + len(self.subscribers)


@dataclass(frozen=True, slots=True)
class SendResult:
    queued: int = 0
    already: bool = False  # pressed twice, or cancelled: nothing (more) was sent
    wait_minutes: int | None = None  # refused: the sender reached the hourly limit
    not_allowed: bool = False  # refused: the sender no longer holds the rights for this audience


def buurten_of_area(services: Services, code: str) -> list[str]:
    """Configured buurten inside a gemeente (GM…) or wijk (WK…)."""
    prefix = "BU" + code[2:6] if code.startswith("GM") else "BU" + code[2:8]
    return sorted(b for b in services.catalog.buurt_codes() if b.startswith(prefix))


def buurten_in_radius(services: Services, point: Point, radius_m: float) -> list[str]:
    return [b for b in services.locator.index.buurten_within(point, radius_m) if b in services.catalog]


async def buurten_of_teams(services: Services, team_ids: set[int]) -> list[str]:
    codes: set[str] = set()
    for team_id in team_ids:
        team = await teams.get_team(services.db, team_id)
        if team is not None:
            codes.update(team.buurten)
    return sorted(codes)


def team_ids_of(draft: Broadcast) -> set[int] | None:
    """The teams of a coordinator's alarm ('teams:1,2'); None for an area alert."""
    if not draft.scope.startswith("teams:"):
        return None
    return {int(x) for x in draft.scope[6:].split(",") if x}


async def audience(services: Services, buurten: list[str], *, team_ids: set[int] | None = None) -> Audience:
    """Active groups of teams watching these buurten (or exactly these teams), and subscribers."""
    groups: dict[int, str] = {}
    if team_ids is not None:
        for team_id in sorted(team_ids):
            for group in await teams.groups_of_team(services.db, team_id):
                if group.active:
                    groups[group.chat_id] = group.language
    else:
        for code in buurten:
            for contact in services.directory.groups_by_buurt.get(code, ()):
                groups[contact.chat_id] = contact.language
    subscribers = await subscriptions.in_buurten(services.db, buurten)
    # Walkers on a patrol round in these buurten get the alert straight away, like followers.
    now = services.now()
    on_duty = walkers_on_duty(await patrol_store.running(services.db, now), now)
    walkers = {w for code in buurten for w in on_duty.get(code, ())} - set(subscribers)
    return Audience(tuple(buurten), tuple(sorted(groups.items())), tuple(subscribers) + tuple(sorted(walkers)))


# --- rules (pure) --------------------------------------------------------------------------------


def sender_role(kind: str, grants: Iterable[permissions.Grant], buurten: Iterable[str]) -> Role | None:
    """The role a broadcast goes out under: a team alarm is the team's; an area alert is signed
    with the most specific role whose area holds every buurt it goes to."""
    grants = list(grants)
    if kind == "team_alarm":
        return Role.COORDINATOR
    codes = list(buurten)
    for role in SENDER_LABELS:
        if role is Role.COORDINATOR:
            continue
        if any(r is role and scope[:2] in ("GM", "WK") and all(permissions.area_contains(scope, c) for c in codes)
               for r, scope in grants):
            return role
    return None


def sender_label(language: str, role: str | Role | None) -> str:
    t = translator(language)
    try:
        label = SENDER_LABELS.get(Role(role)) if role else None
    except ValueError:
        label = None
    return t.gettext(label) if label else t.gettext("Buurtwacht")


def still_allowed(draft: Broadcast, grants: Iterable[permissions.Grant]) -> bool:
    """At the moment of sending, the sender must still hold the rights the draft was made with."""
    grants = list(grants)
    team_ids = team_ids_of(draft)
    if team_ids is not None:
        return bool(team_ids) and team_ids <= permissions.coordinated_teams(grants)
    return bool(draft.buurten) and all(permissions.can_alert_area(grants, b) for b in draft.buurten)


# What a recipient should do, by kind of alert: someone missing must be reported, not left alone.
DEFAULT_CLOSING_LINE = N_("Zie je iets? Bel 112 bij gevaar, anders 0900-8844. Grijp niet zelf in.")
CLOSING_LINES: dict[str, str] = {
    "missing_person": N_("Zie je deze persoon? Bel 112."),
    "suspect_vehicle": N_("Zie je dit voertuig? Bel 112 en geef het kenteken en de rijrichting door. Volg het niet."),
    "scam_wave": N_("Twijfel je aan iemand aan de deur? Laat niemand binnen en bel 0900-8844; bij gevaar 112."),
}


def radius_buurten(services: Services, grants: Iterable[permissions.Grant], point: Point,
                   radius_m: float) -> list[str] | None:
    """The buurten a radius alert goes to: accepted when its centre lies in the sender's area,
    then clipped to that area (None when the centre is outside it, or in no known buurt)."""
    grants = list(grants)
    hit = services.locator.index.lookup(point)
    if hit is None or not permissions.can_alert_area(grants, hit.buurt_code):
        return None
    return [b for b in buurten_in_radius(services, point, radius_m) if permissions.can_alert_area(grants, b)]


def broadcast_text(language: str, kind: str, text: str, *, sender_role: str | Role | None,
                   ended: str | None = None) -> str:
    """The message every recipient reads, in the recipient's language (the sender's text as is)."""
    t = translator(language)
    title = t.gettext(KINDS.get(kind, KINDS["other"]))
    icon = "📣" if kind == "team_alarm" else "🚨"
    lines = []
    if ended:
        lines.append("✅ <b>" + html.escape(ended) + "</b>")
    lines += [f"{icon} <b>{html.escape(title)}</b>", "", html.escape(text), "",
              t.gettext("Afzender: {role}").format(role=html.escape(sender_label(language, sender_role))),
              t.gettext(CLOSING_LINES.get(kind, DEFAULT_CLOSING_LINE))]
    return "\n".join(lines)


def audience_summary(language: str, who: Audience, *, paid: bool = False) -> str:
    t = translator(language)
    groups = t.ngettext("{n} groep", "{n} groepen", len(who.groups)).format(n=len(who.groups))
    people = t.ngettext("{n} volger", "{n} volgers", len(who.subscribers)).format(n=len(who.subscribers))
    buurten = t.ngettext("{n} buurt", "{n} buurten", len(who.buurten)).format(n=len(who.buurten))
    question = t.gettext("Dit gaat naar {groups} en {people} in {buurten}. Versturen?").format(
        groups=groups, people=people, buurten=buurten)
    if not paid:
        return question
    stars = paid_delivery.stars_estimate(who.size)
    # Translators: paid broadcast (Telegram's allow_paid_broadcast) costs the bot Telegram Stars.
    cost = t.ngettext("Betaalde verzending, snel: {messages} berichten, ongeveer {stars} Star.",
                      "Betaalde verzending, snel: {messages} berichten, ongeveer {stars} Stars.",
                      stars).format(messages=t.number(who.size), stars=t.number(stars))
    return cost + "\n" + question


def paid_broadcast(services: Services, kind: str) -> bool:
    """An officer's area alert goes out as paid broadcast when [delivery] says so; a team's
    /alarm never does."""
    return services.config.delivery.paid_broadcast and kind != "team_alarm"


# --- the hourly limit ----------------------------------------------------------------------------


async def limit_wait(services: Services, db: Database | Transaction, sender_id: int) -> int | None:
    """None when the sender may send one more broadcast now; else minutes to wait."""
    now = services.now()
    recent = await broadcasts.sent_since(db, sender_id, now - REPORT_WINDOW)
    return minutes_until_allowed(recent, now=now, limit=services.config.limits.broadcasts_per_hour)


def limit_text(language: str, wait: int) -> str:
    return translator(language).ngettext(
        "Je hebt het afgelopen uur al veel alarmen verstuurd. Probeer het over {n} minuut opnieuw.",
        "Je hebt het afgelopen uur al veel alarmen verstuurd. Probeer het over {n} minuten opnieuw.",
        wait).format(n=wait)


# --- sending, progress and the end ---------------------------------------------------------------


async def send(services: Services, broadcast_id: int, *,
               progress_message: tuple[int, int] | None = None) -> SendResult:
    """Queue the broadcast for its whole audience in one transaction.

    The hourly limit is checked again inside that transaction: drafts made while under the
    limit cannot all be sent afterwards. The sender's progress message (chat id, message id)
    is stored in the same transaction, so progress and the final count reach the sender even
    when answering the button fails."""
    draft = await broadcasts.get(services.db, broadcast_id)
    if draft is None or draft.status != BroadcastStatus.DRAFT:
        return SendResult(already=True)
    if draft.sender_id is None or not still_allowed(draft, await users.roles_of(services.db, draft.sender_id)):
        log.warning("refused to send broadcast %s: the sender no longer holds the rights", broadcast_id)
        return SendResult(not_allowed=True)
    who = await audience(services, list(draft.buurten), team_ids=team_ids_of(draft))
    languages = dict(who.groups)
    languages.update(await users.languages(services.db, list(who.subscribers)))
    now = services.now()
    paid = paid_broadcast(services, draft.kind)
    async with services.db.transaction() as tx:
        current = await broadcasts.get(tx, broadcast_id)
        if current is None or current.status != BroadcastStatus.DRAFT:
            return SendResult(already=True)  # pressed twice: the first press sent it
        if (wait := await limit_wait(services, tx, draft.sender_id)) is not None:
            log.warning("refused to send broadcast %s: hourly broadcast limit reached", broadcast_id)
            return SendResult(wait_minutes=wait)
        await broadcasts.set_status(tx, broadcast_id, BroadcastStatus.SENDING, now=now)
        if progress_message is not None:
            await broadcasts.set_progress_message(tx, broadcast_id, *progress_message)
        for chat_id in [c for c, _ in who.groups] + list(who.subscribers):
            language = languages.get(chat_id, services.config.language)
            text = broadcast_text(language, draft.kind, draft.text, sender_role=draft.sender_role)
            payload: dict[str, object]
            if draft.photo_file_id:
                # Re-sent by file id as a Telegram photo: never a forward, no metadata.
                method, payload = "sendPhoto", {"photo": draft.photo_file_id, "caption": text[:1024], "parse_mode": "HTML"}
            else:
                method, payload = "sendMessage", {"text": text, "parse_mode": "HTML"}
            if paid:
                payload[paid_delivery.FLAG] = True
            await outbox.enqueue(tx, chat_id, method, payload, priority=outbox.PRIORITY_URGENT, kind="broadcast",
                                 language=language, broadcast_id=broadcast_id, not_before=now)
    services.wake_sender()
    return SendResult(queued=who.size)


async def end(services: Services, broadcast_id: int, *, outcome: str) -> int:
    """Edit every delivered message of the broadcast to show the outcome; returns edits queued."""
    draft = await broadcasts.get(services.db, broadcast_id)
    if draft is None or draft.status not in (BroadcastStatus.SENDING, BroadcastStatus.SENT):
        return 0
    now = services.now()
    rows = await outbox.broadcast_messages(services.db, broadcast_id)
    counts = await progress(services, broadcast_id)
    sender_language = await _sender_language(services, draft)
    queued = 0
    async with services.db.transaction() as tx:
        current = await broadcasts.get(tx, broadcast_id)
        if current is None or current.status not in (BroadcastStatus.SENDING, BroadcastStatus.SENT):
            return 0
        await broadcasts.set_status(tx, broadcast_id, BroadcastStatus.ENDED, now=now, outcome=outcome)
        if draft.progress_chat_id is not None and draft.progress_message_id is not None:
            # The sender's own progress message says it ended too, and loses its button.
            await outbox.enqueue(
                tx, draft.progress_chat_id, "editMessageText",
                {**progress_payload(sender_language, broadcast_id, counts, outcome=outcome),
                 "message_id": draft.progress_message_id},
                priority=outbox.PRIORITY_URGENT, kind="broadcast_progress", language=sender_language, not_before=now)
        for row in rows:
            label = outcome_label(row["language"], outcome)
            text = broadcast_text(row["language"], draft.kind, draft.text, sender_role=draft.sender_role, ended=label)
            if row["method"] == "sendPhoto":
                method, payload = "editMessageCaption", {"caption": text[:1024], "parse_mode": "HTML"}
            else:
                method, payload = "editMessageText", {"text": text, "parse_mode": "HTML"}
            await outbox.enqueue(tx, row["chat_id"], method, payload, priority=outbox.PRIORITY_URGENT,
                                 kind="broadcast", language=row["language"], broadcast_id=broadcast_id,
                                 edit_of=row["id"], not_before=now)
            queued += 1
    services.wake_sender()
    return queued


async def progress(services: Services, broadcast_id: int) -> dict[str, int]:
    counts = await outbox.counts(services.db, broadcast_id=broadcast_id)
    return {
        "sent": counts.get("sent", 0),
        "failed": counts.get("failed", 0) + counts.get("dropped", 0),
        "pending": counts.get("pending", 0) + counts.get("sending", 0),
    }


def outcome_label(language: str, outcome: str) -> str:
    t = translator(language)
    labels = {"resolved": t.gettext("Opgelost"), "expired": t.gettext("Verlopen")}  # expired: bot.alerts.lifecycle
    return labels.get(outcome) or t.gettext("Beëindigd")


def progress_text(language: str, counts: dict[str, int], *, done: bool, outcome: str | None = None) -> str:
    t = translator(language)
    if outcome is not None:
        head = "✅ " + t.gettext("Alarm beëindigd: {outcome}.").format(outcome=outcome_label(language, outcome))
    else:
        head = t.gettext("Alarm verstuurd.") if done else t.gettext("Alarm wordt verstuurd…")
    return head + "\n" + t.gettext("Afgeleverd: {sent} · mislukt: {failed} · nog te gaan: {pending}").format(**counts)


def progress_payload(language: str, broadcast_id: int, counts: dict[str, int], *,
                     outcome: str | None = None) -> dict[str, object]:
    """The one rendering of the sender's progress message, for every state: while it goes out
    and once out, with the button that ends it; once ended (or expired), saying so, without it."""
    payload: dict[str, object] = {"text": progress_text(language, counts, done=counts["pending"] == 0,
                                                        outcome=outcome)}
    if outcome is None:
        payload["reply_markup"] = end_keyboard(language, broadcast_id).to_dict()
    return payload


async def _sender_language(services: Services, draft: Broadcast) -> str:
    language = services.config.language
    if draft.sender_id is not None:  # None once the sender used /vergeetmij
        language = (await users.languages(services.db, [draft.sender_id])).get(draft.sender_id, language)
    return language


def end_keyboard(language: str, broadcast_id: int) -> InlineKeyboardMarkup:
    t = translator(language)
    return InlineKeyboardMarkup([[InlineKeyboardButton("✅ " + t.gettext("Opgelost: alarm beëindigen"),
                                                       callback_data=button_data(BroadcastAction.END, broadcast_id))]])


async def progress_tick(services: Services, bot: Bot) -> None:
    """Edit each sender's progress message while their broadcast drains; final count at the end."""
    for draft in await broadcasts.sending(services.db):
        counts = await progress(services, draft.id)
        done = counts["pending"] == 0
        language = await _sender_language(services, draft)
        if draft.progress_chat_id is not None and draft.progress_message_id is not None:
            try:
                await bot.edit_message_text(progress_text(language, counts, done=done), chat_id=draft.progress_chat_id,
                                            message_id=draft.progress_message_id,
                                            reply_markup=end_keyboard(language, draft.id))
            except BadRequest:
                pass  # not modified: nothing changed since the last tick
            except TelegramError:
                log.info("could not update a broadcast progress message")
        if done:
            await broadcasts.set_status(services.db, draft.id, BroadcastStatus.SENT, now=services.now())


async def tell_expired(services: Services, broadcast_id: int) -> bool:
    """An area alert could not reach everyone before it stopped being current (Telegram was
    unreachable past the deadline in bot.delivery.rules): its sender hears so, once."""
    told = services.expired_broadcasts_told
    if broadcast_id in told:
        return False
    told.add(broadcast_id)
    draft = await broadcasts.get(services.db, broadcast_id)
    if draft is None or draft.sender_id is None:
        return False
    language = (await users.languages(services.db, [draft.sender_id])).get(draft.sender_id, services.config.language)
    t = translator(language)
    text = t.gettext("Je alarm is niet bij iedereen aangekomen: Telegram was te lang onbereikbaar en het alarm is "
                     "nu niet meer actueel. Stuur het opnieuw als het nog speelt.")
    async with services.db.transaction() as tx:
        await outbox.enqueue(tx, draft.sender_id, "sendMessage", {"text": text}, kind="notice", language=language,
                             now=services.now())
    services.wake_sender()
    return True


# --- what the /alarm and /gebiedsalarm handlers ask for --------------------------------------------


async def create_draft(services: Services, sender_id: int, *, kind: str, scope: str, text: str, buurten: list[str],
                       photo: str | None) -> tuple[int, Role | None]:
    """Store the draft the sender confirms; returns its id and the role it will be signed with."""
    role = sender_role(kind, await users.roles_of(services.db, sender_id), buurten)
    broadcast_id = await broadcasts.create_draft(services.db, sender_id=sender_id, kind=kind, scope=scope, text=text,
                                                 photo_file_id=photo, buurten=buurten, now=services.now(),
                                                 sender_role=role.value if role else None)
    return broadcast_id, role


async def draft_of(services: Services, broadcast_id: int) -> Broadcast | None:
    return await broadcasts.get(services.db, broadcast_id)


async def cancel(services: Services, broadcast_id: int) -> None:
    await broadcasts.set_status(services.db, broadcast_id, BroadcastStatus.CANCELLED, now=services.now())
