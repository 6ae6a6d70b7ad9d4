"""The "Ontvangen" receipt is part of the report (issue 18, item 9): queued in the outbox in
the transaction that stores the report, shown by the handler at once, and sent by the outbox
when the handler did not get to it (the process was killed, Telegram failed). *Versturen*
pressed again on a stored report answers with its receipt, not "verlopen"."""

from __future__ import annotations

from typing import Any

from bot.core.domain import RECEIPT_KIND
from bot.reports.rules import RECEIPT_GRACE
from tests.conftest import BotHarness
from tests.journeys import RESIDENT, report_until_confirm

SUMMARY = 41  # the message id of the summary with the Versturen button
DOWN = (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})


def answers(h: BotHarness) -> list[str]:
    return [p.get("text") or "" for e, p in h.request.calls if e == "answerCallbackQuery"]


async def receipt_rows(h: BotHarness) -> list[Any]:
    return list(await h.services.db.fetchall(
        "SELECT method, status, json_extract(payload, '$.message_id') AS message_id, sighting_id FROM outbox"
        " WHERE chat_id = ? AND kind = ?", (RESIDENT, RECEIPT_KIND)))


def receipts(h: BotHarness) -> list[dict[str, Any]]:
    return [p for p in h.request.sent(RESIDENT) if "Ontvangen" in (p.get("text") or "")]


async def test_the_receipt_is_queued_with_the_report_and_shown_once(harness: BotHarness) -> None:
    h = harness
    await report_until_confirm(h)
    h.request.clear()
    await h.send(h.updates.callback(RESIDENT, "rep:confirm", message_id=SUMMARY))
    shown = receipts(h)
    assert len(shown) == 1 and int(shown[0]["message_id"]) == SUMMARY  # the summary became the receipt
    rows = await receipt_rows(h)
    assert [(r["method"], r["status"], r["message_id"]) for r in rows] == [("editMessageText", "sent", SUMMARY)]
    assert rows[0]["sighting_id"] is not None
    h.clock.advance(seconds=RECEIPT_GRACE.total_seconds() + 1)
    await h.deliver()
    assert len(receipts(h)) == 1  # the outbox does not send it again


async def test_a_receipt_the_handler_could_not_show_comes_from_the_outbox(harness: BotHarness) -> None:
    h = harness
    await report_until_confirm(h)
    h.request.failures[RESIDENT] = DOWN  # Telegram fails for this chat while the report is stored
    await h.send(h.updates.callback(RESIDENT, "rep:confirm", message_id=SUMMARY))
    del h.request.failures[RESIDENT]
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM sightings")
    assert row is not None and row[0] == 1
    h.request.clear()
    await h.deliver()
    assert receipts(h) == []  # the handler may still be showing it: not before the grace period
    h.clock.advance(seconds=RECEIPT_GRACE.total_seconds() + 1)
    await h.deliver()
    shown = receipts(h)
    assert len(shown) == 1 and int(shown[0]["message_id"]) == SUMMARY and "referentie is M-2026-" in shown[0]["text"]
    assert [r["status"] for r in await receipt_rows(h)] == ["sent"]


async def test_versturen_pressed_again_on_a_stored_report_answers_with_its_receipt(harness: BotHarness) -> None:
    """Before: "Deze knop is verlopen." and no receipt at all."""
    h = harness
    await report_until_confirm(h)
    h.request.failures[RESIDENT] = DOWN
    await h.send(h.updates.callback(RESIDENT, "rep:confirm", message_id=SUMMARY))
    del h.request.failures[RESIDENT]
    h.request.clear()
    await h.send(h.updates.callback(RESIDENT, "rep:confirm", message_id=SUMMARY))
    assert answers(h) == ["Je melding is al verstuurd."]
    shown = receipts(h)
    assert len(shown) == 1 and int(shown[0]["message_id"]) == SUMMARY
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM sightings")
    assert row is not None and row[0] == 1  # still one report
    h.clock.advance(seconds=RECEIPT_GRACE.total_seconds() + 1)
    await h.deliver()
    assert len(receipts(h)) == 1  # shown: the outbox does not send it as well
    # A press on another summary with nothing behind it is still "verlopen".
    await h.send(h.updates.callback(RESIDENT, "rep:confirm", message_id=SUMMARY + 1))
    assert answers(h)[-1] == "Deze knop is verlopen."


async def test_a_typed_versturen_gets_its_receipt_as_a_message(harness: BotHarness) -> None:
    h = harness
    await report_until_confirm(h)
    h.request.clear()
    await h.send(h.updates.message(RESIDENT, "versturen"))
    assert len(receipts(h)) == 1
    assert [(r["method"], r["status"]) for r in await receipt_rows(h)] == [("sendMessage", "sent")]


async def test_the_outbox_receipt_takes_true_for_an_answer(harness: BotHarness) -> None:
    """Some Bot API servers answer an edit with `true` instead of the Message."""
    h = harness
    await report_until_confirm(h)
    h.request.failures[RESIDENT] = DOWN
    await h.send(h.updates.callback(RESIDENT, "rep:confirm", message_id=SUMMARY))
    del h.request.failures[RESIDENT]
    h.request.clear()
    h.request.method_answers["editMessageText"] = (200, {"ok": True, "result": True})
    h.clock.advance(seconds=RECEIPT_GRACE.total_seconds() + 1)
    await h.deliver()
    assert len(receipts(h)) == 1
    assert [r["status"] for r in await receipt_rows(h)] == ["sent"]
    assert h.services.sender is not None and h.services.sender.stats.failed == 0
