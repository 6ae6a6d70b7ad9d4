"""/abonneer and /opzeggen: a resident follows (or stops following) their buurt's alerts in
private, by postcode and house number; only the buurt is kept unless they ask otherwise."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.outreach import service as outreach
from bot.outreach.follow import KEEP_ADDRESS_PATTERN, keep_address_data, parse_keep_address
from handlers.common import user_translator
from handlers.context import BuurtwachtContext

log = logging.getLogger(__name__)
PENDING_ADDRESS = "pending_address"  # user_data: the address typed with /abonneer, until kept or not


async def subscribe(update: Update, context: BuurtwachtContext) -> None:
    """/abonneer <postcode> <huisnummer>: follow the buurt's alerts in private."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    text = " ".join(context.args or [])
    if not text:
        await message.reply_text(t.gettext("Gebruik: /abonneer 5701 AB 12 — je krijgt dan de buurtalarmen van jouw buurt."))
        return
    area = await outreach.subscribe(context.services, user.id, text)
    if area is None:
        await message.reply_text(t.gettext("Dat adres ligt niet in een buurt waar Buurtwacht actief is, of ik kan het niet lezen."))
        return
    if context.user_data is not None:
        context.user_data[PENDING_ADDRESS] = text[:outreach.ADDRESS_MAX]
    await message.reply_text(
        t.gettext("Je volgt nu de buurtalarmen van {buurt}. We bewaren alleen je buurt, niet je adres.").format(
            buurt=area.buurt_name),
        reply_markup=InlineKeyboardMarkup([[
            InlineKeyboardButton(t.gettext("Bewaar ook mijn adres"), callback_data=keep_address_data(area.buurt_code)),
        ]]),
    )


async def on_keep_address(update: Update, context: BuurtwachtContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.data is None:
        return
    t = await user_translator(update, context)
    address = (context.user_data or {}).get(PENDING_ADDRESS)
    buurt = parse_keep_address(query.data)
    if not address or buurt is None or not await outreach.keep_address(context.services, user.id, buurt, address):
        log.info("refused an expired keep-address button")
        await query.answer(t.gettext("Deze knop is verlopen."))
        return
    await query.answer(t.gettext("Je adres is bewaard. Wissen kan met /vergeetmij."))


async def unsubscribe(update: Update, context: BuurtwachtContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    removed = await outreach.unsubscribe(context.services, user.id)
    await message.reply_text(t.gettext("Je ontvangt geen buurtalarmen meer.") if removed
                             else t.gettext("Je volgde geen buurt."))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(["abonneer", "subscribe"], subscribe, filters=private))
    app.add_handler(CommandHandler(["opzeggen", "unsubscribe"], unsubscribe, filters=private))
    app.add_handler(CallbackQueryHandler(on_keep_address, pattern=KEEP_ADDRESS_PATTERN))
