"""Arbitrary updates thrown at the application: no unhandled exception, no partial write.

Every registered command gets arbitrary arguments and every callback prefix arbitrary data, in
private chats, the linked team group, a group the bot does not know, a basic group and a
channel; messages also arrive edited, as channel posts and as group status updates.
``test_the_fuzz_covers_every_registered_command`` fails when a new command or button is not
added here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import tempfile
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
)

from bot.core.domain import Role
from storage import users
from tests.conftest import BOT_ID, BOT_USERNAME, BotHarness, FakeClock, make_harness, test_config

ADMIN = 700001
USERS = st.sampled_from([100001, 100002, 200010, 300010, 400001, 500001, ADMIN])
LINKED_GROUP = -1001000000010
# None: the user's private chat.
CHATS = st.sampled_from([None, None, LINKED_GROUP, -1001000000021, -100999, -4001])
BASIC_GROUP = -4001  # a basic group (not a supergroup): Telegram's type "group"
CHANNEL = -1009000000001

COMMANDS = [
    "start", "help", "hulp", "taal", "language", "melding", "report", "annuleer", "cancel",
    "mijngegevens", "mydata", "vergeetmij", "forgetme", "demp", "mute",
    "alarm", "gebiedsalarm", "areaalert", "team", "koppel", "link", "ontkoppel", "unlink",
    "uitnodigen", "invite", "uitnodigingen", "invites", "intrekken", "revoke",
    "abonneer", "subscribe", "opzeggen", "unsubscribe", "reacties", "responses",
    "tips", "tip", "overzicht", "overview", "ronde", "round", "rondes", "rounds",
    "afsluiten", "close", "doorsturen", "relay", "flyer", "meldingen", "reports", "kaart", "map",
]
CALLBACK_PREFIXES = [
    "rep:", "rep:cat:", "rep:112:", "rep:when:", "rep:edit:", "ack:", "watch:", "lang:", "forget:", "bc:",
    "ovz:", "pr:", "sv:", "tips:", "tips:theme:", "sub:addr:", "dk:", "dk:l:", "dk:o:", "dk:t:",
    "volg:", "volg:ja:", "volg:taal:", "volg:nee",
]

NUMBERS = ["0", "1", "2", "3", "-1", "12", "99999999999999999999999", "9223372036854775808", "4503599627370496",
           "²", "١٢", "１２", "1e9", "000000000000000000001", "NaN", "inf", "-inf", "1e308", "51.47", "5.66"]
WORDS = ["100002", "200010", "500001", "-1001000000010", "-100999", "M-2026-00001", "M-2026-99999",
         "team:1", "teams:1", "WK079410", "BU07941000", "GM0794", "5701", "AB", "5701AB", "5701 AB 12", "12a",
         "ja", "nee", "vrijdag", "dag", "tijd", "19:30", "25:99", "stil", "22:00-08:00", "nieuw", "babbeltruc",
         "wijkagent", "coordinator", "admin", "inbraak", "other", "missing_person", "radius:51.47,5.66,500",
         "opgelost", "vals", "volg_BU07941000", "volg_team1", "volg_BU99999999", "team1", "<b>x</b>", "&amp;", "\u202e", "\u200b", "@user100002", "@", "*_`[", "\x00"]
BUTTON_WORDS = ["take", "done", "none", "resolved", "false", "look", "seen", "yes", "no", "call", "now", "earlier",
                "send", "cancel", "confirm", "end", "d", "en", "nl", "xx", "pause", "resume", "nuisance",
                "suspicious_person", "burglary_in_progress", "description", "location", "week", "month", "year"]
TOKENS = st.one_of(st.sampled_from(NUMBERS), st.sampled_from(WORDS), st.text(max_size=24))
ARGS = st.lists(TOKENS, max_size=5).map(" ".join)
TEXTS = st.one_of(
    st.sampled_from(["5701 AB 12", "5701AB", "1011 AB 1", "21:30", "gisteren 22:15", "99:99",
                     "Man in grijze jas en zwarte pet probeert deurklinken, liep richting station",
                     "", " ", "<b>x</b>&", "\u202e\u200b", "ja", "0"]),
    ARGS,
    st.text(max_size=300),
    st.text(min_size=1001, max_size=1200),
)


@st.composite
def commands(draw: Any) -> str:
    command = "/" + draw(st.sampled_from(COMMANDS))
    command += draw(st.sampled_from(["", "", "", f"@{BOT_USERNAME}", "@another_bot"]))
    args = draw(ARGS)
    return f"{command} {args}" if args else command


@st.composite
def callback_data(draw: Any) -> str:
    if draw(st.integers(0, 9)) == 0:
        data = draw(st.text(max_size=64))
    else:
        segments = draw(st.lists(st.one_of(st.sampled_from(NUMBERS + BUTTON_WORDS), st.text(max_size=8)),
                                 max_size=4))
        data = draw(st.sampled_from(CALLBACK_PREFIXES)) + ":".join(segments)
    # Telegram carries at most 64 bytes of callback data.
    return data.encode("utf-8")[:64].decode("utf-8", "ignore") or "x"


@st.composite
def updates(draw: Any) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from([
        "command", "command", "command", "text", "callback", "callback", "location", "photo", "sticker",
        "contact", "edited", "channel_post", "edited_channel_post", "status", "my_chat_member",
    ]))
    user = draw(USERS)
    chat = draw(CHATS)
    if kind == "command":
        return kind, {"user": user, "text": draw(commands()), "chat": chat}
    if kind == "text":
        return kind, {"user": user, "text": draw(TEXTS), "chat": chat}
    if kind == "callback":
        return kind, {"user": user, "data": draw(callback_data()), "chat": chat,
                      "message_id": draw(st.sampled_from([1, 1000, 1001, 1005, 2**31 - 1]))}
    if kind == "location":
        return kind, {"user": user, "chat": chat, "lat": draw(st.floats(-90, 90)), "lon": draw(st.floats(-180, 180))}
    if kind == "photo":
        caption = draw(st.one_of(st.none(), commands(), TEXTS))
        return kind, {"user": user, "chat": chat, "caption": caption}
    if kind in ("edited", "channel_post", "edited_channel_post"):
        return kind, {"user": user, "chat": chat, "text": draw(st.one_of(commands(), TEXTS))}
    if kind == "status":
        return kind, {"user": user, "chat": draw(st.sampled_from([LINKED_GROUP, -100999, BASIC_GROUP])),
                      "event": draw(st.sampled_from(["bot_added", "member_added", "member_left", "bot_left",
                                                     "migrate_to", "migrate_from", "group_created", "title"]))}
    if kind == "my_chat_member":
        return kind, {"user": user, "chat": draw(st.sampled_from([LINKED_GROUP, -100999, BASIC_GROUP, user])),
                      "old": draw(st.sampled_from(["member", "left", "administrator", "kicked"])),
                      "new": draw(st.sampled_from(["member", "left", "administrator", "kicked"]))}
    return kind, {"user": user, "chat": chat}


class Builder:
    """Telegram's JSON for every kind of update the fuzz sends."""

    def __init__(self, h: BotHarness) -> None:
        self.h = h
        self.update_ids = itertools.count(10_000)
        self.message_ids = itertools.count(10_000)

    def user(self, user_id: int) -> dict[str, Any]:
        return self.h.updates._user(user_id)

    def chat(self, chat_id: int, user_id: int) -> dict[str, Any]:
        if chat_id == BASIC_GROUP:
            return {"id": chat_id, "type": "group", "title": "Basisgroep"}
        if chat_id == CHANNEL:
            return {"id": chat_id, "type": "channel", "title": "Kanaal"}
        return self.h.updates._chat(chat_id, user_id)

    def message(self, user_id: int, chat_id: int | None, text: str | None = None, *,
                sender: bool = True, **extra: Any) -> dict[str, Any]:
        chat_id = user_id if chat_id is None else chat_id
        data: dict[str, Any] = {"message_id": next(self.message_ids), "date": 1_700_000_000,
                                "chat": self.chat(chat_id, user_id)}
        if sender:
            data["from"] = self.user(user_id)
        if text:
            data["text"] = text
            if text.startswith("/"):
                data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        data.update(extra)
        return data

    def wrap(self, field: str, payload: dict[str, Any]) -> Update:
        return Update.de_json({"update_id": next(self.update_ids), field: payload}, self.h.app.bot)

    def build(self, kind: str, a: dict[str, Any]) -> Update:
        u, user = self.h.updates, a["user"]
        if kind in ("command", "text"):
            return self.wrap("message", self.message(user, a["chat"], a["text"] or None))
        if kind == "callback":
            return u.callback(user, a["data"], chat_id=a["chat"], message_id=a["message_id"])
        if kind == "location":
            return self.wrap("message", self.message(user, a["chat"],
                                                     location={"latitude": a["lat"], "longitude": a["lon"]}))
        if kind == "photo":
            sizes = [{"file_id": "PHOTO-FILE-ID", "file_unique_id": "b", "width": 800, "height": 600}]
            extra: dict[str, Any] = {"photo": sizes}
            if a["caption"]:
                extra["caption"] = a["caption"]
                if a["caption"].startswith("/"):
                    extra["caption_entities"] = [{"type": "bot_command", "offset": 0,
                                                  "length": len(a["caption"].split()[0])}]
            return self.wrap("message", self.message(user, a["chat"], **extra))
        if kind == "sticker":
            return u.sticker(user)
        if kind == "contact":
            return self.wrap("message", self.message(user, a["chat"], contact={
                "phone_number": "+31612345678", "first_name": "Jansen", "user_id": user}))
        if kind == "edited":
            return self.wrap("edited_message", {**self.message(user, a["chat"], a["text"] or "x"),
                                                "edit_date": 1_700_000_100})
        if kind in ("channel_post", "edited_channel_post"):
            post = self.message(user, CHANNEL, a["text"] or "x", sender=False)
            if kind == "edited_channel_post":
                post["edit_date"] = 1_700_000_100
            return self.wrap(kind, post)
        if kind == "status":
            return self.wrap("message", self.message(user, a["chat"], **self.status(a["event"], user, a["chat"])))
        if kind == "my_chat_member":
            return u.my_chat_member(a["chat"], user, a["old"], a["new"])
        raise AssertionError(kind)

    def status(self, event: str, user: int, chat: int) -> dict[str, Any]:
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "Buurtwacht", "username": BOT_USERNAME}
        return {
            "bot_added": {"new_chat_members": [bot]},
            "member_added": {"new_chat_members": [self.user(user + 1)]},
            "member_left": {"left_chat_member": self.user(user + 1)},
            "bot_left": {"left_chat_member": bot},
            "migrate_to": {"migrate_to_chat_id": chat - 1_000_000_000_000},
            "migrate_from": {"migrate_from_chat_id": chat + 1},
            "group_created": {"group_chat_created": True},
            "title": {"new_chat_title": "\u202eNieuwe naam <b>"},
        }[event]


