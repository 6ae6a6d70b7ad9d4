"""/kaart (/map): the Mini App for officers and coordinators, and its menu button.

The page itself is bot.webapp (served by the bot's own tornado server); residents reach it
from the report's place step ("Kies op de kaart", handlers.report)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, filters

from bot.core.i18n import N_
from bot.webapp.links import map_url
from bot.webapp.service import may_open_map
from handlers.common import user_translator
from handlers.context import BuurtwachtContext

log = logging.getLogger(__name__)
MAP_BUTTON = N_("🗺 Kaart van je gebied")


async def open_map(update: Update, context: BuurtwachtContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    services = context.services
    url = map_url(services.config)
    if url is None:
        await message.reply_text(t.gettext("De kaart is (nog) niet ingesteld voor deze bot."))
        return
    if not await may_open_map(services, user.id):
        await message.reply_text(t.gettext(
            "De kaart is voor wijkagenten, BOA's, coördinatoren en de gemeente. Iets melden? Tik op /melding."))
        return
    label = t.gettext(MAP_BUTTON)
    await message.reply_text(
        t.gettext("Open de kaart van je gebied: open meldingen en het overzicht per buurt."),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(label, web_app=WebAppInfo(url))]]))
    try:
        # From now on the button beside their text field opens the map too (this chat only).
        await context.bot.set_chat_menu_button(chat_id=user.id, menu_button=MenuButtonWebApp(
            label.removeprefix("🗺 ")[:16] or "Buurtwacht", WebAppInfo(url)))
    except TelegramError as error:
        log.info("menu button not set: %s", type(error).__name__)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler(["kaart", "map"], open_map, filters=filters.ChatType.PRIVATE))
