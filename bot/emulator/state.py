"""The emulator's world: users, chats, messages, updates, flood limits and injected faults.

Pure Python and in-process: the HTTP layer (``server.py``) only translates requests into
calls on :class:`World`, and tests may call the control methods directly.
"""

from __future__ import annotations

import asyncio
import html.parser
import itertools
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BOT_ID = 7_000_000_001
SEND_METHODS = frozenset({
    "sendmessage", "sendphoto", "senddocument", "sendlocation", "editmessagetext",
    "editmessagereplymarkup", "editmessagecaption", "copymessage", "forwardmessage",
})


MAX_TEXT = 4096  # characters of a message text, counted after entity parsing
MAX_CAPTION = 1024


class _VisibleText(html.parser.HTMLParser):
    """What a reader sees of an HTML message: tags dropped, character references resolved."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_MARKDOWN_V2_MARKUP = re.compile(r"\\(.)|\[([^\]]*)\]\([^)]*\)|[*_~|`]", re.DOTALL)


def visible_length(text: str, parse_mode: Any) -> int:
    """The length Telegram checks its limits against: the text after parsing its entities,
    in UTF-16 code units (what Telegram's offsets count), without the markup."""
    mode = str(parse_mode or "").lower()
    if mode == "html":
        parser = _VisibleText()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    elif mode == "markdownv2":
        text = _MARKDOWN_V2_MARKUP.sub(lambda m: m.group(1) or m.group(2) or "", text)
    return len(text.encode("utf-16-le")) // 2


def _check_length(text: Any, parse_mode: Any, limit: int, what: str) -> None:
    if text is not None and visible_length(str(text), parse_mode) > limit:
        raise ApiError(400, f"Bad Request: {what} is too long")


class ApiError(Exception):
    """An answer with ``ok: false``, shaped like Telegram's."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class DropConnection(Exception):
    """Close the connection without an answer (a network failure as the client sees it)."""


@dataclass
class User:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "nl"
    blocked_bot: bool = False

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class Chat:
    id: int
    type: str  # private, group, supergroup
    title: str | None = None
    first_name: str | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id → status
    bot_status: str = "member"  # the bot's own membership: member, administrator, left, kicked
    migrated_to: int | None = None
    pinned: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        if self.first_name:
            data["first_name"] = self.first_name
        return data


@dataclass
class SentMessage:
    """A message the bot sent, as the chat sees it now."""

    chat_id: int
    message_id: int
    method: str
    text: str | None = None
    caption: str | None = None
    photo: str | None = None
    document: str | None = None
    location: dict[str, float] | None = None
    reply_markup: dict[str, Any] | None = None
    parse_mode: str | None = None
    edits: int = 0
    pinned: bool = False
    date: int = 0

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of every inline button, in reading order."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b.get("text", ""), b.get("callback_data", "")) for row in rows for b in row]

    def as_message(self, chat: Chat) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id, "date": self.date, "chat": chat.as_dict(),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Buurtwacht", "username": "buurtwacht_bot"},
        }
        if self.text is not None:
            data["text"] = self.text
        if self.caption is not None:
            data["caption"] = self.caption
        if self.photo is not None:
            data["photo"] = [{"file_id": self.photo, "file_unique_id": "u" + self.photo[-12:],
                              "width": 800, "height": 600}]
        if self.document is not None:
            data["document"] = {"file_id": self.document, "file_unique_id": "d" + self.document[-12:]}
        if self.location is not None:
            data["location"] = self.location
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        if self.edits:
            data["edit_date"] = self.date
        return data


@dataclass
class FloodLimits:
    """Telegram's documented limits; ``time_scale`` > 1 makes them proportionally faster."""

    enabled: bool = True
    per_second: float = 30.0
    # Paid broadcast (allow_paid_broadcast): up to 1 000 messages/s, outside the 30/s, for
    # 0.1 Telegram Stars per message; the per-chat limits still hold.
    paid_per_second: float = 1000.0
    private_per_second: float = 1.0
    private_burst: int = 5  # Telegram tolerates short bursts in one chat (1/s on average)
    group_per_minute: float = 20.0
    time_scale: float = 1.0


@dataclass
class CallRecord:
    """One Bot API request as the emulator saw it: when (the world's clock), what, the answer."""

    at: float
    method: str
    chat_id: int | None
    status: int = 200  # the HTTP status answered (429, 403, 400, 502, ...); "drop" is 0
    retry_after: int | None = None  # on a 429: what the answer asked for (emulated seconds)
    early: bool = False  # a 429 because the client came back before retry_after had passed


@dataclass
class Fault:
    kind: str  # "5xx", "drop", "429"
    method: str | None
    remaining: int
    retry_after: int = 1
    chat_id: int | None = None


class World:
    """Everything the emulated Bot API server knows."""

    def __init__(self, token: str, *, username: str = "buurtwacht_bot", limits: FloodLimits | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.token = token
        self.username = username
        self.limits = limits or FloodLimits()
        self.clock = clock
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[int, list[SentMessage]] = {}
        self.message_ids: dict[int, itertools.count[int]] = {}
        self.updates: deque[dict[str, Any]] = deque()
        self.update_ids = itertools.count(1)
        self.callback_ids = itertools.count(1)
        self.file_ids = itertools.count(1)
        self.files: dict[str, bytes] = {}
        self.answered_callbacks: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.call_log: list[CallRecord] = []  # every request except getUpdates, with its time
        self.early_retries = 0  # requests that came back before their 429's retry_after
        self._retry_holds: dict[int | None, float] = {}  # chat → clock time its retry_after ends
        self._active_poll: asyncio.Event | None = None  # set to end the long poll waiting now
        self.conflicts = 0  # getUpdates answered 409 Conflict
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] = {"url": ""}
        self.faults: list[Fault] = []
        self.rate_limited = 0  # 429 answers given
        self.sent_count = 0
        self._changed = asyncio.Condition()
        self._new_update = asyncio.Event()
        self._global_sends: deque[float] = deque()
        self._paid_sends: deque[float] = deque()
        self.paid_sent = 0  # messages sent with allow_paid_broadcast (0.1 Star each)
        self._chat_sends: dict[int, deque[float]] = {}
        self.on_message: list[Callable[[SentMessage], None]] = []
        self.on_edit: list[Callable[[SentMessage], None]] = []
        # Called with (method, params) as each request arrives, before it is answered (fault tests).
        self.on_call: list[Callable[[str, dict[str, Any]], None]] = []

    # ------------------------------------------------------------------ world building

    def add_user(self, user_id: int, first_name: str, *, username: str | None = None,
                 language_code: str | None = "nl") -> User:
        user = User(user_id, first_name, username, language_code)
        self.users[user_id] = user
        self.chats.setdefault(user_id, Chat(user_id, "private", first_name=first_name))
        return user

    def add_chats(self, user_ids: list[int], group_ids: list[int]) -> None:
        """Many residents and groups at once (benchmarks)."""
        for user_id in user_ids:
            self.add_user(int(user_id), "R")
        for chat_id in group_ids:
            self.add_group(int(chat_id), "G")

    def add_group(self, chat_id: int, title: str, *, supergroup: bool = True,
                  members: dict[int, str] | None = None, bot_status: str = "administrator") -> Chat:
        chat = Chat(chat_id, "supergroup" if supergroup else "group", title=title,
                    members=dict(members or {}), bot_status=bot_status)
        self.chats[chat_id] = chat
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str = "member") -> None:
        self.chats[chat_id].members[user_id] = status

    def _user(self, user_id: int) -> User:
        if user_id not in self.users:
            self.add_user(user_id, f"User{user_id}")
        return self.users[user_id]

    # ------------------------------------------------------------------ injecting updates

    def _push(self, update: dict[str, Any]) -> int:
        update_id = next(self.update_ids)
        update["update_id"] = update_id
        self.updates.append(update)
        self._new_update.set()
        return update_id

    def _incoming(self, user_id: int, chat_id: int | None, extra: dict[str, Any]) -> dict[str, Any]:
        user = self._user(user_id)
        chat = self.chats[chat_id if chat_id is not None else user_id]
        ids = self.message_ids.setdefault(chat.id, itertools.count(1))
        return {"message_id": next(ids), "date": int(time.time()), "chat": chat.as_dict(),
                "from": user.as_dict(), **extra}

    def send_text(self, user_id: int, text: str, *, chat_id: int | None = None) -> int:
        """A user's text message (a /command gets its bot_command entity)."""
        extra: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._push({"message": self._incoming(user_id, chat_id, extra)})

    def send_location(self, user_id: int, latitude: float, longitude: float, *, chat_id: int | None = None) -> int:
        return self._push({"message": self._incoming(
            user_id, chat_id, {"location": {"latitude": latitude, "longitude": longitude}})})

    def send_photo(self, user_id: int, *, chat_id: int | None = None, caption: str | None = None) -> int:
        file_id = f"EMU-PHOTO-{next(self.file_ids)}"
        self.files[file_id] = b"\x89PNG\r\n\x1a\n"
        extra: dict[str, Any] = {"photo": [{"file_id": file_id, "file_unique_id": file_id[-8:],
                                            "width": 1280, "height": 960}]}
        if caption:
            extra["caption"] = caption
        return self._push({"message": self._incoming(user_id, chat_id, extra)})

    def send_forwarded(self, user_id: int, text: str, *, first_sent: int, from_name: str = "Buurvrouw",
                       chat_id: int | None = None) -> int:
        """A message the user forwards (``forward_origin`` of a hidden user, first sent at ``first_sent``)."""
        origin = {"type": "hidden_user", "date": first_sent, "sender_user_name": from_name}
        return self._push({"message": self._incoming(user_id, chat_id, {"text": text, "forward_origin": origin})})

    def send_web_app_data(self, user_id: int, data: str, *, button_text: str = "Kies op de kaart") -> int:
        """What a Mini App opened from a reply-keyboard button sends back with ``sendData``."""
        return self._push({"message": self._incoming(user_id, None, {
            "web_app_data": {"data": data, "button_text": button_text}})})

    def send_sticker(self, user_id: int, *, chat_id: int | None = None) -> int:
        return self._push({"message": self._incoming(user_id, chat_id, {"sticker": {
            "file_id": "EMU-STICKER", "file_unique_id": "stk", "width": 512, "height": 512,
            "is_animated": False, "is_video": False, "type": "regular"}})})

    def press_button(self, user_id: int, chat_id: int, message_id: int, data: str) -> str:
        """A button press on a message the bot sent; returns the callback query id."""
        chat = self.chats[chat_id]
        message = self.find_message(chat_id, message_id)
        query_id = str(next(self.callback_ids))
        self._push({"callback_query": {
            "id": query_id, "from": self._user(user_id).as_dict(), "chat_instance": str(chat_id),
            "data": data, "message": message.as_message(chat),
        }})
        return query_id

    def press(self, user_id: int, chat_id: int, label_or_data: str) -> str:
        """Press the newest button in a chat whose label contains, or whose data equals, the text."""
        for message in reversed(self.messages.get(chat_id, [])):
            for label, data in message.buttons:
                if data == label_or_data or label_or_data.lower() in label.lower():
                    return self.press_button(user_id, chat_id, message.message_id, data)
        raise KeyError(f"no button {label_or_data!r} in chat {chat_id}")

    def inject(self, update: dict[str, Any]) -> int:
        """Any raw update dict (update_id is assigned)."""
        return self._push(dict(update))

    def bot_membership(self, chat_id: int, status: str, *, by_user: int) -> int:
        """The bot was added to or removed from a group (``my_chat_member`` like Telegram)."""
        chat = self.chats[chat_id]
        old = self._member(chat, BOT_ID)
        chat.bot_status = status
        return self._push({"my_chat_member": {
            "chat": chat.as_dict(), "from": self._user(by_user).as_dict(), "date": int(time.time()),
            "old_chat_member": old, "new_chat_member": self._member(chat, BOT_ID),
        }})

    # ------------------------------------------------------------------ faults

    def block(self, user_id: int, blocked: bool = True) -> None:
        self._user(user_id).blocked_bot = blocked

    def kick_bot(self, chat_id: int) -> None:
        self.chats[chat_id].bot_status = "kicked"

    def migrate(self, chat_id: int, new_chat_id: int | None = None) -> int:
        """The group becomes a supergroup: sends to the old id answer 400 with migrate_to_chat_id."""
        old = self.chats[chat_id]
        new_id = new_chat_id if new_chat_id is not None else int(f"-100{abs(chat_id)}")
        new = Chat(new_id, "supergroup", title=old.title, members=dict(old.members), bot_status=old.bot_status)
        old.migrated_to = new_id
        self.chats[new_id] = new
        self.messages[new_id] = self.messages.get(chat_id, [])
        self.message_ids[new_id] = self.message_ids.setdefault(chat_id, itertools.count(1))
        someone = next(iter(old.members), None)
        sender = self._user(someone).as_dict() if someone else {"id": 1, "is_bot": False, "first_name": "x"}
        self._push({"message": {"message_id": 0, "date": int(time.time()), "chat": old.as_dict(),
                                "from": sender, "migrate_to_chat_id": new_id}})
        self._push({"message": {"message_id": 1, "date": int(time.time()), "chat": new.as_dict(),
                                "from": sender, "migrate_from_chat_id": chat_id}})
        return new_id

    def fail_next(self, count: int = 1, *, kind: str = "5xx", method: str | None = None,
                  retry_after: int = 1, chat_id: int | None = None) -> None:
        """The next ``count`` requests (of ``method`` / to ``chat_id``, or any) fail: 5xx, drop, 429."""
        self.faults.append(Fault(kind, method.lower() if method else None, count, retry_after, chat_id))

    def _take_fault(self, method: str, chat_id: Any = None) -> Fault | None:
        for fault in self.faults:
            if fault.chat_id is not None and str(fault.chat_id) != str(chat_id):
                continue
            if fault.remaining > 0 and (fault.method is None or fault.method == method):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.faults.remove(fault)
                return fault
        return None

    # ------------------------------------------------------------------ reading

    def find_message(self, chat_id: int, message_id: int) -> SentMessage:
        for message in self.messages.get(chat_id, []):
            if message.message_id == message_id:
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return list(self.messages.get(chat_id, []))

    def texts(self, chat_id: int) -> list[str]:
        return [m.text or m.caption or "" for m in self.messages.get(chat_id, [])]

    async def wait_for(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until ``predicate()`` holds; re-checked whenever the bot sends or edits."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), within)

    async def wait_for_messages(self, chat_id: int, count: int, within: float = 10.0) -> list[SentMessage]:
        await self.wait_for(lambda: len(self.messages.get(chat_id, [])) >= count, within)
        return self.sent_to(chat_id)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ flood limits

    def _flood_retry_after(self, chat_id: int, *, paid: bool = False) -> int | None:
        """None when this send fits Telegram's limits (and is counted), else the retry_after.
        A paid broadcast counts against the paid rate instead of the 30/s."""
        limits = self.limits
        if not limits.enabled:
            return None
        now = self.clock()
        scale = limits.time_scale
        window = 1.0 / scale
        sends = self._paid_sends if paid else self._global_sends
        while sends and now - sends[0] >= window:
            sends.popleft()
        waits = []
        if len(sends) >= (limits.paid_per_second if paid else limits.per_second):
            waits.append(sends[0] + window - now)
        chat_sends = self._chat_sends.setdefault(chat_id, deque())
        if chat_id > 0:
            chat_window = limits.private_burst / limits.private_per_second / scale
            while chat_sends and now - chat_sends[0] >= chat_window:
                chat_sends.popleft()
            if len(chat_sends) >= limits.private_burst:
                waits.append(chat_sends[0] + chat_window - now)
        else:
            chat_window = 60.0 / scale
            while chat_sends and now - chat_sends[0] >= chat_window:
                chat_sends.popleft()
            if len(chat_sends) >= limits.group_per_minute:
                waits.append(chat_sends[0] + chat_window - now)
        if waits:
            # retry_after is in emulated seconds, an integer like Telegram's; a client running
            # at time_scale divides it by time_scale.
            return max(1, math.ceil(max(waits) * scale))
        sends.append(now)
        chat_sends.append(now)
        return None

    # ------------------------------------------------------------------ the Bot API

    def _chat_key(self, params: dict[str, Any]) -> int | None:
        try:
            return int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            return None

    def _too_many(self, record: CallRecord, retry_after: int, *, early: bool = False) -> ApiError:
        """A 429 like Telegram's; until retry_after has passed, this chat's next request is
        refused again (and counted in ``early_retries``) when the flood limits are on."""
        self.rate_limited += 1
        record.status, record.retry_after, record.early = 429, retry_after, early
        if self.limits.enabled and not early:  # an early retry keeps the hold it ran into
            until = record.at + retry_after / self.limits.time_scale
            self._retry_holds[record.chat_id] = max(until, self._retry_holds.get(record.chat_id, until))
        return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})

    def _check_retry_hold(self, record: CallRecord) -> None:
        until = self._retry_holds.get(record.chat_id)
        if until is None:
            return
        # A millisecond of slack for clock granularity; a real early retry is far earlier.
        if record.at < until - 0.001:
            self.early_retries += 1
            remaining = max(1, math.ceil((until - record.at) * self.limits.time_scale - 1e-9))
            raise self._too_many(record, remaining, early=True)
        del self._retry_holds[record.chat_id]

    async def call(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        record = CallRecord(self.clock(), method, self._chat_key(params))
        self.call_log.append(record)
        try:
            return await self._call(method, params, files, record)
        except ApiError as error:
            if record.status == 200:
                record.status = error.code
            raise
        except DropConnection:
            record.status = 0
            raise

    async def _call(self, method: str, params: dict[str, Any], files: dict[str, bytes], record: CallRecord) -> Any:
        name = method.lower()
        self.calls.append((method, params))
        for listener in list(self.on_call):
            listener(method, params)
        self._check_retry_hold(record)
        fault = self._take_fault(name, params.get("chat_id"))
        if fault is not None:
            if fault.kind == "drop":
                raise DropConnection
            if fault.kind == "429":
                raise self._too_many(record, fault.retry_after)
            raise ApiError(502, "Bad Gateway")
        handler = getattr(self, f"api_{name}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        if name in SEND_METHODS:
            chat = self._target_chat(params)
            paid = params.get("allow_paid_broadcast") in (True, "true", "True", 1, "1")
            if (retry_after := self._flood_retry_after(chat.id, paid=paid)) is not None:
                raise self._too_many(record, retry_after)
            if paid:
                self.paid_sent += 1
        result = handler(params, files)
        if name in SEND_METHODS or name in ("pinchatmessage", "deletemessage"):
            await self._notify()
        return result

    def _target_chat(self, params: dict[str, Any]) -> Chat:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat_id is empty") from None
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.migrated_to is not None:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": chat.migrated_to})
        if chat.type == "private" and self.users.get(chat_id) and self.users[chat_id].blocked_bot:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.type != "private" and chat.bot_status in ("kicked", "left"):
            raise ApiError(403, "Forbidden: bot was kicked from the group chat"
                           if chat.bot_status == "kicked" else "Forbidden: bot is not a member of the group chat")
        return chat

    def _store(self, chat: Chat, message: SentMessage) -> dict[str, Any]:
        ids = self.message_ids.setdefault(chat.id, itertools.count(1))
        message.message_id = next(ids)
        message.date = int(time.time())
        self.messages.setdefault(chat.id, []).append(message)
        self.sent_count += 1
        for listener in self.on_message:
            listener(message)
        return message.as_message(chat)

    def api_getme(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Buurtwacht", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}

    def api_getupdates(self, params: dict[str, Any], files: dict[str, bytes]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        while self.updates and offset and self.updates[0]["update_id"] < offset:
            self.updates.popleft()
        limit = int(params.get("limit") or 100)
        return list(itertools.islice(self.updates, 0, limit))

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long polling: wait up to ``timeout`` seconds for an update.

        Like Telegram, one getUpdates at a time per token: a new request ends the one that is
        waiting with 409 Conflict ("terminated by other getUpdates request"), so two bot
        processes on one token keep knocking each other out.
        """
        if self._active_poll is not None:
            self._active_poll.set()
        terminated = asyncio.Event()
        self._active_poll = terminated
        try:
            result = self.api_getupdates(params, {})
            timeout = float(params.get("timeout") or 0)
            if result or timeout <= 0:
                return result
            self._new_update.clear()
            await self._notify()  # tests may wait for "a long poll is waiting"
            woken = asyncio.ensure_future(self._new_update.wait())
            ended = asyncio.ensure_future(terminated.wait())
            try:
                await asyncio.wait({woken, ended}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                woken.cancel()
                ended.cancel()
            if terminated.is_set():
                self.conflicts += 1
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure that only one "
                                    "bot instance is running")
            return self.api_getupdates(params, {}) if self._new_update.is_set() else []
        finally:
            if self._active_poll is terminated:
                self._active_poll = None

    @property
    def polling(self) -> bool:
        """A long poll is waiting right now."""
        return self._active_poll is not None

    def api_deletewebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        self.webhook = {"url": ""}
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            self.updates.clear()
        return True

    def api_setwebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        self.webhook = {"url": params.get("url", ""), "secret_token": params.get("secret_token")}
        return True

    def api_getwebhookinfo(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self.updates)}

    def api_setmycommands(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        self.commands[str(params.get("language_code") or "")] = params.get("commands") or []
        return True

    def api_getmycommands(self, params: dict[str, Any], files: dict[str, bytes]) -> list[dict[str, Any]]:
        return self.commands.get(str(params.get("language_code") or ""), [])

    def api_deletemycommands(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        self.commands.pop(str(params.get("language_code") or ""), None)
        return True

    def api_sendmessage(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._target_chat(params)
        text = params.get("text")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        _check_length(text, params.get("parse_mode"), MAX_TEXT, "message")
        return self._store(chat, SentMessage(chat.id, 0, "sendMessage", text=str(text),
                                             reply_markup=params.get("reply_markup"),
                                             parse_mode=params.get("parse_mode")))

    def _file(self, params: dict[str, Any], files: dict[str, bytes], field_name: str) -> str:
        value = params.get(field_name)
        if field_name in files or (isinstance(value, str) and value.startswith("attach://")):
            file_id = f"EMU-FILE-{next(self.file_ids)}"
            key = value[len("attach://"):] if isinstance(value, str) and value.startswith("attach://") else field_name
            self.files[file_id] = files.get(key, b"")
            return file_id
        if not value:
            raise ApiError(400, f"Bad Request: there is no {field_name} in the request")
        return str(value)

    def api_sendphoto(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._target_chat(params)
        _check_length(params.get("caption"), params.get("parse_mode"), MAX_CAPTION, "message caption")
        photo = self._file(params, files, "photo")
        return self._store(chat, SentMessage(chat.id, 0, "sendPhoto", photo=photo, caption=params.get("caption"),
                                             reply_markup=params.get("reply_markup")))

    def api_senddocument(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._target_chat(params)
        document = self._file(params, files, "document")
        return self._store(chat, SentMessage(chat.id, 0, "sendDocument", document=document,
                                             caption=params.get("caption")))

    def api_sendlocation(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._target_chat(params)
        location = {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}
        return self._store(chat, SentMessage(chat.id, 0, "sendLocation", location=location))

    def _edit_target(self, params: dict[str, Any]) -> tuple[Chat, SentMessage]:
        chat = self._target_chat(params)
        try:
            message_id = int(params["message_id"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: message identifier is not specified") from None
        return chat, self.find_message(chat.id, message_id)

    def api_editmessagetext(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat, message = self._edit_target(params)
        text = params.get("text")
        _check_length(text, params.get("parse_mode"), MAX_TEXT, "message")
        markup = params.get("reply_markup")
        if message.text == text and message.reply_markup == markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply "
                                "markup are exactly the same as a current content and reply markup of the message")
        message.text, message.reply_markup, message.parse_mode = text, markup, params.get("parse_mode")
        return self._edited(chat, message)

    def api_editmessagecaption(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat, message = self._edit_target(params)
        _check_length(params.get("caption"), params.get("parse_mode"), MAX_CAPTION, "message caption")
        message.caption = params.get("caption")
        message.reply_markup = params.get("reply_markup")
        return self._edited(chat, message)

    def api_editmessagereplymarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat, message = self._edit_target(params)
        markup = params.get("reply_markup")
        if message.reply_markup == markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply "
                                "markup are exactly the same as a current content and reply markup of the message")
        message.reply_markup = markup
        return self._edited(chat, message)

    def _edited(self, chat: Chat, message: SentMessage) -> dict[str, Any]:
        message.edits += 1
        for listener in self.on_edit:
            listener(message)
        return message.as_message(chat)

    def api_deletemessage(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        chat, message = self._edit_target(params)
        self.messages[chat.id].remove(message)
        return True

    def api_answercallbackquery(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        self.answered_callbacks[str(params.get("callback_query_id"))] = params
        return True

    def api_pinchatmessage(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        chat, message = self._edit_target(params)
        if chat.type != "private" and chat.bot_status != "administrator":
            raise ApiError(400, "Bad Request: not enough rights to manage pinned messages in the chat")
        message.pinned = True
        chat.pinned = message.message_id
        return True

    def api_unpinchatmessage(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        chat = self._target_chat(params)
        for message in self.messages.get(chat.id, []):
            message.pinned = False
        chat.pinned = None
        return True

    def api_getchat(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._target_chat(params)
        return {**chat.as_dict(), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False}}

    def _member(self, chat: Chat, user_id: int) -> dict[str, Any]:
        if user_id == BOT_ID:
            status = chat.bot_status
            user: dict[str, Any] = self.api_getme({}, {})
        else:
            status = chat.members.get(user_id, "left") if chat.type != "private" else "member"
            user = self._user(user_id).as_dict()
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator":
            member.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True,
                          can_delete_messages=True, can_manage_video_chats=True, can_restrict_members=True,
                          can_promote_members=False, can_change_info=True, can_invite_users=True,
                          can_post_stories=False, can_edit_stories=False, can_delete_stories=False,
                          can_pin_messages=True)
        elif status == "creator":
            member.update(is_anonymous=False)
        elif status == "kicked":
            member.update(until_date=0)
        elif status == "restricted":
            member["status"] = "member"
        return member

    def api_getchatmember(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._target_chat(params)
        return self._member(chat, int(params["user_id"]))

    def api_getchatadministrators(self, params: dict[str, Any], files: dict[str, bytes]) -> list[dict[str, Any]]:
        chat = self._target_chat(params)
        admins = [uid for uid, status in chat.members.items() if status in ("creator", "administrator")]
        return [self._member(chat, uid) for uid in admins]

    def api_getchatmembercount(self, params: dict[str, Any], files: dict[str, bytes]) -> int:
        chat = self._target_chat(params)
        return len([s for s in chat.members.values() if s not in ("left", "kicked")]) + 1

    def api_leavechat(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        chat = self._target_chat(params)
        chat.bot_status = "left"
        return True

    def api_getfile(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": file_id[-8:], "file_size": len(self.files[file_id]),
                "file_path": f"files/{file_id}"}
