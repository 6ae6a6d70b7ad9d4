"""End-to-end journeys over HTTP against the emulator, with Telegram's errors and limits."""

from __future__ import annotations

import itertools

from storage import outbox, teams, users
from tests.e2e.conftest import COORDINATOR, GROUP, RESIDENT, TIME_SCALE, WIJKAGENT, Live


async def report(live: Live, category: str = "suspicious_person", start_count: int = 0) -> None:
    world = live.world
    n = start_count
    world.send_text(RESIDENT, "/melding")
    n += 1
    assert "Wat wil je melden" in await live.reply(RESIDENT, n)
    world.press(RESIDENT, RESIDENT, f"rep:cat:{category}")
    n += 1
    assert "Heb je 112 gebeld" in await live.reply(RESIDENT, n)
    world.press(RESIDENT, RESIDENT, "rep:112:yes")
    n += 1
    assert "Waar was het" in await live.reply(RESIDENT, n)
    world.send_text(RESIDENT, "5701 AB 12")
    n += 1
    assert "Wanneer was het" in await live.reply(RESIDENT, n)
    world.press(RESIDENT, RESIDENT, "rep:when:now")
    n += 1
    assert "Beschrijf" in await live.reply(RESIDENT, n)
    world.send_text(RESIDENT, "Man in grijze jas probeert deurklinken, liep richting station")
    n += 1
    assert "foto" in await live.reply(RESIDENT, n)
    world.send_photo(RESIDENT)
    n += 1
    assert "Controleer je melding" in await live.reply(RESIDENT, n)
    world.press(RESIDENT, RESIDENT, "rep:confirm")
    await world.wait_for(lambda: "Ontvangen" in (world.sent_to(RESIDENT)[-1].text or ""))


async def test_full_report_journey_over_http(live: Live) -> None:
    await report(live)
    world = live.world
    group_text = await live.reply(GROUP, 1)
    assert "Verdachte persoon" in group_text and "112 gebeld" in group_text
    assert "Ria" not in group_text and "ria" not in group_text
    officer = await world.wait_for_messages(WIJKAGENT, 2)  # the report, then the photo
    assert "Ria" in (officer[0].text or "")
    assert officer[1].photo is not None  # re-sent as a Telegram photo: metadata stripped
    assert all(m.photo is None for m in world.sent_to(GROUP))  # photos never go to the group
    # The officer picks it up; the reporter hears back and the group message changes.
    world.press(WIJKAGENT, WIJKAGENT, "Ik pak dit op")
    await world.wait_for(lambda: any("wordt opgepakt" in t for t in world.texts(RESIDENT)))
    await world.wait_for(lambda: "Wordt opgepakt" in (world.sent_to(GROUP)[0].text or ""))
    # The wijkagent's copy is edited too, and still says who reported (the group's never does).
    await world.wait_for(lambda: "Wordt opgepakt" in (world.sent_to(WIJKAGENT)[0].text or ""))
    officer_text = world.sent_to(WIJKAGENT)[0].text or ""
    assert world.sent_to(WIJKAGENT)[0].edits >= 1
    assert "Melder: Ria (@ria)" in officer_text
    group_text = world.sent_to(GROUP)[0].text or ""
    assert "Ria" not in group_text and "@ria" not in group_text


async def test_user_who_blocked_the_bot_is_marked_inactive(live: Live) -> None:
    world = live.world
    world.block(WIJKAGENT)
    await report(live)
    await live.reply(GROUP, 1)
    db = live.services.db
    assert live.services.sender is not None
    await live.services.sender.wait_idle()
    # The 403 is handled: the user is inactive, nothing is pending for them, nothing crashed.
    user = await users.get(db, WIJKAGENT)
    assert user is not None and not user.active
    pending = await db.fetchone("SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND status = 'pending'", (WIJKAGENT,))
    assert pending is not None and pending[0] == 0


async def test_group_that_migrated_is_followed(live: Live) -> None:
    world = live.world
    new_id = world.migrate(GROUP)
    await report(live)
    await world.wait_for(lambda: len(world.sent_to(new_id)) >= 1)
    db = live.services.db
    assert await teams.get_group(db, new_id) is not None
    assert await teams.get_group(db, GROUP) is None


async def test_429_is_honoured_and_nothing_is_lost(live: Live) -> None:
    world = live.world
    world.fail_next(3, kind="429", method="sendMessage", retry_after=2, chat_id=GROUP)
    world.fail_next(2, kind="5xx", method="sendMessage", chat_id=WIJKAGENT)
    world.fail_next(1, kind="drop", method="sendMessage", chat_id=WIJKAGENT)
    world.fail_next(1, kind="429", method="sendMessage", retry_after=1, chat_id=RESIDENT)  # a direct reply
    await report(live)
    await live.reply(GROUP, 1)
    await world.wait_for_messages(WIJKAGENT, 2)
    assert live.services.sender is not None
    await live.services.sender.wait_idle()
    assert await outbox.depth(live.services.db) == 0
    assert len([m for m in world.sent_to(GROUP) if m.text]) == 1  # exactly once

    # Honoured, not just survived: the emulator refuses a request that comes back before its
    # retry_after with another 429 (counted in early_retries); none did.
    assert world.early_retries == 0
    to_group = [r for r in world.call_log if r.chat_id == GROUP and r.method == "sendMessage"]
    assert [r.status for r in to_group] == [429, 429, 429, 200]
    for refused, retry in itertools.pairwise(to_group):
        assert refused.retry_after == 2
        assert retry.at - refused.at >= refused.retry_after / TIME_SCALE  # the outbox waited
    to_resident = [r for r in world.call_log if r.chat_id == RESIDENT and r.method == "sendMessage"]
    assert (to_resident[0].status, to_resident[0].retry_after, to_resident[1].status) == (429, 1, 200)
    assert to_resident[1].at - to_resident[0].at >= 1 / TIME_SCALE  # the direct reply waited too
    assert "Wat wil je melden" in world.texts(RESIDENT)[0]  # and was not lost
    # Every 429 the world gave (the injected ones, and any from the per-chat flood limit during
    # the fast journey) was seen, waited out and retried by one of the two send paths.
    refused = [r for r in world.call_log if r.status == 429]
    interactive = live.services.interactive_stats
    assert len(refused) == world.rate_limited >= 4
    assert live.services.sender.stats.rate_limited + interactive.rate_limited == len(refused)
    assert interactive.retried == interactive.rate_limited >= 1 and interactive.failed == 0


async def test_coordinator_alarm_reaches_the_group_over_http(live: Live) -> None:
    world = live.world
    world.send_text(COORDINATOR, "/alarm Verdachte bestelbus rijdt rondjes in de Binnenstad")
    preview = await live.reply(COORDINATOR, 1)
    assert "Versturen?" in preview and "bestelbus" in preview
    assert world.sent_to(GROUP) == []  # nothing goes out before the coordinator confirms
    query_id = world.press(COORDINATOR, COORDINATOR, "Versturen")
    await world.wait_for(lambda: any("bestelbus" in t for t in world.texts(GROUP)))
    await world.wait_for(lambda: query_id in world.answered_callbacks)
    assert live.services.sender is not None
    await live.services.sender.wait_idle()
    group_texts = [t for t in world.texts(GROUP) if "bestelbus" in t]
    assert len(group_texts) == 1 and "rijdt rondjes in de Binnenstad" in group_texts[0]
    assert world.answered_callbacks[query_id].get("text") == "Verstuurd."
