"""The group's answers to an alert: the "👀 Ik kijk" / "✔️ Gezien" buttons, and /reacties."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.alerts import watch
from bot.alerts.lifecycle import watch_answer
from bot.core.textsafety import clean_text, pack_lines
from bot.reports.group_buttons import PATTERN, WatchKind, parse_watch
from handlers.common import user_translator
from handlers.context import BuurtwachtContext

log = logging.getLogger(__name__)


async def on_watch(update: Update, context: BuurtwachtContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.message is None:
        return
    t = await user_translator(update, context)
    services = context.services
    button = parse_watch(query.data)
    if button is None:
        log.warning("refused a watch button with data this bot never made")
    # The name is shown to the coordinator later: no control or direction characters.
    name = clean_text(user.first_name, 64) or "?"
    pressed = (await watch.press(services, button.incident_id, query.message.chat.id, user.id, name, button.kind)
               if button is not None else watch.Press.NOT_HERE)
    if pressed is watch.Press.NOT_HERE:
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    if pressed is watch.Press.REPEATED:
        await query.answer(t.gettext("Dat had je al doorgegeven."))
        return
    assert button is not None
    # Whoever has no private chat with the bot yet gets the t.me start link with the answer.
    text, url = await watch_answer(services, t, user.id, button.kind, context.bot.username)
    await query.answer(text, url=url)


async def responders_command(update: Update, context: BuurtwachtContext) -> None:
    """/reacties <referentie>: a coordinator sees who responded to an alert in their groups."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    reference = (context.args or [""])[0].upper()
    people = await watch.responders(context.services, user.id, reference)
    if people is None:
        await message.reply_text(t.gettext("Gebruik: /reacties <referentie> voor een melding in je eigen groepen."))
        return
    labels = {WatchKind.LOOK: t.gettext("kijkt"), WatchKind.SEEN: t.gettext("gezien")}
    lines = [f"{name}: {labels[WatchKind(kind)]}" for name, kind in people] or [t.gettext("Nog niemand.")]
    for text in pack_lines(lines):  # 80 responders do not fit in one message
        await message.reply_text(text)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler(["reacties", "responses"], responders_command, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(on_watch, pattern=PATTERN))
