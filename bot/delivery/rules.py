"""When a failed send is tried again, and when it is given up. Pure rules: no storage, no Telegram.

An outage of Telegram (5xx answers, dropped connections, timeouts) must not lose an alert: such
failures are retried, with backoff capped at a minute, until a deadline that depends on what
the message is. Only a permanent refusal (400 Bad Request, 403 Forbidden) ends a row at once.

- A report to an officer or a desk has no deadline: it is retried until it arrives (and
  /healthz says "degraded" while it waits). It is never dropped silently.
- An alert (a group's copy of a report, a follower's, an area alert, a relay, a walker's) is
  worth sending while it is current: after ``ALERT_DEADLINE`` it expires and whoever sent it
  (the officer or coordinator of an area alert) is told how many it did not reach.
- Everything else (tips, status messages, notices, surveys, patrol messages) after a day.
"""

from __future__ import annotations

import datetime as dt
import random

from bot.core.domain import OFFICER_KIND_VALUES, RELAY_KIND, DeliveryStatus, RecipientKind

BACKOFF_CAP = 60.0  # seconds: once Telegram is back, every row is tried again within a minute
BACKOFF_FIRST = 0.5
PERMANENT_STATUSES = frozenset({400, 403})
ALERT_DEADLINE = dt.timedelta(hours=2)  # the default lifetime of an alert ([alerts] expiry_minutes)
OTHER_DEADLINE = dt.timedelta(days=1)
ALERT_KINDS = frozenset({
    RecipientKind.TEAM_GROUP.value, RecipientKind.SUBSCRIBER.value, RecipientKind.WALKER.value,
    RELAY_KIND, "broadcast", "team_alarm",
})
EXPIRED = DeliveryStatus.EXPIRED  # the outbox status of a row given up at its deadline


def is_permanent(status: int | None) -> bool:
    """A refusal that sending again cannot change (400 Bad Request, 403 Forbidden)."""
    return status in PERMANENT_STATUSES


def deadline(kind: str) -> dt.timedelta | None:
    """How long after it was queued a row is still worth sending; None: until it arrives."""
    if kind in OFFICER_KIND_VALUES:
        return None
    if kind in ALERT_KINDS:
        return ALERT_DEADLINE
    return OTHER_DEADLINE


def expired(kind: str, queued_at: dt.datetime | None, now: dt.datetime) -> bool:
    """True when a row queued at ``queued_at`` is past its deadline (in real time, also when
    the sender's pacing runs faster against the emulator)."""
    limit = deadline(kind)
    if limit is None or queued_at is None:
        return False
    return now - queued_at > limit


def backoff(attempts: int, rng: random.Random) -> float:
    """Seconds before the next try after ``attempts`` failed ones: exponential with full jitter
    (many rows retrying in step would hammer a recovering server at once), never above a minute."""
    ceiling = min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** min(attempts, 16))
    return rng.uniform(min(0.1, ceiling), ceiling)
