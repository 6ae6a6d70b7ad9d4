"""Cache of geocoder answers (PDOK Locatieserver)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from storage.db import Database, from_db_time, to_db_time

MISS = object()


async def get(db: Database, query: str, *, now: dt.datetime, ttl: dt.timedelta,
              negative_ttl: dt.timedelta) -> Any:
    """The cached answer (a dict, or None for "no such address"), or MISS when absent or stale."""
    row = await db.fetchone("SELECT result, fetched_at FROM geocache WHERE query = ?", (query,))
    if row is None:
        return MISS
    fetched = from_db_time(row["fetched_at"])
    assert fetched is not None
    result = json.loads(row["result"]) if row["result"] is not None else None
    if now - fetched > (ttl if result is not None else negative_ttl):
        return MISS
    return result


async def put(db: Database, query: str, result: dict[str, Any] | None, *, now: dt.datetime) -> None:
    await db.execute(
        "INSERT INTO geocache (query, result, fetched_at) VALUES (?, ?, ?)"
        " ON CONFLICT(query) DO UPDATE SET result = excluded.result, fetched_at = excluded.fetched_at",
        (query, json.dumps(result, ensure_ascii=False) if result is not None else None, to_db_time(now)),
    )


async def delete(db: Database, query: str) -> None:
    await db.execute("DELETE FROM geocache WHERE query = ?", (query,))