async def invariants(h: BotHarness) -> None:
    """What a partial write would leave behind."""
    db = h.services.db
    checks = {
        "incident counts match their sightings":
            "SELECT COUNT(*) FROM incidents i WHERE report_count != "
            "(SELECT COUNT(*) FROM sightings s WHERE s.incident_id = i.id)",
        "no outbox row about a missing sighting":
            "SELECT COUNT(*) FROM outbox o WHERE o.sighting_id IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM sightings s WHERE s.id = o.sighting_id)",
        "every sighting has an incident": "SELECT COUNT(*) FROM sightings WHERE incident_id IS NULL",
        "no outbox row about a missing broadcast":
            "SELECT COUNT(*) FROM outbox o WHERE o.broadcast_id IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM broadcasts b WHERE b.id = o.broadcast_id)",
        "a draft broadcast has no messages queued":
            "SELECT COUNT(*) FROM outbox o JOIN broadcasts b ON b.id = o.broadcast_id"
            " WHERE b.status = 'draft' AND o.edit_of IS NULL",
        "no responses to a missing incident":
            "SELECT COUNT(*) FROM watch_responses w WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = w.incident_id)",
        "nothing stuck in flight after the sender drained": "SELECT COUNT(*) FROM outbox WHERE status = 'sending'",
    }
    for what, sql in checks.items():
        row = await db.fetchone(sql)
        assert row is not None and row[0] == 0, what
    assert await db.fetchall("PRAGMA foreign_key_check") == []
    integrity = await db.fetchone("PRAGMA integrity_check")
    assert integrity is not None and integrity[0] == "ok"


