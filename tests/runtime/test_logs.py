"""Logs hold no personal data: not at DEBUG, not from libraries, not in error reports."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from telegram import Update
from telegram.ext import ContextTypes, MessageHandler, filters

from bot.core import logs
from tests.conftest import BotHarness

RESIDENT = 100001
WIJKAGENT = 200010
DESCRIPTION = ("Man in grijze jas en zwarte pet probeert deurklinken bij Lindelaan, liep richting station; "
               "belde mij op 06-12345678")
# What must never be in a log line: the text, the name and handle, the phone numbers, the address.
SECRETS = ("grijze jas", "deurklinken", "Lindelaan", "12345678", "Bewoner100001", "user100001",
           "+31612345678", "5701 AB 12", "Jansen")


@pytest.fixture
def levels() -> Iterator[None]:
    """Logger levels are process-wide: put them back after each test."""
    names = ["", *logs.LIBRARY_FLOORS, "aiosqlite", "telegram.Bot", "telegram.ext"]
    saved = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def everything_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    formatter = logging.Formatter()
    lines = []
    for record in caplog.records:
        line = f"{record.name} {record.levelname} {record.getMessage()}"
        if record.exc_info:
            line += formatter.formatException(record.exc_info)
        lines.append(line)
    return lines


def leaks(lines: list[str]) -> list[tuple[str, str]]:
    return [(secret, line[:200]) for line in lines for secret in SECRETS if secret in line]


async def journey(h: BotHarness) -> None:
    """A whole report: typed address, a shared contact on the way, delivery, the officer's answer."""
    u = h.updates
    await h.send(u.message(RESIDENT, "/melding"))
    await h.send(u.callback(RESIDENT, "rep:cat:suspicious_person"))
    await h.send(u.callback(RESIDENT, "rep:112:yes"))
    await h.send(u.message(RESIDENT, contact={"phone_number": "+31612345678", "first_name": "Jansen",
                                              "user_id": RESIDENT}))
    await h.send(u.message(RESIDENT, "5701 AB 12"))
    await h.send(u.callback(RESIDENT, "rep:when:now"))
    await h.send(u.message(RESIDENT, DESCRIPTION))
    await h.send(u.callback(RESIDENT, "rep:nophoto"))
    await h.send(u.callback(RESIDENT, "rep:confirm"))
    assert "Ontvangen" in h.request.last_text(RESIDENT)
    await h.deliver()
    incident = await h.services.db.fetchone("SELECT incident_id FROM sightings ORDER BY id DESC LIMIT 1")
    assert incident is not None
    await h.send(u.callback(WIJKAGENT, f"ack:{incident[0]}:take"))
    await h.send(u.callback(RESIDENT, f"ack:{incident[0]}:done"))  # forged: refused and logged
    await h.send(u.message(RESIDENT, "/mijngegevens"))
    await h.deliver()


def test_libraries_stay_at_their_floor_whatever_the_level(levels: None) -> None:
    logs.quiet_libraries("DEBUG")
    assert logging.getLogger("aiosqlite").level == logging.INFO
    assert logging.getLogger("telegram").level == logging.INFO
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING
    assert logging.getLogger("apscheduler").level == logging.WARNING
    assert not logging.getLogger("telegram.Bot").isEnabledFor(logging.DEBUG)
    logs.quiet_libraries("ERROR")  # a higher chosen level wins
    assert all(logging.getLogger(name).level == logging.ERROR for name in logs.LIBRARY_FLOORS)


def test_configure_applies_the_floors(levels: None) -> None:
    root = logging.getLogger()
    handlers = root.handlers[:]
    try:
        logs.configure("DEBUG", "json")
        assert root.level == logging.DEBUG
        assert logging.getLogger("aiosqlite").level == logging.INFO
    finally:
        root.handlers[:] = handlers


async def test_a_report_journey_at_debug_logs_no_personal_data(
        harness: BotHarness, caplog: pytest.LogCaptureFixture, levels: None) -> None:
    logs.quiet_libraries("DEBUG")
    caplog.set_level(logging.DEBUG)
    await journey(harness)
    lines = everything_logged(caplog)
    assert any("refused" in line for line in lines), "the journey did log (the forged press)"
    assert leaks(lines) == []


async def test_without_the_floors_the_same_journey_would_leak(
        harness: BotHarness, caplog: pytest.LogCaptureFixture, levels: None) -> None:
    """The check above can fail: at DEBUG, aiosqlite and PTB write what people typed."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("aiosqlite").setLevel(logging.DEBUG)
    logging.getLogger("telegram").setLevel(logging.DEBUG)
    await journey(harness)
    found = {secret for secret, _ in leaks(everything_logged(caplog))}
    assert {"deurklinken", "Bewoner100001", "user100001"} <= found


async def test_the_error_handler_logs_no_exception_text(
        harness: BotHarness, caplog: pytest.LogCaptureFixture, levels: None) -> None:
    h = harness

    async def breaks(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text is not None
        try:
            int(update.effective_message.text)
        except ValueError as error:
            raise RuntimeError(f"could not read {update.effective_message.text!r}") from error

    h.app.add_handler(MessageHandler(filters.Regex("^boem"), breaks), group=-10)
    logs.quiet_libraries("DEBUG")
    caplog.set_level(logging.DEBUG)
    await h.send(h.updates.message(RESIDENT, "boem Lindelaan 06-12345678"))
    records = [r for r in caplog.records if r.name == "bot.app.application"]
    assert len(records) == 1 and records[0].levelno == logging.ERROR
    message = records[0].getMessage()
    assert "builtins.RuntimeError" in message and "caused by builtins.ValueError" in message
    assert "test_logs.py" in message and "in breaks" in message  # enough to find the bug
    assert records[0].exc_info is None
    assert leaks(everything_logged(caplog)) == []


def test_describe_exception_has_types_and_places_only() -> None:
    def fail(secret: str) -> Any:
        raise KeyError(secret)

    try:
        fail("Jansen 06-12345678")
    except KeyError as error:
        described = logs.describe_exception(error)
    assert described.startswith("builtins.KeyError at test_logs.py:")
    assert "Jansen" not in described and "in fail" in described
