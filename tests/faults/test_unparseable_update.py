"""An update python-telegram-bot cannot parse is skipped: one log line without its content,
polling goes on (it used to stop polling and write megabytes of log with the person's text,
name and phone number)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.faults.process import RESIDENT, healthy, running, start_bot, world, write_config

SECRET = "Jan de Vries 0612345678"


async def test_an_unparseable_update_is_skipped_in_one_line(tmp_path: Path) -> None:
    emulator = await world()
    w = emulator.world
    try:
        with running(start_bot(write_config(tmp_path, emulator), emulator)) as bot:
            await healthy(bot)
            # A chat that is not an object: PTB's Update.de_json raises on it.
            w.inject({"message": {"message_id": 1, "date": int(time.time()), "chat": 7,
                                  "from": {"id": RESIDENT, "is_bot": False, "first_name": SECRET},
                                  "text": f"Bel {SECRET}"}})
            w.send_text(RESIDENT, "/start")
            await w.wait_for(lambda: len(w.texts(RESIDENT)) >= 1, within=15)  # polling went on
            assert SECRET not in bot.stderr and "0612345678" not in bot.stderr
            skipped = [line for line in bot.lines if "could not read" in line]
            assert len(skipped) == 1, bot.stderr[-3000:]
            assert sum(len(line) for line in bot.lines) < 20_000
            print(f"\nunparseable update: skipped with {len(skipped)} log line, polling went on, "
                  f"{sum(len(line) for line in bot.lines)} bytes of log in all")
    finally:
        await emulator.stop()
