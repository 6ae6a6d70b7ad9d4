"""Does an urgent report wait behind a backlog? 15 reports ("inbraak bezig") submitted one a
second while a 5 000-recipient broadcast drains, and while 5 000 tips drain, at real speed
(the emulator in its own process enforcing Telegram's limits).

Each report goes to a wijkagent and a team's group, as a routed report does (15 reports from
15 buurten: their own wijkagent and group each; ``--same-recipients`` sends all 15 to one pair,
where Telegram's 1 message/s per private chat sets the pace of the last delivery). Measured from
the moment the report is queued to the moment the Bot API answered each of its two messages:
first and last delivery, p50/p99. The project (outbox + OutboxSender) against a baseline in the
same run: python-telegram-bot's ``AIORateLimiter`` with every backlog message started at once
(``asyncio.gather``), the reports sent through the same bot. The baseline's reports queue
behind the whole backlog; they are waited for ``--baseline-cap`` seconds at most and counted
as not delivered after that. Writes bench/results/urgency.json.

    python bench/urgency.py [--backlog 5000] [--reports 15] [--baseline-cap 45]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import load_text, machine_load, percentile, table, write_result
from fanout import OwnProcess
from telegram.ext import AIORateLimiter, ExtBot

from bot.config.schema import Config, PdokConfig, load_config
from bot.delivery.sender import Limits, OutboxSender
from bot.delivery.transport import HttpTransport
from bot.runtime.services import create_services
from storage import outbox

ROOT = Path(__file__).resolve().parents[1]
WIJKAGENT = 200_000  # report k goes to WIJKAGENT + k and GROUP - k (15 buurten), or all to the
GROUP = -1_001_000_000_000  # first pair with --same-recipients (then Telegram's 1/s per chat adds up)
LEAD = 3.0  # seconds the backlog drains before the first report


class TimedTransport(HttpTransport):
    """Notes when each report message was answered."""

    def __init__(self, base_url: str, answered: dict[str, float]) -> None:
        super().__init__(base_url)
        self.answered = answered
        self.changed = asyncio.Event()

    async def call(self, method: str, chat_id: int, payload: str, extra: dict[str, Any] | None) -> Any:
        result = await super().call(method, chat_id, payload, extra)
        if '"report ' in payload:
            marker = payload.split('"report ', 1)[1].split('"', 1)[0]
            self.answered[f"{marker}:{chat_id}"] = time.perf_counter()
            self.changed.set()
        return result

    async def wait_for(self, count: int, within: float) -> None:
        async def check() -> None:
            while len(self.answered) < count:
                self.changed.clear()
                await self.changed.wait()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(check(), within)


def recipients(k: int, same: bool) -> tuple[int, int]:
    return (WIJKAGENT, GROUP) if same else (WIJKAGENT + k, GROUP - k)


def latencies(submitted: dict[int, float], answered: dict[str, float], cap: float, same: bool) -> dict[str, Any]:
    first, last, missing = [], [], 0
    for k, at in submitted.items():
        wijkagent, group = recipients(k, same)
        times = [answered.get(f"{k}:{wijkagent}"), answered.get(f"{k}:{group}")]
        done = [t - at for t in times if t is not None]
        if len(done) < 2:
            missing += 1
        first.append(min(done) if done else cap)
        last.append(max(done) if len(done) == 2 else cap)
    return {"first_p50_s": percentile(first, 50), "first_p99_s": percentile(first, 99),
            "last_p50_s": percentile(last, 50), "last_p99_s": percentile(last, 99),
            "not_delivered_within_cap": missing, "first_s": first, "last_s": last}


async def project(kind: str, backlog: int, reports: int, same: bool) -> dict[str, Any]:
    chats = [400_000 + i for i in range(backlog)]
    emulator = OwnProcess(1.0)
    pairs = [recipients(k, same) for k in range(reports)]
    token, base_url = await emulator.start([*chats, *{w for w, _ in pairs}], list({g for _, g in pairs}))
    answered: dict[str, float] = {}
    submitted: dict[int, float] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            base = load_config(ROOT / "config.example.toml", env={})
            config = Config(**{**{f: getattr(base, f) for f in base.__dataclass_fields__},
                               "database": Path(tmp) / "urgency.db", "pdok": PdokConfig(enabled=False)})
            services = await create_services(config)
            now = services.now()
            async with services.db.transaction() as tx:
                for chat_id in chats:
                    if kind == "broadcast":
                        await outbox.enqueue(tx, chat_id, "sendMessage", {"text": "📢 Gebiedsalarm"},
                                             priority=outbox.PRIORITY_URGENT, kind="broadcast", broadcast_id=1,
                                             not_before=now)
                    else:
                        await outbox.enqueue(tx, chat_id, "sendMessage", {"text": "💡 Tip"},
                                             priority=outbox.PRIORITY_LOW, kind="tip", not_before=now)
            transport = TimedTransport(f"{base_url}{token}", answered)
            sender = OutboxSender(None, services.db, limits=Limits(), transport=transport)  # type: ignore[arg-type]
            services.sender = sender
            await sender.start()
            load = machine_load()
            await asyncio.sleep(LEAD)
            for k in range(reports):
                submitted[k] = time.perf_counter()
                async with services.db.transaction() as tx:  # as a routed report queues its deliveries
                    for chat_id, recipient in zip(pairs[k], ("wijkagent", "team_group"), strict=True):
                        await outbox.enqueue(tx, chat_id, "sendMessage", {"text": f"report {k}"},
                                             priority=outbox.PRIORITY_URGENT, kind=recipient, sighting_id=k + 1,
                                             incident_id=k + 1, not_before=services.now())
                services.wake_sender()
                await asyncio.sleep(1.0)
            await transport.wait_for(2 * reports, 10.0)
            backlog_sent = sender.stats.sent - len(answered)
            rate_limited = (await emulator.stats())["rate_limited"]
            await sender.stop()
            await transport.close()
            await services.db.close()
    finally:
        await emulator.stop()
    return {**latencies(submitted, answered, 10.0, same), "backlog_sent_meanwhile": backlog_sent,
            "rate_limited_429": rate_limited, **load}


async def baseline(kind: str, backlog: int, reports: int, cap: float, same: bool) -> dict[str, Any]:
    chats = [400_000 + i for i in range(backlog)]
    emulator = OwnProcess(1.0)
    pairs = [recipients(k, same) for k in range(reports)]
    token, base_url = await emulator.start([*chats, *{w for w, _ in pairs}], list({g for _, g in pairs}))
    answered: dict[str, float] = {}
    submitted: dict[int, float] = {}
    bot = ExtBot(token, base_url=base_url, rate_limiter=AIORateLimiter(max_retries=3))
    text = "📢 Gebiedsalarm" if kind == "broadcast" else "💡 Tip"
    try:
        await bot.initialize()
        load = machine_load()
        flood = [asyncio.create_task(bot.send_message(chat_id, text)) for chat_id in chats]

        async def report(k: int) -> None:
            async def one(chat_id: int) -> None:
                await bot.send_message(chat_id, f"report {k}")
                answered[f"{k}:{chat_id}"] = time.perf_counter()
            await asyncio.gather(*(one(chat_id) for chat_id in pairs[k]), return_exceptions=True)

        await asyncio.sleep(LEAD)
        sends = []
        for k in range(reports):
            submitted[k] = time.perf_counter()
            sends.append(asyncio.create_task(report(k)))
            await asyncio.sleep(1.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*sends), max(0.0, cap - reports))
        backlog_sent = sum(1 for task in flood if task.done() and not task.cancelled() and task.exception() is None)
        rate_limited = (await emulator.stats())["rate_limited"]
        for task in [*flood, *sends]:
            task.cancel()
        await asyncio.gather(*flood, *sends, return_exceptions=True)
    finally:
        with contextlib.suppress(Exception):
            await bot.shutdown()
        await emulator.stop()
    return {**latencies(submitted, answered, cap, same), "backlog_sent_meanwhile": backlog_sent,
            "rate_limited_429": rate_limited, **load}


async def run(backlog: int, reports: int, cap: float, same: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"backlog": backlog, "reports": reports, "time_scale": 1.0, "baseline_cap_s": cap,
                              "recipients": "one wijkagent and group for all" if same else "own per report",
                              "scenarios": {}}
    for kind in ("broadcast", "tips"):
        result["scenarios"][kind] = {
            "project": await project(kind, backlog, reports, same),
            "baseline_aioratelimiter_gather": await baseline(kind, backlog, reports, cap, same),
        }
    result["targets"] = {"first_p99_s_max": 1.0, "last_p99_s_max": 2.0}
    return result


def main() -> None:
    logging.getLogger("telegram").setLevel(logging.CRITICAL)  # the baseline's 429s are counted, not printed
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backlog", type=int, default=5000)
    parser.add_argument("--reports", type=int, default=15)
    parser.add_argument("--baseline-cap", type=float, default=45.0)
    parser.add_argument("--same-recipients", action="store_true",
                        help="every report to one wijkagent and one group (Telegram's 1/s per chat then counts)")
    args = parser.parse_args()
    result = asyncio.run(run(args.backlog, args.reports, args.baseline_cap, args.same_recipients))
    path = write_result("urgency-same" if args.same_recipients else "urgency", result)
    rows = []
    for kind, paths in result["scenarios"].items():
        for name, r in paths.items():
            late = f", {r['not_delivered_within_cap']} not within the cap" if r["not_delivered_within_cap"] else ""
            if r["not_delivered_within_cap"] == args.reports and not any(t < args.baseline_cap for t in r["first_s"]):
                rows.append((f"behind {args.backlog} {kind}: {name}",
                             f"no report delivered within {args.baseline_cap:.0f} s, 429s {r['rate_limited_429']} "
                             f"({load_text(r)})"))
                continue
            rows.append((f"behind {args.backlog} {kind}: {name}",
                         f"first p50 {r['first_p50_s']:.3f} s p99 {r['first_p99_s']:.3f} s, last p50 "
                         f"{r['last_p50_s']:.3f} s p99 {r['last_p99_s']:.3f} s{late}, 429s {r['rate_limited_429']} "
                         f"({load_text(r)})"))
    print(f"urgency: {args.reports} urgent reports while a backlog drains, real speed (target first p99 < 1 s, "
          f"last < 2 s)")
    print(table(rows))
    print(f"written: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
