"""Telegram handlers: thin layers that parse an update, call domain code and reply."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, MessageHandler, filters

# Before every other group (the walk reports sit at -2, photo alarms at -1).
EDITS_GROUP = -100


async def ignore_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Edited messages and channel posts go nowhere.

    The bot never needs them, and every MessageHandler and CommandHandler would otherwise
    match them as well (python-telegram-bot's filters look at ``effective_message``). A live
    location is one message that is then edited every few seconds for as long as it is
    shared, hours maybe: each edit would get "Dat kan ik bij deze vraag niet gebruiken." or
    "Wil je iets melden?", an edited "/melding" would start a report again, an edited walk
    report would be filed twice. The first message of a live location is a normal message and
    is used as the place of a report like any shared location.
    """
    raise ApplicationHandlerStop


def register_all(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    from handlers import (
        broadcast,
        follow,
        insight,
        lifecycle,
        officer,
        patrol,
        privacy,
        report,
        start,
        survey,
        teams,
        tips,
    )

    app.add_handler(MessageHandler(filters.UpdateType.EDITED, ignore_edit), group=EDITS_GROUP)
    report.register(app)  # first: an active report takes the resident's messages
    follow.register(app)  # /start volg_…: before the general /start
    start.register(app)
    officer.register(app)
    privacy.register(app)
    teams.register(app)
    broadcast.register(app)
    tips.register(app)
    insight.register(app)
    lifecycle.register(app)
    survey.register(app)
    patrol.register(app)
    # Last in group 0: only a /annuleer that no flow above took means there is nothing to cancel.
    start.register_last(app)
