"""The sender's direct HTTP path: the stored JSON goes out as it is, errors map like PTB's."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.delivery.transport import HttpTransport, api_error, request_body


def test_the_body_is_the_payload_with_the_chat_and_extras_spliced_in() -> None:
    payload = json.dumps({"text": "Inbraak “bezig” \\ <b>nu</b>", "reply_markup": {"inline_keyboard": []}},
                         ensure_ascii=False, separators=(",", ":"))
    body = json.loads(request_body(-100123, payload, {"message_id": 7}))
    assert body == {"chat_id": -100123, "message_id": 7, "text": "Inbraak “bezig” \\ <b>nu</b>",
                    "reply_markup": {"inline_keyboard": []}}
    assert json.loads(request_body(5, "{}", None)) == {"chat_id": 5}
    assert json.loads(request_body(5, " { } ", None)) == {"chat_id": 5}


@pytest.mark.parametrize(("status", "answer", "expected"), [
    (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
           "parameters": {"retry_after": 7}}, RetryAfter),
    (400, {"ok": False, "error_code": 400, "description": "Bad Request: group chat was upgraded",
           "parameters": {"migrate_to_chat_id": -1001}}, ChatMigrated),
    (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}, Forbidden),
    (400, {"ok": False, "error_code": 400, "description": "Bad Request: message is not modified"}, BadRequest),
    (401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, InvalidToken),
    (502, {}, NetworkError),
])
def test_errors_map_to_ptbs_exceptions(status: int, answer: dict[str, object], expected: type[Exception]) -> None:
    error = api_error(status, json.dumps(answer).encode())
    assert type(error) is expected
    if isinstance(error, RetryAfter):
        assert error.retry_after in (7, __import__("datetime").timedelta(seconds=7))
    if isinstance(error, ChatMigrated):
        assert error.new_chat_id == -1001


async def test_the_transport_posts_json_and_reads_the_result() -> None:
    seen: list[tuple[str, dict[str, object]]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, json.loads(request.content)))
        assert request.headers["content-type"] == "application/json"
        if seen[-1][1]["chat_id"] == 2:
            return httpx.Response(429, json={"ok": False, "error_code": 429, "description": "Too Many Requests",
                                             "parameters": {"retry_after": 3}})
        return httpx.Response(200, json={"ok": True, "result": {"message_id": 41}})

    transport = HttpTransport("http://api.test/bot1:T", client=httpx.AsyncClient(transport=httpx.MockTransport(answer)))
    assert await transport.call("sendMessage", 1, '{"text":"x"}', None) == {"message_id": 41}
    with pytest.raises(RetryAfter):
        await transport.call("sendMessage", 2, '{"text":"x"}', None)
    assert seen[0] == ("/bot1:T/sendMessage", {"chat_id": 1, "text": "x"})
    await transport.close()


async def test_network_failures_become_network_errors() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        if b'"chat_id":1' in request.content:
            raise httpx.ReadTimeout("slow", request=request)
        raise httpx.ConnectError("refused", request=request)

    transport = HttpTransport("http://api.test/bot1:T", client=httpx.AsyncClient(transport=httpx.MockTransport(fail)))
    with pytest.raises(TimedOut):
        await transport.call("sendMessage", 1, "{}", None)
    with pytest.raises(NetworkError):
        await transport.call("sendMessage", 2, "{}", None)
    await transport.close()


class OneServer:
    """A local HTTP/1.1 server that answers like the Bot API (or misbehaves as told)."""

    def __init__(self, behaviour: str = "answer") -> None:
        self.behaviour = behaviour
        self.requests: list[tuple[bytes, dict[bytes, bytes], bytes]] = []
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/bot1:T"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line, *lines = head.decode().split("\r\n")
                headers = {k.lower().encode(): v.encode() for k, v in (h.split(": ", 1) for h in lines if h)}
                body = await reader.readexactly(int(headers[b"content-length"]))
                self.requests.append((line.encode(), headers, body))
                if self.behaviour == "hang up":
                    return
                if self.behaviour == "silent":
                    await reader.read()  # until the client gives up and closes
                    return
                answer = json.dumps({"ok": True, "result": {"message_id": len(self.requests)}}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: " + str(len(answer)).encode() + b"\r\n\r\n" + answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


async def test_over_a_real_connection_the_json_goes_out_with_its_host_and_the_connection_is_kept() -> None:
    server = OneServer()
    async with server as base_url:
        transport = HttpTransport(base_url, connections=1)
        assert await transport.call("sendMessage", 1, '{"text":"x"}', None) == {"message_id": 1}
        assert await transport.call("sendMessage", 2, '{"text":"y"}', None) == {"message_id": 2}
        await transport.close()
    line, headers, body = server.requests[0]
    assert line == b"POST /bot1:T/sendMessage HTTP/1.1"
    assert headers[b"host"] == base_url.split("/")[2].encode()
    assert headers[b"content-type"] == b"application/json"
    assert json.loads(body) == {"chat_id": 1, "text": "x"}
    assert server.connections == 1  # keep-alive: the second request reused the connection


async def test_over_a_real_connection_failures_become_network_errors_and_timeouts() -> None:
    async with OneServer("hang up") as base_url:
        transport = HttpTransport(base_url, connections=1)
        with pytest.raises(NetworkError):
            await transport.call("sendMessage", 1, "{}", None)
        await transport.close()
    async with OneServer("silent") as base_url:
        transport = HttpTransport(base_url, connections=1, timeout=0.05)
        with pytest.raises(TimedOut):
            await transport.call("sendMessage", 1, "{}", None)
        await transport.close()
    # Nothing listens there any more: the connection is refused.
    transport = HttpTransport(base_url, connections=1)
    with pytest.raises(NetworkError):
        await transport.call("sendMessage", 1, "{}", None)
    await transport.close()


async def test_https_connections_share_one_tls_context_and_plain_http_makes_none() -> None:
    secure = HttpTransport("https://api.telegram.org/bot1:T", connections=3)
    pools = [await secure._take() for _ in range(3)]
    assert secure._tls is not None and len(pools) == 3
    assert all(p._ssl_context is secure._tls for p in pools)
    await secure.close()
    plain = HttpTransport("http://127.0.0.1:8081/bot1:T", connections=2)
    await plain._take()
    assert plain._tls is None
    await plain.close()


async def test_the_environments_proxy_is_used_unless_no_proxy_names_the_host(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Polling goes through HTTPS_PROXY/HTTP_PROXY (python-telegram-bot's httpx client honours
    them); the outbox must get out the same way."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    proxy = OneServer()
    async with proxy as proxy_url:
        proxy_address = proxy_url.rsplit("/", 1)[0]
        monkeypatch.setenv("HTTP_PROXY", proxy_address.replace("http://", "http://bot:geheim@"))
        transport = HttpTransport("http://api.telegram.test/bot1:T", connections=1)
        assert await transport.call("sendMessage", 1, '{"text":"x"}', None) == {"message_id": 1}
        await transport.close()
        line, headers, _ = proxy.requests[0]
        assert line == b"POST http://api.telegram.test/bot1:T/sendMessage HTTP/1.1"  # forwarded, not direct
        assert headers[b"host"] == b"api.telegram.test"
        assert headers[b"proxy-authorization"].startswith(b"Basic ")
        # The Bot API server itself is on the list of hosts reached directly.
        server = OneServer()
        async with server as direct_url:
            monkeypatch.setenv("NO_PROXY", "127.0.0.1")
            transport = HttpTransport(direct_url, connections=1)
            assert await transport.call("sendMessage", 2, '{"text":"y"}', None) == {"message_id": 1}
            await transport.close()
        assert len(proxy.requests) == 1 and len(server.requests) == 1
