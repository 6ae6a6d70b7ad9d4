"""Edited messages and live-location moves get no reply and start nothing."""


from __future__ import annotations

from typing import Any

from telegram import Update

from storage import drafts
from tests.conftest import BotHarness
from tests.journeys import (
    GROUP_BINNENSTAD,
    RESIDENT,
)


def edited(h: BotHarness, user_id: int, **content: Any) -> Update:
    """An edited_message update, the way Telegram sends an edit or a live-location move."""
    message = {"message_id": 1, "date": 1_700_000_000, "edit_date": 1_700_000_060,
               "chat": {"id": user_id, "type": "private", "first_name": f"Bewoner{user_id}"},
               "from": {"id": user_id, "is_bot": False, "first_name": f"Bewoner{user_id}"}, **content}
    return Update.de_json({"update_id": next(h.updates.ids), "edited_message": message}, h.app.bot)


async def test_edited_messages_and_live_location_moves_get_no_reply(harness: BotHarness) -> None:
    h = harness
    # Outside any report.
    await h.send(h.updates.message(RESIDENT, "/start"))
    h.request.clear()
    await h.send(edited(h, RESIDENT, text="hallo, foutje"))
    await h.send(edited(h, RESIDENT, text="/melding"))
    assert h.request.sent(RESIDENT) == []
    # During a report: at the place question, then after the live location was accepted.
    await h.send(h.updates.message(RESIDENT, "/melding"))
    await h.send(h.updates.callback(RESIDENT, "rep:cat:nuisance"))
    h.request.clear()
    await h.send(edited(h, RESIDENT, text="5701 AB 12"))
    assert h.request.sent(RESIDENT) == []
    await h.send(h.updates.message(RESIDENT, location={"latitude": 51.4585, "longitude": 5.6150,
                                                       "live_period": 3600}))
    assert "Gevonden" in h.request.last_text(RESIDENT)
    h.request.clear()
    for step in range(5):
        await h.send(edited(h, RESIDENT, location={"latitude": 51.4585 + step / 10_000, "longitude": 5.6150,
                                                   "live_period": 3600}))
    assert h.request.sent(RESIDENT) == []
    loaded = await drafts.load(h.services.db, RESIDENT)
    assert loaded is not None and loaded[0] == "when"


async def test_an_edited_message_in_a_group_gets_no_reply(harness: BotHarness) -> None:
    h = harness
    update = Update.de_json({"update_id": 99, "edited_message": {
        "message_id": 5, "date": 1_700_000_000, "edit_date": 1_700_000_060,
        "chat": {"id": GROUP_BINNENSTAD, "type": "supergroup", "title": "Buurtgroep"},
        "from": {"id": RESIDENT, "is_bot": False, "first_name": "Bewoner"}, "text": "/melding",
        "entities": [{"type": "bot_command", "offset": 0, "length": 8}]}}, h.app.bot)
    await h.send(update)
    assert h.request.sent() == []
