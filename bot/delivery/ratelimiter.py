"""Interactive replies survive a 429: wait as Telegram says and try again.

Only for the bot's direct answers inside a handler. The outbox sender paces and retries its
own sends (and marks them with ``rate_limit_args={"outbox": True}``), so one busy group
never pauses every other request, which is what PTB's AIORateLimiter would do.

The limiter also counts what goes through it (a :class:`~bot.delivery.sender.SenderStats`), so /metrics and
/healthz see the direct replies as well as the outbox.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

from bot.delivery.sender import SenderStats

log = logging.getLogger(__name__)

# Bot API methods that put something in a chat: these are "deliveries" in the metrics.
DELIVERY_PREFIXES = ("send", "edit", "copy", "forward")


def is_delivery(endpoint: str) -> bool:
    return endpoint.startswith(DELIVERY_PREFIXES)


class InteractiveRetryLimiter(BaseRateLimiter[dict[str, Any]]):
    def __init__(self, *, max_retries: int = 3, time_scale: float = 1.0, max_wait: float = 30.0) -> None:
        self.max_retries = max_retries
        self.time_scale = time_scale
        self.max_wait = max_wait
        # The application sets the services' clock here, so both send paths tell one time.
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.stats = SenderStats()  # the same figures as the outbox sender's

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if rate_limit_args and rate_limit_args.get("outbox"):
            return await callback(*args, **kwargs)  # the sender counts its own
        delivery = is_delivery(endpoint)
        for attempt in range(self.max_retries + 1):
            began = time.perf_counter()
            try:
                try:
                    result = await callback(*args, **kwargs)
                finally:
                    if delivery:
                        self.stats.observe_send(time.perf_counter() - began)
            except RetryAfter as error:
                self.stats.rate_limited += 1
                wait = error.retry_after
                seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
                if attempt == self.max_retries or seconds > self.max_wait:
                    if delivery:
                        self.stats.failed += 1
                    raise
                log.info("429 on %s; retrying in %.1f s", endpoint, seconds)
                self.stats.retried += 1
                await asyncio.sleep(seconds / self.time_scale)
            except BadRequest as error:
                # An edit that changes nothing is not a failed delivery (the outbox agrees).
                if delivery and "not modified" not in str(error).lower():
                    self.stats.failed += 1
                raise
            except TelegramError:
                if delivery:
                    self.stats.failed += 1
                raise
            else:
                if delivery:
                    self.stats.sent += 1
                    self.stats.last_success = self.clock()
                return result
        raise AssertionError("unreachable")
