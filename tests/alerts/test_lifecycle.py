"""Every alert has a lifecycle: expiry, outcomes edited everywhere, watchers told, relay once."""

from __future__ import annotations

from bot.alerts.lifecycle import relay, run_expiry_tick
from storage import sightings, teams
from tests.conftest import BotHarness
from tests.journeys import (
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
    assert not has_buttons(group_edit)
    # The officer's copy keeps only what fits a closed report: reopen it, or a note to the reporter.
    officer_buttons = [b["callback_data"] for row in officer_edit["reply_markup"]["inline_keyboard"] for b in row]
    assert officer_buttons == [f"dk:r:{incident_id}", f"dk:n:{incident_id}"]
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
    assert "Afgerond" in h.request.sent(GROUP_BINNENSTAD, "editMessageText")[-1]["text"]
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
    assert "Afgerond" in edit and "Doorgestuurd uit" in edit
    await h.send(h.updates.message(RESIDENT, f"/doorsturen {reference}"))
    assert "Gebruik" in h.request.last_text(RESIDENT)  # a resident cannot relay


# --- relay through /doorsturen, its buttons, its time-to-live, its radius (WP-D) -----------------

NEIGHBOUR_GROUP = -1008000000001
FAR_GROUP = -1008000000002
NEIGHBOUR_WATCHER = 600002


def answers(h: BotHarness) -> list[dict]:  # type: ignore[type-arg]
    return [p for e, p in h.request.calls if e == "answerCallbackQuery"]


async def link_group(h: BotHarness, chat_id: int, buurt: str, name: str) -> None:
    async with h.services.db.transaction() as tx:
        team_id = await teams.create_team(tx, name, "GM" + buurt[2:6], [buurt], created_by=None)
        await teams.link_group(tx, chat_id, team_id, title=name, language="nl", linked_by=None)
    await h.services.refresh_directory()


async def with_neighbour_group(h: BotHarness) -> str:
    neighbours = sorted(h.services.locator.index.adjacent_buurten("BU07941000"))
    assert neighbours, "Centrum has neighbours in the CBS polygons"
    await link_group(h, NEIGHBOUR_GROUP, neighbours[0], "Buren")
    return neighbours[0]


async def test_relay_by_command_has_buttons_and_watchers_there_hear_the_outcome(harness: BotHarness) -> None:
    h = harness
    await with_neighbour_group(h)
    incident_id, reference = await reported(h)
    await h.send(h.updates.message(COORDINATOR, f"/doorsturen {reference}"))
    reply = h.request.last_text(COORDINATOR)
    assert "Doorgestuurd naar 1 groep" in reply and "60 minuten" in reply
    await h.deliver()
    relayed = h.request.sent(NEIGHBOUR_GROUP, "sendMessage")[-1]
    assert "Doorgestuurd uit de buurt Centrum" in relayed["text"]
    buttons = [b["callback_data"] for row in relayed["reply_markup"]["inline_keyboard"] for b in row]
    assert f"watch:{incident_id}:look" in buttons  # "Ik kijk" comes with the first relay message
    # A neighbour who never started the bot presses "Ik kijk": counted, and offered the start link.
    await h.send(h.updates.callback(NEIGHBOUR_WATCHER, f"watch:{incident_id}:look", chat_id=NEIGHBOUR_GROUP))
    answer = answers(h)[-1]
    assert "niet geldig" not in answer.get("text", "")
    assert answer["url"] == "https://t.me/buurtwacht_test_bot?start=watch"
    assert "privégesprek" in answer["text"]
    await h.send(h.updates.message(NEIGHBOUR_WATCHER, "/start watch"))
    assert "privé laten weten" in h.request.last_text(NEIGHBOUR_WATCHER)
    # Someone who has a private chat already gets no link.
    await h.send(h.updates.message(600003, "/start"))
    await h.send(h.updates.callback(600003, f"watch:{incident_id}:look", chat_id=NEIGHBOUR_GROUP))
    assert "url" not in answers(h)[-1]
    await h.deliver()
    assert "👀 Ik kijk: 2" in h.request.sent(NEIGHBOUR_GROUP, "editMessageText")[-1]["text"]
    # The original ends: the relayed message shows it, and the watchers there are told privately.
    await h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident_id}:resolved"))
    await h.deliver()
    assert "Afgerond" in h.request.sent(NEIGHBOUR_GROUP, "editMessageText")[-1]["text"]
    assert "Afgerond" in h.request.last_text(NEIGHBOUR_WATCHER) and reference in h.request.last_text(NEIGHBOUR_WATCHER)
    assert "Afgerond" in h.request.last_text(600003)


