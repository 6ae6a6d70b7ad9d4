"""Officers close the loop: "Ik pak dit op", "Afgehandeld", "Geen actie"."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.core import permissions
from bot.core.domain import SightingStatus
from bot.reports.service import CLOSED, set_incident_status
from handlers.common import services_of, user_translator
from handlers.context import BuurtwachtContext
from storage import outbox, sightings

log = logging.getLogger(__name__)

ACK_DATA = re.compile(r"ack:([0-9]{1,12}):(take|done|none|resolved|false)")
ACTIONS = {"take": SightingStatus.ACKNOWLEDGED, "done": SightingStatus.HANDLED, "none": SightingStatus.NO_ACTION,
           "resolved": SightingStatus.RESOLVED, "false": SightingStatus.FALSE_ALARM}


async def on_ack(update: Update, context: BuurtwachtContext) -> None:
    query = update.callback_query
    if query is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    match = ACK_DATA.fullmatch(query.data or "")
    presser = update.effective_user.id
    if match is None:
        log.warning("refused malformed ack callback")
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    # Only ids and states in these lines: never who pressed, nor anything about the report.
    incident_id, status = int(match[1]), ACTIONS[match[2]]
    incident = await sightings.get_incident(services.db, incident_id)
    deliveries = [(d.chat_id, d.kind) for d in await outbox.deliveries_for_incident(services.db, incident_id)]
    if incident is None or not permissions.may_act_on_incident(presser, deliveries):
        log.warning("refused ack on incident %s by a user it was not routed to", incident_id)
        await query.answer(t.gettext("Deze melding is niet aan jou doorgestuurd."), show_alert=True)
        return
    if incident.status is status:
        log.info("refused ack on incident %s: already %s (replayed or pressed twice)", incident_id, status.value)
        await query.answer(t.gettext("Dit was al zo ingesteld."))
        return
    if incident.status in CLOSED:
        log.info("refused ack on incident %s (to %s): already closed as %s", incident_id, status.value,
                 incident.status.value)
        await query.answer(t.gettext("Deze melding is al afgesloten."))
        return
    if await set_incident_status(services, incident_id, status, by=presser) is None:
        # Another press (or the expiry) changed it between the check above and now.
        now = await sightings.get_incident(services.db, incident_id)
        log.info("refused ack on incident %s (to %s): changed at the same moment", incident_id, status.value)
        await query.answer(t.gettext("Dit was al zo ingesteld.") if now is not None and now.status is status
                           else t.gettext("Deze melding is al afgesloten."))
        return
    await query.answer(t.gettext("Gedaan. De melder krijgt bericht."))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CallbackQueryHandler(on_ack, pattern=r"^ack:"))
