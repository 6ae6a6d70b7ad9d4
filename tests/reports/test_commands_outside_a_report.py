"""Report commands in a group, the start link, /annuleer with nothing to cancel."""


from __future__ import annotations

import pytest

from storage import drafts
from tests.conftest import BOT_USERNAME, BotHarness
from tests.journeys import (
    GROUP_BINNENSTAD,
    RESIDENT,
)

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
