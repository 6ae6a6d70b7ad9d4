"""Every copy tells the truth at the end: one rendering per message kind and state, used for the
first send and every edit. One test per case seen running the bot for a week."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.alerts.escalation import escalate_due
from bot.alerts.lifecycle import run_expiry_tick
from bot.patrol.service import run_patrol_tick
from storage import patrol as patrol_store
from tests.alerts.test_lifecycle import COORDINATOR, NEIGHBOUR_GROUP, reported, with_neighbour_group
from tests.conftest import BotHarness
from tests.journeys import GROUP_BINNENSTAD, WIJKAGENT_BINNENSTAD

BACKUP_DESK = 400002


def has_buttons(params: dict[str, Any]) -> bool:
    return bool((params.get("reply_markup") or {}).get("inline_keyboard"))


async def test_the_coordinators_alarm_progress_message_says_it_ended(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(COORDINATOR, "/alarm Inbraakgolf in de Binnenstad, let op elkaar"))
    row = await h.services.db.fetchone("SELECT MAX(id) FROM broadcasts")
    assert row is not None
    broadcast_id = int(row[0])
    await h.send(h.updates.callback(COORDINATOR, f"bc:send:{broadcast_id}", message_id=77))
    await h.deliver()
    first = h.request.sent(COORDINATOR, "editMessageText")[-1]
    assert has_buttons(first) and "Opgelost: alarm beëindigen" in str(first["reply_markup"])
    await h.send(h.updates.callback(COORDINATOR, f"bc:end:{broadcast_id}", message_id=77))
    await h.deliver()
    progress = [p for p in h.request.sent(COORDINATOR, "editMessageText") if int(p["message_id"]) == 77][-1]
    assert progress["text"].startswith("✅ Alarm beëindigd: Opgelost.")
    assert "Alarm verstuurd." not in progress["text"] and not has_buttons(progress)
    # The group's copy says it too.
    assert "Opgelost" in h.request.sent(GROUP_BINNENSTAD, "editMessageText")[-1]["text"]


async def test_an_alarm_nobody_ended_expires_in_the_progress_message_too(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(COORDINATOR, "/alarm Verdacht busje rijdt rond in de wijk"))
    row = await h.services.db.fetchone("SELECT MAX(id) FROM broadcasts")
    assert row is not None
    await h.send(h.updates.callback(COORDINATOR, f"bc:send:{int(row[0])}", message_id=78))
    await h.deliver()
    h.clock.advance(hours=3)
    await run_expiry_tick(h.services)
    await h.deliver()
    progress = [p for p in h.request.sent(COORDINATOR, "editMessageText") if int(p["message_id"]) == 78][-1]
    assert progress["text"].startswith("✅ Alarm beëindigd: Verlopen.") and not has_buttons(progress)


async def test_a_relayed_copy_keeps_saying_it_is_no_longer_current_when_the_original_expires(
        harness: BotHarness) -> None:
    h = harness
    await with_neighbour_group(h)
    _incident, reference = await reported(h)
    await h.send(h.updates.message(COORDINATOR, f"/doorsturen {reference}"))
    await h.deliver()
    h.clock.advance(minutes=61)  # past the relay's time-to-live
    await run_expiry_tick(h.services)
    await h.deliver()
    assert "Niet meer actueel" in h.request.sent(NEIGHBOUR_GROUP, "editMessageText")[-1]["text"]
    h.clock.advance(minutes=60)  # past the alert's own 2 hours
    await run_expiry_tick(h.services)
    await h.deliver()
    last = h.request.sent(NEIGHBOUR_GROUP, "editMessageText")[-1]
    assert "Verlopen" in last["text"] and "⌛ <b>Niet meer actueel in deze buurt</b>" in last["text"]
    assert not has_buttons(last)


async def test_the_escalation_copy_keeps_its_header_through_later_edits(harness: BotHarness) -> None:
    h = harness
    incident, reference = await reported(h)  # "Verdachte persoon": urgent
    h.clock.advance(minutes=16)
    assert await escalate_due(h.services) == 1
    await h.deliver()
    first = h.request.sent(BACKUP_DESK, "sendMessage")[-1]
    assert first["text"].startswith("⏫ <b>Escalatie: niet opgepakt na 16 minuten</b>") and reference in first["text"]
    await h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident}:take"))
    await h.deliver()
    edit = h.request.sent(BACKUP_DESK, "editMessageText")[-1]
    assert edit["text"].startswith("⏫ <b>Escalatie: niet opgepakt na 16 minuten</b>")
    assert "Wordt opgepakt" in edit["text"]
    # What the first send said about the reporter, the edit says the same: nothing appears or goes.
    assert ("Melder:" in first["text"]) == ("Melder:" in edit["text"])


async def test_a_patrol_announcement_loses_its_buttons_when_the_round_starts_and_ends(harness: BotHarness) -> None:
    h = harness
    h.clock.now = dt.datetime(2026, 11, 24, 11, 0, tzinfo=dt.UTC)  # a Tuesday
    await h.send(h.updates.message(COORDINATOR, "/ronde nieuw za 20:00 Centrum en Kerkstraat"))
    row = await h.services.db.fetchone("SELECT MAX(id) FROM patrol_rounds")
    assert row is not None
    round_ = await patrol_store.get_round(h.services.db, int(row[0]))
    assert round_ is not None
    await h.deliver()
    announced = h.request.sent(GROUP_BINNENSTAD, "sendMessage")[-1]
    assert has_buttons(announced)
    h.clock.now = round_.starts_at + dt.timedelta(minutes=1)
    await run_patrol_tick(h.services)
    await h.deliver()
    started = h.request.sent(GROUP_BINNENSTAD, "editMessageText")[-1]
    assert "De ronde is begonnen" in started["text"] and not has_buttons(started)
    h.clock.now = round_.ends_at + dt.timedelta(minutes=1)
    await run_patrol_tick(h.services)
    await h.deliver()
    over = h.request.sent(GROUP_BINNENSTAD, "editMessageText")[-1]
    assert "De ronde is voorbij" in over["text"] and not has_buttons(over)
    # Once each: another tick edits nothing.
    edits = len(h.request.sent(GROUP_BINNENSTAD, "editMessageText"))
    await run_patrol_tick(h.services)
    await h.deliver()
    assert len(h.request.sent(GROUP_BINNENSTAD, "editMessageText")) == edits
