"""The sender's queue: lanes by urgency, turns between jobs, and Telegram's flood limits.

Pure and deterministic: every method takes ``now`` (seconds on any monotonic clock), nothing
sleeps, nothing does I/O. :class:`~bot.delivery.sender.OutboxSender` feeds it the outbox's
pending rows and asks it what to send next.

Rules, in the order they decide:

- a chat with a send in flight gets nothing more until it is answered (one chat's messages
  arrive in order), and Telegram's per-chat limits hold: about one message per second to a
  private chat, 20 per minute to a group;
- lanes strictly by urgency (:class:`~bot.delivery.lanes.Lane`): nothing of a lane goes while
  a more urgent one has a message that may go now;
- inside a lane the jobs take turns (round robin): a job that just sent goes to the back, so a
  new job's first message waits for at most one send of each other job in its lane;
- inside a job, first queued first sent (a message whose chat must wait lets the next chat go);
- the overall pace: about 30 messages per second spread evenly (a GCRA over a one-second
  window), and a separate pace for paid broadcast (``allow_paid_broadcast``, up to 1 000/s).
  A message waiting for its pace keeps it: a less urgent one may not take it meanwhile.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.delivery.lanes import Job, Lane

CATCH_UP = 2  # sends the even pace may make up at once after falling behind...
CATCH_UP_SECONDS = 0.01  # ...or this long's worth, if more: at 1 000/s a timer that wakes a few
# milliseconds late (a busy machine) must not cost a send for every millisecond; more would
# spend the 2 % headroom the window keeps for requests that arrive unevenly
LOOKAHEAD = 32  # messages of one job looked at past a chat that must wait


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
    paid_per_second: float = 1000.0  # paid broadcast: Telegram allows up to 1 000/s

    def scaled(self, seconds: float) -> float:
        return seconds / self.time_scale


@dataclass(slots=True, eq=False)
class Entry:
    """One pending outbox row as the queue sees it (its content stays in the database)."""

    id: int
    chat_id: int
    lane: Lane
    job: Job
    paid: bool = False
    not_before: float = 0.0  # the services' clock, as a timestamp (the sender's concern)
    waits_for: int | None = None  # an outbox row that must be out first (edit_of / reply_to)


class Pacer:
    """Sends spread evenly over a sliding window of ``window`` seconds, at most ``rate`` in it.

    Telegram counts when a request arrives, not when it left: a burst of 30 at a window's edge
    would run into the next 30. So each send books the next slot (``window / rate`` later), a
    little lag may be caught up (``CATCH_UP`` slots, or 10 ms of them at high rates), and no
    window ever holds more than ``rate`` sends."""

    __slots__ = ("_next_slot", "_sends", "ahead", "limit", "rate", "spacing", "window")

    def __init__(self, rate: float, window: float, headroom: float = 1.0) -> None:
        self.rate = rate
        self.window = window
        self.limit = rate
        self.spacing = 0.0 if math.isinf(rate) else window / (rate * headroom)
        # How far the booked slots may run ahead of the clock.
        self.ahead = max(CATCH_UP * self.spacing, CATCH_UP_SECONDS * window)
        self._sends: deque[float] = deque()
        self._next_slot = 0.0

    @property
    def unlimited(self) -> bool:
        return math.isinf(self.rate)

    def wait(self, now: float) -> float:
        """Seconds until the next send may go (0.0: now)."""
        if self.spacing == 0.0:
            return 0.0
        sends = self._sends
        window = self.window
        while sends and now - sends[0] >= window:
            sends.popleft()
        spaced = self._next_slot - self.ahead - now
        spaced = spaced if spaced > 1e-9 else 0.0  # float dust is no reason to wait
        if len(sends) < self.limit:
            return spaced
        return max(spaced, sends[0] + window - now)

    def reserve(self, now: float) -> None:
        if self.spacing == 0.0:
            return
        self._sends.append(now)
        self._next_slot = max(self._next_slot, now) + self.spacing


@dataclass
class _ChatPace:
    next_at: dict[int, float] = field(default_factory=dict)  # private chats, and holds after a 429
    group_sends: dict[int, deque[float]] = field(default_factory=dict)


class DeliveryQueue:
    def __init__(self, limits: Limits | None = None) -> None:
        self._lanes: list[dict[Job, deque[Entry]]] = [{} for _ in Lane]
        self._busy: set[int] = set()  # chats with a send in flight
        self._size = 0
        self.set_limits(limits or Limits())

    def set_limits(self, limits: Limits) -> None:
        self.limits = limits
        window = limits.scaled(1.0)
        self._free = Pacer(limits.per_second, window, limits.headroom)
        self._paid = Pacer(limits.paid_per_second, window, limits.headroom)
        self._chats = _ChatPace()
        self._private_interval = limits.scaled(limits.private_interval)
        self._group_window = limits.scaled(60.0)

    def __len__(self) -> int:
        return self._size

    # ------------------------------------------------------------------ filling

    def push(self, entry: Entry) -> None:
        lane = self._lanes[entry.lane]
        entries = lane.get(entry.job)
        if entries is None:
            lane[entry.job] = entries = deque()
        entries.append(entry)
        self._size += 1

    def remove(self, predicate: Callable[[Entry], bool]) -> list[Entry]:
        """Take out every queued entry for which ``predicate`` holds (rare: a chat blocked us)."""
        removed: list[Entry] = []
        for lane in self._lanes:
            for job in list(lane):
                kept: deque[Entry] = deque()
                for entry in lane[job]:
                    (removed if predicate(entry) else kept).append(entry)
                if kept:
                    lane[job] = kept
                else:
                    del lane[job]
        self._size -= len(removed)
        return removed

    def entries(self) -> list[Entry]:
        return [e for lane in self._lanes for entries in lane.values() for e in entries]

    # ------------------------------------------------------------------ choosing

    def pick(self, now: float) -> tuple[Entry | None, float | None]:
        """The next message to send now, its chat and pace booked; or None and how long until
        something queued might go (None: nothing waits for time, only for a send in flight)."""
        wait: float | None = None
        held: set[int] = set()  # pacers a more urgent message is waiting for (by id)
        free, paid = self._free, self._paid
        for lane in self._lanes:
            if not lane:
                continue
            for job, entries in lane.items():
                seen: set[int] | None = None
                for index, entry in enumerate(entries):
                    if index >= LOOKAHEAD:
                        break
                    chat = entry.chat_id
                    if seen is not None and chat in seen:
                        continue  # an earlier message to this chat goes first
                    chat_wait = self._chat_wait(chat, now)
                    if chat_wait > 0.0:
                        if seen is None:
                            seen = set()
                        seen.add(chat)
                        if not math.isinf(chat_wait) and (wait is None or chat_wait < wait):
                            wait = chat_wait
                        continue
                    pacer = paid if entry.paid else free
                    if id(pacer) in held:
                        break  # a more urgent message is waiting for this pace
                    pace_wait = pacer.wait(now)
                    if pace_wait > 0.0:
                        held.add(id(pacer))
                        if wait is None or pace_wait < wait:
                            wait = pace_wait
                        break
                    # This one goes: book it, and send its job to the back of its lane.
                    del entries[index]
                    del lane[job]
                    if entries:
                        lane[job] = entries
                    self._size -= 1
                    pacer.reserve(now)
                    self._book_chat(chat, now)
                    return entry, None
                if len(held) == 2:
                    return None, wait
        return None, wait

    # ------------------------------------------------------------------ chats

    def _chat_wait(self, chat_id: int, now: float) -> float:
        if chat_id in self._busy:
            return math.inf
        next_at = self._chats.next_at.get(chat_id)
        wait = 0.0 if next_at is None or next_at <= now else next_at - now
        if chat_id < 0:
            sends = self._chats.group_sends.get(chat_id)
            if sends:
                window = self._group_window
                while sends and now - sends[0] >= window:
                    sends.popleft()
                if len(sends) >= self.limits.group_per_minute:
                    wait = max(wait, sends[0] + window - now)
        return wait

    def _book_chat(self, chat_id: int, now: float) -> None:
        self._busy.add(chat_id)
        if chat_id > 0:
            self._chats.next_at[chat_id] = now + self._private_interval
        else:
            sends = self._chats.group_sends.get(chat_id)
            if sends is None:
                self._chats.group_sends[chat_id] = sends = deque()
            sends.append(now)

    def done(self, chat_id: int) -> None:
        """The send to this chat was answered (or never made): the chat is free again."""
        self._busy.discard(chat_id)

    def hold(self, chat_id: int, until: float) -> None:
        """Nothing to this chat before ``until`` (Telegram said retry_after)."""
        next_at = self._chats.next_at
        next_at[chat_id] = max(next_at.get(chat_id, until), until)

    def forget_idle_chats(self, now: float) -> None:
        """Drop pacing state that no longer limits anything (keeps memory flat over days)."""
        chats = self._chats
        chats.next_at = {c: t for c, t in chats.next_at.items() if t > now}
        window = self._group_window
        chats.group_sends = {c: s for c, s in chats.group_sends.items() if s and now - s[-1] < window}

