"""The chat side of the Mini App: /kaart with its menu button, "Kies op de kaart" in a report."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config.schema import WebAppConfig
from tests.conftest import BotHarness, FakeClock, make_harness, test_config
from tests.webapp.helpers import COORDINATOR_BINNENSTAD, RESIDENT, WIJKAGENT_BINNENSTAD

URL = "https://kaart.example.nl/webapp/"


@pytest.fixture
async def with_map(tmp_path: Path, clock: FakeClock) -> AsyncIterator[BotHarness]:
    async with make_harness(test_config(tmp_path, webapp=WebAppConfig(url=URL, tiles="")), clock) as h:
        yield h


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [button for row in rows for button in row]


async def test_kaart_gives_officers_and_coordinators_the_map_and_a_menu_button(with_map: BotHarness) -> None:
    h = with_map
    for user_id in (WIJKAGENT_BINNENSTAD, COORDINATOR_BINNENSTAD):
        await h.send(h.updates.message(user_id, "/kaart"))
        sent = h.request.sent(user_id, "sendMessage")[-1]
        assert [b["web_app"]["url"] for b in buttons(sent) if "web_app" in b] == [URL + "?mode=map"]
        menu = h.request.sent(user_id, "setChatMenuButton")[-1]
        menu_button = menu["menu_button"] if isinstance(menu["menu_button"], dict) else json.loads(menu["menu_button"])
        assert menu_button["type"] == "web_app" and menu_button["web_app"]["url"] == URL + "?mode=map"


async def test_kaart_is_not_for_residents(with_map: BotHarness) -> None:
    h = with_map
    await h.send(h.updates.message(RESIDENT, "/kaart"))
    assert "Iets melden? Tik op /melding" in h.request.last_text(RESIDENT)
    assert not h.request.sent(RESIDENT, "setChatMenuButton")


async def test_kaart_without_a_webapp_section_says_so(harness: BotHarness) -> None:
    await harness.send(harness.updates.message(WIJKAGENT_BINNENSTAD, "/kaart"))
    assert "niet ingesteld" in harness.request.last_text(WIJKAGENT_BINNENSTAD)


async def test_the_place_step_offers_the_map_and_takes_its_point(with_map: BotHarness) -> None:
    h = with_map
    await h.send(h.updates.message(RESIDENT, "Een man probeert deurklinken van auto's, grijze jas en zwarte pet"))
    await h.send(h.updates.callback(RESIDENT, "rep:112:yes"))
    offered = [b for message in h.request.sent(RESIDENT, "sendMessage") for b in buttons(message) if "web_app" in b]
    assert [b["web_app"]["url"] for b in offered] == [URL + "?mode=place"]
    # What the page sends back (Telegram.WebApp.sendData) arrives as web_app_data.
    await h.send(h.updates.message(RESIDENT, web_app_data={"data": json.dumps({"lat": 51.4793, "lon": 5.656}),
                                                           "button_text": offered[0]["text"]}))
    assert "Centrum" in "\n".join(h.request.texts(RESIDENT))


async def test_without_a_webapp_section_the_place_step_has_no_map_button(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "Een man probeert deurklinken van auto's, grijze jas en zwarte pet"))
    await h.send(h.updates.callback(RESIDENT, "rep:112:yes"))
    assert [b for m in h.request.sent(RESIDENT, "sendMessage") for b in buttons(m) if b.get("request_location")]
    assert not [b for m in h.request.sent(RESIDENT, "sendMessage") for b in buttons(m) if "web_app" in b]
