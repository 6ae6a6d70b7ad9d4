"""The first journey end to end: a resident reports, the group and the wijkagent get it."""

from __future__ import annotations

from bot.domain import POLICE_NOW_CATEGORIES, Category
from storage import drafts, outbox, sightings
from tests.conftest import BotHarness

POLICE_NOW = {c.value for c in POLICE_NOW_CATEGORIES}
RESIDENT = 100001
WIJKAGENT_BINNENSTAD = 200010
GROUP_BINNENSTAD = -1001000000010


async def report_until_confirm(h: BotHarness, *, category: str = "suspicious_person",
                               where: str = "5701 AB 12", description: str | None = None) -> None:
    u = h.updates
    await h.send(u.message(RESIDENT, "/melding"))
    await h.send(u.callback(RESIDENT, f"rep:cat:{category}"))
    if category in POLICE_NOW:
        await h.send(u.callback(RESIDENT, "rep:112:yes"))
    await h.send(u.message(RESIDENT, where))
    await h.send(u.callback(RESIDENT, "rep:when:now"))
    await h.send(u.message(RESIDENT, description or "Man in grijze jas probeert deurklinken, liep richting station"))
    await h.send(u.callback(RESIDENT, "rep:nophoto"))


async def test_full_journey_routes_to_group_and_wijkagent(harness: BotHarness) -> None:
    h = harness
    await report_until_confirm(h)
    summary = h.request.last_text(RESIDENT)
    assert "Controleer je melding" in summary
    assert "Centrum" in summary

    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    confirmation = h.request.last_text(RESIDENT)
    assert "Ontvangen" in confirmation
    reference = confirmation.split("referentie is ")[1].split(".")[0]
    assert reference.startswith("M-2026-")

    # Stored before "received", with its routed messages already in the outbox.
    stored = await sightings.by_reference(h.services.db, reference)
    assert stored is not None and stored.category is Category.SUSPICIOUS_PERSON
    assert stored.area.buurt_code == "BU07941000"
    assert await outbox.depth(h.services.db) == 2
    assert await drafts.load(h.services.db, RESIDENT) is None

    await h.deliver()
    group_text = h.request.last_text(GROUP_BINNENSTAD)
    officer_text = h.request.last_text(WIJKAGENT_BINNENSTAD)
    assert reference in group_text and reference in officer_text
    assert "deurklinken" in group_text
    # The group never sees who reported; the wijkagent does.
    assert "Bewoner100001" not in group_text and "user100001" not in group_text
    assert "Bewoner100001" in officer_text
    assert await outbox.depth(h.services.db) == 0


