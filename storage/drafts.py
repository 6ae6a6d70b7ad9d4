"""Reports in progress, one per user, so a restart of the bot loses nothing."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database, Transaction, to_db_time, utcnow


async def load(db: Database, telegram_id: int) -> tuple[str, dict[str, Any]] | None:
    row = await db.fetchone(
        "SELECT step, data FROM report_drafts WHERE telegram_id = ?", (telegram_id,)
    )
    return (row["step"], json.loads(row["data"])) if row else None


async def save(db: Database, telegram_id: int, step: str, data: dict[str, Any]) -> None:
    # Every step of every report in progress saves its draft: the saves of one moment go to
    # SQLite together (an upsert: writing it twice is writing it once).
    await db.execute_batched(
        "INSERT INTO report_drafts (telegram_id, step, data, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(telegram_id) DO UPDATE SET step = excluded.step, data = excluded.data,"
        " updated_at = excluded.updated_at",
        (telegram_id, step, json.dumps(data, ensure_ascii=False), to_db_time(utcnow())),
    )


async def delete(db: Database | Transaction, telegram_id: int) -> None:
    await db.execute("DELETE FROM report_drafts WHERE telegram_id = ?", (telegram_id,))


async def take(tx: Transaction, telegram_id: int, *, step: str) -> bool:
    """Delete the draft if it is still at ``step``; False when it was already gone (or moved on).

    Submitting takes the draft inside the submit transaction: of two presses on "Versturen"
    at once, only the one that took it files the report.
    """
    cursor = await tx.execute("DELETE FROM report_drafts WHERE telegram_id = ? AND step = ?", (telegram_id, step))
    return cursor.rowcount > 0
