"""The outbox sender: drains queued messages within Telegram's limits and survives its errors.

Telegram's flood limits (about 30 messages/s per bot, about 1/s per private chat, 20/min
per group) are respected by pacing here, before Telegram has to say 429. PTB's
``AIORateLimiter`` is not used for this: it has no per-chat limit and pauses every request
on one 429, which would let a single busy group hold up an alert to a whole wijk.

Delivery guarantee: a row is marked ``sending`` before its HTTP request and ``sent`` after.
After a crash, rows still ``sending`` are sent again (``recover_in_flight``), so at most the
requests in flight at the moment of the crash (at most ``concurrency``) can arrive twice;
nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot.runtime.logs import describe_exception
from storage import outbox
from storage.db import Database
from storage.outbox import OutboxItem

log = logging.getLogger(__name__)

# The outbox stores Bot API method names and parameters, so it calls them generically;
# PTB suggests the typed method instead, which would mean rebuilding objects for nothing.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)

MAX_ATTEMPTS = 10
CATCH_UP = 2  # sends the even pace may make up at once after falling behind
REQUERY_EVERY = 1.0  # seconds' worth of sends at the overall limit before a round asks again
EDIT_METHODS = {"editMessageText", "editMessageReplyMarkup", "editMessageCaption", "deleteMessage"}


@dataclass(slots=True)
class Limits:
    """Telegram's flood limits; ``time_scale`` > 1 runs them faster (benchmarks, emulator)."""

    per_second: float = 30.0
    # Aim this fraction of the limit: requests reach Telegram with some jitter, and every 429
    # costs a slot and a retry, so pacing right at the limit delivers less than just under it.
    headroom: float = 0.98
    private_interval: float = 1.0  # seconds between messages to one private chat
    group_per_minute: float = 20.0
    time_scale: float = 1.0

    def scaled(self, seconds: float) -> float:
        return seconds / self.time_scale


SEND_LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass(slots=True)
class SenderStats:
    """What a send path did (the outbox sender, and the direct replies in bot.delivery.ratelimiter)."""

    sent: int = 0  # delivery methods answered ok
    failed: int = 0  # given up: refused, or out of retries
    retried: int = 0  # attempts repeated after a 429, 5xx, timeout or network error
    rate_limited: int = 0  # 429 answers received
    last_success: dt.datetime | None = None
    per_method: dict[str, int] = field(default_factory=dict)
    # Send latency (wall time of each delivering Bot API request, whatever its answer), as a
    # histogram: requests that took at most latency_bounds[i] and more than the bound before it.
    latency_bounds: tuple[float, ...] = SEND_LATENCY_BUCKETS
    latency_counts: list[int] = field(default_factory=lambda: [0] * len(SEND_LATENCY_BUCKETS))
    latency_sum: float = 0.0
    latency_count: int = 0

    def observe_send(self, seconds: float) -> None:
        for i, bound in enumerate(self.latency_bounds):
            if seconds <= bound:
                self.latency_counts[i] += 1
                break
        self.latency_sum += seconds
        self.latency_count += 1