async def prelude(h: BotHarness) -> None:
    """State for the buttons and commands to act on: an admin, and report M-2026-00001
    (incident 1) delivered to the linked group and the wijkagent."""
    async with h.services.db.transaction() as tx:
        await users.grant_role(tx, ADMIN, Role.ADMIN, "GM0794", granted_by=None)
    await h.services.refresh_directory()
    u = h.updates
    for update in (u.message(100002, "/melding"), u.callback(100002, "rep:cat:suspicious_person"),
                   u.callback(100002, "rep:112:yes"), u.message(100002, "5701 AB 12"),
                   u.callback(100002, "rep:when:now"),
                   u.message(100002, "Man in grijze jas en zwarte pet probeert deurklinken, liep richting station"),
                   u.callback(100002, "rep:nophoto"), u.callback(100002, "rep:confirm")):
        await h.send(update)
    assert "M-2026-00001" in h.request.last_text(100002)
    await h.deliver()


def described(errors: Iterable[BaseException]) -> str:
    return "\n".join("".join(traceback.format_exception(e)) for e in errors)


async def run_sequence(sequence: list[tuple[str, dict[str, Any]]]) -> list[tuple[tuple[str, dict[str, Any]], BaseException]]:
    errors: list[tuple[tuple[str, dict[str, Any]], BaseException]] = []
    current: list[tuple[str, dict[str, Any]]] = []

    async def record(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append((current[-1] if current else ("?", {}), context.error))

    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock(dt.datetime(2026, 11, 24, 20, tzinfo=dt.UTC))
        async with make_harness(test_config(Path(tmp)), clock) as h:
            await prelude(h)
            h.app.add_error_handler(record)
            builder = Builder(h)
            for step in sequence:
                current.append(step)
                await h.send(builder.build(*step))
                clock.advance(seconds=30)
            await h.deliver()
            await invariants(h)
    return errors


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(updates(), min_size=1, max_size=30))
def test_arbitrary_updates_never_crash_or_half_write(sequence: list[tuple[str, dict[str, Any]]]) -> None:
    errors = asyncio.run(run_sequence(sequence))
    assert errors == [], f"{[step for step, _ in errors]}\n{described(e for _, e in errors)}"


