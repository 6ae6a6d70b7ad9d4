"""Broadcasts: team alarms and area alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from storage.db import Database, Transaction, from_db_time, to_db_time


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    sender_id: int
    kind: str
    scope: str
    text: str
    photo_file_id: str | None
    buurten: tuple[str, ...]
    status: str
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: dt.datetime


def _broadcast(row: Any) -> Broadcast:
    return Broadcast(row["id"], row["sender_id"], row["kind"], row["scope"], row["text"], row["photo_file_id"],
                     tuple(row["buurten"].split()), row["status"], row["progress_chat_id"],
                     row["progress_message_id"], from_db_time(row["created_at"]))  # type: ignore[arg-type]


async def create_draft(db: Database, *, sender_id: int, kind: str, scope: str, text: str,
                       photo_file_id: str | None, buurten: list[str], now: dt.datetime) -> int:
    return await db.insert(
        "INSERT INTO broadcasts (sender_id, kind, scope, text, photo_file_id, buurten, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (sender_id, kind, scope, text, photo_file_id, " ".join(buurten), to_db_time(now)),
    )


async def get(db: Database | Transaction, broadcast_id: int) -> Broadcast | None:
    row = await db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
    return _broadcast(row) if row else None


async def set_status(tx: Transaction | Database, broadcast_id: int, status: str, *, now: dt.datetime,
                     outcome: str | None = None) -> None:
    column = {"sending": "sent_at", "ended": "ended_at"}.get(status)
    if column:
        await tx.execute(f"UPDATE broadcasts SET status = ?, {column} = ?, outcome = COALESCE(?, outcome) WHERE id = ?",
                         (status, to_db_time(now), outcome, broadcast_id))
    else:
        await tx.execute("UPDATE broadcasts SET status = ? WHERE id = ?", (status, broadcast_id))


async def set_progress_message(db: Database, broadcast_id: int, chat_id: int, message_id: int) -> None:
    await db.execute("UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
                     (chat_id, message_id, broadcast_id))


async def sending(db: Database) -> list[Broadcast]:
    rows = await db.fetchall("SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id")
    return [_broadcast(r) for r in rows]


async def sent_since(db: Database, sender_id: int, since: dt.datetime) -> list[dt.datetime]:
    rows = await db.fetchall(
        "SELECT created_at FROM broadcasts WHERE sender_id = ? AND status != 'draft' AND status != 'cancelled'"
        " AND created_at >= ?", (sender_id, to_db_time(since)))
    return [from_db_time(r[0]) for r in rows]  # type: ignore[misc]
