"""A Telegram outage of 5 minutes (at 10x time scale: 30 s) loses nothing.

Every request fails with 502 Bad Gateway while an area alert to 60 followers and a report to
the wijkagent are queued. Transient failures are retried with backoff capped at a minute (6 s
at 10x) until a per-kind deadline far beyond the outage; /healthz says "degraded" meanwhile;
once Telegram is back, everything arrives once, within about a minute of emulated time.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

from bot.core.domain import RecipientKind, Role
from bot.emulator import Emulator
from bot.emulator.state import World
from bot.runtime.services import create_services
from storage import outbox, subscriptions, users
from tests.faults.process import SCALE, healthy, running, start_bot, until, world, write_config

FOLLOWERS = 60
WIJKAGENT = 200010  # wijkagent of Binnenstad in the example config
OUTAGE_EMULATED_S = 300.0
ALERT = "Gezocht: rode scooter, kenteken DX-45-PQ"
REPORT = "Melding voor de wijkagent: inbraak Kerkstraat"


async def queue_traffic(config_path: Path) -> int:
    """An area alert to every follower of Centrum (and the Binnenstad group) and a report to
    the wijkagent, queued by another process while Telegram is down, as the bot would."""
    from bot.alerts import broadcasts
    from bot.config.schema import load_config
    from storage import broadcasts as store

    services = await create_services(load_config(config_path, env={}))
    now = services.now()
    for n in range(FOLLOWERS):
        await subscriptions.subscribe(services.db, 700000 + n, "BU07941000", address=None, now=now)
    async with services.db.transaction() as tx:
        await users.grant_role(tx, WIJKAGENT, Role.WIJKAGENT, "WK079410", granted_by=None)
        await outbox.enqueue(tx, WIJKAGENT, "sendMessage", {"text": REPORT}, priority=outbox.PRIORITY_URGENT,
                             kind=RecipientKind.WIJKAGENT.value, now=now)
    await services.refresh_directory()
    draft = await store.create_draft(services.db, sender_id=WIJKAGENT, kind="suspect_vehicle", scope="WK079410",
                                     text=ALERT, photo_file_id=None, buurten=["BU07941000"], now=now,
                                     sender_role="wijkagent")
    result = await broadcasts.send(services, draft)
    await services.db.close()
    return result.queued + 1


def delivered(world: World) -> Counter[int]:
    return Counter(m.chat_id for ms in world.messages.values() for m in ms
                   if m.text and ("DX-45-PQ" in m.text or m.text == REPORT))


async def test_a_five_minute_outage_loses_nothing(tmp_path: Path) -> None:
    emulator: Emulator = await world()
    w = emulator.world
    for n in range(FOLLOWERS):
        w.add_user(700000 + n, f"Volger {n}")
    w.add_user(WIJKAGENT, "Wijkagent")
    try:
        config = write_config(tmp_path, emulator)
        with running(start_bot(config, emulator)) as bot:
            assert (await healthy(bot))["status"] == "ok"
            w.fail_next(10**9, kind="5xx")  # Telegram down: every request answers 502
            began = time.monotonic()
            queued = await queue_traffic(config)
            assert queued == FOLLOWERS + 2  # followers, the Binnenstad group, the wijkagent

            async def degraded() -> bool:
                _, body = await bot.async_health()
                return body.get("status") == "degraded"

            deadline = time.monotonic() + 30
            while not await degraded():
                assert time.monotonic() < deadline, "no 'degraded' on /healthz during the outage"
                await asyncio.sleep(0.2)
            # The outage lasts its full length: the fault's duration, not a wait for a result.
            await until(lambda: time.monotonic() - began >= OUTAGE_EMULATED_S / SCALE, within=OUTAGE_EMULATED_S,
                        what="the end of the outage", every=0.5)
            injected = sum(1 for r in w.call_log if r.status == 502)
            assert len(delivered(w)) == 0
            w.faults.clear()  # Telegram is back
            back = time.monotonic()
            await w.wait_for(lambda: len(delivered(w)) >= queued, within=60)
            recovered_in = (time.monotonic() - back) * SCALE
            counts = delivered(w)
            lost = queued - len(counts)
            duplicates = sum(c - 1 for c in counts.values())
            print(f"\noutage {OUTAGE_EMULATED_S:.0f} s emulated: {injected} requests failed (502), {queued} messages "
                  f"queued, lost {lost}, duplicates {duplicates}, all delivered {recovered_in:.0f} s (emulated) "
                  f"after Telegram came back")
            assert lost == 0 and duplicates == 0
            assert recovered_in <= 90  # backoff is capped at a minute (plus pacing)
            status, body = await bot.async_health()
            assert (status, body["status"]) == (200, "ok")
    finally:
        await emulator.stop()
