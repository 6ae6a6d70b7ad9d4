"""The sender's direct HTTP path: the stored JSON goes out as it is, errors map like PTB's."""

from __future__ import annotations

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
