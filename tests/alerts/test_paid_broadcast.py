"""[delivery] paid_broadcast: officers' area alerts go out with allow_paid_broadcast, and the
confirmation says what it will cost; a team's /alarm and the default config never pay."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config.schema import DeliveryConfig
from bot.core.domain import Role
from bot.delivery.paid import sender_concurrency, stars_estimate
from storage import subscriptions, users
from tests.conftest import BotHarness, FakeClock, make_harness, test_config

WIJKAGENT = 200010  # WK079410 Binnenstad (config)
COORDINATOR = 500001  # BPT Binnenstad
GROUP = -1001000000010
CENTRUM = "51.480823 5.655765"
FOLLOWERS = (110001, 110002, 110003)


@pytest.fixture
async def paid(tmp_path: Path, clock: FakeClock) -> AsyncIterator[BotHarness]:
    config = test_config(tmp_path, delivery=DeliveryConfig(paid_broadcast=True, paid_rate=500))
    async with make_harness(config, clock) as h:
        await setup(h)
        yield h


async def setup(h: BotHarness) -> None:
    async with h.services.db.transaction() as tx:
        await users.grant_role(tx, COORDINATOR, Role.COORDINATOR, "team:1", granted_by=None)
    for user in FOLLOWERS:
        await users.ensure(h.services.db, user, language="nl", display_name=None, username=None)
        await subscriptions.subscribe(h.services.db, user, "BU07941000", address=None, now=h.clock())
    await h.services.refresh_directory()


async def confirm(h: BotHarness, sender: int) -> None:
    row = await h.services.db.fetchone("SELECT MAX(id) FROM broadcasts WHERE sender_id = ?", (sender,))
    assert row is not None
    await h.send(h.updates.callback(sender, f"bc:send:{row[0]}"))
    await h.deliver()


def paid_flags(h: BotHarness, needle: str) -> list[object]:
    """allow_paid_broadcast of every delivery of the alert (not the previews to its sender)."""
    return [p.get("allow_paid_broadcast") for p in h.request.sent(method="sendMessage")
            if needle in p.get("text", "") and int(p["chat_id"]) not in (WIJKAGENT, COORDINATOR)]


def test_the_estimate() -> None:
    assert stars_estimate(5000) == 500
    assert stars_estimate(4) == 1  # rounded up
    assert stars_estimate(0) == 0
    assert sender_concurrency(1000) == 100 and sender_concurrency(30) == 8


async def test_an_area_alert_pays_and_says_what_it_costs(paid: BotHarness) -> None:
    h = paid
    await h.send(h.updates.message(WIJKAGENT, f"/gebiedsalarm straal {CENTRUM} 400 vermist Jongen (8), rode jas"))
    preview = h.request.last_text(WIJKAGENT)
    assert "Betaalde verzending, snel: 4 berichten, ongeveer 1 Star." in preview  # 1 group + 3 followers
    await confirm(h, WIJKAGENT)
    flags = paid_flags(h, "rode jas")
    assert len(flags) == 4 and all(f in (True, "true") for f in flags)
    sender = h.services.sender
    assert sender is not None and sender.limits.paid_per_second == 500
    assert sender.concurrency == sender_concurrency(500)


async def test_a_team_alarm_never_pays(paid: BotHarness) -> None:
    h = paid
    await h.send(h.updates.message(COORDINATOR, "/alarm Verdachte man bij de school"))
    assert "Betaalde" not in h.request.last_text(COORDINATOR)
    await confirm(h, COORDINATOR)
    flags = paid_flags(h, "Verdachte man")
    assert len(flags) >= 2 and all(f is None for f in flags)


async def test_off_by_default(harness: BotHarness) -> None:
    h = harness
    assert h.services.config.delivery == DeliveryConfig()
    await setup(h)
    await h.send(h.updates.message(WIJKAGENT, f"/gebiedsalarm straal {CENTRUM} 400 vermist Jongen (8), rode jas"))
    assert "Betaalde" not in h.request.last_text(WIJKAGENT)
    await confirm(h, WIJKAGENT)
    flags = paid_flags(h, "rode jas")
    assert len(flags) >= 2 and all(f is None for f in flags)


def test_config_parses_and_refuses_too_fast(tmp_path: Path) -> None:
    from bot.config.schema import ConfigError, parse_config

    config = test_config(tmp_path)
    base = dataclasses.replace  # the example config parses with [delivery] off
    assert base(config).delivery.paid_broadcast is False
    raw = dict(config.raw)
    raw["delivery"] = {"paid_broadcast": True, "paid_rate": 1001}
    with pytest.raises(ConfigError, match=r"delivery\.paid_rate: expected at most 1000"):
        parse_config(raw, base=tmp_path, env={})
    raw["delivery"] = {"paid_broadcast": True, "paid_rate": 250}
    assert parse_config(raw, base=tmp_path, env={}).delivery == DeliveryConfig(True, 250)
