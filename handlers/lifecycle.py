"""/afsluiten (end an alert with its outcome) and /doorsturen (relay it to neighbouring buurten,
or to the buurten within a radius: ``/doorsturen <referentie> straal <meters>``)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.alerts.lifecycle import (
    RELAY_RADIUS_M,
    CloseResult,
    close_by_reference,
    incident_for_reference,
    relay,
)
from bot.core.domain import SightingStatus
from bot.core.textsafety import parse_bounded_int
from handlers.common import ID_MAX_DIGITS, user_translator
from handlers.context import BuurtwachtContext

log = logging.getLogger(__name__)
OUTCOMES = {"opgelost": SightingStatus.RESOLVED, "resolved": SightingStatus.RESOLVED,
            "vals": SightingStatus.FALSE_ALARM, "false": SightingStatus.FALSE_ALARM}
RADIUS_WORDS = ("straal", "radius")


async def close_alert(update: Update, context: BuurtwachtContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    args = context.args or []
    outcome = OUTCOMES.get(args[1].lower()) if len(args) >= 2 else None
    if outcome is None:
        await message.reply_text(t.gettext("Gebruik: /afsluiten <referentie> opgelost|vals"))
        return
    closed = await close_by_reference(context.services, user.id, args[0], outcome)
    if closed is CloseResult.NOT_YOURS:
        log.warning("refused /afsluiten by someone the alert did not go to")
        await message.reply_text(t.gettext("Deze melding is niet naar jou of je groepen gegaan."))
    elif closed is CloseResult.ALREADY_CLOSED:
        await message.reply_text(t.gettext("Deze melding is al afgesloten."))
    else:
        await message.reply_text(t.gettext("Afgesloten. Alle berichten over deze melding worden bijgewerkt."))


async def relay_alert(update: Update, context: BuurtwachtContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    args = context.args or []
    radius_m: int | None = None
    if len(args) >= 2:
        low, high = RELAY_RADIUS_M
        radius_m = (parse_bounded_int(args[2], low, high, max_digits=ID_MAX_DIGITS)
                    if len(args) == 3 and args[1].lower() in RADIUS_WORDS else None)
        if radius_m is None:
            await message.reply_text(t.gettext("Gebruik: /doorsturen <referentie> straal <meters>, met {low} tot {high} meter.").format(
                low=low, high=high))
            return
    incident_id = await incident_for_reference(context.services, user.id, args[0]) if args else None
    if incident_id is None:
        await message.reply_text(t.gettext("Gebruik: /doorsturen <referentie> voor een melding die naar jou of je groepen ging."))
        return
    services = context.services
    reached = await relay(services, incident_id, by=user.id, radius_m=radius_m)
    if not reached:
        await message.reply_text(t.gettext("Niet doorgestuurd: al eerder gedaan, afgesloten, of geen groepen in de buurten eromheen."))
        return
    await message.reply_text(
        t.ngettext("Doorgestuurd naar {n} groep in de buurten eromheen.",
                   "Doorgestuurd naar {n} groepen in de buurten eromheen.", reached).format(n=reached)
        + "\n" + t.gettext("Daar blijft het {minutes} minuten actueel, of korter als de melding eerder afloopt.").format(
            minutes=services.config.alert_relay_ttl_minutes))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(["afsluiten", "close"], close_alert, filters=private))
    app.add_handler(CommandHandler(["doorsturen", "relay"], relay_alert, filters=private))
