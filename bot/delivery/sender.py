"""The outbox sender: drains queued messages within Telegram's limits and survives its errors.

Telegram's flood limits (about 30 messages/s per bot, about 1/s per private chat, 20/min
per group) are respected by pacing here, before Telegram has to say 429. PTB's
``AIORateLimiter`` is not used for this: it has no per-chat limit and pauses every request
on one 429, which would let a single busy group hold up an alert to a whole wijk.

What goes first is decided by :class:`~bot.delivery.queue.DeliveryQueue`: lanes by what a
message is (reports to officers and urgent group alerts, then group alerts and broadcasts,
then followers, then tips and campaigns), turns between the jobs inside a lane.

The sender keeps a light index of the pending rows in memory (id, chat, lane, job) and works
the database in batches: one transaction writes the outcomes answered since the last one and
claims the rows about to go (``UPDATE … RETURNING``, which reads their content too), in one
trip to the database's thread. The stored JSON goes out as the request body as it is
(:mod:`bot.delivery.transport`).

Delivery guarantee: a row is ``sending`` in the database from its claim until its outcome is
recorded. At most ``concurrency`` requests are on the wire, and at most ``in_doubt_limit``
(twice that) rows are ``sending``: the requests on the wire plus answered rows whose outcome
is still being written. After a crash, rows still ``sending`` are sent again
(``recover_in_flight``), so at most ``in_doubt_limit`` messages can arrive twice; nothing is
lost. The second half of that bound is what keeps the connections busy: with no room beyond
the requests on the wire, every connection stood idle from its answer until the outcome was
written (a trip to the database's thread, milliseconds when the event loop is busy), and the
sender did 0.7 of a bare HTTP loop's sends/s (bench/ceiling.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import logging
import math
import random
import time
from collections import OrderedDict
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

from bot.core.domain import UNDELIVERED, DeliveryStatus
from bot.core.logs import describe_exception
from bot.delivery import rules
from bot.delivery.lanes import Job, job_of, lane_of
from bot.delivery.queue import CATCH_UP, DeliveryQueue, Entry, Limits
from bot.delivery.transport import PtbTransport, Transport
from storage import outbox
from storage.db import Database, to_db_time

log = logging.getLogger(__name__)

__all__ = ["CATCH_UP", "Limits", "OutboxSender", "SenderStats"]

EDIT_METHODS = {"editMessageText", "editMessageReplyMarkup", "editMessageCaption", "deleteMessage"}
# Bot API refusals of an edit that mean its message (or chat) no longer exists.
EDIT_TARGET_GONE = ("message to edit not found", "message to delete not found", "message can't be edited",
                    "chat not found")
RELOAD_EVERY = 1.0  # seconds: rows queued without wake() (another process, a retry) are seen this soon
KNOWN_REFS = 20_000  # delivered rows whose message id is kept for edits and replies
IN_DOUBT_PER_REQUEST = 2  # rows 'sending' per request on the wire (see the module's guarantee)


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
ExpiredHook = Callable[[str, Job], Awaitable[None]]  # (kind, job) of a row given up at its deadline
# A send Telegram refused for good (403, or 400 "chat not found"): (outbox row id, chat id, reason).
# Whoever owns the row decides what else should get it (bot.desk.fallback re-routes reports).
RefusedHook = Callable[[int, int, str], Awaitable[object]]
# 400 answers that mean the chat itself cannot be reached, not that this one message was wrong.
UNREACHABLE_CHAT = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")
MigratedHook = Callable[[int, int], Awaitable[None]]
Ref = tuple[int, int | None, str]  # (chat_id, message_id, status) of an outbox row


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
        on_refused: RefusedHook | None = None,
        on_invalid_token: Callable[[], None] | None = None,
        on_expired: ExpiredHook | None = None,
        rng: random.Random | None = None,
        transport: Transport | None = None,
    ) -> None:
        self.bot = bot
        self.db = db
        self.queue = DeliveryQueue(limits or Limits())
        self.concurrency = concurrency  # requests on the wire at most
        self.in_doubt_limit = IN_DOUBT_PER_REQUEST * concurrency  # rows 'sending' at most: what a crash may repeat
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.on_forbidden = on_forbidden
        self.on_migrated = on_migrated
        self.on_refused = on_refused
        self.on_invalid_token = on_invalid_token
        self.on_expired = on_expired
        # Since when sends fail for reasons that trying again can cure (5xx, network, timeouts)
        # with no send succeeding since: /healthz says "degraded" while rows wait on it.
        self.failing_since: dt.datetime | None = None
        self.transport: Transport = transport or PtbTransport(bot)
        self.stats = SenderStats()
        self._rng = rng or random.Random()
        # Every pending row known, not in flight: queued, parked behind another, or waiting for its time.
        self._entries: dict[int, Entry] = {}
        self._timed: list[tuple[float, int]] = []  # (not_before timestamp, id): not due yet
        self._timed_ids: set[int] = set()
        self._parked: dict[int, list[Entry]] = {}  # row id → rows that must wait for it (edits, replies)
        self._in_flight: dict[int, Entry] = {}
        self._decided: set[int] = set()  # rows in flight whose outcome is buffered already
        self._refs: OrderedDict[int, Ref] = OrderedDict()
        self._cursor = 0  # the highest outbox id loaded
        self._sending = 0  # rows 'sending' in the database: claimed, outcome not yet written
        self._sent: list[tuple[int | None, str, int]] = []
        self._retries: list[tuple[str, str, int]] = []
        self._ended: list[tuple[str, str, int]] = []
        self._need_load = True
        self._last_load = -math.inf
        self._kick = asyncio.Event()
        self._idle = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def limits(self) -> Limits:
        return self.queue.limits

    @limits.setter
    def limits(self, limits: Limits) -> None:
        self.queue.set_limits(limits)

    # ------------------------------------------------------------------ lifecycle

    def wake(self) -> None:
        """Something new was queued: load it now."""
        self._idle.clear()
        self._need_load = True
        self._kick.set()

    async def wait_idle(self, within: float = 10.0) -> None:
        """Wait until nothing is left to send (tests and shutdown use this)."""
        await asyncio.wait_for(self._idle.wait(), within)

    async def start(self) -> None:
        recovered = await outbox.recover_in_flight(self.db)
        if recovered:
            log.warning("resending %d outbox rows that were in flight at the last stop", recovered)
        self._stopping = False
        self._need_load = True
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        """Finish the sends in flight, record them, then stop."""
        self._stopping = True
        self._kick.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._finish_in_flight()
        await self._flush()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._pump(until_idle=False)
            except Exception as error:  # a bug must not silently stop all delivery
                log.error("outbox sender round failed: %s", describe_exception(error))
                self._need_load = True
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self._kick.wait()
                self._kick.clear()

    async def drain(self, *, max_rounds: int = 10_000) -> None:
        """Send everything due now and record it (tests and the CLI use this instead of the loop)."""
        del max_rounds  # kept for callers; the pump ends by itself when nothing is due
        self._need_load = True
        await self._pump(until_idle=True)
        await self._finish_in_flight()
        await self._flush()

    async def _finish_in_flight(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ------------------------------------------------------------------ the pump

    async def _pump(self, *, until_idle: bool) -> None:
        """Start what may go, write outcomes in batches, sleep until something changes."""
        loop = asyncio.get_running_loop()
        queue = self.queue
        while not self._stopping:
            self._kick.clear()  # a kick from here on is remembered for the sleep below
            now = loop.time()
            if self._need_load or now - self._last_load >= self.limits.scaled(RELOAD_EVERY):
                await self._load()
            self._promote()
            batch: list[Entry] = []
            wait: float | None = None
            room = min(self.concurrency - len(self._in_flight), self.in_doubt_limit - self._sending)
            while len(batch) < room:
                entry, wait = queue.pick(now)
                if entry is None:
                    break
                batch.append(entry)
            if batch:
                await self._dispatch(batch)
            if self._sent or self._retries or self._ended:
                # At once: answered rows hold their place in the crash bound until written, and
                # outcomes that come in during the write go together in the next one.
                await self._flush()
                continue
            if batch:
                continue
            reload_every = self.limits.scaled(RELOAD_EVERY)
            if not self._in_flight and not len(queue):
                if until_idle:
                    if await self._load_found_nothing():
                        return
                    continue
                if not self._entries:
                    self._idle.set()
            timeout = reload_every - (loop.time() - self._last_load)
            if wait is not None:
                timeout = min(timeout, wait)
            if self._timed:
                timeout = min(timeout, max(0.0, self._timed[0][0] - self.clock().timestamp()))
            if until_idle and not self._in_flight and wait is None:
                if await self._load_found_nothing():
                    return  # only rows whose time has not come: nothing more to do now
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(timeout, 0.0005)):
                    await self._kick.wait()

    async def _load_found_nothing(self) -> bool:
        before = len(self.queue)
        await self._load()
        self._promote()
        return len(self.queue) == before and not self._in_flight

    async def _load(self) -> None:
        """Take in the rows queued since the last load; when the database and memory disagree
        on how many rows are pending (another process, ids reused, rows erased), compare all."""
        self._need_load = False
        self._last_load = asyncio.get_running_loop().time()
        await self._flush()  # outcomes first, so both sides count the same rows
        now = self.clock().timestamp()
        while True:
            rows = await outbox.pending_after(self.db, self._cursor)
            for row in rows:
                self._cursor = max(self._cursor, row.id)
                if row.id not in self._entries and row.id not in self._in_flight:
                    self._add(row, now)
            if len(rows) < 10_000:
                break
        # A retried row is pending in memory at once, in the database once its outcome is written.
        unwritten = {r[2] for r in self._retries}
        if await outbox.pending_count(self.db) != len(self._entries) - len(unwritten & self._entries.keys()):
            await self._resync(now)

    async def _resync(self, now: float) -> None:
        pending = set(await outbox.pending_ids(self.db))
        unwritten = {r[2] for r in self._retries}
        stale = [i for i in self._entries if i not in pending and i not in unwritten]
        if stale:
            self._forget(set(stale), status=DeliveryStatus.DROPPED)
        missing = sorted(i for i in pending if i not in self._entries and i not in self._in_flight)
        for row in await outbox.pending_rows(self.db, missing):
            self._cursor = max(self._cursor, row.id)
            self._add(row, now)

    def _add(self, row: outbox.PendingRow, now: float) -> None:
        entry = Entry(
            row.id, row.chat_id, lane_of(row.kind, row.priority),
            job_of(row.kind, row.broadcast_id, row.sighting_id, row.incident_id),
            paid=row.paid, not_before=row.not_before.timestamp(),
            waits_for=row.edit_of if row.edit_of is not None else row.reply_to,
        )
        self._entries[entry.id] = entry
        self._place(entry, now)

    def _place(self, entry: Entry, now: float) -> None:
        target = entry.waits_for
        if target is not None and (target in self._entries or target in self._in_flight):
            self._parked.setdefault(target, []).append(entry)  # goes when that one is out
        elif entry.not_before > now:
            heapq.heappush(self._timed, (entry.not_before, entry.id))
            self._timed_ids.add(entry.id)
        else:
            self.queue.push(entry)

    def _promote(self) -> None:
        if not self._timed:
            return
        now = self.clock().timestamp()
        while self._timed and self._timed[0][0] <= now:
            _, row_id = heapq.heappop(self._timed)
            if row_id in self._timed_ids:
                self._timed_ids.discard(row_id)
                entry = self._entries.get(row_id)
                if entry is not None:
                    self._place(entry, now)

    def _unpark(self, row_id: int) -> None:
        waiting = self._parked.pop(row_id, None)
        if waiting:
            now = self.clock().timestamp()
            for entry in waiting:
                if self._entries.get(entry.id) is entry:
                    self._place(entry, now)

    def _forget(self, ids: set[int], *, status: str) -> None:
        """Rows no longer pending (dropped, superseded, erased): out of memory."""
        self.queue.remove(lambda e: e.id in ids)
        for row_id in ids:
            entry = self._entries.pop(row_id, None)
            self._timed_ids.discard(row_id)
            if entry is not None:
                self._remember(row_id, (entry.chat_id, None, status))
        for row_id in ids:
            self._unpark(row_id)

    def _remember(self, row_id: int, ref: Ref) -> None:
        self._refs[row_id] = ref
        if len(self._refs) > KNOWN_REFS:
            self._refs.popitem(last=False)

    # ------------------------------------------------------------------ claiming and outcomes

    async def _dispatch(self, batch: list[Entry]) -> None:
        for entry in batch:
            del self._entries[entry.id]
            self._in_flight[entry.id] = entry
        try:
            claimed = await self._write_and_claim([e.id for e in batch])
        except BaseException:
            for entry in batch:  # nothing was sent: back in the queue
                del self._in_flight[entry.id]
                self.queue.done(entry.chat_id)
                self._entries[entry.id] = entry
                self.queue.push(entry)
            raise
        rows = {c.id: c for c in claimed}
        gone: set[int] = set()
        for entry in batch:
            row = rows.get(entry.id)
            if row is None:  # superseded, dropped or erased meanwhile
                del self._in_flight[entry.id]
                self.queue.done(entry.chat_id)
                self._entries[entry.id] = entry
                gone.add(entry.id)
                continue
            self._sending += 1
            task = asyncio.create_task(self._send(entry, row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if gone:
            self._forget(gone, status=DeliveryStatus.DROPPED)

    def _mark_sent(self, entry: Entry, chat_id: int, message_id: int | None) -> None:
        self._decided.add(entry.id)
        self._sent.append((message_id, to_db_time(self.clock()) or "", entry.id))
        self._remember(entry.id, (chat_id, message_id, DeliveryStatus.SENT))

    def _retry_later(self, entry: Entry, seconds: float, error: str) -> None:
        self._decided.add(entry.id)
        when = self.clock() + dt.timedelta(seconds=seconds)
        self._retries.append((to_db_time(when) or "", error, entry.id))
        entry.not_before = when.timestamp()
        self._entries[entry.id] = entry
        self._place(entry, self.clock().timestamp())

    def _mark_ended(self, entry: Entry, error: str, status: DeliveryStatus = DeliveryStatus.FAILED) -> None:
        self._decided.add(entry.id)
        self._ended.append((status, error, entry.id))
        self._remember(entry.id, (entry.chat_id, None, status))

    async def _flush(self) -> None:
        """Write the buffered outcomes in one transaction; their rows' slots are free again."""
        if self._sent or self._retries or self._ended:
            await self._write_and_claim([])

    async def _write_and_claim(self, ids: list[int]) -> list[outbox.Claimed]:
        """The buffered outcomes written and the rows ``ids`` claimed, in one trip to the
        database (the outcomes first: a retried row is 'pending' again before it can be
        claimed). On failure the outcomes stay buffered for the next write."""
        sent, retries, ended = self._sent, self._retries, self._ended
        self._sent, self._retries, self._ended = [], [], []
        try:
            claimed = await outbox.claim(self.db, ids, sent=sent, retries=retries, ended=ended)
        except BaseException:
            self._sent[:0], self._retries[:0], self._ended[:0] = sent, retries, ended
            raise
        if written := len(sent) + len(retries) + len(ended):
            self._sending -= written
            self._kick.set()  # their slots are free again
        return claimed

    # ------------------------------------------------------------------ one send

    async def _send(self, entry: Entry, row: outbox.Claimed) -> None:
        booked = entry.chat_id
        try:
            await self._attempt(entry, row)
        except Exception as error:  # a bug must not leave the row stuck in 'sending'
            log.error("unexpected error sending outbox row %d: %s", entry.id, describe_exception(error))
            if entry.id not in self._decided:
                self._backoff(entry, row, type(error).__name__)
        finally:
            self._decided.discard(entry.id)
            self._in_flight.pop(entry.id, None)
            self.queue.done(booked)
            if entry.id not in self._entries:
                self._unpark(entry.id)  # out (or given up): what waited for it may go
            self._kick.set()

    async def _ref(self, row_id: int) -> Ref | None:
        ref = self._refs.get(row_id)
        if ref is not None:
            return ref
        entry = self._entries.get(row_id) or self._in_flight.get(row_id)
        if entry is not None:
            return (entry.chat_id, None, DeliveryStatus.PENDING)
        return await outbox.message_ref(self.db, row_id)  # delivered before this process started

    async def _attempt(self, entry: Entry, row: outbox.Claimed) -> None:
        extra: dict[str, Any] | None = None
        chat_id = row.chat_id
        if row.edit_of is not None:
            ref = await self._ref(row.edit_of)
            if ref is None or ref[2] in (*UNDELIVERED, DeliveryStatus.SUPERSEDED):
                self._mark_ended(entry, "original not delivered", status=DeliveryStatus.SUPERSEDED)
                return
            original_chat, message_id, _status = ref
            if message_id is None:
                # The original is not out yet: edit after it is.
                self._retry_later(entry, self.limits.scaled(1.0), "waiting for original")
                return
            chat_id = original_chat
            extra = {"message_id": message_id}
        if row.reply_to is not None:
            ref = await self._ref(row.reply_to)
            if ref is not None and ref[1] is None and ref[2] in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
                # The message to answer is not out yet: reply after it is.
                self._retry_later(entry, self.limits.scaled(1.0), "waiting for original")
                return
            if ref is not None and ref[1] is not None:
                # Its text names the original too, so it still makes sense if that was deleted.
                extra = {**(extra or {}),
                         "reply_parameters": {"message_id": ref[1], "allow_sending_without_reply": True}}
        began = time.perf_counter()
        try:
            try:
                result = await self.transport.call(row.method, chat_id, row.payload, extra)
            finally:
                self.stats.observe_send(time.perf_counter() - began)
        except RetryAfter as error:
            seconds = self.limits.scaled(_seconds(error.retry_after))
            self.stats.rate_limited += 1
            self.stats.retried += 1  # a 429 is always tried again, once its retry_after has passed
            self.queue.hold(chat_id, asyncio.get_running_loop().time() + seconds)
            self._retry_later(entry, seconds, "429")
        except ChatMigrated as error:
            new_chat_id = int(error.new_chat_id)
            log.info("chat migrated to a supergroup; following it")
            # Every queued row for the old id, this one included, follows the new id.
            await self._flush()
            await outbox.move_chat(self.db, chat_id, new_chat_id)
            for other in [*self._entries.values(), *self._in_flight.values()]:
                if other.chat_id == chat_id:
                    other.chat_id = new_chat_id
            if self.on_migrated is not None:
                await self.on_migrated(chat_id, new_chat_id)
            entry.chat_id = new_chat_id
            self._retry_later(entry, 0.0, "migrated")
        except Forbidden:
            self.stats.failed += 1
            self._mark_ended(entry, "forbidden", status=DeliveryStatus.DROPPED)
            await self._flush()  # first, so a buffered retry for this chat is not revived after the drop
            dropped = await outbox.drop_pending_for_chat(self.db, chat_id, "forbidden")
            self._forget({i for i, e in self._entries.items() if e.chat_id == chat_id}, status=DeliveryStatus.DROPPED)
            log.info("chat unreachable (blocked or removed); dropped %d pending messages", dropped)
            if self.on_forbidden is not None:
                await self.on_forbidden(chat_id)
            if self.on_refused is not None and row.method not in EDIT_METHODS:
                await self.on_refused(entry.id, chat_id, "forbidden")
        except BadRequest as error:
            text = str(error).lower()
            if row.method in EDIT_METHODS and "not modified" in text:
                self._mark_sent(entry, chat_id, extra.get("message_id") if extra else None)
                return
            if row.method in EDIT_METHODS and any(gone in text for gone in EDIT_TARGET_GONE):
                # The message or its chat was deleted: nothing left to edit, and nothing failed.
                log.info("outbox row %d: message to edit is gone (%s)", entry.id, error.message)
                self._mark_ended(entry, f"gone: {error.message}", status=DeliveryStatus.SUPERSEDED)
                return
            self.stats.failed += 1
            log.warning("outbox row %d refused: %s", entry.id, error.message)
            self._mark_ended(entry, f"bad request: {error.message}")
            if (self.on_refused is not None and row.method not in EDIT_METHODS
                    and any(words in text for words in UNREACHABLE_CHAT)):
                await self._flush()  # the row's outcome is stored before anyone acts on it
                await self.on_refused(entry.id, chat_id, f"bad request: {error.message}")
        except InvalidToken:
            self._retry_later(entry, 60.0, "invalid token")
            if self.on_invalid_token is not None:
                self.on_invalid_token()  # fatal: the process ends and says why
            else:
                log.error("the Bot API refused the token; outbox sends wait")
        except (TimedOut, NetworkError) as error:
            self._backoff(entry, row, str(error))
        except TelegramError as error:
            self._backoff(entry, row, str(error))
        else:
            message_id = result.get("message_id") if isinstance(result, dict) else None
            if row.edit_of is not None and extra is not None:
                message_id = extra.get("message_id")
            self._mark_sent(entry, chat_id, message_id)
            self.failing_since = None
            self.stats.sent += 1
            self.stats.per_method[row.method] = self.stats.per_method.get(row.method, 0) + 1
            self.stats.last_success = self.clock()

    def _backoff(self, entry: Entry, row: outbox.Claimed, error: str) -> None:
        """A failure that trying again can cure: again after a backoff capped at a minute, until
        the row's deadline (bot.delivery.rules); an alert no longer current expires, and its
        sender is told."""
        now = self.clock()
        if self.failing_since is None:
            self.failing_since = now
        if rules.expired(row.kind, row.created_at, now):
            self.stats.failed += 1
            log.warning("outbox row %d (%s) expired after %d attempts: Telegram unreachable past its deadline",
                        entry.id, row.kind, row.attempts)
            self._mark_ended(entry, error[:200], status=rules.EXPIRED)
            if self.on_expired is not None:
                task = asyncio.create_task(self._tell_expired(row.kind, entry.job))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return
        self.stats.retried += 1
        self._retry_later(entry, self.limits.scaled(rules.backoff(row.attempts, self._rng)), error[:200])

    async def _tell_expired(self, kind: str, job: Job) -> None:
        assert self.on_expired is not None
        try:
            await self.on_expired(kind, job)
        except Exception as error:  # the notice is a courtesy; the sender goes on
            log.error("telling about an expired alert failed: %s", describe_exception(error))

    @property
    def waiting_on_telegram(self) -> bool:
        """Rows wait because Telegram fails (not because of pacing or their time)."""
        return self.failing_since is not None and bool(self._entries or self._in_flight)


def _seconds(value: int | float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
