"""Arbitrary updates thrown at the application: no unhandled exception, no partial write."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import ContextTypes

from tests.conftest import BotHarness, FakeClock, make_harness, test_config

USERS = st.sampled_from([100001, 100002, 200010, 500001, 400002])
CHATS = st.sampled_from([None, -1001000000010, -100999])
COMMANDS = st.sampled_from([
    "/start", "/melding", "/report", "/annuleer", "/cancel", "/taal", "/help", "/mijngegevens",
    "/vergeetmij", "/demp", "/demp 100002 5", "/demp x", "/melding spoed!!!", "/start bogus-token",
])
CALLBACKS = st.one_of(
    st.sampled_from([
        "rep:urgent", "rep:cat:suspicious_person", "rep:cat:nuisance", "rep:cat:burglary_in_progress",
        "rep:cat:bogus", "rep:112:yes", "rep:112:call", "rep:when:now", "rep:when:earlier", "rep:nophoto",
        "rep:confirm", "rep:change", "rep:edit:description", "rep:cancel", "ack:1:take", "ack:1:done",
        "ack:2:none", "watch:1:look", "lang:en", "lang:xx", "forget:yes", "forget:no",
    ]),
    st.text(max_size=64),
)
TEXTS = st.one_of(
    st.sampled_from(["5701 AB 12", "5701AB", "1011 AB 1", "21:30", "gisteren 22:15", "99:99",
                     "Man in grijze jas probeert deurklinken", "", " ", "<b>x</b>&", "\u202e\u200b"]),
    st.text(max_size=300),
    st.text(min_size=1001, max_size=1200),
)


@st.composite
def updates(draw: Any) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(["command", "text", "callback", "location", "photo", "sticker"]))
    user = draw(USERS)
    chat = draw(CHATS)
    if kind == "command":
        return kind, {"user": user, "text": draw(COMMANDS), "chat": chat}
    if kind == "text":
        return kind, {"user": user, "text": draw(TEXTS), "chat": chat}
    if kind == "callback":
        return kind, {"user": user, "data": draw(CALLBACKS), "chat": chat}
    if kind == "location":
        return kind, {"user": user, "lat": draw(st.floats(-90, 90)), "lon": draw(st.floats(-180, 180))}
    return kind, {"user": user}


def build(h: BotHarness, kind: str, args: dict[str, Any]) -> Update:
    u = h.updates
    if kind in ("command", "text"):
        return u.message(args["user"], args["text"] or None, chat_id=args["chat"])
    if kind == "callback":
        return u.callback(args["user"], args["data"] or "x", chat_id=args["chat"])
    if kind == "location":
        return u.location(args["user"], args["lat"], args["lon"])
    if kind == "photo":
        return u.photo(args["user"])
    return u.sticker(args["user"])


async def invariants(h: BotHarness) -> None:
    db = h.services.db
    # Every sighting belongs to an incident whose count matches; no orphan outbox rows.
    bad = await db.fetchone(
        "SELECT COUNT(*) FROM incidents i WHERE report_count != (SELECT COUNT(*) FROM sightings s WHERE s.incident_id = i.id)"
    )
    assert bad is not None and bad[0] == 0
    orphans = await db.fetchone(
        "SELECT COUNT(*) FROM outbox o WHERE o.sighting_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sightings s WHERE s.id = o.sighting_id)"
    )
    assert orphans is not None and orphans[0] == 0
    no_incident = await db.fetchone("SELECT COUNT(*) FROM sightings WHERE incident_id IS NULL")
    assert no_incident is not None and no_incident[0] == 0


async def run_sequence(sequence: list[tuple[str, dict[str, Any]]]) -> list[BaseException]:
    errors: list[BaseException] = []

    async def record(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock(dt.datetime(2026, 11, 24, 20, tzinfo=dt.UTC))
        async with make_harness(test_config(Path(tmp)), clock) as h:
            h.app.add_error_handler(record)
            for kind, args in sequence:
                await h.send(build(h, kind, args))
                clock.advance(seconds=30)
            await h.deliver()
            await invariants(h)
    return errors


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(updates(), min_size=1, max_size=25))
def test_arbitrary_updates_never_crash_or_half_write(sequence: list[tuple[str, dict[str, Any]]]) -> None:
    errors = asyncio.run(run_sequence(sequence))
    assert errors == []