ForbiddenHook = Callable[[int], Awaitable[None]]
MigratedHook = Callable[[int, int], Awaitable[None]]


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        *,
        limits: Limits | None = None,
        concurrency: int = 8,
        clock: Callable[[], dt.datetime] | None = None,
        on_forbidden: ForbiddenHook | None = None,
        on_migrated: MigratedHook | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.bot = bot
        self.db = db
        self.limits = limits or Limits()
        self.concurrency = concurrency
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.on_forbidden = on_forbidden
        self.on_migrated = on_migrated
        self.stats = SenderStats()
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        # Set by wake(): something new is queued, so a round in progress stops and asks the
        # outbox again; an urgent alert must not wait behind the rest of a batch of tips.
        self._requery = False
        self._idle = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        # Pacing state, in the event loop's monotonic clock.
        self._chat_next: dict[int, float] = {}
        self._group_sends: dict[int, list[float]] = {}
        self._global_sends: deque[float] = deque()
        self._next_slot = 0.0  # when the next send is due at an even pace (loop clock)
        self._in_flight: set[int] = set()
        self._in_flight_chats: dict[int, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(concurrency)

    # ------------------------------------------------------------------ lifecycle

    def wake(self) -> None:
        self._idle.clear()
        self._requery = True
        self._wake.set()

    async def wait_idle(self, within: float = 10.0) -> None:
        """Wait until a round finds nothing left to send (tests and shutdown use this)."""
        await asyncio.wait_for(self._idle.wait(), within)

    async def start(self) -> None:
        recovered = await outbox.recover_in_flight(self.db)
        if recovered:
            log.warning("resending %d outbox rows that were in flight at the last stop", recovered)
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        """Finish the sends in flight, then stop."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._finish_in_flight()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                progressed = await self.drain_once()
            except Exception as error:  # a bug must not silently stop all delivery
                log.error("outbox sender round failed: %s", describe_exception(error))
                progressed = False
            if self._stopping:
                break
            if not progressed:
                if not self._in_flight and await outbox.depth(self.db) == 0:
                    self._idle.set()
                await self._sleep_until_next()

    async def _sleep_until_next(self) -> None:
        delay = 5.0
        next_due = await outbox.next_due_time(self.db)
        if next_due is not None:
            delay = max(0.0, min(delay, (next_due - self.clock()).total_seconds()))
        pacing = self._earliest_pacing_delay()
        if pacing is not None:
            delay = min(delay, pacing)
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=max(delay, 0.001))

    # ------------------------------------------------------------------ draining

    async def drain(self, *, max_rounds: int = 10_000) -> None:
        """Send everything due now (tests and the CLI use this instead of the loop)."""
        for _ in range(max_rounds):
            if not await self.drain_once():
                await self._finish_in_flight()
                if await outbox.due(self.db, self.clock(), 1):
                    pending_pacing = self._earliest_pacing_delay()
                    if pending_pacing is not None:
                        await asyncio.sleep(pending_pacing)
                    continue
                return

    async def drain_once(self) -> bool:
        """Dispatch what the limits allow now, keeping up to ``concurrency`` sends in flight.

        Sends are pipelined: a new one starts as soon as a slot is free and the pacing allows,
        rather than in lock-step batches, so the achieved rate stays close to the allowed one.
        True when anything was dispatched.

        Rows come most urgent first, but a round at Telegram's pace lasts seconds. So a round
        ends early, to ask the outbox again, when ``wake()`` says something new was queued, and
        in any case after about one second's worth of sends (``REQUERY_EVERY`` of the overall
        limit): urgent rows that nobody announced (a retry coming due, an escalation) overtake
        within about a second too.
        """
        self._requery = False
        items = await outbox.due(self.db, self.clock(), limit=max(200, self.concurrency * 25))
        loop = asyncio.get_running_loop()
        dispatched = False
        started = 0
        requery_after = max(self.concurrency, int(self.limits.per_second * REQUERY_EVERY))
        busy_chats = {self._in_flight_chats[i] for i in self._in_flight if i in self._in_flight_chats}
        interrupted = False
        for item in items:
            if self._requery or started >= requery_after:
                interrupted = True
                break
            if item.id in self._in_flight or item.chat_id in busy_chats:
                continue
            now = loop.time()
            if self._chat_wait(item.chat_id, now) > 0:
                continue
            await self._slots.acquire()
            for _ in range(1000):  # pacing: wait for a free place in the one-second window
                wait = self._global_wait(loop.time())
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            now = loop.time()
            if self._requery and item.priority > outbox.PRIORITY_URGENT:
                # Something was queued while this row waited for its turn: it may be more urgent.
                self._slots.release()
                interrupted = True
                break
            if self._chat_wait(item.chat_id, now) > 0:  # another send to this chat got in first
                self._slots.release()
                continue
            self._reserve(item.chat_id, now)
            self._in_flight.add(item.id)
            self._in_flight_chats[item.id] = item.chat_id
            busy_chats.add(item.chat_id)
            task = asyncio.create_task(self._send(item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            dispatched = True
            started += 1
        if interrupted:
            return True  # ask the outbox again straight away
        if not dispatched and self._tasks:
            # Nothing new could start: let a send in flight finish (it may free a chat or a row).
            await asyncio.wait(set(self._tasks), return_when=asyncio.FIRST_COMPLETED)
            return True
        return dispatched

    async def _finish_in_flight(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ------------------------------------------------------------------ pacing

    def _global_wait(self, now: float) -> float:
        """Sliding one-second window, like Telegram's "about 30 messages per second", with the
        sends spread evenly inside it (a GCRA: each send books the next slot, a little lag may
        be caught up). Telegram counts when a request arrives, not when it left, so a burst of
        30 at a window's edge would run into the next one in Telegram's window."""
        window = self.limits.scaled(1.0)
        sends = self._global_sends
        while sends and now - sends[0] >= window:
            sends.popleft()
        spacing = window / (self.limits.per_second * self.limits.headroom)
        # The booked slot may run up to CATCH_UP slots ahead of the clock, no further.
        spaced = self._next_slot - CATCH_UP * spacing - now
        spaced = spaced if spaced > 1e-9 else 0.0  # float dust is no reason to sleep
        if len(sends) < self.limits.per_second:
            return spaced
        return max(spaced, sends[0] + window - now)

    def _chat_wait(self, chat_id: int, now: float) -> float:
        if chat_id > 0:
            return max(0.0, self._chat_next.get(chat_id, 0.0) - now)
        window = self.limits.scaled(60.0)
        sends = [t for t in self._group_sends.get(chat_id, []) if now - t < window]
        self._group_sends[chat_id] = sends
        if len(sends) < self.limits.group_per_minute:
            return max(0.0, self._chat_next.get(chat_id, 0.0) - now)
        return sends[0] + window - now

    def _reserve(self, chat_id: int, now: float) -> None:
        self._global_sends.append(now)
        spacing = self.limits.scaled(1.0) / (self.limits.per_second * self.limits.headroom)
        self._next_slot = max(self._next_slot, now) + spacing
        if chat_id > 0:
            self._chat_next[chat_id] = now + self.limits.scaled(self.limits.private_interval)
        else:
            self._group_sends.setdefault(chat_id, []).append(now)

    def _earliest_pacing_delay(self) -> float | None:
        now = asyncio.get_running_loop().time()
        waits = [t - now for t in self._chat_next.values() if t > now]
        for chat_id in list(self._group_sends):
            wait = self._chat_wait(chat_id, now)
            if wait > 0:
                waits.append(wait)
        return min(waits) if waits else None

    def _hold_chat(self, chat_id: int, seconds: float) -> None:
        now = asyncio.get_running_loop().time()
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), now + seconds)

    # ------------------------------------------------------------------ one send

    async def _send(self, item: OutboxItem) -> None:
        try:
            await self._attempt(item)
        finally:
            self._in_flight.discard(item.id)
            self._in_flight_chats.pop(item.id, None)
            self._slots.release()

    async def _attempt(self, item: OutboxItem) -> None:
        params: dict[str, Any] = dict(item.payload)
        chat_id = item.chat_id
        if item.edit_of is not None:
            ref = await outbox.message_ref(self.db, item.edit_of)
            if ref is None or ref[2] in ("failed", "dropped", "superseded"):
                await outbox.mark_failed(self.db, item.id, "original not delivered", status="superseded")
                return
            original_chat, message_id, _status = ref
            if message_id is None:
                # The original is not out yet: edit after it is.
                await outbox.retry_later(self.db, item.id, self.clock() + dt.timedelta(seconds=self.limits.scaled(1.0)), "waiting for original")
                return
            chat_id = original_chat
            params["message_id"] = message_id
        if item.reply_to is not None:
            ref = await outbox.message_ref(self.db, item.reply_to)
            if ref is not None and ref[1] is None and ref[2] in ("pending", "sending"):
                # The message to answer is not out yet: reply after it is.
                await outbox.retry_later(self.db, item.id, self.clock() + dt.timedelta(seconds=self.limits.scaled(1.0)), "waiting for original")
                return
            if ref is not None and ref[1] is not None:
                # Its text names the original too, so it still makes sense if that was deleted.
                params["reply_parameters"] = {"message_id": ref[1], "allow_sending_without_reply": True}
        params["chat_id"] = chat_id
        await outbox.mark_sending(self.db, item.id)
        try:
            # Tell the interactive rate limiter (an ExtBot feature) to leave outbox sends alone.
            extra: dict[str, Any] = {"rate_limit_args": {"outbox": True}} if isinstance(self.bot, ExtBot) else {}
            began = time.perf_counter()
            try:
                result = await self.bot.do_api_request(item.method, api_kwargs=params, **extra)
            finally:
                self.stats.observe_send(time.perf_counter() - began)
        except RetryAfter as error:
            seconds = _seconds(error.retry_after)
            self.stats.rate_limited += 1
            self.stats.retried += 1  # a 429 is always tried again, once its retry_after has passed
            self._hold_chat(chat_id, self.limits.scaled(seconds))
            await outbox.retry_later(self.db, item.id, self.clock() + dt.timedelta(seconds=self.limits.scaled(seconds)), "429")
        except ChatMigrated as error:
            new_chat_id = int(error.new_chat_id)
            log.info("chat migrated to a supergroup; following it")
            # Every queued row for the old id, this one included, follows the new id.
            await outbox.move_chat(self.db, chat_id, new_chat_id)
            if self.on_migrated is not None:
                await self.on_migrated(chat_id, new_chat_id)
            await outbox.retry_later(self.db, item.id, self.clock(), "migrated")
        except Forbidden:
            self.stats.failed += 1
            await outbox.mark_failed(self.db, item.id, "forbidden", status="dropped")
            dropped = await outbox.drop_pending_for_chat(self.db, chat_id, "forbidden")
            log.info("chat unreachable (blocked or removed); dropped %d pending messages", dropped)
            if self.on_forbidden is not None:
                await self.on_forbidden(chat_id)
        except BadRequest as error:
            text = str(error).lower()
            if item.method in EDIT_METHODS and "not modified" in text:
                await outbox.mark_sent(self.db, item.id, params.get("message_id"))
                return
            self.stats.failed += 1
            log.warning("outbox row %d refused: %s", item.id, error.message)
            await outbox.mark_failed(self.db, item.id, f"bad request: {error.message}")
        except InvalidToken:
            await outbox.retry_later(self.db, item.id, self.clock() + dt.timedelta(seconds=60), "invalid token")
            raise
        except (TimedOut, NetworkError) as error:
            await self._backoff(item, str(error))
        except TelegramError as error:
            await self._backoff(item, str(error))
        except Exception as error:  # a bug must not leave the row stuck in 'sending'
            log.error("unexpected error sending outbox row %d: %s", item.id, describe_exception(error))
            await self._backoff(item, type(error).__name__)
        else:
            message_id = result.get("message_id") if isinstance(result, dict) else None
            if item.edit_of is not None:
                message_id = params.get("message_id")
            await outbox.mark_sent(self.db, item.id, message_id)
            self.stats.sent += 1
            self.stats.per_method[item.method] = self.stats.per_method.get(item.method, 0) + 1
            self.stats.last_success = self.clock()

    async def _backoff(self, item: OutboxItem, error: str) -> None:
        attempts = item.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            self.stats.failed += 1
            log.error("outbox row %d failed after %d attempts", item.id, attempts)
            await outbox.mark_failed(self.db, item.id, error[:200])
            return
        self.stats.retried += 1
        # Exponential backoff with full jitter: many senders retrying in step would
        # hammer a recovering server all at once.
        ceiling = min(60.0, 0.5 * 2**attempts)
        delay = self.limits.scaled(self._rng.uniform(0.1, ceiling))
        await outbox.retry_later(self.db, item.id, self.clock() + dt.timedelta(seconds=delay), error[:200])


def _seconds(value: int | float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
