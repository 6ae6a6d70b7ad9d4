"""/start, /help, /taal and what a private message outside any flow gets."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from bot.alerts.lifecycle import WATCH_START_PAYLOAD
from bot.core.domain import Role
from bot.core.help import help_lines
from bot.core.i18n import LANGUAGE_NAMES, LANGUAGES, has_catalog, translator
from bot.people import service as people
from bot.teams import invites
from bot.teams import service as teaming
from handlers.common import refer_to_private_chat, user_translator
from handlers.context import BuurtwachtContext, forget_language


def language_keyboard() -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=f"lang:{code}")
        for code in LANGUAGES
        if has_catalog(code)
    ]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


async def start(update: Update, context: BuurtwachtContext) -> None:
    message = update.effective_message
    if message is None:
        return
    t = await user_translator(update, context)
    if context.args and update.effective_user is not None and invites.is_token(context.args[0]):
        # /start <invite token> from a deep link
        await message.reply_text(await teaming.claim(context.services, t, context.args[0], update.effective_user.id))
        return
    if context.args and context.args[0] == WATCH_START_PAYLOAD:  # the start link of an "Ik kijk" answer
        await message.reply_text(t.gettext(
            "Dank je. Nu kan ik je privé laten weten hoe een alarm afloopt waarbij je op 'Ik kijk' tikte."))
        return
    text = "\n".join([
        "👋 <b>" + t.gettext("Welkom bij Buurtwacht") + "</b>",
        "",
        t.gettext("Hier meld je wat je ziet in je buurt: een verdachte persoon of auto, overlast, "
                  "iemand die verward lijkt, brandgevaar. Je melding gaat naar het buurtpreventieteam "
                  "en de wijkagent of BOA van jouw wijk."),
        "",
        "🚨 " + t.gettext("Bij gevaar of een misdrijf dat nu gebeurt: bel eerst 112."),
        # Translators: Dutch police and anonymous-tip phone numbers; keep the numbers as they are.
        t.gettext("Geen spoed: politie 0900-8844. Anoniem melden: 0800-7000."),
        "",
        t.gettext("Start een melding met /melding. Stoppen kan altijd met /annuleer."),
        t.gettext("Kies je taal:"),
    ])
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=language_keyboard())


REPORT_START = "melding"  # t.me/<bot>?start=melding opens a private chat and starts a report


async def in_group(update: Update, context: BuurtwachtContext) -> None:
    """/melding, /report or /start in a group: reports are made in private (the group would see
    who reports, and the questions would fill the group), so one line with the link."""
    await refer_to_private_chat(
        update, context, lambda t, link: t.gettext("Meld dit in een privégesprek met mij: {link}").format(link=link),
        start=REPORT_START)


async def help_command(update: Update, context: BuurtwachtContext) -> None:
    message = update.effective_message
    if message is None:
        return
    t = await user_translator(update, context)
    roles: set[Role] = set()
    if update.effective_user is not None:
        roles = await people.roles(context.services, update.effective_user.id)
    # What this person may do: residents see the resident commands, officers and coordinators theirs too.
    await message.reply_text("\n".join(help_lines(t, roles)))


async def choose_language(update: Update, context: BuurtwachtContext) -> None:
    message = update.effective_message
    if message is None:
        return
    t = await user_translator(update, context)
    await message.reply_text(t.gettext("Kies je taal:"), reply_markup=language_keyboard())


async def on_language(update: Update, context: BuurtwachtContext) -> None:
    query = update.callback_query
    if query is None or query.data is None or update.effective_user is None:
        return
    code = query.data.partition(":")[2]
    if code not in LANGUAGES or not has_catalog(code):
        await query.answer()
        return
    await user_translator(update, context)  # registers a first-time user
    await people.choose_language(context.services, update.effective_user.id, code)
    forget_language(context)
    t = translator(code)
    await query.answer()
    if (message := update.effective_message) is not None:
        await message.reply_text(t.gettext("Je taal is nu Nederlands.") if code == "nl" else t.gettext("Je taal is ingesteld."))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("start", start, filters=filters.ChatType.PRIVATE))
    app.add_handler(CommandHandler(["help", "hulp"], help_command))
    app.add_handler(CommandHandler(["taal", "language"], choose_language, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(on_language, pattern=r"^lang:"))
    app.add_handler(CommandHandler(["melding", "report", "start"], in_group, filters=filters.ChatType.GROUPS))
