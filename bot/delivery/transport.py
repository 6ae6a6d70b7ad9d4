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
import urllib.request
import warnings
from typing import Any, Protocol

import httpcore
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
KEEPALIVE_EXPIRY = 5.0  # seconds, as httpx's client


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


def environment_proxy(url: httpx.URL) -> httpcore.Proxy | None:
    """The proxy the environment names for ``url`` (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY, unless
    NO_PROXY excludes its host), as python-telegram-bot's own requests and httpx's client
    honour it: a gemeente's network that lets the bot out only through a proxy lets the outbox
    out the same way. Credentials in the proxy's URL go as Proxy-Authorization."""
    proxies = urllib.request.getproxies()
    address = proxies.get(url.scheme) or proxies.get("all")
    if not address or urllib.request.proxy_bypass(url.host):
        return None
    proxy = httpx.Proxy(address)
    return httpcore.Proxy(
        url=httpcore.URL(scheme=proxy.url.raw_scheme, host=proxy.url.raw_host, port=proxy.url.port,
                         target=proxy.url.raw_path),
        auth=proxy.raw_auth, headers=proxy.headers.raw)


class HttpTransport:
    """Posts the stored JSON to the Bot API over keep-alive connections, each its own httpcore
    connection pool of one.

    httpcore, not httpx's client: the client builds a request and a response object around
    every call, merges URLs, extracts cookies and reads the body through a chain of iterators,
    and for a JSON POST whose answer is read whole none of that is needed. httpcore (what
    httpx itself sends with) does the HTTP, TLS and keep-alive; the timeouts and errors are
    the same. One pool per connection, not one pool of many: a pool walks all its
    connections and waiting requests at every request and answer (checking idle ones for
    expiry with a syscall each), so with 8 requests in flight one shared pool cost twice the
    CPU per send of a loop that keeps one request per connection (bench/ceiling.py)."""

    def __init__(self, base_url: str, *, timeout: float = 10.0, connections: int = 32,
                 client: httpx.AsyncClient | None = None) -> None:
        """``base_url``: up to and including the token, e.g. ``https://api.telegram.org/bot123:ABC``.
        ``client``: one httpx client for every request (tests hand in a mock transport)."""
        self.base_url = base_url.rstrip("/") + "/"
        self._timeouts = {"connect": 5.0, "read": timeout, "write": timeout, "pool": timeout}
        self._connections = max(1, connections)
        self._shared = client
        url = httpx.URL(self.base_url)
        self._host = url.netloc  # the Host header: host, and the port when it is not the default
        self._pools: list[httpcore.AsyncConnectionPool] = []
        # One TLS context for every connection: each new one loads the CA bundle again.
        # None for plain http (a local Bot API server).
        self._tls: ssl.SSLContext | None = None
        self._https = url.scheme == "https"
        self._proxy = environment_proxy(url)
        self._idle: asyncio.Queue[httpcore.AsyncConnectionPool] = asyncio.Queue()

    async def _take(self) -> httpcore.AsyncConnectionPool:
        try:
            return self._idle.get_nowait()
        except asyncio.QueueEmpty:
            if len(self._pools) < self._connections:
                if self._https and self._tls is None:
                    self._tls = httpx.create_ssl_context()
                # httpx's defaults: a connection idle for 5 s is not used again (the server may
                # be closing it just then), and the TLS context honours SSL_CERT_FILE/DIR.
                pool = httpcore.AsyncConnectionPool(ssl_context=self._tls, proxy=self._proxy, max_connections=1,
                                                    max_keepalive_connections=1, keepalive_expiry=KEEPALIVE_EXPIRY)
                self._pools.append(pool)
                return pool
        return await self._idle.get()

    async def _post(self, method: str, body: bytes) -> tuple[int, bytes]:
        if self._shared is not None:
            answer = await self._shared.post(self.base_url + method, content=body, headers=JSON_HEADERS)
            return answer.status_code, answer.content
        pool = await self._take()
        try:
            response = await pool.request(
                "POST", self.base_url + method, content=body,
                headers=[(b"Host", self._host), (b"Content-Type", b"application/json"),
                         (b"Content-Length", str(len(body)).encode())],
                extensions={"timeout": self._timeouts})
        finally:
            self._idle.put_nowait(pool)
        return response.status, response.content

    async def call(self, method: str, chat_id: int, payload: str, extra: dict[str, Any] | None) -> Any:
        body = request_body(chat_id, payload, extra)
        try:
            status, content = await self._post(method, body)
        except (httpx.TimeoutException, httpcore.TimeoutException) as error:
            raise TimedOut(f"timed out: {type(error).__name__}") from error
        except (httpx.HTTPError, httpcore.NetworkError, httpcore.ProtocolError, httpcore.ProxyError,
                httpcore.UnsupportedProtocol, OSError) as error:
            raise NetworkError(f"http: {type(error).__name__}") from error
        if status == 200:
            try:
                data = json.loads(content)
            except ValueError as error:
                raise NetworkError("invalid JSON from the Bot API") from error
            if data.get("ok"):
                return data.get("result")
        raise api_error(status, content)

    async def close(self) -> None:
        pools, self._pools = self._pools, []
        for pool in pools:
            await pool.aclose()
        if self._shared is not None:
            await self._shared.aclose()


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
