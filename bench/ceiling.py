"""How fast can the outbox sender send when Telegram's limits are not what holds it back?

Four clients against the same local emulator (its own process, flood limits off), in one
run, one after the other, several rounds:

- bare httpx: an ``httpx.AsyncClient`` and ``concurrency`` tasks posting sendMessage;
- bare httpcore: the same with httpcore, a connection pool of one per task (the HTTP layer
  the project's transport uses, without the outbox: what the sender itself costs);
- PTB: ``Bot.do_api_request`` in the same way (python-telegram-bot's request path);
- the project: N queued outbox rows drained by the real :class:`OutboxSender` (claims,
  outcomes, pacing and all) with the limits lifted.

Reports sends/s and the client's CPU time per send, and the project's ratio to bare httpx
(target >= 0.8). Then paid broadcast: N rows with ``allow_paid_broadcast`` against the
emulator enforcing the paid rate (1 000/s, times ``--paid-time-scale``), the sender paced at
the same rate: the fraction of it achieved, and the 429s.
Writes bench/results/ceiling.json.

    python bench/ceiling.py [--messages 3000] [--rounds 2] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpcore
import httpx
from _common import load_text, machine_load, table, write_result
from fanout import OwnProcess
from telegram import Bot

from bot.config.schema import Config, PdokConfig, load_config
from bot.delivery.paid import FLAG
from bot.delivery.sender import Limits, OutboxSender
from bot.delivery.transport import HttpTransport
from bot.runtime.services import create_services
from storage import outbox

ROOT = Path(__file__).resolve().parents[1]
TEXT = "🚨 Vermist: jongen (8), rode jas, blauwe pet. Gezien? Bel 112."
LIFTED = Limits(per_second=math.inf, private_interval=0.0, group_per_minute=math.inf, paid_per_second=math.inf)


@contextlib.asynccontextmanager
async def emulator(extra: tuple[str, ...], chats: list[int], scale: float = 1.0,
                   ) -> AsyncIterator[tuple[OwnProcess, str, str]]:
    process = OwnProcess(scale, extra)
    try:
        token, base_url = await process.start(chats, [])
        yield process, token, base_url
    finally:
        await process.stop()


async def workers(count: int, concurrency: int, send: Callable[[int], Awaitable[Any]]) -> None:
    next_index = iter(range(count))

    async def worker() -> None:
        for index in next_index:
            await send(index)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def timed(run: Callable[[], Awaitable[None]], count: int) -> dict[str, float]:
    load = machine_load()
    wall, cpu = time.perf_counter(), time.process_time()
    await run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"sends_per_s": count / wall, "cpu_ms_per_send": 1000 * cpu / count, "seconds": wall, **load}


async def bare_httpx(base_url: str, token: str, chats: list[int], concurrency: int) -> dict[str, float]:
    url = f"{base_url}{token}/sendMessage"
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency)) as client:
        async def send(i: int) -> None:
            answer = await client.post(url, json={"chat_id": chats[i], "text": TEXT})
            answer.raise_for_status()

        return await timed(lambda: workers(len(chats), concurrency, send), len(chats))


# httpx's default timeouts: a loop that could wait forever is no floor for one that cannot.
TIMEOUTS = {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}


async def bare_httpcore(base_url: str, token: str, chats: list[int], concurrency: int) -> dict[str, float]:
    url = f"{base_url}{token}/sendMessage"
    host = httpx.URL(url).netloc
    pools = [httpcore.AsyncConnectionPool(max_connections=1) for _ in range(concurrency)]
    free = list(pools)

    async def send(i: int) -> None:
        pool = free.pop()
        try:
            body = json.dumps({"chat_id": chats[i], "text": TEXT}).encode()
            answer = await pool.request("POST", url, content=body, headers=[
                (b"Host", host), (b"Content-Type", b"application/json"), (b"Content-Length", str(len(body)).encode())],
                extensions={"timeout": TIMEOUTS})
        finally:
            free.append(pool)
        if answer.status != 200:
            raise RuntimeError(answer.status)

    try:
        return await timed(lambda: workers(len(chats), concurrency, send), len(chats))
    finally:
        for pool in pools:
            await pool.aclose()


async def ptb(base_url: str, token: str, chats: list[int], concurrency: int) -> dict[str, float]:
    async with Bot(token, base_url=base_url) as bot:
        async def send(i: int) -> None:
            await bot.do_api_request("sendMessage", api_kwargs={"chat_id": chats[i], "text": TEXT})

        return await timed(lambda: workers(len(chats), concurrency, send), len(chats))


async def project(base_url: str, token: str, chats: list[int], concurrency: int, limits: Limits, *,
                  paid: bool = False) -> tuple[dict[str, float], OutboxSender]:
    with tempfile.TemporaryDirectory() as tmp:
        base = load_config(ROOT / "config.example.toml", env={})
        config = Config(**{**{f: getattr(base, f) for f in base.__dataclass_fields__},
                           "database": Path(tmp) / "ceiling.db", "pdok": PdokConfig(enabled=False)})
        services = await create_services(config)
        now = services.now()
        payload: dict[str, Any] = {"text": TEXT}
        if paid:
            payload[FLAG] = True
        async with services.db.transaction() as tx:
            for chat_id in chats:
                await outbox.enqueue(tx, chat_id, "sendMessage", payload, priority=outbox.PRIORITY_URGENT,
                                     kind="broadcast", broadcast_id=1, not_before=now)
        transport = HttpTransport(f"{base_url}{token}", connections=concurrency)
        sender = OutboxSender(None, services.db, limits=limits, concurrency=concurrency,  # type: ignore[arg-type]
                              transport=transport)
        result = await timed(sender.drain, len(chats))
        left = await outbox.depth(services.db)
        await transport.close()
        await services.db.close()
    result["left_unsent"] = left
    return result, sender


async def run(messages: int, rounds: int, concurrency: int, paid_messages: int, paid_scale: float) -> dict[str, Any]:
    chats = [400_000 + i for i in range(messages)]
    paths: dict[str, list[dict[str, float]]] = {"bare_httpx": [], "bare_httpcore": [], "ptb_do_api_request": [],
                                               "project_sender": []}
    async with emulator(("--no-limits",), chats) as (_, token, base_url):
        for _ in range(rounds):
            paths["bare_httpx"].append(await bare_httpx(base_url, token, chats, concurrency))
            paths["bare_httpcore"].append(await bare_httpcore(base_url, token, chats, concurrency))
            paths["ptb_do_api_request"].append(await ptb(base_url, token, chats, concurrency))
            paths["project_sender"].append((await project(base_url, token, chats, concurrency, LIFTED))[0])
    ratios = [p["sends_per_s"] / b["sends_per_s"] for p, b in zip(paths["project_sender"], paths["bare_httpx"],
                                                                   strict=True)]
    core_ratios = [p["sends_per_s"] / b["sends_per_s"]
                   for p, b in zip(paths["project_sender"], paths["bare_httpcore"], strict=True)]
    paid_chats = [800_000 + i for i in range(paid_messages)]
    async with emulator(("--paid-rate", "1000"), paid_chats, paid_scale) as (process, token, base_url):
        paid_limits = Limits(paid_per_second=1000.0, time_scale=paid_scale)
        paid, sender = await project(base_url, token, paid_chats, concurrency, paid_limits, paid=True)
        stats = await process.stats()
    allowed = 1000.0 * paid_scale
    paid.update({"time_scale": paid_scale, "allowed_rate": allowed, "fraction_of_allowed": paid["sends_per_s"] / allowed,
                 "rate_limited_429": stats["rate_limited"], "paid_sent": stats.get("paid_sent", 0),
                 "sender_429_seen": sender.stats.rate_limited})
    return {
        "messages": messages, "rounds": rounds, "concurrency": concurrency,
        "emulator": "own process, flood limits off",
        "paths": paths,
        "project_vs_bare_httpx": ratios, "project_vs_bare_httpx_median": statistics.median(ratios),
        "project_vs_bare_httpcore": core_ratios, "project_vs_bare_httpcore_median": statistics.median(core_ratios),
        "paid_broadcast": {"messages": paid_messages, **paid},
        "targets": {"project_vs_bare_httpx_min": 0.8, "paid_fraction_of_allowed_min": 0.95},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--paid-messages", type=int, default=1500)
    parser.add_argument("--paid-time-scale", type=float, default=0.1,
                        help="paid rate x this (the emulator on a shared 2-core machine answers a few hundred "
                             "requests/s, not 1 000: 0.1 checks the pacing at 100/s against the emulator's limit)")
    args = parser.parse_args()
    result = asyncio.run(run(args.messages, args.rounds, args.concurrency, args.paid_messages, args.paid_time_scale))
    path = write_result("ceiling", result)
    rows = []
    for name, runs in result["paths"].items():
        rows.append((name, "   ".join(f"{r['sends_per_s']:.0f}/s ({r['cpu_ms_per_send']:.2f} ms CPU/send, "
                                      f"{load_text(r)})" for r in runs)))
    rows.append(("project / bare httpx", " ".join(f"{r:.2f}" for r in result["project_vs_bare_httpx"])
                 + f"   median {result['project_vs_bare_httpx_median']:.2f}   (target >= 0.8)"))
    rows.append(("project / bare httpcore", " ".join(f"{r:.2f}" for r in result["project_vs_bare_httpcore"])
                 + f"   median {result['project_vs_bare_httpcore_median']:.2f}   (the outbox's own cost)"))
    paid = result["paid_broadcast"]
    rows.append((f"paid broadcast at 1 000/s x{paid['time_scale']:g}",
                 f"{paid['messages']} messages at {paid['sends_per_s']:.0f}/s = "
                 f"{paid['fraction_of_allowed']:.1%} of the paid rate, 429s {paid['rate_limited_429']}, "
                 f"paid {paid['paid_sent']}, unsent {paid['left_unsent']} ({load_text(paid)})"))
    print(f"ceiling: {args.messages} sends per path, concurrency {args.concurrency}, same emulator, same run")
    print(table(rows))
    print(f"written: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
