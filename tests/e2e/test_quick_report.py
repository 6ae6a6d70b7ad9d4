"""Each way into a report, over HTTP against the emulator, counting what the resident does.

An action is one thing the resident sends or taps after their first message: a button press,
a typed answer, a shared location. The targets (issue 16): text + shared location → Versturen
in ≤ 3 actions; a text with an address → ≤ 2; a photo with a caption naming the street → ≤ 3.
The counts measured here are the ones in README.md ("What people do with it").
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import GROUP, RESIDENT, WIJKAGENT, Live, running_live
from tests.geo.test_geo import envelope, pdok_doc

MARKT_12 = pdok_doc()  # Markt 12, 5701RK Helmond, buurt Centrum
KERKSTRAAT_12 = pdok_doc(straatnaam="Kerkstraat", huisnummer=12, postcode="5701AB", centroide_ll="POINT(5.6601 51.4790)")
IN_VOSSENBERG = (51.47947, 5.66212)  # by the CBS polygons; PDOK names the Markt as nearest street


def answer_pdok(request: httpx.Request) -> httpx.Response:
    """PDOK in its documented shape: the Markt and Kerkstraat 12 in Centrum, and the Markt as the
    nearest street to any point."""
    if request.url.path.endswith("/reverse"):
        return httpx.Response(200, json=envelope(MARKT_12))
    q = request.url.params["q"]
    if q.startswith("Markt"):
        docs = [MARKT_12] if "12" in q else [pdok_doc(huisnummer=n) for n in (1, 5, 12)]
    elif "5701AB" in q or q.startswith("Kerkstraat"):
        docs = [KERKSTRAAT_12]
    else:
        docs = []
    return httpx.Response(200, json=envelope(*docs))


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer_pdok)) as pdok, \
            running_live(tmp_path, pdok=pdok) as running:
        yield running


class Resident:
    """The resident's side of the chat: what they do (counted) and what the bot answers."""

    def __init__(self, live: Live) -> None:
        self.live = live
        self.world = live.world
        self.actions = 0
        self.seen = 0

    def _mark(self) -> None:
        self.seen = len(self.world.sent_to(RESIDENT))

    async def answer(self, expected: str) -> str:
        """Wait for a bot message (new since the last action, or an edit) containing ``expected``."""
        def found() -> Any:
            return next((m for m in self.world.sent_to(RESIDENT)[self.seen:] if expected in (m.text or "")), None) \
                or next((m for m in self.world.sent_to(RESIDENT) if m.edits and expected in (m.text or "")), None)
        await self.world.wait_for(lambda: found() is not None)
        return str(found().text)

    def first(self, send: Any, *args: Any, **kwargs: Any) -> None:
        self._mark()
        send(RESIDENT, *args, **kwargs)

    def act(self, send: Any, *args: Any, **kwargs: Any) -> None:
        self._mark()
        self.actions += 1
        send(RESIDENT, *args, **kwargs)

    def tap(self, label: str) -> None:
        self._mark()
        self.actions += 1
        self.world.press(RESIDENT, RESIDENT, label)

    async def sent_and_received(self) -> str:
        self.tap("Versturen")
        return await self.answer("Ontvangen")


async def test_text_and_a_shared_location_in_three_actions(live: Live) -> None:
    me = Resident(live)
    me.first(live.world.send_text, "Grijze bestelbus zonder kenteken rijdt steeds rondjes")
    assert "Verdacht voertuig" in await me.answer("Soort:")
    await me.answer("Heb je 112 gebeld")
    me.tap("Ja, gebeld")
    await me.answer("Waar was het")
    me.act(live.world.send_location, *IN_VOSSENBERG)
    assert "Markt, Vossenberg" in await me.answer("Controleer je melding")
    await me.sent_and_received()
    assert me.actions == 3
    # The officer: the exact point as a native pin, a reply to their copy of the report.
    officer = await live.world.wait_for_messages(WIJKAGENT, 2)
    assert "openstreetmap.org" in (officer[0].text or "")
    assert officer[1].method == "sendLocation" and officer[1].location is not None


