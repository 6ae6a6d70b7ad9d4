"""A 400 is Telegram refusing a request, not a network problem (issue 18, item 10).

``telegram.error.BadRequest`` subclasses ``NetworkError``: a handler or sender that catches
``NetworkError`` first logs every refused request as "network problem" and, in the sender,
would retry it for a day. Both the application's error handler and the outbox sender must
tell them apart."""

from __future__ import annotations

import logging

import pytest
from telegram.error import BadRequest, NetworkError

from tests.conftest import BotHarness
from tests.delivery.test_retry_rules import FlakyTransport, queue, status_of

RESIDENT = 600001
REFUSED = {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


async def test_the_error_handler_logs_a_400_as_a_refused_request(harness: BotHarness,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    h = harness
    h.request.method_answers["sendMessage"] = (400, REFUSED)  # every reply refused
    caplog.set_level(logging.INFO)
    await h.send(h.updates.message(RESIDENT, "/help"))
    text = logged(caplog)
    assert "Telegram refused a request: Message is too long" in text, text
    assert "network problem" not in text
    assert "unhandled error" not in text


async def test_the_error_handler_still_calls_a_network_error_a_network_problem(
        harness: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    h = harness
    h.request.method_answers["sendMessage"] = (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    caplog.set_level(logging.INFO)
    await h.send(h.updates.message(RESIDENT, "/help"))
    text = logged(caplog)
    assert "network problem talking to Telegram: NetworkError" in text, text
    assert "refused a request" not in text


async def test_the_sender_ends_a_refused_row_and_says_refused(harness: BotHarness,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    h = harness
    sender = h.services.sender
    assert sender is not None
    sender.transport = FlakyTransport(1, BadRequest("Bad Request: message is too long"))
    caplog.set_level(logging.INFO)
    row = await queue(h, RESIDENT, "subscriber")
    await sender.drain()
    assert await status_of(h, row) == "failed"  # ended at once: sending it again cannot help
    assert sender.transport.calls == 1  # type: ignore[attr-defined]
    assert sender.failing_since is None  # Telegram answered: it is not failing
    text = logged(caplog)
    assert f"outbox row {row} refused: Message is too long" in text, text
    assert "network" not in text.lower()


async def test_the_sender_retries_a_network_error(harness: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    h = harness
    sender = h.services.sender
    assert sender is not None
    sender.transport = FlakyTransport(1, NetworkError("httpx: ConnectError"))
    caplog.set_level(logging.INFO)
    row = await queue(h, RESIDENT, "subscriber")
    for _ in range(3):
        await sender.drain()
        h.clock.advance(seconds=61)  # a retry comes due within a minute
    assert await status_of(h, row) == "sent"
    assert sender.transport.calls == 2  # type: ignore[attr-defined]  # tried again, not given up
    assert "refused" not in logged(caplog)
