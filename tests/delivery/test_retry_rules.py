"""Transient failures are retried until a per-kind deadline; only 400/403 end a row at once."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from telegram.error import BadRequest, NetworkError, TimedOut

from bot.delivery import rules
from storage import outbox
from tests.conftest import BotHarness

OFFICER, FOLLOWER = 200010, 300001


def test_permanent_refusals_and_deadlines_per_kind() -> None:
    assert rules.is_permanent(400) and rules.is_permanent(403)
    assert not any(rules.is_permanent(code) for code in (429, 500, 502, 503, 504, None))
    assert rules.deadline("wijkagent") is None and rules.deadline("care_desk") is None  # never given up
    assert rules.deadline("team_group") == rules.deadline("broadcast") == dt.timedelta(hours=2)
    assert rules.deadline("tip") == dt.timedelta(days=1)
    now = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
    assert not rules.expired("wijkagent", now - dt.timedelta(days=30), now)
    assert rules.expired("subscriber", now - dt.timedelta(hours=2, seconds=1), now)
    assert not rules.expired("subscriber", now - dt.timedelta(hours=1), now)


def test_backoff_is_capped_at_a_minute() -> None:
    rng = random.Random(3)
    delays = [rules.backoff(attempts, rng) for attempts in range(1, 200)]
    assert max(delays) <= 60.0 and min(delays) > 0
    assert max(delays[20:]) > 30  # it does grow to the cap


class FlakyTransport:
    """Answers like a Telegram that is down for ``failures`` requests, then back."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or NetworkError("Bad Gateway")
        self.calls = 0
        self.delivered: list[int] = []

    async def call(self, method: str, chat_id: int, payload: str, extra: dict[str, Any] | None) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        self.delivered.append(chat_id)
        return {"message_id": self.calls}

    async def close(self) -> None:
        pass


async def queue(h: BotHarness, chat_id: int, kind: str) -> int:
    async with h.services.db.transaction() as tx:
        return await outbox.enqueue(tx, chat_id, "sendMessage", {"text": "Inbraak Kerkstraat"}, kind=kind,
                                    now=h.clock())


async def status_of(h: BotHarness, row_id: int) -> str:
    row = await h.services.db.fetchone("SELECT status FROM outbox WHERE id = ?", (row_id,))
    assert row is not None
    return str(row[0])


async def test_a_report_to_an_officer_survives_forty_failures(harness: BotHarness) -> None:
    """It used to be marked failed after 10 attempts (two or three minutes of 5xx) and never sent."""
    h = harness
    sender = h.services.sender
    assert sender is not None
    sender.transport = FlakyTransport(40, TimedOut())
    row = await queue(h, OFFICER, "wijkagent")
    for _ in range(41):
        await sender.drain()
        h.clock.advance(seconds=61)  # every retry comes due within a minute
    assert await status_of(h, row) == "sent"
    assert sender.transport.delivered == [OFFICER]  # type: ignore[attr-defined]
    assert sender.failing_since is None


async def test_an_alert_expires_at_its_deadline_and_its_sender_is_told(harness: BotHarness) -> None:
    h = harness
    sender = h.services.sender
    assert sender is not None
    sender.transport = FlakyTransport(10**6)
    told: list[tuple[str, Any]] = []

    async def on_expired(kind: str, job: Any) -> None:
        told.append((kind, job))

    sender.on_expired = on_expired
    row = await queue(h, FOLLOWER, "subscriber")
    await sender.drain()
    assert sender.failing_since is not None and sender.waiting_on_telegram
    h.clock.advance(hours=1, minutes=59)
    await sender.drain()
    assert await status_of(h, row) == "pending"  # still current: still tried
    h.clock.advance(minutes=2)
    await sender.drain()
    await sender.stop()
    assert await status_of(h, row) == rules.EXPIRED
    assert told == [("subscriber", ("kind", "subscriber"))]


async def test_only_a_permanent_refusal_ends_a_row_at_once(harness: BotHarness) -> None:
    h = harness
    sender = h.services.sender
    assert sender is not None
    sender.transport = FlakyTransport(1, BadRequest("Bad Request: chat not found"))
    row = await queue(h, OFFICER, "wijkagent")
    await sender.drain()
    assert await status_of(h, row) == "failed"
