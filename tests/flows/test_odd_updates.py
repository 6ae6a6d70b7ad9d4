"""Updates of an unusual shape that a Bot API server may send (issue 18, "also"): a button press
without ``chat_instance`` is handled like any press, and nothing of it reaches the log."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from telegram import Update

from tests.conftest import BOT_ID, BotHarness
from tests.journeys import RESIDENT, report_until_confirm

SECRET = "Jan de Vries 0612345678"


def press_without_chat_instance(update_id: int, data: str) -> dict[str, Any]:
    return {"update_id": update_id, "callback_query": {
        "id": "77", "data": data,
        "from": {"id": RESIDENT, "is_bot": False, "first_name": SECRET, "language_code": "nl"},
        "message": {"message_id": 1, "date": 1_700_000_000, "text": f"Melding van {SECRET}",
                    "chat": {"id": RESIDENT, "type": "private", "first_name": SECRET},
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Buurtwacht"}}}}


async def test_a_press_without_chat_instance_is_handled_and_not_logged(
        harness: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    h = harness
    await report_until_confirm(h)
    h.request.clear()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="aiosqlite")  # its own debug lines quote every SQL parameter
    # What polling does with getUpdates' answer (build_application installs the reader).
    updates = Update.de_list([press_without_chat_instance(900, "rep:confirm")], h.app.bot)
    assert [u.update_id for u in updates] == [900]
    for update in updates:
        await h.send(update)
    assert "Ontvangen" in h.request.last_text(RESIDENT)  # the press did what it does
    answered = [p for e, p in h.request.calls if e == "answerCallbackQuery"]
    assert [p["callback_query_id"] for p in answered] == ["77"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert SECRET not in logged and "0612345678" not in logged
    assert "could not read update" not in logged
