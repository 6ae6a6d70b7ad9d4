"""Paid broadcast (Telegram's ``allow_paid_broadcast``): what it costs, how fast it goes.

Telegram: "Pass True to allow up to 1000 messages per second, ignoring broadcasting limits
for a fee of 0.1 Telegram Stars per message"; the Stars come from the bot's balance, which
must hold at least 10 000. The estimate counts every message at that fee (Telegram's FAQ
charges only what goes over the free 30 per second, so the real cost is at most this).
"""

from __future__ import annotations

import math

STARS_PER_MESSAGE = 0.1
FLAG = "allow_paid_broadcast"


def stars_estimate(messages: int) -> int:
    """Stars for ``messages`` paid messages, rounded up."""
    return math.ceil(round(messages * STARS_PER_MESSAGE, 6))


def sender_concurrency(paid_rate: int, base: int = 8, round_trip: float = 0.1) -> int:
    """Requests in flight needed to keep ``paid_rate`` messages/s going over a link with this
    round trip (Telegram from a Dutch server: well under 100 ms). Twice this is the crash
    bound (OutboxSender.in_doubt_limit): what a kill -9 may send twice."""
    return max(base, math.ceil(paid_rate * round_trip))
