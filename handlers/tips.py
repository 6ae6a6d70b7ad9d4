"""/tips: weekday and time, themes, quiet hours, pause; /tip nieuw: a coordinator's own tip."""

from __future__ import annotations

from typing import Any

from babel import Locale
from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.tips import buttons
from bot.tips.library import THEMES
from bot.tips.rules import TIP_MIN_LETTERS, SettingsProblem, parse_settings
from bot.tips.service import (
    OwnTipOutcome,
    add_own_tip,
    open_settings,
    press_settings_button,
    settings_buttons,
    settings_text,
)
from handlers.common import edit_pressed, keyboard
from handlers.context import BuurtwachtContext


async def tips_command(update: Update, context: BuurtwachtContext) -> None:
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    t = context.t  # a command: the person handler has set it
    parsed = parse_settings(context.args or [])
    schedule = await open_settings(context.services, chat.id, user.id, private=chat.type == ChatType.PRIVATE,
                                   change=None if isinstance(parsed, SettingsProblem) else parsed)
    if schedule is None:
        await message.reply_text(t.gettext("Alleen de coördinator van deze groep kan de tips instellen."))
        return
    if isinstance(parsed, SettingsProblem):
        problems = {
            SettingsProblem.DAY: t.gettext("Kies een dag: maandag, dinsdag, … zondag."),
            SettingsProblem.TIME: t.gettext("Typ een tijd zoals 19:30."),
            SettingsProblem.QUIET: t.gettext("Typ stille uren zoals 22:00-08:00."),
        }
        await message.reply_text(problems[parsed])
        return
    await message.reply_text(settings_text(t, schedule), reply_markup=keyboard(settings_buttons(t, schedule)))


async def on_button(update: Update, context: BuurtwachtContext) -> None:
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    if query is None or chat is None or user is None or query.data is None:
        return
    t = context.t  # a button press: the person handler has set it
    schedule = await press_settings_button(context.services, chat.id, user.id, private=chat.type == ChatType.PRIVATE,
                                           press=buttons.parse(query.data))
    if schedule is None:
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    await query.answer()
    await edit_pressed(query, settings_text(t, schedule), reply_markup=keyboard(settings_buttons(t, schedule)))


async def new_tip(update: Update, context: BuurtwachtContext) -> None:
    """/tip nieuw <thema> <tekst>: a coordinator for their team's groups, an admin for the gemeente."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.t  # a command: the person handler has set it
    args = context.args or []
    if len(args) < 3 or args[0].lower() != "nieuw" or args[1] not in THEMES:
        await message.reply_text(t.gettext("Gebruik: /tip nieuw <thema> <tekst>. Thema's: {themes}").format(
            themes=", ".join(THEMES)))
        return
    added = await add_own_tip(context.services, user.id, args[1], t.language, " ".join(args[2:]))
    if added.outcome is OwnTipOutcome.NOT_ALLOWED:
        await message.reply_text(t.gettext("Alleen coördinatoren en de gemeente kunnen eigen tips toevoegen."))
        return
    if added.outcome is OwnTipOutcome.TOO_SHORT:
        await message.reply_text(t.gettext("Je tip is te kort. Schrijf minstens {n} letters of cijfers.").format(
            n=TIP_MIN_LETTERS))
        return
    # A tip is stored in the author's language and reaches only the chats that read it
    # (bot.tips.service.choose_tip): say so, rather than let the author think everyone gets it.
    language = Locale.parse(t.language).get_display_name(t.language) or t.language
    if added.area_wide:
        await message.reply_text(t.gettext(
            "Je tip is toegevoegd. Hij gaat naar de groepen en volgers in je gebied die {language} lezen.").format(
            language=language))
    else:
        await message.reply_text(t.ngettext(
            "Je tip is toegevoegd. Hij gaat naar de groepen van je team die {language} lezen.",
            "Je tip is toegevoegd. Hij gaat naar de groepen van je teams die {language} lezen.",
            len(added.scopes)).format(language=language))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("tips", tips_command))
    app.add_handler(CommandHandler("tip", new_tip))
    app.add_handler(CallbackQueryHandler(on_button, pattern=buttons.PATTERN))
