"""/alarm (coordinators, their own teams) and /gebiedsalarm (officers and admins, an area)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.alerts import broadcasts as domain
from bot.alerts.buttons import PATTERN, BroadcastAction, button_data, parse_button
from bot.core import permissions
from bot.core.domain import BroadcastStatus, Point
from bot.core.i18n import Translator
from bot.core.textsafety import clean_text, parse_bounded_int
from bot.teams.service import grants_of
from handlers.common import (
    ID_MAX_DIGITS,
    edit_pressed,
    parse_coordinate,
    refer_to_private_chat,
    user_translator,
)
from handlers.context import BuurtwachtContext

log = logging.getLogger(__name__)
RADIUS_M = (50, 20_000)
GROUP_REFUSED_COMMANDS = ("alarm", "gebiedsalarm", "areaalert")


async def _preview(update: Update, context: BuurtwachtContext, *, kind: str, scope: str,
                   text: str, buurten: list[str], team_ids: set[int] | None, photo: str | None) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await user_translator(update, context)
    services = context.services
    who = await domain.audience(services, buurten, team_ids=team_ids)
    if who.size == 0:
        await message.reply_text(t.gettext("Er is niemand om dit alarm naar te sturen: geen gekoppelde groepen of volgers."))
        return
    broadcast_id, role = await domain.create_draft(services, user.id, kind=kind, scope=scope, text=text,
                                                   buurten=buurten, photo=photo)
    preview = domain.broadcast_text(t.language, kind, text, sender_role=role)
    if photo:
        preview += "\n" + t.gettext("(met foto)")
    await message.reply_text(
        preview + "\n\n" + domain.audience_summary(t.language, who, paid=domain.paid_broadcast(services, kind)),
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup([[
            InlineKeyboardButton("📣 " + t.gettext("Versturen"),
                                 callback_data=button_data(BroadcastAction.SEND, broadcast_id)),
            InlineKeyboardButton(t.gettext("Annuleren"), callback_data=button_data(BroadcastAction.CANCEL, broadcast_id)),
        ]]),
    )


async def team_alarm(update: Update, context: BuurtwachtContext) -> None:
    """/alarm <tekst>: to every active group (and follower) of the coordinator's own teams."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    services = context.services
    team_ids = permissions.coordinated_teams(await grants_of(services, user.id))
    if not team_ids:
        log.warning("refused /alarm by someone who coordinates no team")
        await message.reply_text(t.gettext("Alleen coördinatoren kunnen een buurtalarm sturen, en alleen naar hun eigen teams. "
                                           "Zie je iets? Maak een melding met /melding."))
        return
    text = clean_text(" ".join(context.args or []), 1000)
    if not text:
        await message.reply_text(t.gettext("Gebruik: /alarm <bericht aan je teams>"))
        return
    if (wait := await domain.limit_wait(services, services.db, user.id)) is not None:
        log.warning("refused /alarm: hourly broadcast limit reached")
        await message.reply_text(domain.limit_text(t.language, wait))
        return
    buurten = await domain.buurten_of_teams(services, team_ids)
    await _preview(update, context, kind="team_alarm", scope="teams:" + ",".join(map(str, sorted(team_ids))),
                   text=text, buurten=buurten, team_ids=team_ids, photo=None)


def _radius(words: list[str]) -> tuple[Point, int] | None:
    """'<breedte> <lengte> <meters>' → the point and radius, or None when any part is off."""
    if len(words) < 3:
        return None
    lat, lon = parse_coordinate(words[0], 90), parse_coordinate(words[1], 180)
    radius = parse_bounded_int(words[2], *RADIUS_M, max_digits=ID_MAX_DIGITS)
    if lat is None or lon is None or radius is None:
        return None
    return Point(lat, lon), radius


