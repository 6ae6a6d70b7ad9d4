"""The yearly wijkagenda survey: ballot buttons in private chats, and the hourly tick."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.survey.rules import BALLOT_PATTERN, MAX_CHOICES, parse_press
from bot.survey.service import PressOutcome, press_ballot
from handlers.common import edit_pressed
from handlers.context import BuurtwachtContext

log = logging.getLogger(__name__)


async def on_ballot(update: Update, context: BuurtwachtContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    t = context.t  # a button press: the person handler has set it
    message = update.effective_message
    if message is None or message.chat.id != user.id:
        # Ballots exist only in the voter's private chat: the same data forged onto a group's
        # message (an alert) must not edit it.
        log.warning("refused a ballot button outside the voter's private chat")
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    press = parse_press(query.data)
    if press is None:
        log.warning("refused a ballot button with malformed data")
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    result = await press_ballot(context.services, user.id, press, t.language)
    if result.outcome is PressOutcome.TOGGLED:
        await query.answer()
        assert result.markup is not None
        await edit_pressed(query, None, reply_markup=InlineKeyboardMarkup.de_json(result.markup, context.bot))
        return
    if result.outcome in (PressOutcome.COUNTED, PressOutcome.ALREADY):
        await query.answer()
        await edit_pressed(
            query,
            t.gettext("Dank je, je stem is geteld. De uitslag gaat naar de wijkagent, de BOA en de buurtpreventie.")
            if result.outcome is PressOutcome.COUNTED
            else t.gettext("Je had al gestemd voor deze wijk; je eerste stem telt."))
        return
    if result.outcome in (PressOutcome.INVALID, PressOutcome.NOT_INVITED):
        log.warning("refused a ballot button: %s", result.outcome.value)
    answers = {
        PressOutcome.INVALID: t.gettext("Deze knop is niet geldig."),
        PressOutcome.NOT_INVITED: t.gettext("Deze stemronde is niet voor jou."),
        PressOutcome.CLOSED: t.gettext("Deze stemronde is gesloten."),
        PressOutcome.TOO_MANY: t.gettext("Kies er hoogstens {n}.").format(n=MAX_CHOICES),
        PressOutcome.EMPTY: t.gettext("Kies eerst minstens één onderwerp."),
    }
    await query.answer(answers[result.outcome], show_alert=result.outcome is not PressOutcome.TOO_MANY)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CallbackQueryHandler(on_ballot, pattern=BALLOT_PATTERN))
