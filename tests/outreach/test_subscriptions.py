"""/abonneer and /opzeggen through bot.outreach.service, without Telegram, and the
"Bewaar ook mijn adres" button's data (bot.outreach.follow)."""

from __future__ import annotations

import pytest

from bot.outreach import service as outreach
from bot.outreach.follow import keep_address_data, parse_keep_address
from storage import subscriptions
from tests.conftest import BotHarness

RESIDENT = 100009


def test_keep_address_data_round_trip() -> None:
    assert parse_keep_address(keep_address_data("BU07941000")) == "BU07941000"


@pytest.mark.parametrize("data", ["", "sub:addr:", "sub:addr:BU0794", "sub:addr:BU07941000:x", "sub:BU07941000",
                                  "volg:ja:BU07941000", "sub:addr:bu07941000"])
def test_forged_keep_address_data_is_refused(data: str) -> None:
    assert parse_keep_address(data) is None


async def address_of(h: BotHarness, buurt: str) -> str | None:
    row = await h.services.db.fetchone(
        "SELECT address FROM subscriptions WHERE telegram_id = ? AND buurt_code = ?", (RESIDENT, buurt))
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


async def test_subscribe_keeps_only_the_buurt_unless_asked(harness: BotHarness) -> None:
    h = harness
    assert await outreach.subscribe(h.services, RESIDENT, "dit is geen adres") is None
    assert await subscriptions.of_user(h.services.db, RESIDENT) == []
    area = await outreach.subscribe(h.services, RESIDENT, "5701 AB 12")
    assert area is not None and area.buurt_code == "BU07941000"
    assert await subscriptions.of_user(h.services.db, RESIDENT) == ["BU07941000"]
    assert await address_of(h, "BU07941000") is None
    assert RESIDENT in h.services.directory.subscribers_by_buurt.get("BU07941000", ())
    # Only for the buurt they follow.
    assert not await outreach.keep_address(h.services, RESIDENT, "BU07941100", "5701 AB 12")
    assert await outreach.keep_address(h.services, RESIDENT, "BU07941000", "5701 AB 12")
    assert await address_of(h, "BU07941000") == "5701 AB 12"


async def test_unsubscribe(harness: BotHarness) -> None:
    h = harness
    assert not await outreach.unsubscribe(h.services, RESIDENT)
    await outreach.subscribe(h.services, RESIDENT, "5701 AB 12")
    assert await outreach.unsubscribe(h.services, RESIDENT)
    assert await subscriptions.of_user(h.services.db, RESIDENT) == []
    assert RESIDENT not in h.services.directory.subscribers_by_buurt.get("BU07941000", ())
