"""A database that cannot be written: the bot says so to the person and to /healthz, and
recovers by itself once it can write again.

The disk is made "full" for the running bot only: its file-size limit (RLIMIT_FSIZE) is set to
one byte, so every write to the database or its WAL fails as on a full disk (Python ignores
SIGXFSZ; SQLite answers "database or disk is full"); raising the limit again frees it.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

from tests.faults.process import (
    COORDINATOR,
    RESIDENT,
    healthy,
    running,
    start_bot,
    until,
    world,
    write_config,
)

CANNOT_SAVE = "Het lukt nu niet om je melding op te slaan"


async def test_disk_full_gets_an_answer_a_503_and_recovers_by_itself(tmp_path: Path) -> None:
    emulator = await world()
    w = emulator.world
    try:
        with running(start_bot(write_config(tmp_path, emulator), emulator)) as bot:
            await healthy(bot)
            unlimited = resource.prlimit(bot.pid, resource.RLIMIT_FSIZE)
            resource.prlimit(bot.pid, resource.RLIMIT_FSIZE, (1, unlimited[1]))  # the disk is full
            full_at = time.monotonic()
            w.send_text(RESIDENT, "/melding")
            await w.wait_for(lambda: any(CANNOT_SAVE in t for t in w.texts(RESIDENT)), within=15)
            assert any("112" in t for t in w.texts(RESIDENT) if CANNOT_SAVE in t)
            w.send_text(COORDINATOR, "/alarm Gezocht: grijze bestelbus")
            await w.wait_for(lambda: any(CANNOT_SAVE in t for t in w.texts(COORDINATOR)), within=15)

            async def unhealthy() -> dict[str, object] | None:
                status, body = await bot.async_health()
                return body if status == 503 else None

            body = None
            deadline = time.monotonic() + 15
            while body is None and time.monotonic() < deadline:
                body = await unhealthy()
            assert body is not None and "not writable" in str(body.get("database")), bot.stderr[-3000:]
            answered_in = time.monotonic() - full_at

            resource.prlimit(bot.pid, resource.RLIMIT_FSIZE, unlimited)  # space again
            freed_at = time.monotonic()
            await healthy(bot, within=15)
            recovered_in = time.monotonic() - freed_at
            before = len(w.texts(RESIDENT))
            w.send_text(RESIDENT, "/melding")
            await w.wait_for(lambda: len(w.texts(RESIDENT)) > before, within=15)
            assert not any(CANNOT_SAVE in t for t in w.texts(RESIDENT)[before:])
            await until(lambda: bot.process.poll() is None, within=1)
            print(f"\ndisk full: 2 commands answered with the 112 advice and /healthz 503 within {answered_in:.1f} s; "
                  f"healthy again {recovered_in:.1f} s after space came back; process never exited")
    finally:
        await emulator.stop()