async def test_relay_time_to_live_edits_the_relayed_messages_only(harness: BotHarness) -> None:
    h = harness
    await with_neighbour_group(h)
    incident_id, reference = await reported(h)
    await h.send(h.updates.message(COORDINATOR, f"/doorsturen {reference}"))
    await h.deliver()
    h.clock.advance(minutes=59)
    await run_expiry_tick(h.services)
    await h.deliver()
    assert not h.request.sent(NEIGHBOUR_GROUP, "editMessageText")
    original_edits = len(h.request.sent(GROUP_BINNENSTAD, "editMessageText"))
    h.clock.advance(minutes=2)  # past [alerts] relay_ttl_minutes = 60, before the alert's 120
    assert await run_expiry_tick(h.services) == 0  # the alert itself goes on
    await h.deliver()
    edit = h.request.sent(NEIGHBOUR_GROUP, "editMessageText")[-1]
    assert "Niet meer actueel in deze buurt" in edit["text"] and not has_buttons(edit)
    assert len(h.request.sent(GROUP_BINNENSTAD, "editMessageText")) == original_edits
    # Later edits of the alert (someone in the original group looks) keep the relay "over".
    await h.send(h.updates.callback(600001, f"watch:{incident_id}:look", chat_id=GROUP_BINNENSTAD))
    await h.deliver()
    edit = h.request.sent(NEIGHBOUR_GROUP, "editMessageText")[-1]
    assert "Niet meer actueel" in edit["text"] and not has_buttons(edit)
    assert has_buttons(h.request.sent(GROUP_BINNENSTAD, "editMessageText")[-1])
    # The relay ends once: a later tick edits nothing again.
    relay_edits = len(h.request.sent(NEIGHBOUR_GROUP, "editMessageText"))
    await run_expiry_tick(h.services)
    await h.deliver()
    assert len(h.request.sent(NEIGHBOUR_GROUP, "editMessageText")) == relay_edits
    # When the original ends, the relayed message shows the outcome instead.
    await h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident_id}:false"))
    await h.deliver()
    edit = h.request.sent(NEIGHBOUR_GROUP, "editMessageText")[-1]
    # ... and keeps saying it is no longer current there: one rendering for every edit.
    assert "Vals alarm" in edit["text"] and "Niet meer actueel" in edit["text"]


async def test_relay_by_radius_reaches_buurten_beyond_the_adjacent_ones(harness: BotHarness) -> None:
    h = harness
    index = h.services.locator.index
    incident_id, reference = await reported(h)
    incident = await sightings.get_incident(h.services.db, incident_id)
    assert incident is not None
    centre = incident.point or index.centroid(incident.buurt_code)
    assert centre is not None
    adjacent = index.adjacent_buurten(incident.buurt_code)
    radius = next(r for r in (1000, 1500, 2000, 3000, 5000)
                  if set(index.buurten_within(centre, r)) - adjacent - {incident.buurt_code})
    far = sorted(set(index.buurten_within(centre, radius)) - adjacent - {incident.buurt_code})[0]
    await link_group(h, FAR_GROUP, far, "Verder weg")
    await h.send(h.updates.message(COORDINATOR, f"/doorsturen {reference} straal 999999"))
    assert "100 tot 5000 meter" in h.request.last_text(COORDINATOR)
    await h.send(h.updates.message(COORDINATOR, f"/doorsturen {reference} straal abc"))
    assert "straal <meters>" in h.request.last_text(COORDINATOR)
    # By adjacency the far group is not reached (and nothing is used up) ...
    await h.send(h.updates.message(COORDINATOR, f"/doorsturen {reference}"))
    assert "Niet doorgestuurd" in h.request.last_text(COORDINATOR)
    # ... by radius it is, once.
    await h.send(h.updates.message(COORDINATOR, f"/doorsturen {reference} straal {radius}"))
    assert "Doorgestuurd naar 1 groep" in h.request.last_text(COORDINATOR)
    await h.send(h.updates.message(COORDINATOR, f"/doorsturen {reference} straal {radius}"))
    assert "Niet doorgestuurd" in h.request.last_text(COORDINATOR)
    await h.deliver()
    assert "Doorgestuurd uit de buurt Centrum" in h.request.last_text(FAR_GROUP)


