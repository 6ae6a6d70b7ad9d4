"""The wijkagent's desk in Telegram: /meldingen (/reports), the buttons under each report
(outcomes, *Vraag aan melder*, *Overdragen*, reopen, a closing note), and the typed lines those
buttons ask for. The rules and the writes are in bot.desk.service."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core.i18n import Translator
from bot.desk import service
from bot.desk import texts as desk_texts
from bot.desk.service import Outcome, Waiting
from bot.reports import officer_buttons
from bot.reports.officer_buttons import Action, Filter, Press
from handlers.common import edit_pressed, user_translator
from handlers.context import BuurtwachtContext

log = logging.getLogger(__name__)
DESK_INPUT_GROUP = -3  # bot.app.registry.Group.DESK_INPUT (handlers may not import bot.app)


def _refusal(t: Translator, outcome: Outcome) -> str:
    return {
        Outcome.NOT_FOUND: t.gettext("Deze melding is niet aan jou doorgestuurd."),
        Outcome.NOT_ALLOWED: t.gettext("Je kunt deze melding bekijken, maar niet behandelen."),
        Outcome.ALREADY: t.gettext("Dit was al zo ingesteld."),
        Outcome.CLOSED: t.gettext("Deze melding is al afgesloten."),
        Outcome.NOT_CLOSED: t.gettext("Deze melding is nog open."),
        Outcome.NO_REPORTER: t.gettext("De melder is niet meer te bereiken (gegevens gewist)."),
        Outcome.NO_COLLEAGUE: t.gettext("Aan deze persoon kan de melding niet worden overgedragen."),
        Outcome.EMPTY: t.gettext("Er stond niets in je bericht; er is niets verstuurd."),
        Outcome.DONE: t.gettext("Gedaan."),
    }[outcome]


def _markup(keyboard: dict[str, Any] | None) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup.de_json(keyboard, None) if keyboard else None


async def reports_command(update: Update, context: BuurtwachtContext) -> None:
    """/meldingen [nieuw|opgepakt|alles]: the open reports of the person's area, five a page."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    words = {"nieuw": Filter.NEW, "new": Filter.NEW, "opgepakt": Filter.TAKEN, "taken": Filter.TAKEN,
             "alles": Filter.ALL, "all": Filter.ALL}
    args = context.args or []
    filter_ = words.get(args[0].lower(), Filter.OPEN) if args else Filter.OPEN
    page = await service.list_page(context.services, user.id, filter_, 0, language=t.language)
    if page is None:
        log.warning("refused /meldingen for someone without an area")
        await message.reply_text(t.gettext("/meldingen is voor wijkagenten, BOA's, het zorgloket, de gemeente en "
                                           "coördinatoren."))
        return
    await message.reply_text(page.text, parse_mode=ParseMode.HTML, reply_markup=_markup(page.keyboard))


async def on_button(update: Update, context: BuurtwachtContext) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None:
        return
    t = await user_translator(update, context)
    press = officer_buttons.parse(query.data)
    if press is None or chat is None or chat.type != ChatType.PRIVATE:
        # The desk lives in private chats; a desk button in a group is forged or misplaced.
        log.warning("refused a malformed or misplaced desk button")
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    await _dispatch(update, context, t, press)