async def test_a_text_with_an_address_in_two_actions(live: Live) -> None:
    me = Resident(live)
    me.first(live.world.send_text, "Verdachte auto met draaiende motor staat al een uur bij de Markt 12")
    await me.answer("Heb je 112 gebeld")
    me.tap("Niet nodig")
    summary = await me.answer("Controleer je melding")
    assert "Markt 12" in summary and "112: niet nodig" in summary
    await me.sent_and_received()
    assert me.actions == 2
    group = await live.reply(GROUP, 1)
    assert "📍 Markt, Centrum (Helmond)" in group and "Markt 12" not in group
    assert "112" not in group.split("Referentie")[0]  # not needed: nothing about 112
    officer = await live.reply(WIJKAGENT, 1)
    assert "Markt 12, 5701 RK" in officer


async def test_a_photo_with_a_caption_naming_the_street_in_two_actions(live: Live) -> None:
    me = Resident(live)
    me.first(live.world.send_photo, caption="Verdachte auto staat al uren op de Markt, iemand kijkt in auto's")
    await me.answer("Heb je 112 gebeld")
    me.tap("Ja, gebeld")
    summary = await me.answer("Controleer je melding")
    assert "Foto: ja" in summary and "Markt, Centrum" in summary
    await me.sent_and_received()
    assert me.actions == 2
    officer = await live.world.wait_for_messages(WIJKAGENT, 2)
    assert any(m.photo is not None for m in officer)
    assert all(m.photo is None for m in live.world.sent_to(GROUP))


async def test_a_forwarded_message_in_one_action(live: Live) -> None:
    me = Resident(live)
    me.first(live.world.send_forwarded, "Harde muziek en geschreeuw bij 5701 AB 12, al een uur",
             first_sent=int(time.time()) - 3600)
    summary = await me.answer("Controleer je melding")
    assert "Kerkstraat 12" in summary and "Wanneer: nu" not in summary  # the time it was first sent
    await me.sent_and_received()
    assert me.actions == 1


async def test_a_shared_location_first_in_three_actions(live: Live) -> None:
    me = Resident(live)
    me.first(live.world.send_location, *IN_VOSSENBERG)
    await me.answer("Wat wil je melden")
    me.tap("rep:cat:nuisance")
    await me.answer("Beschrijf kort")
    me.act(live.world.send_text, "Harde muziek en geschreeuw, al sinds middernacht")
    assert "Markt, Vossenberg" in await me.answer("Controleer je melding")
    await me.sent_and_received()
    assert me.actions == 3


async def test_the_map_pick_of_the_mini_app_in_three_actions(live: Live) -> None:
    me = Resident(live)
    me.first(live.world.send_text, "Harde muziek en geschreeuw bij de buren")
    await me.answer("Waar was het")
    me.act(live.world.send_web_app_data, json.dumps({"lat": IN_VOSSENBERG[0], "lon": IN_VOSSENBERG[1]}))
    assert "Markt, Vossenberg" in await me.answer("Controleer je melding")
    await me.sent_and_received()
    assert me.actions == 2


async def test_step_by_step_melding_stays(live: Live) -> None:
    me = Resident(live)
    me.first(live.world.send_text, "/melding")
    await me.answer("Wat wil je melden")
    me.tap("rep:cat:suspicious_person")
    await me.answer("Heb je 112 gebeld")
    me.tap("Ja, gebeld")
    await me.answer("Waar was het")
    me.act(live.world.send_text, "5701 AB 12")
    await me.answer("Wanneer was het")
    me.tap("rep:when:now")
    await me.answer("Beschrijf kort")
    me.act(live.world.send_text, "Man in grijze jas probeert deurklinken, liep richting station")
    await me.answer("Heb je een foto")
    me.tap("Geen foto")
    await me.answer("Controleer je melding")
    await me.sent_and_received()
    assert me.actions == 7
