"""End to end: the real bot polls the local Bot API emulator over HTTP on 127.0.0.1."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.ext import Application

from bot.app.application import build_application
from bot.config.schema import PdokConfig
from bot.delivery.sender import Limits
from bot.emulator import Emulator, FloodLimits, World
from bot.runtime.services import Services, create_services
from tests.conftest import test_config

TIME_SCALE = 200.0  # Telegram's limits, 200 times faster
RESIDENT = 100001
WIJKAGENT = 200010
COORDINATOR = 500001
GROUP = -1001000000010


@dataclass
class Live:
    emulator: Emulator
    app: Application[Any, Any, Any, Any, Any, Any]
    services: Services

    @property
    def world(self) -> World:
        return self.emulator.world

    async def reply(self, chat_id: int, count: int) -> str:
        """Wait for the ``count``-th message in a chat and return its text."""
        messages = await self.world.wait_for_messages(chat_id, count)
        return messages[count - 1].text or messages[count - 1].caption or ""


async def start_live(tmp_path: Path, emulator: Emulator, *, pdok: httpx.AsyncClient | None = None) -> Live:
    """With ``pdok`` (a client with a MockTransport), addresses are looked up through it."""
    overrides: dict[str, Any] = {"pdok": PdokConfig(enabled=True, base_url="https://pdok.test/")} if pdok else {}
    config = test_config(tmp_path, api_url=emulator.base_url, file_url=emulator.base_file_url, **overrides)
    services = await create_services(config, http=pdok)
    app = build_application(config, emulator.token, services=services,
                            sender_limits=Limits(time_scale=TIME_SCALE))
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    return Live(emulator, app, services)


async def stop_live(live: Live) -> None:
    app = live.app
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    assert app.post_stop is not None
    await app.post_stop(app)
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    async with running_live(tmp_path) as running:
        yield running


@contextlib.asynccontextmanager
async def running_live(tmp_path: Path, *, pdok: httpx.AsyncClient | None = None) -> AsyncIterator[Live]:
    """The bot polling the emulator, with a resident, a wijkagent and a linked group's coordinator."""
    emulator = Emulator(limits=FloodLimits(time_scale=TIME_SCALE))
    await emulator.start()
    world = emulator.world
    world.add_user(RESIDENT, "Ria", username="ria")
    world.add_user(WIJKAGENT, "Wijkagent")
    world.add_user(COORDINATOR, "Coördinator")
    world.add_group(GROUP, "Buurtpreventie Binnenstad", members={COORDINATOR: "creator", RESIDENT: "member"})
    running = await start_live(tmp_path, emulator, pdok=pdok)
    try:
        yield running
    finally:
        await stop_live(running)
        await emulator.stop()
