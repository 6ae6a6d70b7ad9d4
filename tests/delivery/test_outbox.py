"""The outbox queue: urgent deliveries overtake tips, and rows carry the caller's clock."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from bot.delivery.sender import Limits
from storage import outbox
from storage.db import from_db_time
from tests.conftest import BotHarness

TIPS = 300
URGENT_CHAT = 100999


async def queue_tips(h: BotHarness, count: int) -> None:
    async with h.services.db.transaction() as tx:
        for n in range(count):
            await outbox.enqueue(tx, 300_000 + n, "sendMessage", {"text": f"💡 tip {n}"},
                                 priority=outbox.PRIORITY_LOW, kind="tip", now=h.clock())


def sent_chats(h: BotHarness) -> list[int]:
    return [int(p["chat_id"]) for p in h.request.sent(method="sendMessage")]


async def test_an_urgent_alert_overtakes_queued_tips(harness: BotHarness) -> None:
    """300 tips at Telegram's 30/s take ten seconds; an alert queued after the first 30 must
    not wait for the other 270 (the sender used to take 200 rows per round)."""
    h = harness
    sender = h.services.sender
    assert sender is not None
    # Telegram's real limits, run 50 times faster: the pacing is what makes the tips queue up.
    sender.limits = Limits(time_scale=50)
    await queue_tips(h, TIPS)
    draining = asyncio.create_task(sender.drain())
    await h.request.wait_for(lambda: len(sent_chats(h)) >= 30)
    async with h.services.db.transaction() as tx:
        await outbox.enqueue(tx, URGENT_CHAT, "sendMessage", {"text": "🚨 Inbraak bezig"},
                             priority=outbox.PRIORITY_URGENT, kind="wijkagent", now=h.clock())
    h.services.wake_sender()
    await asyncio.wait_for(draining, 30)
    order = sent_chats(h)
    assert len(order) == TIPS + 1
    position = order.index(URGENT_CHAT)
    # At most the sends already in flight or reserved in the pacing window get out first.
    assert position < 30 + 2 * sender.concurrency, position


async def test_urgent_rows_nobody_announced_overtake_within_about_a_second(harness: BotHarness) -> None:
    """A retry coming due or an escalation may be queued without wake(): the round still asks
    the outbox again after about one second's worth of sends."""
    h = harness
    sender = h.services.sender
    assert sender is not None
    sender.limits = Limits(time_scale=50)
    await queue_tips(h, TIPS)
    draining = asyncio.create_task(sender.drain())
    await h.request.wait_for(lambda: len(sent_chats(h)) >= 10)
    async with h.services.db.transaction() as tx:
        await outbox.enqueue(tx, URGENT_CHAT, "sendMessage", {"text": "🚨 Escalatie"},
                             priority=outbox.PRIORITY_URGENT, kind="fallback_desk", now=h.clock())
    await asyncio.wait_for(draining, 30)
    order = sent_chats(h)
    assert order.index(URGENT_CHAT) < 10 + 30 + 2 * sender.concurrency