def registered(handlers: Iterable[BaseHandler[Any, Any, Any]]) -> Iterable[BaseHandler[Any, Any, Any]]:
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            yield from registered(handler.entry_points)
            yield from registered(h for state in handler.states.values() for h in state)
            yield from registered(handler.fallbacks)
        else:
            yield handler


async def test_the_fuzz_covers_every_registered_command(harness: BotHarness) -> None:
    handlers = list(registered(h for group in harness.app.handlers.values() for h in group))
    commands_seen = {c for h in handlers if isinstance(h, CommandHandler) for c in h.commands}
    assert commands_seen <= set(COMMANDS), sorted(commands_seen - set(COMMANDS))
    patterns = {h.pattern.pattern for h in handlers  # type: ignore[union-attr]
                if isinstance(h, CallbackQueryHandler) and h.pattern is not None}
    uncovered = [p for p in patterns if not any(p.lstrip("^").startswith(prefix) for prefix in CALLBACK_PREFIXES)]
    assert uncovered == []


# --- sweeps: every command and every button prefix with the worst arguments, in every chat ---

HOSTILE_ARGS = [
    "", "99999999999999999999999", "9223372036854775808", "4503599627370496", "²", "١٢", "１２", "-1", "0", "1",
    "1e9", "NaN", "inf", "<b>x</b>", "\u202e\u200b", "M-2026-00001", "1 99999999999999999999999",
    "99999999999999999999999 99999999999999999999999 99999999999999999999999", "team:1 99999999999999999999999",
    "team:99999999999999999999999", "WK079410 99999999999999999999999", "5701 AB 99999999999999999999999",
    "radius:99999999999999999999999,1,1", "radius:NaN,inf,-1", "nieuw babbeltruc <b>x</b>", "dag ²",
    "tijd 99999999999999999999:00", "stil 25:00-99:99", "wijkagent WK079410 ²", "1 opgelost", "1 vals ²",
    "x" * 5000,
]
SWEEP_USERS = [100001, 200010, 500001, ADMIN]
SWEEP_CHATS = [None, LINKED_GROUP, -100999, BASIC_GROUP]
BUTTON_SEGMENTS = ["", "1", "0", "-1", "99999999999999999999999", "²", "١", "x", "1:take", "1:look", "1:send",
                   "1:99999999999999999999999", "99999999999999999999999:1", "1:1:1:1", ":::"]


async def sweep(steps: list[tuple[str, dict[str, Any]]]) -> None:
    errors = await run_sequence(steps)
    assert errors == [], f"{[step for step, _ in errors]}\n{described(e for _, e in errors)}"


@pytest.mark.parametrize("command", COMMANDS)
async def test_every_command_with_hostile_arguments_in_every_chat(command: str) -> None:
    steps = [("command", {"user": user, "chat": chat, "text": f"/{command} {args}".strip()})
             for args in HOSTILE_ARGS for user in SWEEP_USERS for chat in SWEEP_CHATS]
    steps += [("edited", {"user": user, "chat": chat, "text": f"/{command} 1"})
              for user in SWEEP_USERS for chat in SWEEP_CHATS]
    steps += [("channel_post", {"user": 100001, "chat": None, "text": f"/{command} 1"})]
    await sweep(steps)


@pytest.mark.parametrize("prefix", CALLBACK_PREFIXES)
async def test_every_button_prefix_with_hostile_data(prefix: str) -> None:
    steps = [("callback", {"user": user, "chat": chat, "message_id": 1,
                           "data": (prefix + segment).encode()[:64].decode("utf-8", "ignore")})
             for segment in BUTTON_SEGMENTS for user in SWEEP_USERS for chat in SWEEP_CHATS]
    await sweep(steps)