async def test_emergency_category_first_reply_is_call_112(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/melding"))
    h.request.clear()
    await h.send(h.updates.callback(RESIDENT, "rep:cat:burglary_in_progress"))
    replies = h.request.texts(RESIDENT)
    assert "Bel nu 112" in replies[0]
    assert "Heb je 112 gebeld" in replies[1]


async def test_urgent_text_gets_112_before_any_question(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/melding er wordt nu ingebroken bij de buren"))
    replies = h.request.texts(RESIDENT)
    assert "Bel nu 112" in replies[0]
    assert "Wat wil je melden" in replies[1]


async def test_bad_input_at_each_step_repeats_the_question(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    await h.send(u.message(RESIDENT, "/melding"))
    await h.send(u.message(RESIDENT, "hallo"))  # text where a button is expected
    assert "Wat wil je melden" in h.request.last_text(RESIDENT)
    await h.send(u.callback(RESIDENT, "rep:cat:nuisance"))
    await h.send(u.sticker(RESIDENT))  # a sticker where a place is asked
    assert "Waar was het" in h.request.last_text(RESIDENT)
    await h.send(u.message(RESIDENT, "ergens bij de kerk"))
    assert "postcode" in h.request.last_text(RESIDENT)
    await h.send(u.message(RESIDENT, "5701 AB 12"))
    await h.send(u.callback(RESIDENT, "rep:when:earlier"))
    await h.send(u.message(RESIDENT, "straks"))
    assert "Hoe laat" in h.request.last_text(RESIDENT)
    await h.send(u.message(RESIDENT, "19:30"))
    await h.send(u.message(RESIDENT, "x" * 10_000))
    assert "te lang" in h.request.last_text(RESIDENT)
    await h.send(u.message(RESIDENT, "Harde muziek en geschreeuw"))
    await h.send(u.message(RESIDENT, "geen foto"))  # text where a photo is asked
    assert "foto" in h.request.last_text(RESIDENT).lower()
    await h.send(u.photo(RESIDENT))
    assert "Controleer je melding" in h.request.last_text(RESIDENT)
    # Nothing stored until confirmed.
    assert await outbox.depth(h.services.db) == 0
    await h.send(u.callback(RESIDENT, "rep:confirm"))
    assert "Ontvangen" in h.request.last_text(RESIDENT)


async def test_cancel_leaves_nothing(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/melding"))
    await h.send(h.updates.callback(RESIDENT, "rep:cat:nuisance"))
    await h.send(h.updates.message(RESIDENT, "/annuleer"))
    assert "geannuleerd" in h.request.last_text(RESIDENT)
    assert await drafts.load(h.services.db, RESIDENT) is None
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM sightings")
    assert row is not None and row[0] == 0


async def test_outside_any_area_stores_nothing(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/melding"))
    await h.send(h.updates.callback(RESIDENT, "rep:cat:nuisance"))
    await h.send(h.updates.message(RESIDENT, "1011 AB 1"))  # Amsterdam: not configured
    reply = h.request.last_text(RESIDENT)
    assert "buiten" in reply and "112" in reply and "0900-8844" in reply and "0800-7000" in reply
    assert await drafts.load(h.services.db, RESIDENT) is None


async def test_shared_location_resolves_by_polygon(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/melding"))
    await h.send(h.updates.callback(RESIDENT, "rep:cat:suspicious_vehicle"))
    await h.send(h.updates.callback(RESIDENT, "rep:112:no"))
    # Inside Helmond's Brandevoort (wijk 21), far from any buurt border.
    await h.send(h.updates.location(RESIDENT, 51.4585, 5.6150))
    assert "Gevonden" in h.request.last_text(RESIDENT)


async def test_change_returns_to_summary(harness: BotHarness) -> None:
    h = harness
    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:change"))
    await h.send(h.updates.callback(RESIDENT, "rep:edit:description"))
    await h.send(h.updates.message(RESIDENT, "Twee mannen met rode jassen kijken in auto's"))
    summary = h.request.last_text(RESIDENT)
    assert "Controleer je melding" in summary and "rode jassen" in summary


async def test_report_resumes_after_restart(harness: BotHarness, config, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_harness

    h = harness
    await h.send(h.updates.message(RESIDENT, "/melding"))
    await h.send(h.updates.callback(RESIDENT, "rep:cat:nuisance"))
    # A new process: the conversation state in memory is gone, the draft in SQLite is not.
    async with make_harness(config, clock) as fresh:
        await fresh.send(fresh.updates.message(RESIDENT, "5701 AB 12"))
        texts = fresh.request.texts(RESIDENT)
        assert any("herstart" in t for t in texts)
        assert "Waar was het" in texts[-1]
        await fresh.send(fresh.updates.message(RESIDENT, "5701 AB 12"))
        assert "Wanneer" in fresh.request.last_text(RESIDENT)


async def test_officer_acknowledges_and_reporter_hears_back(harness: BotHarness) -> None:
    h = harness
    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    incident = await h.services.db.fetchone("SELECT id FROM incidents")
    assert incident is not None
    # Someone the report was not routed to cannot press the button.
    await h.send(h.updates.callback(123456, f"ack:{incident[0]}:take"))
    answers = [p for e, p in h.request.calls if e == "answerCallbackQuery"]
    assert "niet aan jou" in answers[-1]["text"]
    await h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident[0]}:take"))
    await h.deliver()
    assert "wordt opgepakt" in h.request.last_text(RESIDENT)
    edits = h.request.sent(GROUP_BINNENSTAD, "editMessageText")
    assert edits and "Wordt opgepakt" in edits[-1]["text"]


async def test_saar_112_question_tags_the_alert(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    await h.send(u.message(RESIDENT, "/melding"))
    await h.send(u.callback(RESIDENT, "rep:cat:suspicious_person"))
    question = h.request.last_text(RESIDENT)
    assert "Heb je 112 gebeld" in question and "0900-8844" in question
    await h.send(u.callback(RESIDENT, "rep:112:call"))
    texts = h.request.texts(RESIDENT)
    assert "Bel nu 112" in texts[-2] and "Heb je 112 gebeld" in texts[-1]
    await h.send(u.callback(RESIDENT, "rep:112:yes"))
    await h.send(u.message(RESIDENT, "5701 AB 12"))
    await h.send(u.callback(RESIDENT, "rep:when:now"))
    await h.send(u.message(RESIDENT, "Man met zwarte rugzak kijkt door ramen, fietst richting markt"))
    await h.send(u.callback(RESIDENT, "rep:nophoto"))
    await h.send(u.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    assert "112 is gebeld" in h.request.last_text(GROUP_BINNENSTAD)


async def test_category_without_police_need_skips_112_question(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/melding"))
    await h.send(h.updates.callback(RESIDENT, "rep:cat:neglect"))
    assert "Waar was het" in h.request.last_text(RESIDENT)


async def test_not_called_is_shown_to_the_group(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    await h.send(u.message(RESIDENT, "/melding"))
    await h.send(u.callback(RESIDENT, "rep:cat:suspicious_vehicle"))
    await h.send(u.callback(RESIDENT, "rep:112:no"))
    await h.send(u.message(RESIDENT, "5701 AB 12"))
    await h.send(u.callback(RESIDENT, "rep:when:now"))
    await h.send(u.message(RESIDENT, "Witte bestelbus zonder kenteken rijdt stapvoets rondjes"))
    await h.send(u.callback(RESIDENT, "rep:nophoto"))
    await h.send(u.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    assert "112 is (nog) niet gebeld" in h.request.last_text(GROUP_BINNENSTAD)


async def test_description_check_sends_profiling_back_kindly(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    await h.send(u.message(RESIDENT, "/melding"))
    await h.send(u.callback(RESIDENT, "rep:cat:suspicious_person"))
    await h.send(u.callback(RESIDENT, "rep:112:no"))
    await h.send(u.message(RESIDENT, "5701 AB 12"))
    await h.send(u.callback(RESIDENT, "rep:when:now"))
    await h.send(u.message(RESIDENT, "Donkere man loopt rond"))
    advice = h.request.last_text(RESIDENT)
    assert "Afkomst of huidskleur" in advice and "twee kenmerken" in advice
    await h.send(u.message(RESIDENT, "suspicious black guy"))
    assert "Afkomst of huidskleur" in h.request.last_text(RESIDENT)
    # Accepted with behaviour and details; the group gets it without the origin, the officer as written.
    await h.send(u.message(RESIDENT, "Marokkaanse jongen in rode jas met zwarte rugzak probeert deurklinken"))
    await h.send(u.callback(RESIDENT, "rep:nophoto"))
    await h.send(u.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    group = h.request.last_text(GROUP_BINNENSTAD)
    assert "Marokkaanse" not in group and "[…] jongen in rode jas" in group
    assert "Marokkaanse jongen" in h.request.last_text(WIJKAGENT_BINNENSTAD)


async def test_vehicle_descriptions_are_not_held_to_the_person_rule(harness: BotHarness) -> None:
    h = harness
    await report_until_confirm(h, category="suspicious_vehicle", description="Witte bus")
    assert "Controleer je melding" in h.request.last_text(RESIDENT)


async def test_photos_go_to_the_officer_never_to_the_group(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    await h.send(u.message(RESIDENT, "/melding"))
    await h.send(u.callback(RESIDENT, "rep:cat:suspicious_person"))
    await h.send(u.callback(RESIDENT, "rep:112:yes"))
    await h.send(u.message(RESIDENT, "5701 AB 12"))
    await h.send(u.callback(RESIDENT, "rep:when:now"))
    await h.send(u.message(RESIDENT, "Man in grijze jas met rugzak probeert deurklinken"))
    await h.send(u.photo(RESIDENT, "PERSON-PHOTO"))
    await h.send(u.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    assert not h.request.sent(GROUP_BINNENSTAD, "sendPhoto")
    photos = h.request.sent(WIJKAGENT_BINNENSTAD, "sendPhoto")
    assert photos and photos[0]["photo"] == "PERSON-PHOTO"
