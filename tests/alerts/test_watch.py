"""bot.alerts.watch without Telegram: a group's "Ik kijk" / "Gezien" presses and /reacties, and
the watch buttons' data (bot.reports.group_buttons)."""

from __future__ import annotations

import pytest

from bot.alerts import watch
from bot.core.i18n import translator
from bot.reports.group_buttons import WatchButton, WatchKind, parse_watch, watch_data
from bot.reports.texts import group_keyboard
from tests.conftest import BotHarness
from tests.journeys import GROUP_BINNENSTAD, file_report

COORDINATOR = 500001  # BPT Binnenstad, whose group the Binnenstad report goes to
OTHER_COORDINATOR = 500002  # Brandevoort


def test_watch_data_round_trip_and_forgeries() -> None:
    for kind in WatchKind:
        assert parse_watch(watch_data(42, kind)) == WatchButton(42, kind)
    buttons = group_keyboard(translator("nl"), 7)["inline_keyboard"][0]
    assert [parse_watch(b["callback_data"]) for b in buttons] == [WatchButton(7, WatchKind.LOOK),
                                                                  WatchButton(7, WatchKind.SEEN)]


@pytest.mark.parametrize("data", [None, "", "watch:", "watch:1", "watch:1:stare", "watch:x:look",
                                  "watch:1234567890123:look", "watch:1:look:x", "xwatch:1:look"])
def test_forged_watch_data_is_refused(data: str | None) -> None:
    assert parse_watch(data) is None


async def incident_of(h: BotHarness) -> int:
    row = await h.services.db.fetchone("SELECT id FROM incidents")
    assert row is not None
    return int(row[0])


async def test_a_press_counts_once_and_only_where_the_alert_was_posted(harness: BotHarness) -> None:
    h = harness
    await file_report(h)
    await h.deliver()
    incident = await incident_of(h)
    assert await watch.press(h.services, incident, -100999, 600001, "Anna", WatchKind.LOOK) is watch.Press.NOT_HERE
    assert await watch.press(h.services, incident, GROUP_BINNENSTAD, 600001, "Anna", WatchKind.LOOK) \
        is watch.Press.COUNTED
    assert await watch.press(h.services, incident, GROUP_BINNENSTAD, 600001, "Anna", WatchKind.LOOK) \
        is watch.Press.REPEATED
    assert await watch.press(h.services, incident, GROUP_BINNENSTAD, 600001, "Anna", WatchKind.SEEN) \
        is watch.Press.COUNTED
    # Every copy of the alert is to be edited with the counts.
    pending = await h.services.db.fetchone("SELECT COUNT(*) FROM outbox WHERE method = 'editMessageText'")
    assert pending is not None and pending[0] > 0


async def test_responders_only_for_the_coordinator_of_a_group_it_was_posted_in(harness: BotHarness) -> None:
    h = harness
    reference = await file_report(h)
    await h.deliver()
    incident = await incident_of(h)
    await watch.press(h.services, incident, GROUP_BINNENSTAD, 600001, "Anna", WatchKind.LOOK)
    await watch.press(h.services, incident, GROUP_BINNENSTAD, 600002, "Bram", WatchKind.SEEN)
    assert await watch.responders(h.services, COORDINATOR, reference) == [("Anna", "look"), ("Bram", "seen")]
    assert await watch.responders(h.services, OTHER_COORDINATOR, reference) is None
    assert await watch.responders(h.services, 100001, reference) is None  # the reporter, no coordinator
    assert await watch.responders(h.services, COORDINATOR, "BW-NIETS") is None
    assert await watch.responders(h.services, COORDINATOR, "") is None
