"""An area alert to N recipients through the real outbox and sender, against the local
emulator enforcing Telegram's flood limits (scaled by --time-scale).

Reports the achieved send rate as a fraction of the allowed rate (about 30 messages/s per bot),
messages lost, 429s received, and the time until the last recipient had it compared with the
theoretical minimum N / allowed rate. Writes bench/results/fanout.json.

    python bench/fanout.py [--private 5000 --groups 200 --time-scale 10]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _common import table, write_result
from telegram import Bot

from bot.config import Config, PdokConfig, load_config
from bot.emulator import Emulator, FloodLimits
from bot.sender import Limits, OutboxSender
from bot.services import create_services
from storage import outbox

ROOT = Path(__file__).resolve().parents[1]
TEXT = "🚨 Vermiste persoon: man (82), blauwe jas, rollator. Gezien? Bel 112."


async def run(private: int, groups: int, scale: float) -> dict[str, Any]:
    emulator = Emulator(limits=FloodLimits(time_scale=scale))
    await emulator.start()
    world = emulator.world
    private_ids = [400_000 + i for i in range(private)]
    group_ids = [-1_004_000_000_000 - i for i in range(groups)]
    for user_id in private_ids:
        world.add_user(user_id, "R")
    for chat_id in group_ids:
        world.add_group(chat_id, "G")
    with tempfile.TemporaryDirectory() as tmp:
        base = load_config(ROOT / "config.example.toml", env={})
        config = Config(**{**{f: getattr(base, f) for f in base.__dataclass_fields__},
                           "database": Path(tmp) / "fanout.db", "pdok": PdokConfig(enabled=False)})
        services = await create_services(config)
        # Queue the alert the way a broadcast does: one transaction, one row per recipient.
        now = services.now()
        async with services.db.transaction() as tx:
            for chat_id in group_ids + private_ids:
                await outbox.enqueue(tx, chat_id, "sendMessage", {"text": TEXT}, priority=outbox.PRIORITY_URGENT,
                                     kind="broadcast", broadcast_id=1, not_before=now)
        bot = Bot(emulator.token, base_url=emulator.base_url)
        await bot.initialize()
        sender = OutboxSender(bot, services.db, limits=Limits(time_scale=scale))
        total = private + groups
        began = time.perf_counter()
        await sender.start()
        await world.wait_for(lambda: world.sent_count >= total, within=max(120.0, 3 * total / (30 * scale)))
        elapsed = time.perf_counter() - began
        await sender.stop()
        counts = Counter(m.chat_id for ms in world.messages.values() for m in ms)
        lost = sum(1 for chat_id in group_ids + private_ids if counts[chat_id] == 0)
        duplicates = sum(c - 1 for c in counts.values() if c > 1)
        pending = await outbox.depth(services.db)
        await bot.shutdown()
        await services.db.close()
    await emulator.stop()
    allowed_rate = 30.0 * scale
    theoretical = total / allowed_rate
    return {
        "private_chats": private, "groups": groups, "time_scale": scale, "messages": total,
        "elapsed_s": elapsed, "theoretical_min_s": theoretical, "achieved_rate": total / elapsed,
        "allowed_rate": allowed_rate, "fraction_of_allowed": (total / elapsed) / allowed_rate,
        "lost": lost, "duplicates": duplicates, "still_pending": pending,
        "rate_limited_429": world.rate_limited, "sender_429_seen": sender.stats.rate_limited,
        "unhandled_429": 0 if lost == 0 and pending == 0 else world.rate_limited,
        "targets": {"fraction_of_allowed_min": 0.95, "lost": 0, "unhandled_429": 0},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--private", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--time-scale", type=float, default=10.0)
    args = parser.parse_args()
    result = asyncio.run(run(args.private, args.groups, args.time_scale))
    path = write_result("fanout", result)
    print(f"fan-out: {result['messages']} messages ({args.private} private chats + {args.groups} groups), "
          f"Telegram limits x{args.time_scale:g}")
    print(table([
        ("time until the last recipient", f"{result['elapsed_s']:.2f} s (theoretical minimum "
                                          f"{result['theoretical_min_s']:.2f} s)"),
        ("achieved rate", f"{result['achieved_rate']:.0f}/s of {result['allowed_rate']:.0f}/s allowed = "
                          f"{result['fraction_of_allowed']:.1%}   (target >= 95%)"),
        ("lost / duplicated", f"{result['lost']} / {result['duplicates']}   (target 0)"),
        ("429s received (all retried)", f"{result['rate_limited_429']}"),
    ]))
    print(f"written: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
