"""Findings of the final audit on the report flow, each through the real handlers.

Double taps, merged reports reaching the officers, edited messages and live locations, the
receipt naming who really got the report, what counts as urgent, and commands in groups.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from telegram import Update

from bot.core.domain import RecipientKind
from bot.core.i18n import translator
from bot.reports import texts as render
from bot.reports.rules import description_sounds_urgent, is_urgent_text
from storage import drafts, sightings
from tests.conftest import BOT_USERNAME, BotHarness
from tests.reports.test_report_journey import (
    GROUP_BINNENSTAD,
    RESIDENT,
    WIJKAGENT_BINNENSTAD,
    report_until_confirm,
)

SECOND = RESIDENT + 1
BOA_BINNENSTAD = 300010
CARE_DESK = 400003
FALLBACK_DESK = 400001


def answers(h: BotHarness) -> list[str]:
    return [p.get("text") or "" for e, p in h.request.calls if e == "answerCallbackQuery"]


async def count(h: BotHarness, sql: str) -> int:
    row = await h.services.db.fetchone(sql)
    assert row is not None
    return int(row[0])


def edited(h: BotHarness, user_id: int, **content: Any) -> Update:
    """An edited_message update, the way Telegram sends an edit or a live-location move."""
    message = {"message_id": 1, "date": 1_700_000_000, "edit_date": 1_700_000_060,
               "chat": {"id": user_id, "type": "private", "first_name": f"Bewoner{user_id}"},
               "from": {"id": user_id, "is_bot": False, "first_name": f"Bewoner{user_id}"}, **content}
    return Update.de_json({"update_id": next(h.updates.ids), "edited_message": message}, h.app.bot)


async def report(h: BotHarness, reporter: int, *, category: str = "suspicious_person", description: str,
                 photo: str | None = None, when: str = "now") -> str:
    u = h.updates
    await h.send(u.message(reporter, "/melding"))
    await h.send(u.callback(reporter, f"rep:cat:{category}"))
    if category in ("suspicious_person", "suspicious_vehicle"):
        await h.send(u.callback(reporter, "rep:112:yes"))
    await h.send(u.message(reporter, "5701 AB 12"))
    await h.send(u.callback(reporter, f"rep:when:{when}"))
    if when == "earlier":
        await h.send(u.message(reporter, "gisteren 22:15"))
    await h.send(u.message(reporter, description))
    await h.send(u.photo(reporter, photo) if photo else u.callback(reporter, "rep:nophoto"))
    await h.send(u.callback(reporter, "rep:confirm"))
    receipt = h.request.last_text(reporter)
    assert "Ontvangen" in receipt, receipt
    return receipt.split("referentie is ")[1].split(".")[0]


# ---------------------------------------------------------------------------- 1. double taps


async def test_a_double_tap_on_versturen_stores_one_report(harness: BotHarness) -> None:
    h = harness
    await report_until_confirm(h)
    h.request.clear()
    await asyncio.gather(h.send(h.updates.callback(RESIDENT, "rep:confirm")),
                         h.send(h.updates.callback(RESIDENT, "rep:confirm")))
    assert await count(h, "SELECT COUNT(*) FROM sightings") == 1
    assert await count(h, "SELECT report_count FROM incidents") == 1
    receipts = [t for t in h.request.texts(RESIDENT) if "Ontvangen" in t]
    assert len(receipts) == 1 and "meldingen" not in receipts[0]
    assert any("al verstuurd" in a for a in answers(h))
    assert await drafts.load(h.services.db, RESIDENT) is None
    await h.deliver()
    assert len(h.request.sent(GROUP_BINNENSTAD, "sendMessage")) == 1
    assert len(h.request.sent(WIJKAGENT_BINNENSTAD, "sendMessage")) == 1


async def test_two_presses_at_once_on_a_status_button_tell_the_reporter_once(harness: BotHarness) -> None:
    h = harness
    await report(h, RESIDENT, description="Man in grijze jas probeert deurklinken, liep richting station")
    await h.deliver()
    incident = await count(h, "SELECT id FROM incidents")
    h.request.clear()
    await asyncio.gather(h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident}:done")),
                         h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident}:done")))
    await h.deliver()
    told = [t for t in h.request.texts(RESIDENT) if "afgerond" in t]
    assert len(told) == 1
    assert sorted(answers(h)) == ["Dit was al zo ingesteld.", "Gedaan. De melder krijgt bericht."]


async def test_a_status_change_and_a_close_at_once_close_only_once(harness: BotHarness) -> None:
    h = harness
    await report(h, RESIDENT, description="Man in grijze jas probeert deurklinken, liep richting station")
    await h.deliver()
    incident = await count(h, "SELECT id FROM incidents")
    h.request.clear()
    await asyncio.gather(h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident}:resolved")),
                         h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident}:false")))
    await h.deliver()
    closed = [t for t in h.request.texts(RESIDENT) if "opgelost" in t or "vals alarm" in t]
    assert len(closed) == 1
    assert "Deze melding is al afgesloten." in answers(h)


# ---------------------------------------------------------------------------- 2. merged reports


async def test_a_merged_report_reaches_the_wijkagent_as_a_reply_with_text_photo_and_name(harness: BotHarness) -> None:
    h = harness
    first = await report(h, RESIDENT, description="Man in grijze jas bij de achterdeuren, liep richting kerk")
    # The second report comes before the first message is even out: the reply waits for it.
    second = await report(h, SECOND, description="Tweede man met rode pet en blauwe jas stond op de uitkijk bij de kerk",
                          photo="SECOND-PHOTO")
    await h.deliver()
    agent = h.request.sent(WIJKAGENT_BINNENSTAD)
    originals = [p for p in agent if "reply_parameters" not in p and "message_id" not in p]
    assert len(originals) == 1 and first in originals[0]["text"]
    first_message_id = next(int(p["message_id"]) for e, p in h.request.calls
                            if e == "editMessageText" and int(p["chat_id"]) == WIJKAGENT_BINNENSTAD)
    replies = [p for p in agent if "reply_parameters" in p]
    assert [int(r["reply_parameters"]["message_id"]) for r in replies] == [first_message_id, first_message_id]
    text = next(r["text"] for r in replies if "text" in r)
    assert f"Aanvulling op {first}" in text and second in text
    assert "rode pet en blauwe jas stond op de uitkijk" in text and "Bewoner100002" in text
    photo = next(r for r in replies if "photo" in r)
    assert photo["photo"] == "SECOND-PHOTO" and second in photo["caption"]
    # The edit of the first message still counts both reports.
    edits = h.request.sent(WIJKAGENT_BINNENSTAD, "editMessageText")
    assert "2 meldingen" in edits[-1]["text"] and second in edits[-1]["text"]
    # The group gets only the edited count: no second message, no name, no photo.
    group = h.request.sent(GROUP_BINNENSTAD)
    assert len(h.request.sent(GROUP_BINNENSTAD, "sendMessage")) == 1
    assert not h.request.sent(GROUP_BINNENSTAD, "sendPhoto")
    assert "2 meldingen" in group[-1]["text"]
    assert not any("Bewoner100002" in (p.get("text") or "") for p in group)


async def test_a_merged_report_after_the_first_was_delivered_also_replies(harness: BotHarness) -> None:
    h = harness
    await report(h, RESIDENT, description="Man in grijze jas bij de achterdeuren, liep richting kerk")
    await h.deliver()
    assert len(h.request.sent(WIJKAGENT_BINNENSTAD, "sendMessage")) == 1
    row = await h.services.db.fetchone(
        "SELECT message_id FROM outbox WHERE chat_id = ? AND method = 'sendMessage'", (WIJKAGENT_BINNENSTAD,))
    assert row is not None and row[0] is not None
    await report(h, SECOND, description="Tweede man met rode pet en blauwe jas stond op de uitkijk bij de kerk")
    await h.deliver()
    reply = h.request.sent(WIJKAGENT_BINNENSTAD, "sendMessage")[-1]
    assert "rode pet" in reply["text"]
    assert int(reply["reply_parameters"]["message_id"]) == row[0]
    # Only officers get the addition: the group and the first reporter do not.
    assert len(h.request.sent(GROUP_BINNENSTAD, "sendMessage")) == 1
    assert not any("rode pet" in t for t in h.request.texts(RESIDENT))


async def test_the_addition_to_an_officer_loses_the_reporter_name_after_vergeetmij(harness: BotHarness) -> None:
    h = harness
    await report(h, RESIDENT, description="Man in grijze jas bij de achterdeuren, liep richting kerk")
    await report(h, SECOND, description="Tweede man met rode pet en blauwe jas stond op de uitkijk bij de kerk")
    from storage.privacy import erase_person

    await erase_person(h.services.db, SECOND, now=h.clock())
    rows = await h.services.db.fetchall(
        "SELECT payload FROM outbox WHERE chat_id = ? AND method = 'sendMessage' AND reply_to IS NOT NULL",
        (WIJKAGENT_BINNENSTAD,))
    assert rows and all("Bewoner100002" not in r[0] for r in rows)


# ---------------------------------------------------------------------------- 3. edited messages


async def test_edited_messages_and_live_location_moves_get_no_reply(harness: BotHarness) -> None:
    h = harness
    # Outside any report.
    await h.send(h.updates.message(RESIDENT, "/start"))
    h.request.clear()
    await h.send(edited(h, RESIDENT, text="hallo, foutje"))
    await h.send(edited(h, RESIDENT, text="/melding"))
    assert h.request.sent(RESIDENT) == []
    # During a report: at the place question, then after the live location was accepted.
    await h.send(h.updates.message(RESIDENT, "/melding"))
    await h.send(h.updates.callback(RESIDENT, "rep:cat:nuisance"))
    h.request.clear()
    await h.send(edited(h, RESIDENT, text="5701 AB 12"))
    assert h.request.sent(RESIDENT) == []
    await h.send(h.updates.message(RESIDENT, location={"latitude": 51.4585, "longitude": 5.6150,
                                                       "live_period": 3600}))
    assert "Gevonden" in h.request.last_text(RESIDENT)
    h.request.clear()
    for step in range(5):
        await h.send(edited(h, RESIDENT, location={"latitude": 51.4585 + step / 10_000, "longitude": 5.6150,
                                                   "live_period": 3600}))
    assert h.request.sent(RESIDENT) == []
    loaded = await drafts.load(h.services.db, RESIDENT)
    assert loaded is not None and loaded[0] == "when"


async def test_an_edited_message_in_a_group_gets_no_reply(harness: BotHarness) -> None:
    h = harness
    update = Update.de_json({"update_id": 99, "edited_message": {
        "message_id": 5, "date": 1_700_000_000, "edit_date": 1_700_000_060,
        "chat": {"id": GROUP_BINNENSTAD, "type": "supergroup", "title": "Buurtgroep"},
        "from": {"id": RESIDENT, "is_bot": False, "first_name": "Bewoner"}, "text": "/melding",
        "entities": [{"type": "bot_command", "offset": 0, "length": 8}]}}, h.app.bot)
    await h.send(update)
    assert h.request.sent() == []


# ---------------------------------------------------------------------------- 4. the receipt


@pytest.mark.parametrize(("category", "description", "named", "not_named"), [
    ("suspicious_person", "Man in grijze jas probeert deurklinken, liep richting station",
     "Doorgestuurd naar: de buurtpreventiegroep, de wijkagent.", ["Zorg", "BOA"]),
    ("confused_person", "Oudere man in pyjama loopt verward op straat, lijkt de weg kwijt",
     "Doorgestuurd naar: het Zorg- en Veiligheidshuis (zorg), de wijkagent.", ["buurtpreventiegroep"]),
    ("nuisance", "Harde muziek uit de tuin op nummer 14, al twee uur",
     "Doorgestuurd naar: de wijkagent, de BOA.", ["buurtpreventiegroep", "Zorg"]),
])
async def test_the_receipt_names_who_really_got_the_report(harness: BotHarness, category: str, description: str,
                                                           named: str, not_named: list[str]) -> None:
    h = harness
    await report(h, RESIDENT, category=category, description=description)
    receipt = h.request.last_text(RESIDENT)
    assert named in receipt
    assert "naar de buurt en de wijkagent" not in receipt
    for word in not_named:
        assert word not in receipt.split("Doorgestuurd naar:")[1].split("\n")[0]
    assert "het Zorg- en Veiligheidshuis" in receipt.split("ziet wie meldde")[0]  # the summary line


async def test_the_receipt_names_the_gemeente_desk_where_the_wijk_has_no_officer(harness: BotHarness) -> None:
    h = harness
    h.services.directory = dataclasses.replace(h.services.directory, officers={})
    await report(h, RESIDENT, category="nuisance", description="Harde muziek uit de tuin op nummer 14, al twee uur")
    assert "Doorgestuurd naar: het meldpunt van de gemeente." in h.request.last_text(RESIDENT)
    await h.deliver()
    assert h.request.sent(FALLBACK_DESK, "sendMessage")


def test_the_recipient_sentence_in_english_and_in_routing_order() -> None:
    en = translator("en")
    kinds = [RecipientKind.CARE_DESK, RecipientKind.WIJKAGENT, RecipientKind.CARE_DESK]
    sentence = render.forwarded_to(en, kinds)
    assert sentence.startswith("Forwarded to: ") and sentence.index("care") < sentence.index("community officer")
    assert sentence.count("care") == 1
    assert render.forwarded_to(translator("nl"), [RecipientKind.FALLBACK_DESK]) == \
        "Doorgestuurd naar: het meldpunt van de gemeente."


# ---------------------------------------------------------------------------- 5. urgency


@pytest.mark.parametrize(("text", "urgent"), [
    ("Ik heb 112 al gebeld", False),
    ("112 is gebeld, de man loopt weg richting park", False),
    ("Heb net met 112 gebeld", False),
    ("112 heb ik al gebeld", False),
    ("I already called 112", False),
    ("We called 112 already", False),
    ("Ik heb 112 al gebeld, er wordt nu ingebroken", True),
    ("Er wordt ingebroken bij de buren", True),
    ("Gisteren zag ik een inbreker bij de buren", True),
    ("112!", True),
    ("Brand in de schuur", True),
    ("Harde muziek uit de tuin", False),
    ("Help!!!", True),
])
def test_what_text_counts_as_urgent(text: str, urgent: bool) -> None:
    assert is_urgent_text(text) is urgent


@pytest.mark.parametrize(("text", "earlier", "urgent"), [
    ("Gisteren zag ik een inbreker bij de buren", True, False),
    ("Er wordt ingebroken bij de buren", False, True),
    ("Er werd ingebroken, man had een mes", True, False),
    ("Ik heb 112 al gebeld", False, False),
    ("Harde muziek", False, False),
])
def test_a_description_of_something_earlier_is_not_urgent(text: str, earlier: bool, urgent: bool) -> None:
    assert description_sounds_urgent(text, earlier=earlier) is urgent


async def test_an_earlier_burglar_is_neither_call_112_nor_urgent(harness: BotHarness) -> None:
    h = harness
    reference = await report(h, RESIDENT, category="suspicious_person", when="earlier",
                             description="Gisteren zag ik een inbreker bij de buren, man in zwarte jas met rugzak")
    assert not any("Bel nu 112" in t for t in h.request.texts(RESIDENT))
    stored = await sightings.by_reference(h.services.db, reference)
    assert stored is not None and stored.urgent is False


async def test_having_called_112_does_not_bring_back_call_112(harness: BotHarness) -> None:
    h = harness
    reference = await report(h, RESIDENT, category="suspicious_person",
                             description="Ik heb 112 al gebeld. Man in zwarte jas kijkt door ramen, liep richting markt")
    assert not any("Bel nu 112" in t for t in h.request.texts(RESIDENT))
    stored = await sightings.by_reference(h.services.db, reference)
    assert stored is not None and stored.urgent is False


async def test_urgent_words_when_it_is_happening_now_still_say_call_112(harness: BotHarness) -> None:
    h = harness
    reference = await report(h, RESIDENT, category="suspicious_person",
                             description="Er wordt ingebroken bij de buren, man in zwarte jas met koevoet")
    assert any("Bel nu 112" in t for t in h.request.texts(RESIDENT))
    stored = await sightings.by_reference(h.services.db, reference)
    assert stored is not None and stored.urgent is True


async def test_changing_now_into_earlier_takes_back_urgency_from_the_description(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    await report_until_confirm(h, description="Er wordt ingebroken bij de buren, man in zwarte jas met koevoet")
    await h.send(u.callback(RESIDENT, "rep:change"))
    await h.send(u.callback(RESIDENT, "rep:edit:when"))
    await h.send(u.callback(RESIDENT, "rep:when:earlier"))
    await h.send(u.message(RESIDENT, "gisteren 22:15"))
    assert "Controleer je melding" in h.request.last_text(RESIDENT)
    await h.send(u.callback(RESIDENT, "rep:confirm"))
    stored = await h.services.db.fetchone("SELECT urgent FROM sightings")
    assert stored is not None and stored[0] == 0


# ---------------------------------------------------------------------------- 6. commands


LINK = f"https://t.me/{BOT_USERNAME}?start=melding"


@pytest.mark.parametrize("command", ["/melding", "/report", "/start", f"/melding@{BOT_USERNAME} inbraak"])
async def test_report_commands_in_a_group_point_to_a_private_chat(harness: BotHarness, command: str) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, command, chat_id=GROUP_BINNENSTAD))
    sent = h.request.sent(GROUP_BINNENSTAD)
    assert len(sent) == 1
    assert sent[0]["text"] == f"Meld dit in een privégesprek met mij: {LINK}"
    assert await drafts.load(h.services.db, RESIDENT) is None


async def test_the_start_link_starts_a_report_in_private(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    await h.send(u.message(RESIDENT, "/start melding"))
    assert "Wat wil je melden" in h.request.last_text(RESIDENT)
    assert "Welkom" not in " ".join(h.request.texts(RESIDENT))
    await h.send(u.callback(RESIDENT, "rep:cat:nuisance"))
    assert "Waar was het" in h.request.last_text(RESIDENT)
    assert not any("herstart" in t for t in h.request.texts(RESIDENT))


async def test_annuleer_with_nothing_in_progress_says_so(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/annuleer"))
    assert h.request.last_text(RESIDENT) == "Er is niets om te annuleren."
    await h.send(h.updates.message(RESIDENT, "/cancel"))
    assert h.request.last_text(RESIDENT) == "Er is niets om te annuleren."


async def test_annuleer_after_a_restart_still_cancels_the_stored_report(harness: BotHarness, config, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_harness

    h = harness
    await h.send(h.updates.message(RESIDENT, "/melding"))
    await h.send(h.updates.callback(RESIDENT, "rep:cat:nuisance"))
    async with make_harness(config, clock) as fresh:
        await fresh.send(fresh.updates.message(RESIDENT, "/annuleer"))
        assert "geannuleerd" in fresh.request.last_text(RESIDENT)
        assert await drafts.load(fresh.services.db, RESIDENT) is None
