"""/alarm (coordinators, their own teams) and /gebiedsalarm (officers and admins, an area)."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import broadcasts as domain
from bot import permissions
from bot.domain import Point, Role
from bot.i18n import translator
from bot.privacy import REPORT_WINDOW, minutes_until_allowed
from bot.services import Services
from bot.textsafety import clean_text
from handlers.common import services_of, user_translator
from storage import broadcasts, users

log = logging.getLogger(__name__)
BC_DATA = re.compile(r"^bc:(send|cancel|end):(\d{1,12})$")


async def _limit_refusal(services: Services, sender_id: int, language: str) -> str | None:
    recent = await broadcasts.sent_since(services.db, sender_id, services.now() - REPORT_WINDOW)
    wait = minutes_until_allowed(recent, now=services.now(), limit=services.config.limits.broadcasts_per_hour)
    if wait is None:
        return None
    t = translator(language)
    return t.ngettext("Je hebt het afgelopen uur al veel alarmen verstuurd. Probeer het over {n} minuut opnieuw.",
                      "Je hebt het afgelopen uur al veel alarmen verstuurd. Probeer het over {n} minuten opnieuw.",
                      wait).format(n=wait)


def role_label(language: str, grants: list[tuple[Role, str]]) -> str:
    t = translator(language)
    roles = {role for role, _ in grants}
    for role, label in ((Role.WIJKAGENT, t.gettext("wijkagent")), (Role.BOA, t.gettext("wijk-BOA")),
                        (Role.ADMIN, t.gettext("gemeente")), (Role.CARE_DESK, t.gettext("zorgloket")),
                        (Role.COORDINATOR, t.gettext("buurtpreventieteam"))):
        if role in roles:
            return label
    return t.gettext("Buurtwacht")


async def _preview(update: Update, context: ContextTypes.DEFAULT_TYPE, *, kind: str, scope: str,
                   text: str, buurten: list[str], team_ids: set[int] | None, photo: str | None) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await user_translator(update, context)
    services = services_of(context)
    who = await domain.audience(services, buurten, team_ids=team_ids)
    if who.size == 0:
        await message.reply_text(t.gettext("Er is niemand om dit alarm naar te sturen: geen gekoppelde groepen of volgers."))
        return
    broadcast_id = await broadcasts.create_draft(services.db, sender_id=user.id, kind=kind, scope=scope, text=text,
                                                 photo_file_id=photo, buurten=buurten, now=services.now())
    grants = await users.roles_of(services.db, user.id)
    preview = domain.broadcast_text(t.language, kind, text, sender_role=role_label(t.language, grants))
    summary = t.gettext("Dit gaat naar {groups} groep(en) en {people} volger(s) in {buurten} buurt(en). Versturen?").format(
        groups=len(who.groups), people=len(who.subscribers), buurten=len(buurten))
    await message.reply_text(
        preview + "\n\n" + summary, parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup([[
            InlineKeyboardButton("📣 " + t.gettext("Versturen"), callback_data=f"bc:send:{broadcast_id}"),
            InlineKeyboardButton(t.gettext("Annuleren"), callback_data=f"bc:cancel:{broadcast_id}"),
        ]]),
    )


async def team_alarm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/alarm <tekst>: to every active group (and follower) of the coordinator's own teams."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    team_ids = permissions.coordinated_teams(await users.roles_of(services.db, user.id))
    if not team_ids:
        log.warning("refused /alarm by someone who coordinates no team")
        await message.reply_text(t.gettext("Alleen coördinatoren kunnen een buurtalarm sturen, en alleen naar hun eigen teams. "
                                           "Zie je iets? Maak een melding met /melding."))
        return
    text = clean_text(" ".join(context.args or []), 1000)
    if not text:
        await message.reply_text(t.gettext("Gebruik: /alarm <bericht aan je teams>"))
        return
    if (refusal := await _limit_refusal(services, user.id, t.language)) is not None:
        await message.reply_text(refusal)
        return
    buurten = await domain.buurten_of_teams(services, team_ids)
    await _preview(update, context, kind="team_alarm", scope="teams:" + ",".join(map(str, sorted(team_ids))),
                   text=text, buurten=buurten, team_ids=team_ids, photo=None)


async def area_alarm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/gebiedsalarm <WK…|GM…> [soort] <tekst>  or  /gebiedsalarm straal <lat> <lon> <meter> [soort] <tekst>."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    raw = message.text or message.caption or ""
    words = raw.split()[1:]
    photo = message.photo[-1].file_id if message.photo else None
    grants = await users.roles_of(services.db, user.id)
    usage = t.gettext("Gebruik: /gebiedsalarm <WK… of GM…> [vermist|voertuig|oplichting] <tekst>, of "
                      "/gebiedsalarm straal <breedte> <lengte> <meters> [soort] <tekst>")
    if not permissions.alert_areas(grants):
        log.warning("refused /gebiedsalarm by someone without an officer or admin role")
        await message.reply_text(t.gettext("Een gebiedsalarm kan alleen een wijkagent, BOA of de gemeente sturen."))
        return
    try:
        if words and words[0].lower() == "straal":
            point = Point(float(words[1]), float(words[2]))
            radius = float(words[3])
            if not 50 <= radius <= 20_000:
                raise ValueError
            buurten = domain.buurten_in_radius(services, point, radius)
            scope, rest = f"radius:{point.lat:.5f},{point.lon:.5f},{radius:.0f}", words[4:]
        else:
            scope, rest = words[0].upper(), words[1:]
            if scope not in services.catalog.gemeente_names and scope not in services.catalog.wijk_names:
                raise ValueError
            buurten = domain.buurten_of_area(services, scope)
    except (IndexError, ValueError):
        await message.reply_text(usage)
        return
    kind = domain.KIND_WORDS.get(rest[0].lower(), "other") if rest else "other"
    if rest and rest[0].lower() in domain.KIND_WORDS:
        rest = rest[1:]
    text = clean_text(" ".join(rest), 1000)
    if not text or not buurten:
        await message.reply_text(usage)
        return
    outside = [b for b in buurten if not permissions.can_alert_area(grants, b)]
    if outside:
        log.warning("refused /gebiedsalarm outside the sender's area")
        await message.reply_text(t.gettext("Dit gebied valt (deels) buiten jouw werkgebied."))
        return
    if (refusal := await _limit_refusal(services, user.id, t.language)) is not None:
        await message.reply_text(refusal)
        return
    await _preview(update, context, kind=kind, scope=scope, text=text, buurten=buurten, team_ids=None, photo=photo)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.message is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    match = BC_DATA.match(query.data or "")
    draft = await broadcasts.get(services.db, int(match[2])) if match else None
    if match is None or draft is None or draft.sender_id != user.id:
        log.warning("refused a broadcast button pressed by someone other than its sender")
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    action = match[1]
    grants = await users.roles_of(services.db, user.id)
    if action == "cancel" and draft.status == "draft":
        await broadcasts.set_status(services.db, draft.id, "cancelled", now=services.now())
        await query.answer()
        await query.edit_message_text(t.gettext("Alarm geannuleerd; er is niets verstuurd."))
        return
    if action == "send" and draft.status == "draft":
        count = await domain.send(services, draft.id, sender_role=role_label(services.config.language, grants))
        await query.answer(t.gettext("Verstuurd."))
        await broadcasts.set_progress_message(services.db, draft.id, query.message.chat.id, query.message.message_id)
        await query.edit_message_text(progress_text(t.language, {"sent": 0, "failed": 0, "pending": count}, done=False),
                                      reply_markup=end_keyboard(t.language, draft.id))
        return
    if action == "end" and draft.status in ("sending", "sent"):
        await domain.end(services, draft.id, outcome="resolved", sender_role=role_label(services.config.language, grants))
        await query.answer(t.gettext("Alle berichten worden bijgewerkt."))
        return
    await query.answer(t.gettext("Dit alarm is al afgehandeld."))


async def _photo_alarm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await area_alarm(update, context)
    raise ApplicationHandlerStop


def end_keyboard(language: str, broadcast_id: int) -> InlineKeyboardMarkup:
    t = translator(language)
    return InlineKeyboardMarkup([[InlineKeyboardButton("✅ " + t.gettext("Opgelost: alarm beëindigen"),
                                                       callback_data=f"bc:end:{broadcast_id}")]])


def progress_text(language: str, counts: dict[str, int], *, done: bool) -> str:
    t = translator(language)
    head = t.gettext("Alarm verstuurd.") if done else t.gettext("Alarm wordt verstuurd…")
    return head + "\n" + t.gettext("Afgeleverd: {sent} · mislukt: {failed} · nog te gaan: {pending}").format(**counts)


async def progress_tick(services: Services, bot: Bot) -> None:
    """Edit each sender's progress message while their broadcast drains; final count at the end."""
    for draft in await broadcasts.sending(services.db):
        counts = await domain.progress(services, draft.id)
        done = counts["pending"] == 0
        language = (await users.languages(services.db, [draft.sender_id])).get(draft.sender_id, services.config.language)
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
            await broadcasts.set_status(services.db, draft.id, "sent", now=services.now())


async def _progress_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await progress_tick(services_of(context), context.bot)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("alarm", team_alarm, filters=private))
    app.add_handler(CommandHandler(["gebiedsalarm", "areaalert"], area_alarm, filters=private))
    # A photo whose caption is the command: before the report flow (group 0) sees the photo.
    app.add_handler(MessageHandler(private & filters.PHOTO & filters.CaptionRegex(r"^/(gebiedsalarm|areaalert)\b"),
                                   _photo_alarm), group=-1)
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^bc:"))
    if app.job_queue is not None:
        app.job_queue.run_repeating(_progress_job, interval=2, first=2, name="broadcast-progress",
                                    job_kwargs={"id": "broadcast-progress", "replace_existing": True,
                                                "misfire_grace_time": 30})
