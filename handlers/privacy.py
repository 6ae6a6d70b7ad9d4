"""/mijngegevens, /vergeetmij, /demp: the AVG/GDPR rights and keeping abuse out."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.core import permissions
from bot.core.textsafety import parse_bounded_int, parse_user_id
from bot.desk import service as desk
from bot.desk.service import MuteOutcome
from bot.people import service as people
from bot.privacy import service as privacy_service
from handlers.common import user_translator
from handlers.context import BuurtwachtContext, forget_language

log = logging.getLogger(__name__)

DEFAULT_MUTE_HOURS = 24 * 7
MAX_MUTE_HOURS = 24 * 365


async def my_data(update: Update, context: BuurtwachtContext) -> None:
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    services = context.services
    data = await privacy_service.export_person(services, update.effective_user.id)
    document = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    await message.reply_document(
        InputFile(document, filename="buurtwacht-mijn-gegevens.json"),
        caption=t.gettext("Dit is alles wat Buurtwacht over jou bewaart. Wissen kan met /vergeetmij."),
    )


async def forget_me(update: Update, context: BuurtwachtContext) -> None:
    message = update.effective_message
    if message is None:
        return
    t = await user_translator(update, context)
    await message.reply_text(
        t.gettext(
            "Weet je het zeker? We wissen je gegevens, rollen en abonnementen. Je eerdere meldingen "
            "blijven bestaan voor de buurtcijfers, maar zonder dat te zien is dat ze van jou komen."
        ),
        reply_markup=InlineKeyboardMarkup([
            [InlineKeyboardButton(t.gettext("Ja, wis mijn gegevens"), callback_data="forget:yes"),
             InlineKeyboardButton(t.gettext("Nee"), callback_data="forget:no")],
        ]),
    )


async def on_forget(update: Update, context: BuurtwachtContext) -> None:
    query = update.callback_query
    if query is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    services = context.services
    await query.answer()
    message = update.effective_message  # None when Telegram no longer shows the question
    if query.data != "forget:yes" or message is None or message.chat.id != update.effective_user.id:
        if message is not None:
            await message.reply_text(t.gettext("Er is niets gewist."))
        return
    await privacy_service.forget_person(services, update.effective_user.id)
    forget_language(context)
    await message.reply_text(t.gettext("Je gegevens zijn gewist. Je meldingen blijven anoniem bewaard."))


async def mute(update: Update, context: BuurtwachtContext) -> None:
    """/demp <telegram-id> [uren] — an admin, coordinator or officer mutes an abusive user."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    services = context.services
    roles = await people.roles(services, update.effective_user.id)
    if not roles & permissions.MUTER_ROLES:
        log.warning("refused /demp by a user without a role that may mute")
        await message.reply_text(t.gettext("Dit mag alleen een coördinator, wijkagent, BOA of beheerder."))
        return
    args = context.args or []
    target = parse_user_id(args[0]) if args else None
    hours = parse_bounded_int(args[1], 0, MAX_MUTE_HOURS) if len(args) > 1 else DEFAULT_MUTE_HOURS
    if target is None or hours is None or len(args) > 2:
        await message.reply_text(t.gettext("Gebruik: /demp <telegram-id> [uren]. Met 0 uren hef je het dempen op."))
        return
    until = services.now() + dt.timedelta(hours=hours) if hours else None
    outcome = await desk.mute(services, update.effective_user.id, target, until)
    if outcome is MuteOutcome.MUTED and until is not None:
        await message.reply_text(t.gettext("Gedempt tot {time}.").format(time=t.datetime(until, services.config.timezone)))
        return
    refusals = {
        MuteOutcome.NOT_A_MUTER: t.gettext("Dit mag alleen een coördinator, wijkagent, BOA of beheerder."),
        # The same words whether the person exists or not.
        MuteOutcome.OUT_OF_REACH: t.gettext("Je kunt alleen iemand dempen die in jouw gebied een melding heeft "
                                            "gedaan."),
        MuteOutcome.DUTY: t.gettext("Iemand met een rol in de bot (coördinator, wijkagent, BOA, zorg, "
                                    "beheerder) kan alleen door een beheerder worden gedempt."),
    }
    await message.reply_text(refusals.get(outcome) or t.gettext("Het dempen is opgeheven."))

def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(["mijngegevens", "mydata"], my_data, filters=private))
    app.add_handler(CommandHandler(["vergeetmij", "forgetme"], forget_me, filters=private))
    app.add_handler(CallbackQueryHandler(on_forget, pattern=r"^forget:(yes|no)$"))
    app.add_handler(CommandHandler(["demp", "mute"], mute, filters=private))
