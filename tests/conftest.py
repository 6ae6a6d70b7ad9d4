"""Shared fixtures: a bot whose network layer is faked, and helpers to build updates."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.app.application import build_application
from bot.config.schema import Config, PdokConfig, load_config
from bot.delivery.sender import Limits
from bot.runtime.services import Services, create_services
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = ROOT / "config.example.toml"
SHARED_DATA = ROOT.parent / "shared" / "data"
BOT_ID = 999000
BOT_USERNAME = "buurtwacht_test_bot"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@dataclass
class RecordingRequest(BaseRequest):
    """Answers every Bot API call with canned JSON and records it (PTB's own test approach)."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    message_ids: Any = field(default_factory=lambda: itertools.count(1000))
    failures: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # chat → error
    member_status: dict[tuple[int, int], str] = field(default_factory=dict)  # (chat, user) → status
    # Bot API method → (HTTP status, body) answered instead, e.g. an edit answered with `true`.
    method_answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.json_parameters if request_data else {}
        decoded = {k: _maybe_json(v) for k, v in params.items()}
        self.calls.append((endpoint, decoded))
        self._changed().set()
        chat_id = decoded.get("chat_id")
        if chat_id is not None and int(chat_id) in self.failures:
            code, body = self.failures[int(chat_id)]
            return code, json.dumps(body).encode()
        if endpoint in self.method_answers:
            code, body = self.method_answers[endpoint]
            return code, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self._result(endpoint, decoded)}).encode()

    def _result(self, endpoint: str, params: dict[str, Any]) -> Any:
        if endpoint == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Buurtwacht", "username": BOT_USERNAME,
                    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
        if endpoint in ("sendMessage", "sendPhoto", "sendLocation", "sendDocument", "editMessageText",
                        "editMessageReplyMarkup"):
            chat_id = int(params.get("chat_id", 0))
            message_id = int(params["message_id"]) if "message_id" in params else next(self.message_ids)
            return {
                "message_id": message_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup", "title": "g"},
                "text": params.get("text", ""),
            }
        if endpoint == "getChatMember":
            user_id = int(params["user_id"])
            status = self.member_status.get((int(params["chat_id"]), user_id), "member")
            member: dict[str, Any] = {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": "x"}}
            if status == "administrator":
                member.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True, can_delete_messages=True,
                              can_manage_video_chats=True, can_restrict_members=True, can_promote_members=False,
                              can_change_info=True, can_invite_users=True, can_post_stories=False,
                              can_edit_stories=False, can_delete_stories=False)
            if status == "creator":
                member.update(is_anonymous=False)
            return member
        return True

    def _changed(self) -> asyncio.Event:
        if not hasattr(self, "_event"):
            self._event = asyncio.Event()
        return self._event

    async def wait_for(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until ``predicate()`` holds, re-checked after every recorded call (no sleeping)."""
        async def check() -> None:
            while not predicate():
                event = self._changed()
                event.clear()
                await event.wait()
        await asyncio.wait_for(check(), within)

    # --- what tests look at
    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[dict[str, Any]]:
        return [
            params for endpoint, params in self.calls
            if (method is None or endpoint == method)
            and (chat_id is None or int(params.get("chat_id", 0)) == chat_id)
            and endpoint not in ("getMe", "setMyCommands", "answerCallbackQuery")
        ]

    def texts(self, chat_id: int) -> list[str]:
        return [p.get("text") or p.get("caption") or "" for p in self.sent(chat_id)]

    def last_text(self, chat_id: int) -> str:
        texts = self.texts(chat_id)
        return texts[-1] if texts else ""

    def clear(self) -> None:
        self.calls.clear()


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class UpdateFactory:
    """Builds Telegram updates as JSON, the way Telegram would send them."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self.ids = itertools.count(1)
        self.message_ids = itertools.count(1)

    def _user(self, user_id: int, language: str = "nl") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"Bewoner{user_id}", "username": f"user{user_id}",
                "language_code": language}

    def my_chat_member(self, chat_id: int, by_user: int, old: str, new: str) -> Update:
        bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "Buurtwacht", "username": BOT_USERNAME}

        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": bot_user}
            if status == "kicked":
                data["until_date"] = 0
            if status == "administrator":
                data.update({k: False for k in (
                    "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                    "can_manage_video_chats", "can_restrict_members", "can_promote_members", "can_change_info",
                    "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories")})
            return data

        return Update.de_json({"update_id": next(self.ids), "my_chat_member": {
            "chat": self._chat(chat_id, by_user), "from": self._user(by_user), "date": 1_700_000_000,
            "old_chat_member": member(old), "new_chat_member": member(new)}}, self.bot)

    def _chat(self, chat_id: int, user_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"Bewoner{user_id}"}
        return {"id": chat_id, "type": "supergroup", "title": "Buurtgroep"}

    def message(self, user_id: int, text: str | None = None, *, chat_id: int | None = None,
                language: str = "nl", **extra: Any) -> Update:
        chat_id = user_id if chat_id is None else chat_id
        data: dict[str, Any] = {
            "message_id": next(self.message_ids),
            "date": 1_700_000_000,
            "chat": self._chat(chat_id, user_id),
            "from": self._user(user_id, language),
        }
        if text is not None:
            data["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        data.update(extra)
        return Update.de_json({"update_id": next(self.ids), "message": data}, self.bot)

    def location(self, user_id: int, lat: float, lon: float) -> Update:
        return self.message(user_id, location={"latitude": lat, "longitude": lon})

    def photo(self, user_id: int, file_id: str = "PHOTO-FILE-ID") -> Update:
        sizes = [{"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 90},
                 {"file_id": file_id, "file_unique_id": "b", "width": 800, "height": 600}]
        return self.message(user_id, photo=sizes)

    def sticker(self, user_id: int) -> Update:
        return self.message(user_id, sticker={"file_id": "STK", "file_unique_id": "stk", "width": 512,
                                              "height": 512, "is_animated": False, "is_video": False,
                                              "type": "regular"})

    def callback(self, user_id: int, data: str, *, chat_id: int | None = None, message_id: int = 1) -> Update:
        chat_id = user_id if chat_id is None else chat_id
        return Update.de_json({
            "update_id": next(self.ids),
            "callback_query": {
                "id": str(next(self.ids)),
                "from": self._user(user_id),
                "chat_instance": "ci",
                "data": data,
                "message": {"message_id": message_id, "date": 1_700_000_000, "chat": self._chat(chat_id, user_id),
                            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Buurtwacht"}, "text": "…"},
            },
        }, self.bot)


@dataclass
class BotHarness:
    app: Application[Any, Any, Any, Any, Any, Any]
    services: Services
    request: RecordingRequest
    updates: UpdateFactory
    clock: FakeClock

    async def send(self, update: Update) -> None:
        await self.app.process_update(update)

    async def deliver(self) -> None:
        """Let the outbox sender send everything that is due."""
        assert self.services.sender is not None
        await self.services.sender.drain()


def test_config(tmp_path: Path, **overrides: Any) -> Config:
    config = load_config(EXAMPLE_CONFIG, env={})
    fields = {f: getattr(config, f) for f in config.__dataclass_fields__}
    fields["database"] = tmp_path / "test.db"
    # Tests never reach the internet: PDOK is off unless a test brings a MockTransport.
    fields["pdok"] = PdokConfig(enabled=False)
    fields.update(overrides)
    return Config(**fields)


test_config.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return test_config(tmp_path)


@pytest.fixture
async def harness(config: Config, clock: FakeClock) -> AsyncIterator[BotHarness]:
    async with make_harness(config, clock) as h:
        yield h


class make_harness:
    def __init__(self, config: Config, clock: Callable[[], dt.datetime], db: Database | None = None,
                 http: Any = None) -> None:
        self.config = config
        self.clock = clock
        self.db = db
        self.http = http

    async def __aenter__(self) -> BotHarness:
        services = await create_services(self.config, db=self.db, clock=self.clock, http=self.http)
        request = RecordingRequest()
        app = build_application(
            self.config, "123:TEST", services=services, request=request, get_updates_request=RecordingRequest(),
            sender_limits=Limits(time_scale=1_000_000), start_sender=False,
        )
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)  # run_polling would call it; tests drive the app directly
        self.app = app
        return BotHarness(app, services, request, UpdateFactory(app.bot), self.clock)  # type: ignore[arg-type]

    async def __aexit__(self, *exc: object) -> None:
        await self.app.shutdown()
        if self.app.post_shutdown is not None:
            await self.app.post_shutdown(self.app)