async def area_alarm(update: Update, context: BuurtwachtContext) -> None:
    """/gebiedsalarm <WK…|GM…> [soort] <tekst>  or  /gebiedsalarm straal <lat> <lon> <meter> [soort] <tekst>."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    services = context.services
    raw = message.text or message.caption or ""
    words = raw.split()[1:]
    photo = message.photo[-1].file_id if message.photo else None
    grants = await grants_of(services, user.id)
    usage = t.gettext("Gebruik: /gebiedsalarm <WK… of GM…> [vermist|voertuig|oplichting] <tekst>, of "
                      "/gebiedsalarm straal <breedte> <lengte> <meters> [soort] <tekst>")
    if not permissions.alert_areas(grants):
        log.warning("refused /gebiedsalarm by someone without an officer or admin role")
        await message.reply_text(t.gettext("Een gebiedsalarm kan alleen een wijkagent, BOA of de gemeente sturen."))
        return
    if words and words[0].lower() == "straal":
        circle = _radius(words[1:4])
        if circle is None:
            await message.reply_text(usage)
            return
        point, radius = circle
        clipped = domain.radius_buurten(services, grants, point, radius)
        if clipped is None:
            log.warning("refused a radius /gebiedsalarm whose centre is outside the sender's area")
            await message.reply_text(t.gettext("Het middelpunt ligt buiten jouw werkgebied."))
            return
        buurten = clipped
        scope, rest = f"radius:{point.lat:.5f},{point.lon:.5f},{radius}", words[4:]
    else:
        scope = words[0].upper() if words else ""
        if scope not in services.catalog.gemeente_names and scope not in services.catalog.wijk_names:
            await message.reply_text(usage)
            return
        buurten, rest = domain.buurten_of_area(services, scope), words[1:]
    kind = domain.KIND_WORDS.get(rest[0].lower(), "other") if rest else "other"
    if rest and rest[0].lower() in domain.KIND_WORDS:
        rest = rest[1:]
    text = clean_text(" ".join(rest), 1000)
    if not text or not buurten:
        await message.reply_text(usage)
        return
    if any(not permissions.can_alert_area(grants, b) for b in buurten):
        log.warning("refused /gebiedsalarm outside the sender's area")
        await message.reply_text(t.gettext("Dit gebied valt (deels) buiten jouw werkgebied."))
        return
    if (wait := await domain.limit_wait(services, services.db, user.id)) is not None:
        log.warning("refused /gebiedsalarm: hourly broadcast limit reached")
        await message.reply_text(domain.limit_text(t.language, wait))
        return
    await _preview(update, context, kind=kind, scope=scope, text=text, buurten=buurten, team_ids=None, photo=photo)


async def on_button(update: Update, context: BuurtwachtContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.message is None:
        return
    t = await user_translator(update, context)
    services = context.services
    button = parse_button(query.data)
    draft = await domain.draft_of(services, button.broadcast_id) if button else None
    if button is None or draft is None or draft.sender_id != user.id:
        log.warning("refused a broadcast button pressed by someone other than its sender")
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    action = button.action
    if action is BroadcastAction.CANCEL and draft.status == BroadcastStatus.DRAFT:
        await domain.cancel(services, draft.id)
        await query.answer()
        await edit_pressed(query, t.gettext("Alarm geannuleerd; er is niets verstuurd."))
        return
    if action is BroadcastAction.SEND and draft.status == BroadcastStatus.DRAFT:
        # The progress message is stored with the send itself: whatever happens to the
        # answer below, the progress job edits this message up to the final count.
        result = await domain.send(services, draft.id,
                                   progress_message=(query.message.chat.id, query.message.message_id))
        if result.wait_minutes is not None:
            await query.answer(domain.limit_text(t.language, result.wait_minutes), show_alert=True)
            return
        if result.not_allowed:
            await query.answer(t.gettext("Je mag dit alarm niet (meer) versturen."), show_alert=True)
            return
        if result.already:
            log.info("refused a second press on a broadcast that was already sent")
            await query.answer(t.gettext("Dit alarm is al afgehandeld."))
            return
        await query.answer(t.gettext("Verstuurd."))
        await edit_pressed(
            query, domain.progress_text(t.language, {"sent": 0, "failed": 0, "pending": result.queued}, done=False),
            reply_markup=domain.end_keyboard(t.language, draft.id))
        return
    if action is BroadcastAction.END and draft.status in (BroadcastStatus.SENDING, BroadcastStatus.SENT):
        await domain.end(services, draft.id, outcome="resolved")
        await query.answer(t.gettext("Alle berichten worden bijgewerkt."))
        return
    log.info("refused a broadcast button for a broadcast that is already %s", draft.status)
    await query.answer(t.gettext("Dit alarm is al afgehandeld."))


async def in_private_only(update: Update, context: BuurtwachtContext) -> None:
    """/alarm or /gebiedsalarm typed in a group: a draft with its preview belongs in private."""

    def refusal(t: Translator, link: str) -> str:
        # Only GROUP_REFUSED_COMMANDS reach this handler, so the command typed is one of them.
        assert update.effective_message is not None
        command = (update.effective_message.text or "").split()[0].lstrip("/").split("@")[0].lower()
        return t.gettext("Stuur /{command} in een privégesprek met mij: {link}").format(command=command, link=link)

    await refer_to_private_chat(update, context, refusal)


async def _photo_alarm(update: Update, context: BuurtwachtContext) -> None:
    await area_alarm(update, context)
    raise ApplicationHandlerStop


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("alarm", team_alarm, filters=private))
    app.add_handler(CommandHandler(["gebiedsalarm", "areaalert"], area_alarm, filters=private))
    app.add_handler(CommandHandler(GROUP_REFUSED_COMMANDS, in_private_only, filters=filters.ChatType.GROUPS))
    # A photo whose caption is the command: before the report flow (group 0) sees the photo.
    app.add_handler(MessageHandler(private & filters.PHOTO & filters.CaptionRegex(r"^/(gebiedsalarm|areaalert)\b"),
                                   _photo_alarm), group=-1)
    app.add_handler(CallbackQueryHandler(on_button, pattern=PATTERN))
