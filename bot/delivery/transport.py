"""How the outbox sender reaches the Bot API.

:class:`HttpTransport` posts the stored JSON payload as the request body, with ``chat_id``
(and a message id for edits) spliced in as text: no decoding of the payload, no
python-telegram-bot objects, one small JSON answer parsed. Telegram's error answers become
the same ``telegram.error`` exceptions python-telegram-bot raises, so the sender's handling of
them does not depend on the path. :class:`PtbTransport` goes through ``Bot.do_api_request``
(tests, and any bot built on a custom request object).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import warnings
from typing import Any, Protocol

import httpx
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

JSON_HEADERS = {"Content-Type": "application/json"}


class Transport(Protocol):
    async def call(self, method: str, chat_id: int, payload: str, extra: dict[str, Any] | None) -> Any:
        """Send ``payload`` (stored JSON text) with ``chat_id`` and ``extra`` to ``method``;
        the API's ``result``, or a ``telegram.error.TelegramError``."""
        ...

    async def close(self) -> None: ...


def request_body(chat_id: int, payload: str, extra: dict[str, Any] | None) -> bytes:
    """``payload`` with chat_id and ``extra`` added, as JSON, without decoding it."""
    head = '{"chat_id":' + str(int(chat_id))
    if extra:
        head += "," + json.dumps(extra, ensure_ascii=False, separators=(",", ":"))[1:-1]
    rest = payload.strip()
    if rest.startswith("{") and rest[1:].lstrip().startswith("}"):
        return (head + "}").encode()
    if not rest.startswith("{"):
        raise ValueError("an outbox payload is a JSON object")
    return (head + "," + rest[1:]).encode()


def api_error(status: int, body: bytes) -> TelegramError:
    """The exception python-telegram-bot raises for this answer (its BaseRequest rules)."""
    try:
        data = json.loads(body)
    except ValueError:
        data = {}
    message = str(data.get("description") or f"HTTP {status}")
    parameters = data.get("parameters") or {}
    if parameters.get("migrate_to_chat_id"):
        return ChatMigrated(int(parameters["migrate_to_chat_id"]))
    if parameters.get("retry_after"):
        return RetryAfter(int(parameters["retry_after"]))
    if status == 403:
        return Forbidden(message)
    if status in (401, 404):
        return InvalidToken(message)
    if status == 400:
        return BadRequest(message)
    if status == 409:
        return Conflict(message)
    return NetworkError(message)


def allow_calls_by_name() -> None:
    """Silence python-telegram-bot's advice to use its typed methods for Bot API calls made by
    name: the outbox stores method names and parameters (PtbTransport), and the report journey's
    replies and button edits (handlers.common) skip building objects nobody reads. Called once
    where the application is built, not as a side effect of importing a module."""
    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)


class HttpTransport:
    """Posts the stored JSON to the Bot API over keep-alive connections, one httpx client per
    connection.

    One client per connection, not one pool of many: httpcore's pool walks all its
    connections and waiting requests at every request and answer (checking idle ones for
    expiry with a syscall each), so with 8 requests in flight one shared pool cost twice the
    CPU per send of a loop that keeps one request per connection (bench/ceiling.py). A
    connection of its own per request in flight keeps that walk at one."""

    def __init__(self, base_url: str, *, timeout: float = 10.0, connections: int = 32,
                 client: httpx.AsyncClient | None = None) -> None:
        """``base_url``: up to and including the token, e.g. ``https://api.telegram.org/bot123:ABC``.
        ``client``: one client for every request (tests hand in a mock transport)."""
        self.base_url = base_url.rstrip("/") + "/"
        self._timeout = httpx.Timeout(timeout, connect=5.0)
        self._connections = max(1, connections)
        self._shared = client
        self._clients: list[httpx.AsyncClient] = []
        # One TLS context for every connection's client: each new context loads the CA
        # bundle again (about 20 ms of CPU apiece).
        self._tls: ssl.SSLContext | None = None
        self._idle: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()

    async def _take(self) -> httpx.AsyncClient:
        if self._shared is not None:
            return self._shared
        try:
            return self._idle.get_nowait()
        except asyncio.QueueEmpty:
            if len(self._clients) < self._connections:
                if self._tls is None:
                    self._tls = httpx.create_ssl_context()
                client = httpx.AsyncClient(timeout=self._timeout, verify=self._tls, limits=httpx.Limits(
                    max_connections=1, max_keepalive_connections=1))
                self._clients.append(client)
                return client
        return await self._idle.get()

    def _give_back(self, client: httpx.AsyncClient) -> None:
        if client is not self._shared:
            self._idle.put_nowait(client)

    async def call(self, method: str, chat_id: int, payload: str, extra: dict[str, Any] | None) -> Any:
        body = request_body(chat_id, payload, extra)
        client = await self._take()
        try:
            response = await client.post(self.base_url + method, content=body, headers=JSON_HEADERS)
        except httpx.TimeoutException as error:
            raise TimedOut(f"timed out: {type(error).__name__}") from error
        except httpx.HTTPError as error:
            raise NetworkError(f"httpx: {type(error).__name__}") from error
        finally:
            self._give_back(client)
        content = response.content
        if response.status_code == 200:
            try:
                data = json.loads(content)
            except ValueError as error:
                raise NetworkError("invalid JSON from the Bot API") from error
            if data.get("ok"):
                return data.get("result")
        raise api_error(response.status_code, content)

    async def close(self) -> None:
        clients, self._clients = self._clients, []
        for client in clients + ([self._shared] if self._shared is not None else []):
            await client.aclose()


class PtbTransport:
    """Through python-telegram-bot's request object (whatever the bot was built with)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def call(self, method: str, chat_id: int, payload: str, extra: dict[str, Any] | None) -> Any:
        params: dict[str, Any] = json.loads(payload)
        if extra:
            params.update(extra)
        params["chat_id"] = chat_id
        # Tell the interactive rate limiter (an ExtBot feature) to leave outbox sends alone.
        options: dict[str, Any] = {"rate_limit_args": {"outbox": True}} if isinstance(self.bot, ExtBot) else {}
        return await self.bot.do_api_request(method, api_kwargs=params, **options)  # see allow_calls_by_name

    async def close(self) -> None:
        return None