async def test_enqueue_stamps_the_callers_clock(harness: BotHarness) -> None:
    h = harness
    then = dt.datetime(2026, 11, 24, 20, 0, 0, 123456, tzinfo=dt.UTC)
    async with h.services.db.transaction() as tx:
        stamped = await outbox.enqueue(tx, 100001, "sendMessage", {"text": "x"}, now=then)
        later = await outbox.enqueue(tx, 100001, "sendMessage", {"text": "y"}, now=then,
                                     not_before=then + dt.timedelta(minutes=5))
        default = await outbox.enqueue(tx, 100001, "sendMessage", {"text": "z"})
    rows = {r["id"]: r for r in await h.services.db.fetchall("SELECT id, created_at, not_before FROM outbox")}
    assert from_db_time(rows[stamped]["created_at"]) == then == from_db_time(rows[stamped]["not_before"])
    assert from_db_time(rows[later]["created_at"]) == then
    assert from_db_time(rows[later]["not_before"]) == then + dt.timedelta(minutes=5)
    wall = from_db_time(rows[default]["created_at"])
    assert wall is not None and abs(wall - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_global_pace_is_even_and_never_above_the_limit() -> None:
    """Sends are spread over the second (Telegram counts arrivals: a burst of 30 at a window's
    edge meets the next burst there), a little lag may be made up, and no window holds more
    than 30."""
    from bot.delivery.queue import CATCH_UP, Pacer

    limits = Limits()
    pacer = Pacer(limits.per_second, 1.0, limits.headroom)
    spacing = 1.0 / (limits.per_second * limits.headroom)
    now = 100.0
    for _ in range(CATCH_UP + 1):  # a few at once after being idle...
        assert pacer.wait(now) == 0.0
        pacer.reserve(now)
    wait = pacer.wait(now)  # ...then the even pace
    assert abs(wait - spacing) < 1e-9
    # Sending whenever allowed for ten seconds: never more than 30 in any one-second window,
    # and close to the limit times the headroom.
    times: list[float] = [100.0] * (CATCH_UP + 1)
    while now < 110.0:
        wait = pacer.wait(now)
        if wait > 0:
            now += wait
            continue
        pacer.reserve(now)
        times.append(now)
    assert max(sum(1 for t in times if start <= t < start + 1.0) for start in times) <= limits.per_second
    assert len(times) >= 10 * limits.per_second * limits.headroom


async def test_an_urgent_report_overtakes_a_broadcast_queued_as_urgent(harness: BotHarness) -> None:
    """Broadcasts are queued at urgent priority too; a report to the wijkagent still goes
    within a few sends, not after the broadcast (it waited minutes behind 5 000 recipients)."""
    h = harness
    sender = h.services.sender
    assert sender is not None
    sender.limits = Limits(time_scale=50)
    async with h.services.db.transaction() as tx:
        for n in range(TIPS):
            await outbox.enqueue(tx, 400_000 + n, "sendMessage", {"text": f"📢 {n}"},
                                 priority=outbox.PRIORITY_URGENT, kind="broadcast", broadcast_id=1, now=h.clock())
    draining = asyncio.create_task(sender.drain())
    await h.request.wait_for(lambda: len(sent_chats(h)) >= 30)
    async with h.services.db.transaction() as tx:
        await outbox.enqueue(tx, URGENT_CHAT, "sendMessage", {"text": "🚨 Inbraak bezig"},
                             priority=outbox.PRIORITY_URGENT, kind="wijkagent", sighting_id=None, now=h.clock())
    h.services.wake_sender()
    await asyncio.wait_for(draining, 30)
    order = sent_chats(h)
    assert len(order) == TIPS + 1 and len(set(order)) == TIPS + 1
    assert order.index(URGENT_CHAT) < 30 + 2 * sender.concurrency
    rows = await h.services.db.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
    assert {r["status"]: r["n"] for r in rows} == {"sent": TIPS + 1}


async def test_at_most_the_in_doubt_limit_of_rows_are_sending_at_any_time(
        harness: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """The crash bound: a row is 'sending' from its claim until its outcome is written, and
    never more than ``in_doubt_limit`` (twice the requests on the wire) of them are: what a
    kill -9 can duplicate."""
    h = harness
    sender = h.services.sender
    assert sender is not None
    await queue_tips(h, 100)
    seen: list[int] = []
    db = h.services.db
    original = outbox.claim

    async def watching_claim(database: object, ids: list[int], **outcomes: Any) -> list[outbox.Claimed]:
        claimed = await original(db, ids, **outcomes)
        row = await db.fetchone("SELECT COUNT(*) FROM outbox WHERE status = 'sending'")
        seen.append(int(row[0]) if row else 0)
        return claimed

    monkeypatch.setattr(outbox, "claim", watching_claim)
    await sender.drain()
    assert sender.in_doubt_limit == 2 * sender.concurrency
    assert seen and max(seen) <= sender.in_doubt_limit
    assert len(sent_chats(h)) == 100


async def _claim_steps(h: BotHarness, queued: int) -> int:
    """SQLite virtual-machine steps (in hundreds) the claim of four rows takes with ``queued``
    rows pending: a count, not a time, so the same on any machine."""
    db = h.services.db
    await queue_tips(h, queued)
    ids = [int(r[0]) for r in await db.fetchall(
        "SELECT id FROM outbox WHERE status = 'pending' ORDER BY id DESC LIMIT 4")]
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0  # 0: go on

    raw = db._raw
    assert raw is not None
    raw.set_progress_handler(count, 100)
    try:
        claimed = await outbox.claim(db, ids)
    finally:
        raw.set_progress_handler(None, 100)
    assert sorted(c.id for c in claimed) == sorted(ids)
    return steps


async def test_claiming_a_few_rows_reads_only_those_however_long_the_queue(harness: BotHarness) -> None:
    """The sender claims a handful of rows at every send; with 5 000 queued, a claim that
    scans the pending rows costs the database thread more than the HTTP request costs."""
    short = await _claim_steps(harness, 20)
    long = await _claim_steps(harness, 5_000)
    assert long <= short + 2, (short, long)


async def test_at_most_concurrency_requests_are_on_the_wire(harness: BotHarness) -> None:
    """Rows answered but not yet written do not count against the connections: the next
    requests go while the outcomes are being written, and never more than ``concurrency``."""
    h = harness
    sender = h.services.sender
    assert sender is not None
    await queue_tips(h, 200)
    transport = sender.transport
    on_wire = 0
    most = 0
    release = asyncio.Event()

    class Counting:
        async def call(self, method: str, chat_id: int, payload: str, extra: dict[str, Any] | None) -> Any:
            nonlocal on_wire, most
            on_wire += 1
            most = max(most, on_wire)
            try:
                if most >= sender.concurrency:
                    release.set()
                await release.wait()  # hold the first requests until all connections are busy
                return await transport.call(method, chat_id, payload, extra)
            finally:
                on_wire -= 1

        async def close(self) -> None:
            await transport.close()

    sender.transport = Counting()
    await sender.drain()
    assert most == sender.concurrency
    assert len(sent_chats(h)) == 200


async def test_a_send_costs_one_trip_to_the_database(
        harness: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """The outcomes of answered rows are written in the same trip that claims the next rows,
    not in a trip of their own (the trips, not SQLite, are what a send costs the database)."""
    h = harness
    sender = h.services.sender
    assert sender is not None
    sender.concurrency, sender.in_doubt_limit = 1, 2
    await queue_tips(h, 20)
    trips = 0
    original = outbox.claim

    async def counting_claim(*args: Any, **kwargs: Any) -> list[outbox.Claimed]:
        nonlocal trips  # the sender writes outcomes and claims only through outbox.claim
        trips += 1
        return await original(*args, **kwargs)

    monkeypatch.setattr(outbox, "claim", counting_claim)
    await sender.drain()
    assert len(sent_chats(h)) == 20
    assert trips <= 20 + 1, trips  # one per send, and one for the last outcome