async def _dispatch(update: Update, context: BuurtwachtContext, t: Translator, press: Press) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    services = context.services
    if press.action is Action.OUTCOME:
        assert press.status is not None
        outcome = await service.set_outcome(services, user.id, press.ref, press.status)
        if outcome is Outcome.DONE:
            await query.answer(t.gettext("Gedaan. De melder krijgt bericht."))
        else:
            await query.answer(_refusal(t, outcome), show_alert=outcome in (Outcome.NOT_FOUND, Outcome.NOT_ALLOWED))
        return
    if press.action is Action.LIST:
        page = await service.list_page(services, user.id, press.filter, press.ref, language=t.language)
        await query.answer()
        if page is not None:
            await _edit(update, page.text, page.keyboard)
        return
    if press.action is Action.OPEN:
        found = await service.detail(services, user.id, press.ref, language=t.language)
        if found is None:
            await query.answer(_refusal(t, Outcome.NOT_FOUND), show_alert=True)
            return
        await query.answer()
        assert query.message is not None
        if found.point is not None:
            await context.bot.send_location(query.message.chat.id, latitude=found.point[0], longitude=found.point[1])
        await context.bot.send_message(query.message.chat.id, found.text, parse_mode=ParseMode.HTML,
                                       reply_markup=_markup(found.keyboard))
        return
    if press.action is Action.REOPEN:
        outcome = await service.reopen(services, user.id, press.ref)
        await query.answer(t.gettext("Heropend; de melding staat weer open op je naam.") if outcome is Outcome.DONE
                           else _refusal(t, outcome), show_alert=outcome is not Outcome.DONE)
        return
    if press.action is Action.HAND_OVER:
        people = await service.colleagues(services, user.id, press.ref)
        if people is None:
            await query.answer(_refusal(t, Outcome.NOT_FOUND), show_alert=True)
            return
        await query.answer()
        assert query.message is not None
        if not people:
            await context.bot.send_message(query.message.chat.id, t.gettext(
                "Er is geen collega in deze of een aangrenzende wijk om aan over te dragen."))
            return
        await context.bot.send_message(query.message.chat.id, t.gettext("Aan wie draag je deze melding over?"),
                                       reply_markup=_markup(desk_texts.handover_keyboard(t, press.ref, people)))
        return
    if press.action is Action.HAND_TO:
        colleagues = dict(await service.colleagues(services, user.id, press.ref) or [])
        if press.target not in colleagues:
            await query.answer(_refusal(t, Outcome.NO_COLLEAGUE), show_alert=True)
            return
        await service.wait_for(services, user.id, Waiting.HANDOVER, press.ref, target=press.target)
        await query.answer()
        await _edit(update, desk_texts.prompt(t, "handover"), officer_buttons.cancel_keyboard(t, skip=True))
        return
    if press.action is Action.SKIP:
        handed = await service.hand_over_waiting(services, user.id)
        await query.answer()
        await _edit(update, _typed_reply(t, Waiting.HANDOVER, handed or Outcome.NOT_FOUND), None)
        return
    if press.action in (Action.ASK, Action.NOTE):
        if await service.colleagues(services, user.id, press.ref) is None:  # may they act on it at all?
            await query.answer(_refusal(t, Outcome.NOT_FOUND), show_alert=True)
            return
        kind = Waiting.QUESTION if press.action is Action.ASK else Waiting.NOTE
        await service.wait_for(services, user.id, kind, press.ref)
        await query.answer()
        assert query.message is not None
        await context.bot.send_message(query.message.chat.id, desk_texts.prompt(t, kind.value),
                                       reply_markup=_markup(officer_buttons.cancel_keyboard(t)))
        return
    if press.action is Action.ANSWER:
        outcome = await service.may_answer(services, user.id, press.ref)
        if outcome is not Outcome.DONE:
            await query.answer(t.gettext("Deze vraag is al beantwoord.") if outcome is Outcome.ALREADY
                               else t.gettext("Deze knop is niet geldig."), show_alert=True)
            return
        await service.wait_for(services, user.id, Waiting.ANSWER, press.ref)
        await query.answer()
        assert query.message is not None
        await context.bot.send_message(query.message.chat.id, desk_texts.prompt(t, "answer"),
                                       reply_markup=_markup(officer_buttons.cancel_keyboard(t)))
        return
    # Action.CANCEL
    await service.stop_waiting(services, user.id)
    await query.answer(t.gettext("Geannuleerd."))
    await _edit(update, t.gettext("Geannuleerd; er is niets verstuurd."), None)


async def _edit(update: Update, text: str, keyboard: dict[str, Any] | None) -> None:
    query = update.callback_query
    assert query is not None
    await edit_pressed(query, text, parse_mode=ParseMode.HTML, reply_markup=_markup(keyboard))


def _typed_reply(t: Translator, kind: Waiting, outcome: Outcome) -> str:
    if outcome is not Outcome.DONE:
        return _refusal(t, outcome)
    return {
        Waiting.QUESTION: t.gettext("Je vraag is doorgestuurd. Het antwoord komt hier binnen."),
        Waiting.ANSWER: t.gettext("Dank je! Je antwoord is doorgegeven."),
        Waiting.NOTE: t.gettext("Je notitie is naar de melder gestuurd."),
        Waiting.HANDOVER: t.gettext("Overgedragen. Je collega heeft de melding en je notitie."),
    }[kind]


async def on_text(update: Update, context: BuurtwachtContext) -> None:
    """Before the report flow: is this private message a line the desk waits for?"""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    services = context.services
    if not await service.is_waiting(services, user.id):
        return
    typed = await service.typed(services, user.id, message.text)
    if typed is None:
        return  # waited too long: the message goes on to the other handlers
    t = await user_translator(update, context)
    await message.reply_text(_typed_reply(t, typed.kind, typed.outcome))
    raise ApplicationHandlerStop


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(["meldingen", "reports"], reports_command, filters=private))
    for pattern in officer_buttons.PATTERNS:
        app.add_handler(CallbackQueryHandler(on_button, pattern=pattern))
    # Before the report flow and the walk reports, which take private text (bot.app.registry.Group).
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text), group=DESK_INPUT_GROUP)
