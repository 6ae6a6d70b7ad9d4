"""An area alert to N recipients through the real outbox and sender, against the local
emulator enforcing Telegram's flood limits (scaled by --time-scale).

Reports the achieved send rate as a fraction of the allowed rate (about 30 messages/s per bot),
messages lost, 429s received, and the time until the last recipient had it compared with the
theoretical minimum N / allowed rate. Writes bench/results/fanout.json.

    python bench/fanout.py [--private 5000 --groups 200 --time-scale 10] [--in-process]
        [--baseline-private N --baseline-groups N]   (the baseline runs at --time-scale 1 only)

By default the emulator runs in its own process, as Telegram's servers are not on the bot's
CPU: in one process the emulator's own HTTP and JSON work would be measured as the bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from _common import load_text, machine_load, table, write_result
from telegram import Bot

from bot.config.schema import Config, PdokConfig, load_config
from bot.delivery.sender import Limits, OutboxSender
from bot.delivery.transport import HttpTransport
from bot.emulator import Emulator, FloodLimits
from bot.runtime.services import create_services
from storage import outbox

ROOT = Path(__file__).resolve().parents[1]
TEXT = "🚨 Vermiste persoon: man (82), blauwe jas, rollator. Gezien? Bel 112."


class InProcess:
    """The emulator in this process: its world is read directly."""

    def __init__(self, scale: float) -> None:
        self.emulator = Emulator(limits=FloodLimits(time_scale=scale))

    async def start(self, private_ids: list[int], group_ids: list[int]) -> tuple[str, str]:
        await self.emulator.start()
        self.emulator.world.add_chats(private_ids, group_ids)
        return self.emulator.token, self.emulator.base_url

    async def sent(self) -> int:
        return self.emulator.world.sent_count

    async def wait_sent(self, total: int, within: float) -> None:
        world = self.emulator.world
        await world.wait_for(lambda: world.sent_count >= total, within=within)

    async def finish(self) -> tuple[Counter[int], int, int]:
        world = self.emulator.world
        counts = Counter(m.chat_id for ms in world.messages.values() for m in ms)
        return counts, world.rate_limited, world.early_retries

    async def stop(self) -> None:
        await self.emulator.stop()


class OwnProcess:
    """The emulator as `python -m bot.emulator` on 127.0.0.1, read over its control API."""

    def __init__(self, scale: float, extra: tuple[str, ...] = ()) -> None:
        self.scale = scale
        self.extra = extra  # more command-line options (--no-limits, --paid-rate N)
        self.token = ""  # read from the emulator's first line
        self.process: asyncio.subprocess.Process | None = None
        self.http = httpx.AsyncClient(timeout=30.0)

    async def start(self, private_ids: list[int], group_ids: list[int]) -> tuple[str, str]:
        # Port 0: the emulator binds a free port itself and names it (and its token) on its first line.
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.emulator", "--port", "0", "--time-scale", str(self.scale), *self.extra,
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        assert self.process.stdout is not None
        banner = (await self.process.stdout.readline()).decode()
        found = re.search(r"on (http://127\.0\.0\.1:(\d+)/bot)\s+\(token (\S+)\)", banner)
        if found is None:
            raise RuntimeError(f"the emulator did not start: {banner!r}")
        base_url, port, self.token = found[1], found[2], found[3]
        self.control = f"http://127.0.0.1:{port}/_control"
        (await self.http.post(f"{self.control}/chats", json={"users": private_ids, "groups": group_ids})
         ).raise_for_status()
        return self.token, base_url

    async def stats(self) -> dict[str, Any]:
        answer = await self.http.get(f"{self.control}/stats")
        answer.raise_for_status()
        return dict(answer.json())

    async def sent(self) -> int:
        return int((await self.stats())["sent"])

    async def wait_sent(self, total: int, within: float) -> None:
        deadline = time.perf_counter() + within
        while await self.sent() < total:  # polling another process: there is no event to wait on
            if time.perf_counter() > deadline:
                raise TimeoutError(f"not all {total} messages arrived within {within:.0f} s")
            await asyncio.sleep(0.05)

    async def finish(self) -> tuple[Counter[int], int, int]:
        answer = await self.http.get(f"{self.control}/counts")
        answer.raise_for_status()
        counts = Counter({int(chat): n for chat, n in answer.json()["counts"].items()})
        stats = await self.stats()
        return counts, int(stats["rate_limited"]), int(stats.get("early_retries", 0))

    async def stop(self) -> None:
        await self.http.aclose()
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), 10)


@contextlib.asynccontextmanager
async def emulator_for(scale: float, in_process: bool) -> AsyncIterator[InProcess | OwnProcess]:
    emulator = InProcess(scale) if in_process else OwnProcess(scale)
    try:
        yield emulator
    finally:
        await emulator.stop()


async def run(private: int, groups: int, scale: float, *, in_process: bool = False) -> dict[str, Any]:
    private_ids = [400_000 + i for i in range(private)]
    group_ids = [-1_004_000_000_000 - i for i in range(groups)]
    async with emulator_for(scale, in_process) as emulator:
        token, base_url = await emulator.start(private_ids, group_ids)
        with tempfile.TemporaryDirectory() as tmp:
            base = load_config(ROOT / "config.example.toml", env={})
            config = Config(**{**{f: getattr(base, f) for f in base.__dataclass_fields__},
                               "database": Path(tmp) / "fanout.db", "pdok": PdokConfig(enabled=False)})
            services = await create_services(config)
            # Queue the alert the way a broadcast does: one transaction, one row per recipient.
            now = services.now()
            async with services.db.transaction() as tx:
                for chat_id in group_ids + private_ids:
                    await outbox.enqueue(tx, chat_id, "sendMessage", {"text": TEXT},
                                         priority=outbox.PRIORITY_URGENT, kind="broadcast", broadcast_id=1,
                                         not_before=now)
            bot = Bot(token, base_url=base_url)
            await bot.initialize()
            transport = HttpTransport(f"{base_url}{token}")  # as the running bot sends
            sender = OutboxSender(bot, services.db, limits=Limits(time_scale=scale), transport=transport)
            total = private + groups
            load = machine_load()
            began = time.perf_counter()
            await sender.start()
            await emulator.wait_sent(total, within=max(120.0, 3 * total / (30 * scale)))
            elapsed = time.perf_counter() - began
            await sender.stop()
            counts, rate_limited, early = await emulator.finish()
            lost = sum(1 for chat_id in group_ids + private_ids if counts[chat_id] == 0)
            duplicates = sum(c - 1 for c in counts.values() if c > 1)
            pending = await outbox.depth(services.db)
            failed = await outbox.failed_count(services.db)
            await transport.close()
            await bot.shutdown()
            await services.db.close()
    allowed_rate = 30.0 * scale
    theoretical = total / allowed_rate
    return {
        **load,
        "private_chats": private, "groups": groups, "time_scale": scale, "messages": total,
        "emulator": "in process" if in_process else "own process",
        "elapsed_s": elapsed, "theoretical_min_s": theoretical, "achieved_rate": total / elapsed,
        "allowed_rate": allowed_rate, "fraction_of_allowed": (total / elapsed) / allowed_rate,
        "lost": lost, "duplicates": duplicates, "still_pending": pending,
        "rate_limited_429": rate_limited, "sender_429_seen": sender.stats.rate_limited,
        "early_retries": early,
        # A 429 is handled when its row was sent in the end; one that left a row failed is not.
        "unhandled_429": failed,
        "targets": {"fraction_of_allowed_min": 0.97, "lost": 0, "unhandled_429": 0},
    }


async def baseline(private: int, groups: int) -> dict[str, Any]:
    """python-telegram-bot's AIORateLimiter (30/s overall, 20/min per group, 3 retries after a
    429) with every message started at once by asyncio.gather; real speed only (its limiter
    sleeps real seconds)."""
    from telegram.ext import AIORateLimiter, ExtBot

    private_ids = [500_000 + i for i in range(private)]
    group_ids = [-1_005_000_000_000 - i for i in range(groups)]
    async with emulator_for(1.0, False) as emulator:
        token, base_url = await emulator.start(private_ids, group_ids)
        bot = ExtBot(token, base_url=base_url, rate_limiter=AIORateLimiter(max_retries=3))
        await bot.initialize()
        load = machine_load()
        began = time.perf_counter()
        answers = await asyncio.gather(*(bot.send_message(chat_id, TEXT) for chat_id in group_ids + private_ids),
                                       return_exceptions=True)
        elapsed = time.perf_counter() - began
        await bot.shutdown()
        counts, rate_limited, early = await emulator.finish()
    total = private + groups
    return {
        **load, "private_chats": private, "groups": groups, "messages": total, "elapsed_s": elapsed,
        "theoretical_min_s": total / 30.0, "achieved_rate": total / elapsed,
        "fraction_of_allowed": total / elapsed / 30.0,
        "lost": sum(1 for chat_id in group_ids + private_ids if counts[chat_id] == 0),
        "duplicates": sum(c - 1 for c in counts.values() if c > 1),
        "failed_sends": sum(1 for a in answers if isinstance(a, Exception)),
        "rate_limited_429": rate_limited, "early_retries": early,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--private", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--time-scale", type=float, default=10.0)
    parser.add_argument("--in-process", action="store_true", help="run the emulator in this process")
    parser.add_argument("--baseline-private", type=int, default=None,
                        help="private chats for the AIORateLimiter+gather baseline (real speed only; "
                             "default: as --private; 0: none)")
    parser.add_argument("--baseline-groups", type=int, default=None)
    args = parser.parse_args()
    result = asyncio.run(run(args.private, args.groups, args.time_scale, in_process=args.in_process))
    base_private = args.private if args.baseline_private is None else args.baseline_private
    base_groups = args.groups if args.baseline_groups is None else args.baseline_groups
    if args.time_scale == 1 and base_private + base_groups > 0:
        result["baseline_aioratelimiter_gather"] = asyncio.run(baseline(base_private, base_groups))
    # The default scale writes fanout.json; other scales keep their own file to compare.
    path = write_result("fanout" if args.time_scale == 10 else f"fanout-x{args.time_scale:g}", result)
    print(f"fan-out: {result['messages']} messages ({args.private} private chats + {args.groups} groups), "
          f"Telegram limits x{args.time_scale:g}, emulator {result['emulator']}")
    print(table([
        ("time until the last recipient", f"{result['elapsed_s']:.2f} s (theoretical minimum "
                                          f"{result['theoretical_min_s']:.2f} s)"),
        ("achieved rate", f"{result['achieved_rate']:.0f}/s of {result['allowed_rate']:.0f}/s allowed = "
                          f"{result['fraction_of_allowed']:.1%}   (target >= 97%)"),
        ("lost / duplicated", f"{result['lost']} / {result['duplicates']}   (target 0)"),
        ("429s received / left unsent", f"{result['rate_limited_429']} / {result['unhandled_429']}   (target: 0 unsent)"),
        ("retries before retry_after", f"{result['early_retries']}"),
        ("machine", load_text(result)),
    ]))
    if (base := result.get("baseline_aioratelimiter_gather")) is not None:
        print(f"baseline, same run: AIORateLimiter + asyncio.gather, {base['messages']} messages "
              f"({base['private_chats']} private + {base['groups']} groups)")
        print(table([
            ("time until the last recipient", f"{base['elapsed_s']:.2f} s (theoretical minimum "
                                              f"{base['theoretical_min_s']:.2f} s)"),
            ("achieved rate", f"{base['achieved_rate']:.1f}/s = {base['fraction_of_allowed']:.1%} of 30/s"),
            ("lost / duplicated / failed sends", f"{base['lost']} / {base['duplicates']} / {base['failed_sends']}"),
            ("429s received", f"{base['rate_limited_429']}"),
            ("machine", load_text(base)),
        ]))
    print(f"written: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
