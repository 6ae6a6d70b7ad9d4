"""The first journey end to end: a resident reports, the group and the wijkagent get it."""

from __future__ import annotations

from bot.core.domain import Category
from storage import drafts, outbox, sightings
from tests.conftest import BotHarness
from tests.journeys import (
    GROUP_BINNENSTAD,
    POLICE_NOW,
    RESIDENT,
    WIJKAGENT_BINNENSTAD,
    report_until_confirm,
)


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
    # One screen: "Bel nu 112" is the question, with its two answers (not a warning and then
    # "Heb je 112 gebeld?" at once).
    sent = h.request.sent(RESIDENT)
    assert len(sent) == 1 and "Bel nu 112" in sent[0]["text"]
    labels = [b["text"] for row in sent[0]["reply_markup"]["inline_keyboard"] for b in row]
    assert any("Ik heb gebeld" in label for label in labels)
    assert any("Ik kan nu niet bellen" in label for label in labels)


async def test_urgent_text_gets_112_before_any_question(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/melding er wordt nu ingebroken bij de buren"))
    replies = h.request.texts(RESIDENT)
    assert len(replies) == 1 and "Bel nu 112" in replies[0]
    await h.send(h.updates.callback(RESIDENT, "rep:112:yes"))
    assert "Wat wil je melden" in h.request.last_text(RESIDENT)


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


async def test_outside_any_area_keeps_the_draft_and_asks_again(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/melding"))
    await h.send(h.updates.callback(RESIDENT, "rep:cat:nuisance"))
    await h.send(h.updates.message(RESIDENT, "1011 AB 1"))  # Amsterdam: not configured
    outside, again = h.request.sent(RESIDENT)[-2:]
    assert "buiten" in outside["text"] and "112" in outside["text"] and "0900-8844" in outside["text"]
    assert "0800-7000" in outside["text"]
    # Nothing the resident typed is thrown away: the place is asked again, with the location button.
    assert "Waar was het" in again["text"]
    assert again["reply_markup"]["keyboard"][0][0]["request_location"] is True
    stored = await drafts.load(h.services.db, RESIDENT)
    assert stored is not None and stored[1]["category"] == "nuisance"
    await h.send(h.updates.message(RESIDENT, "5701 AB 12"))
    assert "Wanneer" in h.request.last_text(RESIDENT)


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
    # A new process: nothing was in its memory, the draft in SQLite is the conversation. The
    # next message is simply the answer to the open question (nothing swallowed).
    async with make_harness(config, clock) as fresh:
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
    # "Bel 112" shows the numbers once and moves on; it does not ask the same question again.
    texts = h.request.texts(RESIDENT)
    assert "112" in texts[-2] and "0900-8844" in texts[-2] and "Waar was het" in texts[-1]
    assert not any("Heb je 112 gebeld" in text for text in texts[-2:])
    await h.send(u.message(RESIDENT, "5701 AB 12"))
    await h.send(u.callback(RESIDENT, "rep:when:now"))
    await h.send(u.message(RESIDENT, "Man met zwarte rugzak kijkt door ramen, fietst richting markt"))
    await h.send(u.callback(RESIDENT, "rep:nophoto"))
    await h.send(u.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    assert "112 gebeld" in h.request.last_text(GROUP_BINNENSTAD)


async def test_category_without_police_need_skips_112_question(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/melding"))
    await h.send(h.updates.callback(RESIDENT, "rep:cat:neglect"))
    assert "Waar was het" in h.request.last_text(RESIDENT)


async def test_not_needed_says_nothing_about_112_to_the_group(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    await h.send(u.message(RESIDENT, "/melding"))
    await h.send(u.callback(RESIDENT, "rep:cat:suspicious_vehicle"))
    await h.send(u.callback(RESIDENT, "rep:112:no"))
    await h.send(u.message(RESIDENT, "5701 AB 12"))
    await h.send(u.callback(RESIDENT, "rep:when:now"))
    await h.send(u.message(RESIDENT, "Witte bestelbus zonder kenteken rijdt stapvoets rondjes"))
    await h.send(u.callback(RESIDENT, "rep:nophoto"))
    assert "112: niet nodig" in h.request.last_text(RESIDENT)  # the summary shows the answer
    await h.send(u.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    group = h.request.last_text(GROUP_BINNENSTAD)
    assert "Verdacht voertuig" in group and "112" not in group.split("Referentie")[0]


async def test_could_not_call_during_a_burglary_tells_the_group_112_was_not_called(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    await h.send(u.message(RESIDENT, "/melding"))
    await h.send(u.callback(RESIDENT, "rep:cat:burglary_in_progress"))
    await h.send(u.callback(RESIDENT, "rep:112:notnow"))
    await h.send(u.message(RESIDENT, "5701 AB 12"))
    await h.send(u.callback(RESIDENT, "rep:when:now"))
    await h.send(u.message(RESIDENT, "Twee mannen forceren de achterdeur, een staat op de uitkijk"))
    await h.send(u.callback(RESIDENT, "rep:nophoto"))
    await h.send(u.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    assert "112 niet gebeld" in h.request.last_text(GROUP_BINNENSTAD)


async def test_the_summary_lets_the_112_answer_change(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    await report_until_confirm(h, category="suspicious_vehicle", description="Witte bus zonder kenteken")
    assert "112: gebeld" in h.request.last_text(RESIDENT)
    await h.send(u.callback(RESIDENT, "rep:change"))
    await h.send(u.callback(RESIDENT, "rep:edit:called_112"))
    assert "Heb je 112 gebeld" in h.request.last_text(RESIDENT)
    await h.send(u.callback(RESIDENT, "rep:112:no"))
    summary = h.request.last_text(RESIDENT)
    assert "Controleer je melding" in summary and "112: niet nodig" in summary


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


# --- the description check in the flow (WP-D): only about people, never blocking an emergency ---

ENGLISH_RESIDENT = 100077


async def report_until_description(h: BotHarness, category: str, *, user: int = RESIDENT,
                                   language: str = "nl") -> None:
    u = h.updates
    await h.send(u.message(user, "/report" if language == "en" else "/melding", language=language))
    await h.send(u.callback(user, f"rep:cat:{category}"))
    if category in POLICE_NOW:
        await h.send(u.callback(user, "rep:112:yes"))
    await h.send(u.message(user, "5701 AB 12"))
    await h.send(u.callback(user, "rep:when:now"))


def answers(h: BotHarness) -> list[str]:
    return [p.get("text", "") for e, p in h.request.calls if e == "answerCallbackQuery"]


async def test_burglary_in_progress_without_a_person_is_not_held_back(harness: BotHarness) -> None:
    h = harness
    await report_until_description(h, "burglary_in_progress")
    await h.send(h.updates.message(RESIDENT, "Ik hoor glas breken bij de buren, alarm gaat af"))
    assert "foto" in h.request.last_text(RESIDENT).lower()  # on to the photo: accepted
    await report_until_description(h, "burglary_in_progress", user=ENGLISH_RESIDENT, language="en")
    await h.send(h.updates.message(ENGLISH_RESIDENT, "I hear glass breaking next door, the alarm is going off"))
    assert "photo" in h.request.last_text(ENGLISH_RESIDENT).lower()


async def test_burglary_in_progress_naming_colour_goes_on_redacted_for_the_group(harness: BotHarness) -> None:
    h = harness
    await report_until_description(h, "burglary_in_progress")
    await h.send(h.updates.message(RESIDENT, "Donkere man breekt het raam aan de achterkant"))
    await h.send(h.updates.callback(RESIDENT, "rep:nophoto"))
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    assert "Ontvangen" in h.request.last_text(RESIDENT)
    await h.deliver()
    group = h.request.last_text(GROUP_BINNENSTAD)
    assert "Donkere" not in group and "[…] man breekt het raam" in group
    assert "Donkere man breekt het raam" in h.request.last_text(WIJKAGENT_BINNENSTAD)  # unaltered


async def test_youth_nuisance_about_a_group_is_accepted_in_both_languages(harness: BotHarness) -> None:
    h = harness
    await report_until_description(h, "youth_nuisance")
    await h.send(h.updates.message(RESIDENT, "Groep jongeren bij de speeltuin gooit flessen"))
    assert "Heb je een foto" in h.request.last_text(RESIDENT)
    await report_until_description(h, "youth_nuisance", user=ENGLISH_RESIDENT, language="en")
    await h.send(h.updates.message(ENGLISH_RESIDENT, "Group of teenagers throwing bottles at the playground"))
    assert "photo" in h.request.last_text(ENGLISH_RESIDENT).lower()
    # Naming origin still needs behaviour and two real details.
    await report_until_description(h, "youth_nuisance")
    await h.send(h.updates.message(RESIDENT, "Groep Marokkaanse jongeren bij de speeltuin gooit flessen"))
    assert "Afkomst of huidskleur" in h.request.last_text(RESIDENT)


async def test_no_person_seen_path_nl_and_en(harness: BotHarness) -> None:
    h = harness
    await report_until_description(h, "suspicious_person")
    await h.send(h.updates.message(RESIDENT, "Buren hoorden iemand in de tuin, het hek staat open"))
    advice = h.request.sent(RESIDENT)[-1]
    assert "Geen persoon gezien" in advice["text"]
    assert advice["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "rep:noperson"
    await h.send(h.updates.callback(RESIDENT, "rep:noperson"))
    assert "Heb je een foto" in h.request.last_text(RESIDENT)
    await h.send(h.updates.callback(RESIDENT, "rep:nophoto"))
    assert "het hek staat open" in h.request.last_text(RESIDENT)  # the summary has it as written

    await report_until_description(h, "suspicious_person", user=ENGLISH_RESIDENT, language="en")
    await h.send(h.updates.message(ENGLISH_RESIDENT, "Someone was in our garden, I only heard the gate"))
    assert "No person seen" in h.request.sent(ENGLISH_RESIDENT)[-1]["text"]
    await h.send(h.updates.callback(ENGLISH_RESIDENT, "rep:noperson"))
    assert "photo" in h.request.last_text(ENGLISH_RESIDENT).lower()


async def test_no_person_seen_does_not_pass_origin_or_colour(harness: BotHarness) -> None:
    h = harness
    await report_until_description(h, "suspicious_person")
    await h.send(h.updates.message(RESIDENT, "Donkere man loopt rond"))
    advice = h.request.sent(RESIDENT)[-1]
    assert "Afkomst of huidskleur" in advice["text"] and not advice.get("reply_markup")
    await h.send(h.updates.callback(RESIDENT, "rep:noperson"))  # an old button, or a forged one
    assert "Afkomst of huidskleur" in h.request.last_text(RESIDENT)
    draft = await drafts.load(h.services.db, RESIDENT)
    assert draft is not None and draft[0] == "description" and "description" not in draft[1]


async def test_changing_the_category_to_a_person_rechecks_the_description(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    # Accepted as a vehicle report (vehicles are not held to the person rule) ...
    await report_until_confirm(h, category="suspicious_vehicle", description="Donkere man in auto rijdt rondjes")
    assert "Controleer je melding" in h.request.last_text(RESIDENT)
    # ... then Wijzigen → Wat → Verdachte persoon: the description is checked again.
    await h.send(u.callback(RESIDENT, "rep:change"))
    await h.send(u.callback(RESIDENT, "rep:edit:category"))
    await h.send(u.callback(RESIDENT, "rep:cat:suspicious_person"))
    texts = h.request.texts(RESIDENT)
    assert "Afkomst of huidskleur" in texts[-1] and "Controleer je melding" not in texts[-1]
    await h.send(u.callback(RESIDENT, "rep:confirm"))  # the old summary's button does nothing now
    assert await outbox.depth(h.services.db) == 0
    await h.send(u.message(RESIDENT, "Man in grijze jas met pet rijdt rondjes in een witte auto"))
    summary = h.request.last_text(RESIDENT)
    assert "Controleer je melding" in summary and "Verdachte persoon" in summary
    await h.send(u.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    assert "grijze jas" in h.request.last_text(GROUP_BINNENSTAD)
    stored = await h.services.db.fetchone("SELECT category, description FROM sightings")
    assert stored is not None and stored[0] == "suspicious_person" and "Donkere" not in stored[1]


async def test_confirm_checks_the_description_again(harness: BotHarness) -> None:
    h = harness
    # A draft that reached the summary some other way (an older version, a restart) with a person
    # category and an origin-only description: the confirm button is the last gate.
    await report_until_confirm(h)
    step, data = await drafts.load(h.services.db, RESIDENT)  # type: ignore[misc]
    data["description"] = "donkere man"
    await drafts.save(h.services.db, RESIDENT, step, data)
    h.services.draft_cache.clear()
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    assert "Afkomst of huidskleur" in h.request.last_text(RESIDENT)
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM sightings")
    assert row is not None and row[0] == 0


async def test_an_english_speaking_residents_full_journey(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    me = ENGLISH_RESIDENT
    await h.send(u.message(me, "/start", language="en"))
    assert "Welcome to Buurtwacht" in h.request.last_text(me)
    await h.send(u.message(me, "/report", language="en"))
    assert "What do you want to report?" in h.request.last_text(me)
    await h.send(u.callback(me, "rep:cat:suspicious_person"))
    question = h.request.last_text(me)
    assert "Have you called 112?" in question and "0900-8844" in question and "+31 900 8844" in question
    await h.send(u.callback(me, "rep:112:no"))
    await h.send(u.message(me, "5701 AB 12"))
    await h.send(u.callback(me, "rep:when:now"))
    await h.send(u.message(me, "black guy"))  # origin only: sent back, in English
    assert "two features" in h.request.last_text(me) or "two details" in h.request.last_text(me)
    await h.send(u.message(me, "Man in a black hoodie trying door handles, about 30 years, walked towards the station"))
    assert "photo" in h.request.last_text(me).lower()
    await h.send(u.callback(me, "rep:nophoto"))
    assert "Check your report" in h.request.last_text(me)
    await h.send(u.callback(me, "rep:confirm"))
    receipt = h.request.last_text(me)
    assert "Received. Your reference is M-2026-" in receipt
    await h.deliver()
    group = h.request.last_text(GROUP_BINNENSTAD)
    assert "door handles" in group and "Bewoner100077" not in group
    assert "Verdachte persoon" in group  # the group reads its own language (nl)
    incident = await h.services.db.fetchone("SELECT id FROM incidents")
    assert incident is not None
    await h.send(u.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident[0]}:take"))
    await h.deliver()
    assert "is being" in h.request.last_text(me) or "taken up" in h.request.last_text(me)
