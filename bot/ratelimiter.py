"""Interactive replies survive a 429: wait as Telegram says and try again.

Only for the bot's direct answers inside a handler. The outbox sender paces and retries its
own sends (and marks them with ``rate_limit_args={"outbox": True}``), so one busy group
never pauses every other request, which is what PTB's AIORateLimiter would do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)


class InteractiveRetryLimiter(BaseRateLimiter[dict[str, Any]]):
    def __init__(self, *, max_retries: int = 3, time_scale: float = 1.0, max_wait: float = 30.0) -> None:
        self.max_retries = max_retries
        self.time_scale = time_scale
        self.max_wait = max_wait

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
            return await callback(*args, **kwargs)
        for attempt in range(self.max_retries + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = error.retry_after
                seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
                if attempt == self.max_retries or seconds > self.max_wait:
                    raise
                log.info("429 on %s; retrying in %.1f s", endpoint, seconds)
                await asyncio.sleep(seconds / self.time_scale)
        raise AssertionError("unreachable")
