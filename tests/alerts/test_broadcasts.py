"""Broadcasts through the real handlers: who they reach, photos, the end, the hourly limit,
per-recipient language, progress, and chats that become unreachable or come back (issue 5)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.alerts.broadcasts import progress_tick
from bot.core.domain import Role
from storage import broadcasts, outbox, subscriptions, teams, users
from tests.conftest import BotHarness

ADMIN = 900001
WIJKAGENT = 200010  # WK079410 Binnenstad (config)
COORDINATOR = 500001  # BPT Binnenstad: BU07941000, BU07941002, BU07941003 (config)
GROUP = -1001000000010  # BPT Binnenstad
BRANDEVOORT_GROUP = -1001000000021  # Helmond, another wijk
ZEELST_GROUP = -1001000000061  # Veldhoven
ALL_GROUPS = (GROUP, BRANDEVOORT_GROUP, ZEELST_GROUP)
CENTRUM = "51.480823 5.655765"  # centroid of BU07941000 (Centrum)
FORBIDDEN = (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
KICKED = (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was kicked from the supergroup chat"})


async def grant(h: BotHarness, user: int, role: Role, scope: str) -> None:
    async with h.services.db.transaction() as tx:
        await users.grant_role(tx, user, role, scope, granted_by=None)
    await h.services.refresh_directory()


async def follower(h: BotHarness, user: int, buurt: str, language: str = "nl") -> None:
    await users.ensure(h.services.db, user, language=language, display_name=None, username=None)
    await subscriptions.subscribe(h.services.db, user, buurt, address=None, now=h.clock())
    await h.services.refresh_directory()


async def latest_broadcast(h: BotHarness, sender: int) -> int:
    row = await h.services.db.fetchone("SELECT MAX(id) FROM broadcasts WHERE sender_id = ?", (sender,))
    assert row is not None and row[0] is not None
    return int(row[0])


async def confirm(h: BotHarness, sender: int, *, message_id: int = 1) -> int:
    broadcast_id = await latest_broadcast(h, sender)
    await h.send(h.updates.callback(sender, f"bc:send:{broadcast_id}", message_id=message_id))
    await h.deliver()
    return broadcast_id


def reached(h: BotHarness, chats: tuple[int, ...] | list[int], needle: str, method: str | None = None) -> set[int]:
    return {chat for chat in chats
            if any(needle in (p.get("text") or p.get("caption") or "") for p in h.request.sent(chat, method))}


def answers(h: BotHarness) -> list[dict[str, Any]]:
    return [p for e, p in h.request.calls if e == "answerCallbackQuery"]


# --- who an area alert reaches --------------------------------------------------------------------

async def test_radius_alert_reaches_only_the_buurten_in_the_circle(harness: BotHarness) -> None:
    h = harness
    inside, same_team_outside, elsewhere = 110001, 110002, 110003
    await follower(h, inside, "BU07941005")  # Vossenberg, 350 m from the centre of Centrum
    await follower(h, same_team_outside, "BU07941002")  # Leonardus: BPT Binnenstad, but 1.1 km away
    await follower(h, elsewhere, "BU07942100")  # Brandevoort
    await h.send(h.updates.message(WIJKAGENT, f"/gebiedsalarm straal {CENTRUM} 400 voertuig Grijze bestelbus XX-123-Y"))
    preview = h.request.last_text(WIJKAGENT)
    # Centrum, Heipoort, Vossenberg, Steenweg: all in the wijkagent's wijk.
    assert "Verdacht voertuig" in preview and "1 groep en 1 volger in 4 buurten" in preview
    draft = await broadcasts.get(h.services.db, await latest_broadcast(h, WIJKAGENT))
    assert draft is not None and draft.buurten == ("BU07941000", "BU07941003", "BU07941005", "BU07941007")
    await confirm(h, WIJKAGENT)
    people = (inside, same_team_outside, elsewhere)
    assert reached(h, [*ALL_GROUPS, *people], "XX-123-Y") == {GROUP, inside}


async def test_radius_alert_with_hostile_numbers_gets_the_usage(harness: BotHarness,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    h = harness
    caplog.set_level(logging.INFO)
    for words in ("nan nan 400", "51.48 5.65 inf", "1e3 5.65 400", "51.48 5.65 99999999999999999999",
                  "51.48 5.65 ²", "95.0 5.65 400", "51.48 5.65 10"):
        h.request.clear()
        await h.send(h.updates.message(WIJKAGENT, f"/gebiedsalarm straal {words} oplichting Nepagenten"))
        assert "Gebruik: /gebiedsalarm" in h.request.last_text(WIJKAGENT), words
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM broadcasts")
    assert row is not None and row[0] == 0


async def test_gemeente_wide_alert_by_an_admin(harness: BotHarness) -> None:
    h = harness
    await grant(h, ADMIN, Role.ADMIN, "GM0794")
    helmond, veldhoven = 110011, 110012
    await follower(h, helmond, "BU07942100")
    await follower(h, veldhoven, "BU08610002")
    await h.send(h.updates.message(WIJKAGENT, "/gebiedsalarm GM0794 oplichting Nepagenten aan de deur"))
    assert "buiten jouw werkgebied" in h.request.last_text(WIJKAGENT)  # a wijkagent: one wijk only
    await h.send(h.updates.message(ADMIN, "/gebiedsalarm GM0794 oplichting Nepagenten aan de deur"))
    assert "Waarschuwing: oplichting" in h.request.last_text(ADMIN)
    draft = await broadcasts.get(h.services.db, await latest_broadcast(h, ADMIN))
    assert draft is not None and len(draft.buurten) == 44 and all(b.startswith("BU0794") for b in draft.buurten)
    await confirm(h, ADMIN)
    assert reached(h, [*ALL_GROUPS, helmond, veldhoven], "Nepagenten") == {GROUP, BRANDEVOORT_GROUP, helmond}
    assert "Afzender: gemeente" in h.request.last_text(GROUP)


def test_only_wijkagent_boa_and_gemeente_may_send_area_alerts() -> None:
    from bot.core import permissions

    assert permissions.alert_areas([(Role.CARE_DESK, "GM0794"), (Role.CARE_DESK, "WK079410")]) == []
    assert not permissions.can_alert_area([(Role.CARE_DESK, "GM0794")], "BU07941000")
    assert permissions.can_alert_area([(Role.BOA, "WK079410")], "BU07941000")
    assert permissions.can_alert_area([(Role.WIJKAGENT, "WK079410")], "BU07941000")
    assert permissions.can_alert_area([(Role.ADMIN, "GM0794")], "BU07941000")
    # A care desk that is also the gemeente's admin sends as the gemeente, in the admin's area only.
    assert permissions.alert_areas([(Role.CARE_DESK, "GM0861"), (Role.ADMIN, "GM0794")]) == ["GM0794"]


async def test_the_care_desk_cannot_send_an_area_alert(harness: BotHarness) -> None:
    h = harness
    care_desk, boa = 400003, 300010  # Zorg- en Veiligheidshuis Helmond; BOA of WK079410 (config)
    assert (Role.CARE_DESK, "GM0794") in await users.roles_of(h.services.db, care_desk)
    await follower(h, 110041, "BU07941000")
    for scope in ("GM0794", "WK079410"):
        await h.send(h.updates.message(care_desk, f"/gebiedsalarm {scope} vermist Man (82) met rollator"))
        assert h.request.last_text(care_desk) == "Een gebiedsalarm kan alleen een wijkagent, BOA of de gemeente sturen."
    count = await h.services.db.fetchone("SELECT COUNT(*) FROM broadcasts WHERE sender_id = ?", (care_desk,))
    assert count is not None and count[0] == 0
    # The BOA of the wijk may, as the refusal says.
    await h.send(h.updates.message(boa, "/gebiedsalarm WK079410 vermist Man (82) met rollator"))
    assert "Versturen" in str(h.request.sent(boa)[-1].get("reply_markup"))
    await confirm(h, boa)
    assert reached(h, [GROUP, 110041], "rollator") == {GROUP, 110041}


async def test_photo_area_alert_goes_out_as_photos_and_ends_with_caption_edits(harness: BotHarness) -> None:
    """An officer's photo (a missing person, a vehicle) is an official publication: it is re-sent
    by file id as a Telegram photo to the groups and followers, never forwarded. Residents'
    photos never reach groups this way: only officers and admins can send an area alert."""
    h = harness
    person = 110021
    await follower(h, person, "BU07941000")
    caption = "/gebiedsalarm WK079410 vermist Man (82) met rollator, blauwe jas"
    sizes = [{"file_id": "MISSING-small", "file_unique_id": "s", "width": 90, "height": 90},
             {"file_id": "MISSING-PHOTO", "file_unique_id": "b", "width": 800, "height": 600}]
    await h.send(h.updates.message(WIJKAGENT, None, photo=sizes, caption=caption,
                                   caption_entities=[{"type": "bot_command", "offset": 0, "length": 13}]))
    preview = h.request.last_text(WIJKAGENT)
    assert "Vermiste persoon" in preview and "met foto" in preview
    assert await h.services.db.fetchone("SELECT 1 FROM sightings") is None  # not taken for a report
    broadcast_id = await confirm(h, WIJKAGENT, message_id=77)
    for chat in (GROUP, person):
        photos = h.request.sent(chat, "sendPhoto")
        assert len(photos) == 1 and photos[0]["photo"] == "MISSING-PHOTO" and "rollator" in photos[0]["caption"]
        assert not h.request.sent(chat, "forwardMessage") and not h.request.sent(chat, "copyMessage")
    await h.send(h.updates.callback(WIJKAGENT, f"bc:end:{broadcast_id}"))
    await h.deliver()
    for chat in (GROUP, person):
        edits = h.request.sent(chat, "editMessageCaption")
        assert len(edits) == 1 and edits[0]["caption"].startswith("✅ <b>Opgelost</b>")
        assert not h.request.sent(chat, "editMessageText")
    stored = await broadcasts.get(h.services.db, broadcast_id)
    assert stored is not None and stored.status == "ended"


async def test_a_resident_photo_with_the_alert_caption_goes_nowhere(harness: BotHarness) -> None:
    h = harness
    sizes = [{"file_id": "RESIDENT-PHOTO", "file_unique_id": "b", "width": 800, "height": 600}]
    await h.send(h.updates.message(100001, None, photo=sizes, caption="/gebiedsalarm WK079410 kijk deze man",
                                   caption_entities=[{"type": "bot_command", "offset": 0, "length": 13}]))
    assert "wijkagent, BOA of de gemeente" in h.request.last_text(100001)
    await h.deliver()
    assert not [p for e, p in h.request.calls if e == "sendPhoto"]
    assert await h.services.db.fetchone("SELECT 1 FROM broadcasts") is None


async def test_coordinator_alarm_reaches_own_teams_and_their_followers_only(harness: BotHarness) -> None:
    h = harness
    own_followers = (110031, 110032)
    await follower(h, own_followers[0], "BU07941000")
    await follower(h, own_followers[1], "BU07941003")
    others = (110033, 110034, 110035)
    await follower(h, others[0], "BU07941005")  # Binnenstad wijk, but not a buurt of the team
    await follower(h, others[1], "BU07942100")  # Brandevoort team's buurt
    await follower(h, others[2], "BU08610002")  # Zeelst (Veldhoven)
    await h.send(h.updates.message(COORDINATOR, "/alarm Let op: inbrekers gezien op de Markt"))
    await confirm(h, COORDINATOR)
    assert reached(h, [*ALL_GROUPS, *own_followers, *others], "inbrekers") == {GROUP, *own_followers}


async def test_alarm_in_a_group_points_to_the_private_chat(harness: BotHarness) -> None:
    h = harness
    for sender, command in ((COORDINATOR, "/alarm Let op: inbrekers gezien"),
                            (COORDINATOR, "/alarm@buurtwacht_test_bot Let op"),
                            (WIJKAGENT, "/gebiedsalarm WK079410 Nepagenten")):
        before = len(h.request.texts(GROUP))
        await h.send(h.updates.message(sender, command, chat_id=GROUP))
        assert len(h.request.texts(GROUP)) == before + 1  # one short line, nothing else
        name = command.split()[0].lstrip("/").split("@")[0]
        assert h.request.last_text(GROUP) == f"Stuur /{name} in een privégesprek met mij: https://t.me/buurtwacht_test_bot"
    count = await h.services.db.fetchone("SELECT COUNT(*) FROM broadcasts")
    assert count is not None and count[0] == 0


# --- the hourly limit -------------------------------------------------------------------------------

async def test_open_drafts_cannot_bypass_the_hourly_limit(harness: BotHarness) -> None:
    h = harness
    limit = h.services.config.limits.broadcasts_per_hour
    drafts = []
    for n in range(limit + 2):  # all made while nothing has been sent yet
        await h.send(h.updates.message(COORDINATOR, f"/alarm bericht nummer {n}"))
        drafts.append(await latest_broadcast(h, COORDINATOR))
    assert len(set(drafts)) == limit + 2
    for broadcast_id in drafts:
        await h.send(h.updates.callback(COORDINATOR, f"bc:send:{broadcast_id}"))
    await h.deliver()
    statuses = [(await broadcasts.get(h.services.db, b)).status for b in drafts]  # type: ignore[union-attr]
    assert statuses == ["sending"] * limit + ["draft", "draft"]
    assert len([t for t in h.request.texts(GROUP) if "bericht nummer" in t]) == limit
    refusal = answers(h)[-1]
    assert refusal.get("show_alert") and "Probeer het over 60 minuten opnieuw" in refusal["text"]
    # Once the first ones have left the window, the held drafts can go.
    h.clock.advance(minutes=61)
    for broadcast_id in drafts[-2:]:
        await h.send(h.updates.callback(COORDINATOR, f"bc:send:{broadcast_id}"))
        assert (await broadcasts.get(h.services.db, broadcast_id)).status == "sending"  # type: ignore[union-attr]


async def test_a_draft_made_long_ago_counts_when_it_is_sent(harness: BotHarness) -> None:
    h = harness
    limit = h.services.config.limits.broadcasts_per_hour
    drafts = []
    for n in range(limit):
        await h.send(h.updates.message(COORDINATOR, f"/alarm oud bericht {n}"))
        drafts.append(await latest_broadcast(h, COORDINATOR))
    h.clock.advance(hours=3)  # the drafts' creation is now outside the window; sending is not
    for broadcast_id in drafts:
        await h.send(h.updates.callback(COORDINATOR, f"bc:send:{broadcast_id}"))
    await h.send(h.updates.message(COORDINATOR, "/alarm nog een"))
    assert "Probeer het over" in h.request.last_text(COORDINATOR)


# --- sending: rights, progress, language ------------------------------------------------------------

async def test_a_sender_who_lost_the_role_cannot_send_the_draft(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(COORDINATOR, "/alarm Verdachte situatie"))
    broadcast_id = await latest_broadcast(h, COORDINATOR)
    async with h.services.db.transaction() as tx:
        await users.revoke_role(tx, COORDINATOR, Role.COORDINATOR, "team:1", revoked_by=None)
    await h.send(h.updates.callback(COORDINATOR, f"bc:send:{broadcast_id}"))
    assert await outbox.depth(h.services.db) == 0
    assert answers(h)[-1].get("show_alert")
    assert (await broadcasts.get(h.services.db, broadcast_id)).status == "draft"  # type: ignore[union-attr]


async def test_progress_reaches_the_sender_even_when_answering_the_button_fails(harness: BotHarness) -> None:
    h = harness
    original = h.request.do_request

    async def failing_answers(url: str, method: str, request_data: Any = None, **kwargs: Any) -> tuple[int, bytes]:
        status, body = await original(url, method, request_data, **kwargs)
        if url.endswith("/answerCallbackQuery"):
            return 400, b'{"ok": false, "error_code": 400, "description": "Bad Request: query is too old"}'
        return status, body

    h.request.do_request = failing_answers  # type: ignore[method-assign]
    await h.send(h.updates.message(COORDINATOR, "/alarm Bestelbus zonder kenteken"))
    broadcast_id = await confirm(h, COORDINATOR, message_id=55)
    stored = await broadcasts.get(h.services.db, broadcast_id)
    assert stored is not None and (stored.progress_chat_id, stored.progress_message_id) == (COORDINATOR, 55)
    assert "Bestelbus" in h.request.last_text(GROUP)
    await progress_tick(h.services, h.app.bot)
    final = h.request.sent(COORDINATOR, "editMessageText")[-1]
    assert int(final["message_id"]) == 55 and "Alarm verstuurd." in final["text"]
    assert "Afgeleverd: 1 · mislukt: 0 · nog te gaan: 0" in final["text"]


async def test_every_recipient_reads_the_sender_role_in_their_own_language(harness: BotHarness) -> None:
    h = harness
    english_group, english_follower, dutch_follower = -1004000000001, 110041, 110042
    team = await teams.team_by_name(h.services.db, "BPT Binnenstad")
    assert team is not None
    async with h.services.db.transaction() as tx:
        await teams.link_group(tx, english_group, team.id, title="Centre (EN)", language="en", linked_by=None)
    await follower(h, english_follower, "BU07941000", language="en")
    await follower(h, dutch_follower, "BU07941000")
    await h.send(h.updates.message(WIJKAGENT, "/gebiedsalarm WK079410 vermist Jongen (9), rode jas"))
    preview = h.request.last_text(WIJKAGENT)
    assert "2 groepen en 2 volgers in 7 buurten" in preview
    broadcast_id = await confirm(h, WIJKAGENT)
    for chat in (english_group, english_follower):
        text = h.request.last_text(chat)
        assert "Missing person" in text and "Sender: community police officer" in text and "Afzender" not in text
    for chat in (GROUP, dutch_follower):
        assert "Afzender: wijkagent" in h.request.last_text(chat)
    await h.send(h.updates.callback(WIJKAGENT, f"bc:end:{broadcast_id}"))
    await h.deliver()
    assert "Sender: community police officer" in h.request.sent(english_follower, "editMessageText")[-1]["text"]
    assert "Afzender: wijkagent" in h.request.sent(dutch_follower, "editMessageText")[-1]["text"]


# --- blocked users and removed groups ---------------------------------------------------------------

async def test_a_follower_who_blocked_the_bot_leaves_the_directory_at_once_and_comes_back(
        harness: BotHarness) -> None:
    h = harness
    person = 110051
    await h.send(h.updates.message(person, "/abonneer 5701 AB 12"))  # their language is now cached
    assert person in h.services.directory.subscribers_by_buurt["BU07941000"]
    h.request.failures[person] = FORBIDDEN
    await h.send(h.updates.message(WIJKAGENT, "/gebiedsalarm WK079410 Waarschuwing: nepagenten"))
    await confirm(h, WIJKAGENT)
    stored = await users.get(h.services.db, person)
    assert stored is not None and not stored.active
    # No other refresh happened: the 403 itself took them out of routing.
    assert person not in h.services.directory.subscribers_by_buurt.get("BU07941000", ())
    # They unblock and write again; their language is still cached from before.
    del h.request.failures[person]
    await h.send(h.updates.message(person, "/help"))
    stored = await users.get(h.services.db, person)
    assert stored is not None and stored.active
    assert person in h.services.directory.subscribers_by_buurt["BU07941000"]
    h.request.clear()
    await h.send(h.updates.message(WIJKAGENT, "/gebiedsalarm WK079410 Tweede waarschuwing"))
    await confirm(h, WIJKAGENT)
    assert "Tweede waarschuwing" in h.request.last_text(person)


async def test_pressing_a_group_button_does_not_reactivate_a_blocked_person(harness: BotHarness) -> None:
    h = harness
    person = 110061
    await h.send(h.updates.message(person, "/abonneer 5701 AB 12"))
    assert await users.mark_inactive(h.services.db, person)
    await h.send(h.updates.callback(person, "watch:1:look", chat_id=GROUP))
    stored = await users.get(h.services.db, person)
    assert stored is not None and not stored.active


async def test_an_officer_who_blocked_the_bot_is_no_longer_routed_to(harness: BotHarness) -> None:
    from tests.journeys import RESIDENT, report_until_confirm

    h = harness
    h.request.failures[WIJKAGENT] = FORBIDDEN
    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    assert WIJKAGENT not in {i for ids in h.services.directory.officers.values() for i in ids}


async def test_a_group_that_removed_the_bot_is_unlinked_and_its_coordinator_told(harness: BotHarness) -> None:
    h = harness
    h.request.failures[GROUP] = KICKED
    await h.send(h.updates.message(COORDINATOR, "/alarm Let op bij de Markt"))
    await confirm(h, COORDINATOR)
    await h.deliver()  # the notice to the coordinator was queued while the sender ran
    group = await teams.get_group(h.services.db, GROUP)
    assert group is not None and not group.active
    assert GROUP not in {g.chat_id for gs in h.services.directory.groups_by_buurt.values() for g in gs}
    notices = [t for t in h.request.texts(COORDINATOR) if "uit de groep" in t]
    assert len(notices) == 1 and "BPT Binnenstad" in notices[0]
    audit = await h.services.db.fetchall("SELECT action FROM audit_log WHERE subject = ?", (f"chat:{GROUP}",))
    assert [r[0] for r in audit].count("group.inactive") == 1
    # Nothing more is even tried there; a second 403 for it would tell nobody twice.
    attempts = len(h.request.sent(GROUP))
    await follower(h, 110071, "BU07941000")
    await h.send(h.updates.message(WIJKAGENT, "/gebiedsalarm WK079410 Nog een"))
    await confirm(h, WIJKAGENT)
    assert len(h.request.sent(GROUP)) == attempts
    from bot.teams.groups import chat_unreachable

    await chat_unreachable(h.services, GROUP)
    await h.deliver()
    assert len([t for t in h.request.texts(COORDINATOR) if "uit de groep" in t]) == 1
