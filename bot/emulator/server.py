"""The emulator's HTTP side: ``/bot<TOKEN>/<method>`` like Telegram, plus ``/_control/…``."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from typing import Any

import tornado.httpserver
import tornado.httputil
import tornado.netutil
import tornado.web

from bot.emulator.state import ApiError, DropConnection, FloodLimits, World

_INT_FIELDS = {"chat_id", "message_id", "user_id", "offset", "limit", "timeout", "from_chat_id",
               "reply_to_message_id", "message_thread_id"}


def _decode_value(name: str, value: str) -> Any:
    """PTB sends form fields: strings as they are, everything else JSON-encoded."""
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value
    if value in ("true", "false"):
        return value == "true"
    return value


def parse_request(request: tornado.httputil.HTTPServerRequest) -> tuple[dict[str, Any], dict[str, bytes]]:
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json") and request.body:
        body = json.loads(request.body)
        if isinstance(body, dict):
            params.update(body)
        return params, files
    arguments: dict[str, list[bytes]] = {}
    uploads: dict[str, list[tornado.httputil.HTTPFile]] = {}
    if request.body:
        tornado.httputil.parse_body_arguments(content_type, request.body, arguments, uploads, request.headers)
    for name, values in {**request.query_arguments, **arguments}.items():
        params[name] = _decode_value(name, values[-1].decode("utf-8"))
    for name, parts in uploads.items():
        files[name] = parts[-1].body
    return params, files


class BotApiHandler(tornado.web.RequestHandler):
    def initialize(self, world: World) -> None:
        self.world = world

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        self.set_header("Content-Type", "application/json")
        if token != self.world.token:
            self.set_status(401)
            self.finish({"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        try:
            params, files = parse_request(self.request)
            if method.lower() == "getupdates":
                fault = self.world._take_fault("getupdates")
                if fault is not None:
                    raise DropConnection if fault.kind == "drop" else ApiError(502, "Bad Gateway")
                result = await self.world.get_updates(params)
            else:
                result = await self.world.call(method, params, files)
        except DropConnection:
            # The client sees a connection closed without an answer.
            assert self.request.connection is not None
            self.request.connection.close()  # type: ignore[attr-defined]
            self._finished = True
            return
        except ApiError as error:
            self.set_status(error.code if error.code in (400, 401, 403, 404, 409, 429) else 502)
            self.finish(error.body())
            return
        except (KeyError, ValueError, TypeError) as error:
            self.set_status(400)
            self.finish({"ok": False, "error_code": 400, "description": f"Bad Request: {error}"})
            return
        self.finish(json.dumps({"ok": True, "result": result}))


class FileHandler(tornado.web.RequestHandler):
    def initialize(self, world: World) -> None:
        self.world = world

    def get(self, token: str, path: str) -> None:
        file_id = path.rsplit("/", 1)[-1]
        if token != self.world.token or file_id not in self.world.files:
            raise tornado.web.HTTPError(404)
        self.finish(self.world.files[file_id])


class ControlHandler(tornado.web.RequestHandler):
    """JSON control side for an out-of-process demo or benchmark."""

    def initialize(self, world: World) -> None:
        self.world = world

    def get(self, action: str) -> None:
        world = self.world
        if action == "messages":
            chat_id = int(self.get_argument("chat_id"))
            self.finish({"messages": [vars(m) | {"buttons": m.buttons} for m in world.sent_to(chat_id)]})
        elif action == "stats":
            self.finish({"sent": world.sent_count, "rate_limited": world.rate_limited, "paid_sent": world.paid_sent,
                         "early_retries": world.early_retries, "pending_updates": len(world.updates)})
        elif action == "counts":
            # Messages per chat, for a benchmark's lost/duplicate check across processes.
            self.finish({"counts": {str(chat): len(ms) for chat, ms in world.messages.items()}})
        else:
            raise tornado.web.HTTPError(404)

    def post(self, action: str) -> None:
        args = json.loads(self.request.body or b"{}")
        world = self.world
        actions = {
            "user": lambda: world.add_user(**args) and None,
            # Many chats in one request (benchmarks): {"users": [ids], "groups": [ids]}.
            "chats": lambda: world.add_chats(args.get("users", []), args.get("groups", [])),
            "group": lambda: world.add_group(
                args["chat_id"], args["title"], members={int(k): v for k, v in args.get("members", {}).items()},
                bot_status=args.get("bot_status", "administrator")) and None,
            "member": lambda: world.set_member(args["chat_id"], args["user_id"], args.get("status", "member")),
            "text": lambda: world.send_text(args["user_id"], args["text"], chat_id=args.get("chat_id")),
            "location": lambda: world.send_location(args["user_id"], args["latitude"], args["longitude"],
                                                    chat_id=args.get("chat_id")),
            "photo": lambda: world.send_photo(args["user_id"], chat_id=args.get("chat_id")),
            "press": lambda: world.press_button(args["user_id"], args["chat_id"], args["message_id"], args["data"]),
            "update": lambda: world.inject(args["update"]),
            "block": lambda: world.block(args["user_id"], args.get("blocked", True)),
            "kick": lambda: world.kick_bot(args["chat_id"]),
            "migrate": lambda: world.migrate(args["chat_id"], args.get("new_chat_id")),
            "fail": lambda: world.fail_next(args.get("count", 1), kind=args.get("kind", "5xx"),
                                            method=args.get("method"), retry_after=args.get("retry_after", 1),
                                            chat_id=args.get("chat_id")),
        }
        if action not in actions:
            raise tornado.web.HTTPError(404)
        self.finish({"ok": True, "result": actions[action]()})


class Emulator:
    """A local Telegram Bot API server on 127.0.0.1, for tests, the demo and benchmarks."""

    def __init__(self, token: str = "123456:EMULATOR", *, username: str = "buurtwacht_bot",
                 limits: FloodLimits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.world = World(token, username=username, limits=limits, clock=clock)
        self._server: tornado.httpserver.HTTPServer | None = None
        self.port = 0

    @property
    def token(self) -> str:
        return self.world.token

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def application(self) -> tornado.web.Application:
        kwargs = {"world": self.world}
        return tornado.web.Application([
            (r"/bot([^/]+)/([A-Za-z]+)", BotApiHandler, kwargs),
            (r"/file/bot([^/]+)/(.+)", FileHandler, kwargs),
            (r"/_control/([a-z]+)", ControlHandler, kwargs),
        ], log_function=lambda handler: None)  # 4xx answers are normal here, not noise for the log

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        sockets = tornado.netutil.bind_sockets(port, host, family=socket.AF_INET)
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(self.application())
        self._server.add_sockets(sockets)
        return self.base_url

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            # Wake long polls so their connections finish promptly.
            self.world._new_update.set()
            await asyncio.sleep(0)
            await self._server.close_all_connections()
            self._server = None