# --- expiry: per category, watchers told, broadcasts too (WP-D) ---------------------------------


async def test_expiry_per_category_from_the_config(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.core.domain import Category
    from tests.conftest import make_harness, test_config

    config = test_config(tmp_path, alert_expiry_by_category={Category.SUSPICIOUS_PERSON: 30})
    async with make_harness(config, clock) as h:
        person, _ = await reported(h)
        await report_until_confirm(h, category="nuisance", description="Harde muziek en geschreeuw")
        await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
        nuisance = (await h.services.db.fetchone("SELECT MAX(id) FROM incidents"))[0]  # type: ignore[index]
        h.clock.advance(minutes=29)
        assert await run_expiry_tick(h.services) == 0
        h.clock.advance(minutes=2)
        assert await run_expiry_tick(h.services) == 1  # the person alert: 30 minutes
        assert (await sightings.get_incident(h.services.db, person)).status.value == "expired"  # type: ignore[union-attr]
        assert (await sightings.get_incident(h.services.db, nuisance)).status.value == "new"  # type: ignore[union-attr]
        h.clock.advance(minutes=90)  # the others keep expiry_minutes = 120
        assert await run_expiry_tick(h.services) == 1
        assert (await sightings.get_incident(h.services.db, nuisance)).status.value == "expired"  # type: ignore[union-attr]


async def test_watchers_are_told_privately_when_an_alert_expires(harness: BotHarness) -> None:
    h = harness
    incident_id, reference = await reported(h)
    await h.send(h.updates.message(600001, "/start"))
    await h.send(h.updates.callback(600001, f"watch:{incident_id}:look", chat_id=GROUP_BINNENSTAD))
    await h.send(h.updates.callback(600004, f"watch:{incident_id}:seen", chat_id=GROUP_BINNENSTAD))
    h.clock.advance(minutes=121)
    assert await run_expiry_tick(h.services) == 1
    await h.deliver()
    told = h.request.last_text(600001)
    assert "Verlopen" in told and reference in told
    assert not h.request.texts(600004)  # "Gezien" is not going to look: nobody to tell


async def test_area_broadcasts_expire_and_every_message_says_so(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(WIJKAGENT_BINNENSTAD, "/gebiedsalarm WK079410 vermist Man (82) met rollator, blauwe jas"))
    broadcast_id = (await h.services.db.fetchone("SELECT MAX(id) FROM broadcasts"))[0]  # type: ignore[index]
    await h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"bc:send:{broadcast_id}"))
    await h.deliver()
    assert "rollator" in h.request.last_text(GROUP_BINNENSTAD)
    h.clock.advance(minutes=119)
    assert await run_expiry_tick(h.services) == 0
    h.clock.advance(minutes=2)  # the default alert expiry: 120 minutes
    assert await run_expiry_tick(h.services) == 1
    assert await run_expiry_tick(h.services) == 0  # ended once
    await h.deliver()
    edit = h.request.sent(GROUP_BINNENSTAD, "editMessageText")[-1]["text"]
    assert "Verlopen" in edit and "rollator" in edit
    row = await h.services.db.fetchone("SELECT status, outcome FROM broadcasts WHERE id = ?", (broadcast_id,))
    assert row is not None and tuple(row) == ("ended", "expired")
