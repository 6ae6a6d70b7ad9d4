"""Broadcasts: team alarms and area alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from storage.db import Database, Transaction, from_db_time, to_db_time


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    sender_id: int | None  # None once the sender was erased (/vergeetmij)
    kind: str
    scope: str
    text: str
    photo_file_id: str | None
    buurten: tuple[str, ...]
    status: str
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: dt.datetime
    sender_role: str | None = None  # a Role value


def _broadcast(row: Any) -> Broadcast:
    return Broadcast(row["id"], row["sender_id"], row["kind"], row["scope"], row["text"], row["photo_file_id"],
                     tuple(row["buurten"].split()), row["status"], row["progress_chat_id"],
                     row["progress_message_id"], from_db_time(row["created_at"]),  # type: ignore[arg-type]
                     row["sender_role"])


async def create_draft(db: Database, *, sender_id: int, kind: str, scope: str, text: str,
                       photo_file_id: str | None, buurten: list[str], now: dt.datetime,
                       sender_role: str | None = None) -> int:
    return await db.insert(
        "INSERT INTO broadcasts (sender_id, kind, scope, text, photo_file_id, buurten, created_at, sender_role)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (sender_id, kind, scope, text, photo_file_id, " ".join(buurten), to_db_time(now), sender_role),
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
    elif status == "sent":
        # Only a broadcast still going out becomes 'sent': one ended meanwhile stays ended.
        await tx.execute("UPDATE broadcasts SET status = 'sent' WHERE id = ? AND status = 'sending'", (broadcast_id,))
    elif status == "cancelled":
        await tx.execute("UPDATE broadcasts SET status = 'cancelled' WHERE id = ? AND status = 'draft'", (broadcast_id,))
    else:
        await tx.execute("UPDATE broadcasts SET status = ? WHERE id = ?", (status, broadcast_id))


async def set_progress_message(db: Database | Transaction, broadcast_id: int, chat_id: int, message_id: int) -> None:
    await db.execute("UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
                     (chat_id, message_id, broadcast_id))


async def sending(db: Database) -> list[Broadcast]:
    rows = await db.fetchall("SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id")
    return [_broadcast(r) for r in rows]


async def sent_since(db: Database | Transaction, sender_id: int, since: dt.datetime) -> list[dt.datetime]:
    """When the sender's broadcasts went out since ``since``: the moment of sending counts,
    not when the draft was made (an old draft sent now is a broadcast now)."""
    rows = await db.fetchall(
        "SELECT sent_at FROM broadcasts WHERE sender_id = ? AND sent_at IS NOT NULL AND sent_at >= ?"
        " AND status IN ('sending', 'sent', 'ended')", (sender_id, to_db_time(since)))
    return [from_db_time(r[0]) for r in rows]  # type: ignore[misc]
