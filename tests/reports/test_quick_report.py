"""A report as quick as a WhatsApp message: what people already send starts it, PDOK finds the
address in it, only what is missing is asked; typed answers; every command answered; edits
that Telegram answers oddly never leave a conversation half-closed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config.schema import PdokConfig
from bot.privacy.service import run_retention
from storage import drafts, outbox, sightings
from tests.conftest import BotHarness, FakeClock, make_harness, test_config
from tests.geo.test_geo import envelope, no_sleep, pdok_doc

RESIDENT = 100001
WIJKAGENT = 200010
GROUP = -1001000000010
MARKT_12 = pdok_doc()  # Markt 12, 5701RK Helmond, buurt Centrum
KERKSTRAAT_CENTRUM = pdok_doc(straatnaam="Kerkstraat", huisnummer=12, postcode="5701AB", buurtcode="BU07941000",
                              buurtnaam="Centrum", centroide_ll="POINT(5.6601 51.4790)")
KERKSTRAAT_LEONARDUS = pdok_doc(straatnaam="Kerkstraat", huisnummer=12, postcode="5702CD", buurtcode="BU07941002",
                                buurtnaam="Leonardus", centroide_ll="POINT(5.6501 51.4690)")
BRANDEVOORT = (51.4585, 5.6150)


def known_postcodes(query: str) -> list[dict[str, Any]]:
    """5701 AB 12 is Kerkstraat 12 in Centrum; PDOK knows no other address."""
    return [KERKSTRAAT_CENTRUM] if query == "postcode:5701AB and huisnummer:12" else []


class FakePdok:
    """PDOK Locatieserver in its documented shape: ``free`` answers by the query, ``reverse`` by
    a fixed nearest address. ``down`` makes every request fail as a network error."""

    def __init__(self, free: Callable[[str], list[dict[str, Any]]] | None = None,
                 nearest: dict[str, Any] | None = None) -> None:
        self.free = free or known_postcodes
        self.nearest = nearest
        self.down = False
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("unreachable", request=request)
        if request.url.path.endswith("/reverse"):
            return httpx.Response(200, json=envelope(*([self.nearest] if self.nearest else [])))
        return httpx.Response(200, json=envelope(*self.free(request.url.params["q"])))


@pytest.fixture
def pdok() -> FakePdok:
    return FakePdok()


@pytest.fixture
async def quick(tmp_path: Path, clock: FakeClock, pdok: FakePdok) -> AsyncIterator[BotHarness]:
    config = test_config(tmp_path, pdok=PdokConfig(enabled=True, base_url="https://pdok.test/search/v3_1/"))
    async with httpx.AsyncClient(transport=httpx.MockTransport(pdok)) as http, \
            make_harness(config, clock, http=http) as h:
        assert h.services.locator.pdok is not None
        h.services.locator.pdok.sleep = no_sleep
        yield h


def buttons_of(params: dict[str, Any]) -> list[tuple[str, str]]:
    rows = (params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def sent_text(h: BotHarness, chat: int) -> list[dict[str, Any]]:
    return [p for p in h.request.sent(chat) if "text" in p]


# ---------------------------------------------------------------------------- ways in


async def test_a_text_with_an_address_is_a_report_in_two_taps(quick: BotHarness, pdok: FakePdok) -> None:
    h = quick
    pdok.free = lambda q: [MARKT_12] if "Markt 12" in q else []
    await h.send(h.updates.message(RESIDENT, "Grijze bestelbus zonder kenteken rijdt rondjes bij de Markt 12"))
    note, question = sent_text(h, RESIDENT)[-2:]
    assert note["text"].startswith("Soort: 🚗 Verdacht voertuig — wijzig")
    assert buttons_of(note) == [("✏️ wijzig", "rep:edit:category")]
    assert "Heb je 112 gebeld" in question["text"]
    # PDOK's free-text search, limited to the gemeenten the bot serves.
    params = pdok.requests[-1].url.params
    assert params["q"] == "Markt 12" and "type:adres" in params.get_list("fq")
    assert any(f.startswith("gemeentecode:(") and "0794" in f for f in params.get_list("fq"))

    await h.send(h.updates.callback(RESIDENT, "rep:112:yes"))  # action 1
    summary = h.request.last_text(RESIDENT)
    assert "Controleer je melding" in summary and "Markt 12" in summary and "Wanneer: nu" in summary
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))  # action 2
    assert "Ontvangen" in h.request.last_text(RESIDENT)
    await h.deliver()

    group = h.request.last_text(GROUP)
    assert "📍 Markt, Centrum (Helmond)" in group and "12" not in group.split("Referentie")[0].replace("112", "")
    assert "bestelbus zonder kenteken rijdt rondjes bij de Markt" in group
    officer = next(p for p in h.request.sent(WIJKAGENT, "sendMessage"))
    assert "Markt 12, 5701 RK, Centrum (Helmond)" in officer["text"]
    assert "https://www.openstreetmap.org/?mlat=51.47947&mlon=5.66212" in officer["text"]
    pins = h.request.sent(WIJKAGENT, "sendLocation")
    assert len(pins) == 1 and float(pins[0]["latitude"]) == pytest.approx(51.47947)
    assert pins[0]["reply_parameters"]["message_id"] > 0  # a reply to the officer's copy
    assert not h.request.sent(GROUP, "sendLocation")
    stored = await sightings.by_reference(h.services.db, summary and h.request.texts(RESIDENT)[-1]
                                          .split("referentie is ")[1].split(".")[0])
    assert stored is not None and stored.house_number == "12" and stored.postcode == "5701RK"
    assert stored.street == "Markt"


async def test_several_addresses_fit_and_become_buttons(quick: BotHarness, pdok: FakePdok) -> None:
    h = quick
    pdok.free = lambda q: [KERKSTRAAT_CENTRUM, KERKSTRAAT_LEONARDUS]
    await h.send(h.updates.message(RESIDENT, "Harde muziek en geschreeuw, Kerkstraat bij 12 Helmond"))
    assert pdok.requests[-1].url.params["q"] == "Kerkstraat 12 Helmond"
    question = sent_text(h, RESIDENT)[-1]
    assert "Welk adres bedoel je" in question["text"]
    assert [data for _, data in buttons_of(question)] == ["rep:place:0", "rep:place:1", "rep:place:none"]
    assert "Leonardus" in buttons_of(question)[1][0]
    await h.send(h.updates.message(RESIDENT, "2"))  # typed: the second one
    summary = h.request.last_text(RESIDENT)
    assert "Controleer je melding" in summary and "Kerkstraat 12, 5702 CD" in summary and "Leonardus" in summary


async def test_a_text_then_a_shared_location_names_the_nearest_street(quick: BotHarness, pdok: FakePdok) -> None:
    h = quick
    pdok.nearest = pdok_doc(straatnaam="Brandevoortse Dreef", huisnummer=3, buurtcode="BU07942100")
    await h.send(h.updates.message(RESIDENT, "Harde muziek en geschreeuw bij de buren"))
    question = h.request.sent(RESIDENT)[-1]
    assert "Waar was het" in question["text"]
    assert question["reply_markup"]["keyboard"][0][0]["request_location"] is True
    await h.send(h.updates.location(RESIDENT, *BRANDEVOORT))
    summary = h.request.last_text(RESIDENT)
    assert "Controleer je melding" in summary and "Brandevoortse Dreef" in summary
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    stored = await h.services.db.fetchone("SELECT street, house_number, lat FROM sightings")
    # The street for the neighbours; the exact point, not the nearest house, for the officer.
    assert stored is not None and stored["street"] == "Brandevoortse Dreef" and stored["house_number"] is None
    assert stored["lat"] == pytest.approx(BRANDEVOORT[0])


async def test_without_pdok_a_shared_location_still_finds_the_buurt(quick: BotHarness, pdok: FakePdok) -> None:
    h = quick
    pdok.down = True
    await h.send(h.updates.location(RESIDENT, *BRANDEVOORT))  # a location first: what was it?
    assert "Wat wil je melden" in h.request.last_text(RESIDENT)
    await h.send(h.updates.callback(RESIDENT, "rep:cat:nuisance"))
    assert "Beschrijf kort" in h.request.last_text(RESIDENT)  # place and time are known already
    await h.send(h.updates.message(RESIDENT, "Harde muziek tot diep in de nacht"))
    summary = h.request.last_text(RESIDENT)
    assert "Controleer je melding" in summary and "Waar: Brand (Helmond)" in summary


async def test_a_photo_with_a_caption_naming_the_street(quick: BotHarness, pdok: FakePdok) -> None:
    h = quick
    pdok.free = lambda q: [pdok_doc(huisnummer=n) for n in (1, 5, 12)] if q == "Markt" else []
    await h.send(h.updates.message(RESIDENT, caption="Verdachte auto staat al uren op de Markt met draaiende motor",
                                   photo=[{"file_id": "CAR", "file_unique_id": "c", "width": 800, "height": 600}]))
    assert "Heb je 112 gebeld" in h.request.last_text(RESIDENT)
    await h.send(h.updates.callback(RESIDENT, "rep:112:no"))
    summary = h.request.last_text(RESIDENT)
    assert "Markt, Centrum" in summary and "Foto: ja" in summary and "112: niet nodig" in summary
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    assert h.request.sent(WIJKAGENT, "sendPhoto")[0]["photo"] == "CAR"
    assert not h.request.sent(GROUP, "sendPhoto")
    assert "112" not in h.request.last_text(GROUP).split("Referentie")[0]  # not needed: nothing about 112


async def test_a_photo_without_caption_asks_what_where_and_what_was_seen(quick: BotHarness) -> None:
    h = quick
    await h.send(h.updates.photo(RESIDENT, "PHOTO"))
    assert "Wat wil je melden" in h.request.last_text(RESIDENT)
    await h.send(h.updates.callback(RESIDENT, "rep:cat:neglect"))
    assert "Waar was het" in h.request.last_text(RESIDENT)
    await h.send(h.updates.message(RESIDENT, "5701 AB 12"))
    assert "Beschrijf kort" in h.request.last_text(RESIDENT)
    await h.send(h.updates.message(RESIDENT, "Kapotte lantaarnpaal, het is hier donker"))
    summary = h.request.last_text(RESIDENT)
    assert "Controleer je melding" in summary and "Foto: ja" in summary


async def test_a_forwarded_message_keeps_the_time_it_was_first_sent(quick: BotHarness, clock: FakeClock) -> None:
    h = quick
    first_sent = int((clock.now - dt.timedelta(hours=2)).timestamp())
    origin = {"type": "user", "date": first_sent,
              "sender_user": {"id": 100002, "is_bot": False, "first_name": "Buurvrouw"}}
    await h.send(h.updates.message(RESIDENT, "Harde muziek en geschreeuw, 5701 AB 12",
                                   forward_origin=origin))
    summary = h.request.last_text(RESIDENT)
    assert "Controleer je melding" in summary and "Wanneer: nu" not in summary and "Wanneer: " in summary


async def test_urgent_words_still_bring_bel_nu_112_first(quick: BotHarness) -> None:
    h = quick
    await h.send(h.updates.message(RESIDENT, "Er wordt nu ingebroken bij de buren op 5701 AB 12!"))
    first = h.request.sent(RESIDENT)[0]
    assert "Bel nu 112" in first["text"]
    assert [data for _, data in buttons_of(first)] == ["rep:112:yes", "rep:112:notnow"]
    await h.send(h.updates.callback(RESIDENT, "rep:112:notnow"))
    assert "Controleer je melding" in h.request.last_text(RESIDENT)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    assert "112 niet gebeld" in h.request.last_text(GROUP)


async def test_a_map_pick_from_the_mini_app_is_a_shared_location(quick: BotHarness) -> None:
    h = quick
    await h.send(h.updates.message(RESIDENT, "Harde muziek en geschreeuw bij de buren"))
    assert "Waar was het" in h.request.last_text(RESIDENT)
    await h.send(h.updates.message(RESIDENT, web_app_data={"data": "not json", "button_text": "Kies op de kaart"}))
    assert "Waar was het" in h.request.last_text(RESIDENT)  # asked again, nothing lost
    pick = json.dumps({"lat": BRANDEVOORT[0], "lon": BRANDEVOORT[1]})
    await h.send(h.updates.message(RESIDENT, web_app_data={"data": pick, "button_text": "Kies op de kaart"}))
    summary = h.request.last_text(RESIDENT)
    assert "Controleer je melding" in summary and "Brand (Helmond)" in summary


def test_the_place_keyboard_takes_the_map_button_when_there_is_a_page() -> None:
    from bot.core.i18n import translator
    from handlers.report import place_keyboard

    t = translator("nl")
    assert len(place_keyboard(t).keyboard) == 1
    with_map = place_keyboard(t, "https://kaart.example/pick")
    assert with_map.keyboard[1][0].web_app is not None and with_map.keyboard[1][0].web_app.url.endswith("/pick")


# ---------------------------------------------------------------------------- typed answers, wrong answers


async def test_the_whole_step_by_step_journey_typed(quick: BotHarness) -> None:
    h = quick
    u = h.updates
    for typed, expected in [("/melding", "Wat wil je melden"), ("Verdachte persoon", "Heb je 112 gebeld"),
                            ("JA", "Waar was het"), ("5701 AB 12", "Wanneer was het"), ("nú", "Beschrijf kort"),
                            ("Man in grijze jas probeert deurklinken, liep richting station", "Heb je een foto"),
                            ("nee", "Controleer je melding"), ("Versturen", "Ontvangen")]:
        await h.send(u.message(RESIDENT, typed))
        assert expected in h.request.last_text(RESIDENT), typed


async def test_anything_else_at_a_button_step_shows_the_buttons_again(quick: BotHarness) -> None:
    h = quick
    await h.send(h.updates.message(RESIDENT, "/melding"))
    await h.send(h.updates.callback(RESIDENT, "rep:cat:nuisance"))
    await h.send(h.updates.message(RESIDENT, "5701 AB 12"))
    await h.send(h.updates.message(RESIDENT, "misschien"))
    hint, again = sent_text(h, RESIDENT)[-2:]
    assert hint["text"] == "Tik op een knop hieronder."
    assert "Wanneer was het" in again["text"] and [d for _, d in buttons_of(again)] == ["rep:when:now", "rep:when:earlier"]
    await h.send(h.updates.message(RESIDENT, "21:30"))  # a time typed at "Wanneer" is "Eerder" at 21:30
    assert "Beschrijf kort" in h.request.last_text(RESIDENT)
    await h.send(h.updates.message(RESIDENT, "stop"))
    assert "geannuleerd" in h.request.last_text(RESIDENT)
    assert await drafts.load(h.services.db, RESIDENT) is None


async def test_an_unknown_postcode_keeps_the_draft_and_asks_again(quick: BotHarness) -> None:
    h = quick
    await h.send(h.updates.message(RESIDENT, "/melding"))
    await h.send(h.updates.callback(RESIDENT, "rep:cat:nuisance"))
    await h.send(h.updates.message(RESIDENT, "5799 ZZ 999"))  # PDOK knows no such address
    problem, again = h.request.sent(RESIDENT)[-2:]
    assert "niet vinden" in problem["text"]
    assert "Waar was het" in again["text"] and again["reply_markup"]["keyboard"][0][0]["request_location"]
    assert await drafts.load(h.services.db, RESIDENT) is not None


async def test_every_command_gets_an_answer(quick: BotHarness) -> None:
    h = quick
    await h.send(h.updates.message(RESIDENT, "/foobar"))
    reply = h.request.last_text(RESIDENT)
    assert "ken ik niet" in reply and "/help" in reply and "open" not in reply
    await h.send(h.updates.message(RESIDENT, "/melding"))
    await h.send(h.updates.message(RESIDENT, "/foobar"))
    reply = h.request.last_text(RESIDENT)
    assert "ken ik niet" in reply and "staat nog open" in reply and "/annuleer" in reply
    # In a group, a bare command may be another bot's; one addressed to this bot is answered.
    await h.send(h.updates.message(RESIDENT, "/foobar", chat_id=GROUP))
    assert not h.request.sent(GROUP)
    await h.send(h.updates.message(RESIDENT, "/foobar@buurtwacht_test_bot", chat_id=GROUP))
    assert "ken ik niet" in h.request.last_text(GROUP)


# ---------------------------------------------------------------------------- edits answered oddly


@pytest.mark.parametrize(("answer", "sent_anew"), [
    ((200, {"ok": True, "result": True}), False),  # `true` instead of the Message
    ((400, {"ok": False, "error_code": 400, "description": "Bad Request: message is not modified"}), False),
    ((400, {"ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"}), True),
    ((403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}), False),
])
async def test_the_receipt_edit_never_leaves_the_conversation_half_closed(
        quick: BotHarness, answer: tuple[int, dict[str, Any]], sent_anew: bool) -> None:
    h = quick
    await h.send(h.updates.message(RESIDENT, "Harde muziek en geschreeuw, 5701 AB 12"))
    assert "Controleer je melding" in h.request.last_text(RESIDENT)
    h.request.method_answers["editMessageText"] = answer
    before = len(h.request.sent(RESIDENT, "sendMessage"))
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    new = h.request.sent(RESIDENT, "sendMessage")[before:]
    assert (len(new) == 1 and "Ontvangen" in new[0]["text"]) if sent_anew else new == []
    assert await drafts.load(h.services.db, RESIDENT) is None
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM sightings")
    assert row is not None and row[0] == 1
    # The next message is a new report, not swallowed by a conversation still open somewhere.
    del h.request.method_answers["editMessageText"]
    await h.send(h.updates.message(RESIDENT, "/melding"))
    assert "Wat wil je melden" in h.request.last_text(RESIDENT)


@pytest.mark.parametrize(("answer", "status"), [
    ((200, {"ok": True, "result": True}), "sent"),
    ((400, {"ok": False, "error_code": 400, "description": "Bad Request: message is not modified"}), "sent"),
    ((400, {"ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"}), "superseded"),
    ((400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}), "superseded"),
])
async def test_the_outbox_edit_path_takes_every_answer(quick: BotHarness, answer: tuple[int, dict[str, Any]],
                                                       status: str) -> None:
    h = quick
    async with h.services.db.transaction() as tx:
        original = await outbox.enqueue(tx, GROUP, "sendMessage", {"text": "eerst"}, now=h.clock.now)
    await h.deliver()
    async with h.services.db.transaction() as tx:
        edit = await outbox.enqueue(tx, GROUP, "editMessageText", {"text": "daarna"}, edit_of=original,
                                    now=h.clock.now)
    h.request.method_answers["editMessageText"] = answer
    await h.deliver()
    row = await h.services.db.fetchone("SELECT status FROM outbox WHERE id = ?", (edit,))
    assert row is not None and row["status"] == status
    assert h.services.sender is not None and h.services.sender.stats.failed == 0


# ---------------------------------------------------------------------------- privacy


async def test_the_exact_address_is_reduced_after_exact_point_hours(quick: BotHarness, pdok: FakePdok) -> None:
    h = quick
    pdok.free = lambda q: [MARKT_12]
    await h.send(h.updates.message(RESIDENT, "Grijze bestelbus zonder kenteken rijdt rondjes bij de Markt 12"))
    await h.send(h.updates.callback(RESIDENT, "rep:112:yes"))
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    h.clock.advance(hours=h.services.config.exact_point_hours + 1)
    await run_retention(h.services)
    row = await h.services.db.fetchone("SELECT street, house_number, postcode, lat FROM sightings")
    assert row is not None and row["street"] == "Markt"  # street level stays, like the group's copy
    assert row["house_number"] is None and row["postcode"] is None and row["lat"] is None
    payloads = {r["method"] + ":" + r["kind"]: r["payload"] for r in await h.services.db.fetchall(
        "SELECT method, kind, payload FROM outbox WHERE sighting_id IS NOT NULL")}
    assert payloads["sendLocation:wijkagent"] == "{}" and payloads["sendMessage:wijkagent"] == "{}"
    assert payloads["editMessageText:receipt"] == "{}"  # the resident's receipt repeats the summary's address
    assert "Markt" in payloads["sendMessage:team_group"]
