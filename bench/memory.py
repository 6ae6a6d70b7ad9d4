"""Peak memory (RSS) of a running bot with 10 000 users, 500 groups and 100 000 sightings.

Builds the dataset in a fresh SQLite file, starts the real services and Application (null
network), pushes a few hundred updates through it, and reports RSS. Writes
bench/results/memory.json.

    python bench/memory.py [--users 10000 --groups 500 --sightings 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import NullRequest, peak_rss_mb, rss_mb, table, write_result
from telegram import Update

from bot.app.application import build_application
from bot.config.schema import Config, load_config
from bot.core.domain import Category
from bot.delivery.sender import Limits
from bot.runtime.services import create_services
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]


def fill(path: Path, config: Config, users: int, groups: int, sightings: int, rng: random.Random) -> None:
    """Bulk-load the dataset with plain sqlite3 (setup only; the bot reads it through storage/)."""
    buurten = config.all_buurten()
    now = dt.datetime(2026, 11, 24, 20, tzinfo=dt.UTC)
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO users (telegram_id, language, display_name, username, created_at) VALUES (?, ?, ?, ?, ?)",
            ((1_000_000 + i, rng.choice(["nl", "nl", "nl", "en"]), f"Bewoner {i}", f"user{i}", now.isoformat())
             for i in range(users)),
        )
        team_ids = []
        for i in range(groups // 2):
            cursor = conn.execute(
                "INSERT INTO teams (name, gemeente_code, created_at) VALUES (?, ?, ?)",
                (f"Team {i}", "GM0794", now.isoformat()),
            )
            team_ids.append(cursor.lastrowid)
            _, _, buurt = buurten[i % len(buurten)]
            conn.execute("INSERT OR IGNORE INTO team_buurten (team_id, buurt_code) VALUES (?, ?)", (cursor.lastrowid, buurt.code))
        conn.executemany(
            "INSERT INTO alert_groups (chat_id, team_id, title, language, linked_at) VALUES (?, ?, ?, 'nl', ?)",
            ((-1_002_000_000_000 - i, team_ids[i % len(team_ids)], f"Groep {i}", now.isoformat()) for i in range(groups)),
        )
        categories = [c.value for c in Category]
        batch = []
        for i in range(sightings):
            gemeente, wijk, buurt = buurten[rng.randrange(len(buurten))]
            at = (now - dt.timedelta(minutes=rng.randrange(0, 365 * 24 * 60))).isoformat()
            batch.append((i + 1, rng.choice(categories), buurt.code, wijk.code, gemeente.code, at, at))
        conn.executemany(
            "INSERT INTO incidents (id, category, buurt_code, wijk_code, gemeente_code, first_at, last_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", batch,
        )
        conn.executemany(
            "INSERT INTO sightings (reference, incident_id, category, reporter_id, gemeente_code, wijk_code,"
            " buurt_code, lat, lon, location_source, occurred_at, description, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'gps', ?, ?, ?)",
            ((f"M-2026-{n:06d}", n, cat, 1_000_000 + rng.randrange(users), gm, wk, bu,
              51.47 + rng.random() / 50, 5.65 + rng.random() / 50, at,
              "Man in grijze jas probeert deurklinken, liep richting station", at)
             for n, cat, bu, wk, gm, at, _ in batch),
        )
    conn.close()


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        base = load_config(ROOT / "config.example.toml", env={})
        config = Config(**{**{f: getattr(base, f) for f in base.__dataclass_fields__},
                           "database": Path(tmp) / "memory.db"})
        baseline = rss_mb()
        db = await Database.open(config.database)
        await db.close()
        began = time.perf_counter()
        fill(config.database, config, args.users, args.groups, args.sightings, rng)
        fill_s = time.perf_counter() - began
        before_bot = rss_mb()
        services = await create_services(config)
        app = build_application(config, "1:MEM", services=services, request=NullRequest(),
                                get_updates_request=NullRequest(), sender_limits=Limits(), start_sender=False)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        for i in range(500):
            user = 1_000_000 + i
            data = {"update_id": i + 1, "message": {
                "message_id": i + 1, "date": 0, "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                "chat": {"id": user, "type": "private", "first_name": "x"},
                "from": {"id": user, "is_bot": False, "first_name": "x"}}}
            await app.process_update(Update.de_json(data, app.bot))
        running = rss_mb()
        db_size = config.database.stat().st_size / 1e6
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
    return {"users": args.users, "groups": args.groups, "sightings": args.sightings,
            "rss_baseline_mb": baseline, "rss_before_bot_mb": before_bot, "rss_running_mb": running,
            "peak_rss_mb": peak_rss_mb(), "database_mb": db_size, "fill_s": fill_s,
            "target_rss_mb": 150}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--sightings", type=int, default=100_000)
    args = parser.parse_args()
    result = asyncio.run(measure(args))
    path = write_result("memory", result)
    print(f"memory: {args.users} users, {args.groups} groups, {args.sightings} sightings")
    print(table([
        ("RSS interpreter + imports", f"{result['rss_baseline_mb']:.1f} MB"),
        ("RSS running bot", f"{result['rss_running_mb']:.1f} MB"),
        ("peak RSS (whole run)", f"{result['peak_rss_mb']:.1f} MB   (target < 150 MB)"),
        ("database file", f"{result['database_mb']:.1f} MB"),
    ]))
    print(f"written: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
