"""kill -9 (and SIGTERM) in the middle of a 1 000-recipient broadcast: after a restart everyone
has it once.

The bot runs as a real process (`buurtwacht run`) against the emulator in this test; the
emulator injects random 429s, 5xx answers and dropped connections throughout. The documented
bound: a crash can duplicate only the rows whose outcome was not written yet (at most the
sender's in-doubt limit: twice its 8 requests on the wire, 16); nothing is ever lost.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bot.alerts import broadcasts
from bot.core.domain import Role
from bot.delivery.sender import OutboxSender
from bot.emulator import Emulator, FloodLimits, World
from bot.runtime.services import create_services
from storage import outbox, subscriptions, users
from tests.conftest import EXAMPLE_CONFIG, ROOT

RECIPIENTS = 1000
SCALE = 50.0
TEXT = "Gezocht: grijze bestelbus, kenteken VX-123-B"
CONCURRENCY_BOUND = 16  # OutboxSender.in_doubt_limit with its default concurrency


def write_config(tmp_path: Path, emulator: Emulator) -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('database = "buurtwacht.db"', f'database = "{tmp_path / "crash.db"}"')
    text = text.replace('api_url = "https://api.telegram.org/bot"', f'api_url = "{emulator.base_url}"')
    text = text.replace('polygons = "bot/data/', f'polygons = "{ROOT}/bot/data/')
    text = text.replace("[pdok]\nenabled = true", "[pdok]\nenabled = false")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def queue_broadcast(config_path: Path) -> int:
    from bot.config.schema import load_config

    config = load_config(config_path, env={})
    services = await create_services(config)
    now = services.now()
    for n in range(RECIPIENTS):
        await subscriptions.subscribe(services.db, 300000 + n, "BU07941000", address=None, now=now)
    async with services.db.transaction() as tx:
        await users.grant_role(tx, 200010, Role.WIJKAGENT, "WK079410", granted_by=None)
    await services.refresh_directory()
    from storage import broadcasts as store

    draft = await store.create_draft(services.db, sender_id=200010, kind="suspect_vehicle", scope="WK079410",
                                     text=TEXT, photo_file_id=None, buurten=["BU07941000"], now=now,
                                     sender_role="wijkagent")
    result = await broadcasts.send(services, draft)
    await services.db.close()
    return result.queued


def start_bot(config_path: Path, emulator: Emulator) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BUURTWACHT_TOKEN": emulator.token, "BUURTWACHT_RATE_SCALE": str(SCALE),
           "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "bot.ops.cli", "--log-level", "WARNING", "run", "--config",
                             str(config_path)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


async def stopped(process: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """Wait for the process to end without blocking the event loop: the emulator lives in this
    loop, and a stopping bot still talks to it (the sends in flight, its last getUpdates)."""
    return await asyncio.to_thread(process.communicate, timeout=60)


def delivered(world: World) -> Counter[int]:
    return Counter(m.chat_id for ms in world.messages.values() for m in ms if m.text and "VX-123-B" in m.text)


async def world_with_recipients() -> Emulator:
    """The emulator with every follower of the broadcast and the three team groups."""
    emulator = Emulator(limits=FloodLimits(time_scale=SCALE))
    await emulator.start()
    for n in range(RECIPIENTS):
        emulator.world.add_user(300000 + n, f"R{n}")
    for chat in (-1001000000010, -1001000000021, -1001000000061):
        emulator.world.add_group(chat, "groep")
    return emulator


async def test_kill_9_mid_broadcast_loses_nothing(tmp_path: Path) -> None:
    emulator = await world_with_recipients()
    world = emulator.world
    rng = random.Random(7)
    try:
        config_path = write_config(tmp_path, emulator)
        queued = await queue_broadcast(config_path)
        assert queued == RECIPIENTS + 1  # every follower and the Binnenstad group
        # Trouble all along: 429s, 5xx answers and dropped connections at random moments.
        for _ in range(30):
            world.fail_next(1, kind=rng.choice(["429", "5xx", "drop"]), method="sendMessage",
                            chat_id=300000 + rng.randrange(RECIPIENTS), retry_after=1)
        bot = start_bot(config_path, emulator)
        try:
            await world.wait_for(lambda: len(delivered(world)) >= 300, within=60)
        finally:
            bot.send_signal(signal.SIGKILL)
            bot.wait(timeout=30)
        at_crash = len(delivered(world))
        assert at_crash < queued, "the crash must come mid-way to mean anything"
        restarted = start_bot(config_path, emulator)
        try:
            await world.wait_for(lambda: len(delivered(world)) >= queued, within=120)
        finally:
            restarted.send_signal(signal.SIGTERM)
            _, stderr = await stopped(restarted)
        counts = delivered(world)
        assert len(counts) == queued  # nobody missed it
        duplicates = sum(c - 1 for c in counts.values())
        assert duplicates <= CONCURRENCY_BOUND  # only what was in doubt at the kill
        assert restarted.returncode == 0, stderr.decode()[-2000:]
        from bot.config.schema import load_config
        from storage.db import Database

        db = await Database.open(load_config(config_path, env={}).database)
        assert await outbox.depth(db) == 0
        await db.close()
    finally:
        await emulator.stop()


async def test_sigterm_mid_broadcast_finishes_in_flight_and_duplicates_nothing(tmp_path: Path) -> None:
    """SIGTERM (systemd stop, docker stop) mid-way: the process finishes the sends in flight,
    records them and exits 0; after a restart everyone has the message once, nobody twice."""
    emulator = await world_with_recipients()
    world = emulator.world
    rng = random.Random(11)
    try:
        config_path = write_config(tmp_path, emulator)
        queued = await queue_broadcast(config_path)
        assert queued == RECIPIENTS + 1
        for _ in range(20):  # answered errors are retried, never duplicated
            world.fail_next(1, kind=rng.choice(["429", "5xx"]), method="sendMessage",
                            chat_id=300000 + rng.randrange(RECIPIENTS), retry_after=1)
        bot = start_bot(config_path, emulator)
        try:
            await world.wait_for(lambda: len(delivered(world)) >= 300, within=60)
        finally:
            bot.send_signal(signal.SIGTERM)
            _, first_stderr = await stopped(bot)
        assert bot.returncode == 0, first_stderr.decode()[-2000:]
        assert "Traceback" not in first_stderr.decode(), first_stderr.decode()[-6000:]
        at_stop = len(delivered(world))
        assert at_stop < queued, "the stop must come mid-way to mean anything"
        from bot.config.schema import load_config
        from storage.db import Database

        database = load_config(config_path, env={}).database
        db = await Database.open(database)
        # Nothing was left half-sent: every row is either recorded as sent or still pending.
        in_flight = await db.fetchone("SELECT COUNT(*) FROM outbox WHERE status = 'sending'")
        sent = await db.fetchone("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND kind = 'broadcast'")
        await db.close()
        assert in_flight is not None and in_flight[0] == 0
        assert sent is not None and sent[0] == at_stop  # what arrived is exactly what is recorded

        restarted = start_bot(config_path, emulator)
        try:
            await world.wait_for(lambda: len(delivered(world)) >= queued, within=60)
        finally:
            restarted.send_signal(signal.SIGTERM)
            _, stderr = await stopped(restarted)
        assert restarted.returncode == 0, stderr.decode()[-2000:]
        assert "in flight at the last stop" not in stderr.decode()  # nothing to resend blindly
        counts = delivered(world)
        assert len(counts) == queued  # nobody missed it
        assert sum(c - 1 for c in counts.values()) == 0  # and nobody got it twice
        db = await Database.open(database)
        assert await outbox.depth(db) == 0
        await db.close()
    finally:
        await emulator.stop()


def test_the_bound_is_the_senders_in_doubt_limit() -> None:
    assert OutboxSender(None, None).in_doubt_limit == CONCURRENCY_BOUND  # type: ignore[arg-type]
