"""Reports, in a private chat: read the update, call bot.reports.service, send its replies.

A report starts from whatever the resident sends — a text, a photo (with or without caption),
a shared location, a forwarded message — or step by step with /melding. The draft lives in
SQLite (bot.reports.service), not in this module's memory: after a restart the next message
simply goes on, and no conversation can be left half-closed. Which question comes next is
decided in bot/reports/draft.py (``next_step``).
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from telegram import (
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    WebAppInfo,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core.domain import Point
from bot.core.i18n import Translator
from bot.reports import buttons, service
from bot.reports.questions import Reply
from bot.webapp.links import place_url
from handlers.common import (
    display_label,
    edit_or_false,
    keyboard_markup,
    reply_plain,
    user_translator,
)
from handlers.context import BuurtwachtContext

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
# /start melding: the link a group gets for /melding (handlers.start.in_group) starts a report.
START_REPORT = PRIVATE & filters.Regex(r"^/start(@\w+)?\s+melding\s*$")


# ---------------------------------------------------------------------------- keyboards


def place_keyboard(t: Translator, web_app_url: str | None = None) -> ReplyKeyboardMarkup:
    """The place step's reply keyboard: "Deel mijn locatie", and "Kies op de kaart" when a map
    page is configured (its answer arrives as ``web_app_data``, handled like a shared location)."""
    rows = [[KeyboardButton("📍 " + t.gettext("Deel mijn locatie"), request_location=True)]]
    if web_app_url:
        rows.append([KeyboardButton("🗺 " + t.gettext("Kies op de kaart"), web_app=WebAppInfo(web_app_url))])
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)


def place_picker_url(context: BuurtwachtContext) -> str | None:
    """The map page for "Kies op de kaart" (bot.webapp), or None without a [webapp] section."""
    return place_url(context.services.config)


# ---------------------------------------------------------------------------- sending


async def send(message: Message, t: Translator, replies: list[Reply], context: BuurtwachtContext,
               *, pressed: Message | None = None) -> bool:
    """The replies in order; False when the chat turned out unreachable."""
    for reply in replies:
        markup: dict[str, Any] | None = None
        if reply.buttons is not None:
            markup = keyboard_markup(reply.buttons)
        elif reply.place_keyboard:
            markup = place_keyboard(t, place_picker_url(context)).to_dict()
        elif reply.remove_keyboard:
            markup = {"remove_keyboard": True}  # ReplyKeyboardRemove()
        parse_mode = ParseMode.HTML if reply.html else None
        if reply.edit and pressed is not None and await edit_or_false(context.bot, pressed, reply.text,
                                                                       parse_mode=parse_mode):
            continue
        try:
            # Every step sends a question: without PTB's objects for it and its answer.
            await reply_plain(message, reply.text, parse_mode=parse_mode, reply_markup=markup)
        except Forbidden:
            log.info("private chat unreachable while replying (blocked or deleted)")
            return False
    return True


async def reply_with(message: Message, t: Translator, answer: service.Answer, context: BuurtwachtContext,
                 *, pressed: Message | None = None) -> None:
    """Send the service's replies; a receipt among them, once shown, need not come from the outbox."""
    if await send(message, t, answer.replies, context, pressed=pressed) and answer.receipt is not None:
        await service.receipt_shown(context.services, answer.receipt)


async def answer_query(update: Update, text: str | None) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text)
    except BadRequest:  # too old to answer ("query is too old"): the replies still go out
        pass


# ---------------------------------------------------------------------------- updates


def incoming_of(message: Message) -> service.Incoming:
    point = None
    if message.location is not None:
        point = Point(message.location.latitude, message.location.longitude)
    elif message.web_app_data is not None:
        point = web_app_point(message.web_app_data.data)
    photo = message.photo[-1].file_id if message.photo else None
    forwarded = message.forward_origin.date if message.forward_origin is not None else None
    return service.Incoming(text=message.text or message.caption, photo=photo, point=point, forwarded_at=forwarded)


def web_app_point(data: str) -> Point | None:
    """The map page's answer, ``{"lat": .., "lon": ..}``, or None when it is anything else."""
    try:
        parsed = json.loads(data[:4096])
        lat, lon = float(parsed["lat"]), float(parsed["lon"])
    except (ValueError, TypeError, KeyError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Point(lat, lon)


async def on_message(update: Update, context: BuurtwachtContext) -> None:
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    await reply_with(message, t, await service.handle_message(context.services, update.effective_user.id, t,
                                                        incoming_of(message)), context)


async def on_command(update: Update, context: BuurtwachtContext) -> None:
    """/melding (/report), and /start melding from a group's link: step by step."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    # "/melding er wordt ingebroken": words after the command may say it is urgent; after /start
    # they are only the link's "melding".
    words = "" if message.text and message.text.startswith("/start") else " ".join(context.args or [])
    answer = await service.start_report(context.services, update.effective_user.id, t, words)
    await send(message, t, answer.replies, context)


async def on_button(update: Update, context: BuurtwachtContext) -> None:
    query = update.callback_query
    if query is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    message = query.message if isinstance(query.message, Message) else None
    # The report's buttons live in the resident's own private chat, nowhere else.
    if message is None or message.chat.id != update.effective_user.id:
        await answer_query(update, t.gettext("Deze knop is verlopen."))
        return
    result = await service.handle_button(context.services, update.effective_user.id, t, query.data,
                                         reporter_label=display_label(update), message_id=message.message_id)
    await answer_query(update, result.toast)
    await reply_with(message, t, result, context, pressed=message)


async def on_cancel(update: Update, context: BuurtwachtContext) -> None:
    """/annuleer: the report in progress goes; with none, say there is nothing to cancel."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    services = context.services
    if not await service.has_draft(services, update.effective_user.id):
        await message.reply_text(t.gettext("Er is niets om te annuleren."), reply_markup=ReplyKeyboardRemove())
        return
    answer = await service.cancel(services, update.effective_user.id, t)
    await send(message, t, answer.replies, context)


async def on_unknown_command(update: Update, context: BuurtwachtContext) -> None:
    """A command nothing else took: say so, point to /help, and say a report is still open."""
    message = update.effective_message
    if message is None or update.effective_user is None or message.text is None:
        return
    command = message.text.split()[0]
    if "@" in command and message.chat.type != "private":
        if command.split("@", 1)[1].lower() != (context.bot.username or "").lower():
            return  # meant for another bot in the group
    elif message.chat.type != "private":
        return  # a bare /command in a group may be another bot's
    t = await user_translator(update, context)
    lines = [t.gettext("Die opdracht ken ik niet. Met /help zie je wat je kunt doen.")]
    if message.chat.type == "private" and await service.has_draft(context.services, update.effective_user.id):
        lines.append(t.gettext("Je melding staat nog open: beantwoord de vraag hierboven, of stop met /annuleer."))
    await message.reply_text("\n".join(lines))


# ---------------------------------------------------------------------------- wiring


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler(["melding", "report"], on_command, filters=PRIVATE))
    app.add_handler(CommandHandler("start", on_command, filters=START_REPORT))
    app.add_handler(CommandHandler(["annuleer", "cancel"], on_cancel, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(on_button, pattern=buttons.PATTERN))
    # Everything else a resident sends in private: an answer, or the start of a report.
    app.add_handler(MessageHandler(PRIVATE & ~filters.COMMAND, on_message))


def register_last(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """After every other handler of group 0: a command none of them took."""
    app.add_handler(MessageHandler(filters.COMMAND, on_unknown_command))
