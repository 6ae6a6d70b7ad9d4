"""Every alert has a lifecycle: expiry, outcomes edited everywhere, watchers told, relay once."""

from __future__ import annotations

from bot.lifecycle import relay, run_expiry_tick
from storage import sightings, teams
from tests.conftest import BotHarness
from tests.test_report_journey import (
    GROUP_BINNENSTAD,
    RESIDENT,
    WIJKAGENT_BINNENSTAD,
    report_until_confirm,
)

COORDINATOR = 500001


async def reported(h: BotHarness) -> tuple[int, str]:
    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    row = await h.services.db.fetchone("SELECT incident_id, reference FROM sightings ORDER BY id DESC LIMIT 1")
    assert row is not None
    return row[0], row[1]


def has_buttons(message: dict) -> bool:  # type: ignore[type-arg]
    return bool((message.get("reply_markup") or {}).get("inline_keyboard"))


async def test_expiry_edits_every_message_and_removes_buttons(harness: BotHarness) -> None:
    h = harness
    incident_id, _ = await reported(h)
    h.clock.advance(minutes=119)
    assert await run_expiry_tick(h.services) == 0
    h.clock.advance(minutes=2)
    assert await run_expiry_tick(h.services) == 1
    assert await run_expiry_tick(h.services) == 0
    await h.deliver()
    group_edit = h.request.sent(GROUP_BINNENSTAD, "editMessageText")[-1]
    officer_edit = h.request.sent(WIJKAGENT_BINNENSTAD, "editMessageText")[-1]
    assert "Verlopen" in group_edit["text"] and "Verlopen" in officer_edit["text"]
    assert not has_buttons(group_edit) and not has_buttons(officer_edit)
    assert "verlopen" in h.request.last_text(RESIDENT)
    incident = await sightings.get_incident(h.services.db, incident_id)
    assert incident is not None and incident.status.value == "expired"


async def test_officer_marks_false_alarm_and_watchers_hear_it(harness: BotHarness) -> None:
    h = harness
    incident_id, _ = await reported(h)
    await h.send(h.updates.callback(600001, f"watch:{incident_id}:look", chat_id=GROUP_BINNENSTAD))
    await h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident_id}:false"))
    await h.deliver()
    assert "Vals alarm" in h.request.sent(GROUP_BINNENSTAD, "editMessageText")[-1]["text"]
    assert "Vals alarm" in h.request.last_text(600001)  # the neighbour who went to look
    assert "vals alarm" in h.request.last_text(RESIDENT)
    # Closed is closed: a later press changes nothing.
    await h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident_id}:take"))
    incident = await sightings.get_incident(h.services.db, incident_id)
    assert incident is not None and incident.status.value == "false_alarm"


async def test_coordinator_closes_with_afsluiten_others_refused(harness: BotHarness) -> None:
    h = harness
    _, reference = await reported(h)
    await h.send(h.updates.message(510099, f"/afsluiten {reference} opgelost"))
    assert "niet naar jou" in h.request.last_text(510099)
    await h.send(h.updates.message(COORDINATOR, f"/afsluiten {reference} opgelost"))
    assert "Afgesloten" in h.request.last_text(COORDINATOR)
    await h.deliver()
    assert "Opgelost" in h.request.sent(GROUP_BINNENSTAD, "editMessageText")[-1]["text"]
    await h.send(h.updates.message(COORDINATOR, f"/afsluiten {reference} vals"))
    assert "al afgesloten" in h.request.last_text(COORDINATOR)


async def test_relay_to_neighbouring_buurten_once_and_ends_with_the_original(harness: BotHarness) -> None:
    h = harness
    neighbour_group = -1008000000001
    neighbours = sorted(h.services.locator.index.adjacent_buurten("BU07941000"))
    assert neighbours, "Centrum has neighbours in the CBS polygons"
    async with h.services.db.transaction() as tx:
        team_id = await teams.create_team(tx, "Buren", "GM0794", [neighbours[0]], created_by=None)
        await teams.link_group(tx, neighbour_group, team_id, title="Buren", language="nl", linked_by=None)
    await h.services.refresh_directory()
    incident_id, reference = await reported(h)
    assert await relay(h.services, incident_id, by=COORDINATOR) >= 1
    assert await relay(h.services, incident_id, by=COORDINATOR) == 0  # once
    await h.deliver()
    assert "Doorgestuurd uit de buurt Centrum" in h.request.last_text(neighbour_group)
    await h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident_id}:resolved"))
    await h.deliver()
    edit = h.request.sent(neighbour_group, "editMessageText")[-1]["text"]
    assert "Opgelost" in edit and "Doorgestuurd uit" in edit
    await h.send(h.updates.message(RESIDENT, f"/doorsturen {reference}"))
    assert "Gebruik" in h.request.last_text(RESIDENT)  # a resident cannot relay
