"""'Ik kijk' / 'Gezien' responses to group alerts."""

from __future__ import annotations

import datetime as dt

from storage.db import Database, Transaction, to_db_time


async def record(db: Database, incident_id: int, chat_id: int, user_id: int, first_name: str, kind: str,
                 now: dt.datetime) -> bool:
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT OR IGNORE INTO watch_responses (incident_id, chat_id, user_id, first_name, kind, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (incident_id, chat_id, user_id, first_name, kind, to_db_time(now)),
        )
        return cursor.rowcount > 0


async def counts(db: Database | Transaction, incident_id: int) -> tuple[int, int]:
    rows = await db.fetchall(
        "SELECT kind, COUNT(*) FROM watch_responses WHERE incident_id = ? GROUP BY kind", (incident_id,)
    )
    by_kind = {r[0]: r[1] for r in rows}
    return by_kind.get("look", 0), by_kind.get("seen", 0)


async def responders(db: Database, incident_id: int) -> list[tuple[str, str]]:
    rows = await db.fetchall(
        "SELECT first_name, kind FROM watch_responses WHERE incident_id = ? ORDER BY at", (incident_id,)
    )
    return [(r[0] or "?", r[1]) for r in rows]


async def lookers(db: Database | Transaction, incident_id: int) -> list[int]:
    rows = await db.fetchall(
        "SELECT DISTINCT user_id FROM watch_responses WHERE incident_id = ? AND kind = 'look'", (incident_id,)
    )
    return [r[0] for r in rows]
