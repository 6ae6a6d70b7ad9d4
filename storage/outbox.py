"""The delivery outbox: every outgoing routed message, alert, broadcast and tip.

Rows are written in the same transaction as the event that caused them, so a crash between
"saved" and "sent" loses nothing: the sender picks them up after a restart.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.domain import RECEIPT_KIND
from storage.db import Database, Transaction, from_db_time, to_db_time, utcnow

PRIORITY_URGENT = 0
PRIORITY_NORMAL = 5
PRIORITY_LOW = 9


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    priority: int
    kind: str
    language: str
    attempts: int
    edit_of: int | None
    sighting_id: int | None
    incident_id: int | None
    broadcast_id: int | None
    not_before: dt.datetime
    reply_to: int | None = None  # the outbox row whose message this one answers


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        chat_id=row["chat_id"],
        method=row["method"],
        payload=json.loads(row["payload"]),
        priority=row["priority"],
        kind=row["kind"],
        language=row["language"],
        attempts=row["attempts"],
        edit_of=row["edit_of"],
        sighting_id=row["sighting_id"],
        incident_id=row["incident_id"],
        broadcast_id=row["broadcast_id"],
        not_before=from_db_time(row["not_before"]) or utcnow(),
        reply_to=row["reply_to"],
    )


async def enqueue(
    tx: Transaction,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
    *,
    priority: int = PRIORITY_NORMAL,
    kind: str = "message",
    language: str = "nl",
    sighting_id: int | None = None,
    incident_id: int | None = None,
    broadcast_id: int | None = None,
    edit_of: int | None = None,
    not_before: dt.datetime | None = None,
    now: dt.datetime | None = None,
    reply_to: int | None = None,
) -> int:
    """Queue one Bot API call. ``now`` stamps created_at (and not_before when that is not
    given); callers with a clock pass it so the row's times agree with the event's."""
    now = now or utcnow()
    if edit_of is not None:
        # Only the newest edit of a message matters; older pending ones need not be sent.
        await tx.execute(
            "UPDATE outbox SET status = 'superseded' WHERE edit_of = ? AND status = 'pending'",
            (edit_of,),
        )
    return await tx.insert(
        "INSERT INTO outbox (chat_id, method, payload, priority, kind, language, sighting_id,"
        " incident_id, broadcast_id, edit_of, not_before, created_at, reply_to)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            chat_id,
            method,
            json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            priority,
            kind,
            language,
            sighting_id,
            incident_id,
            broadcast_id,
            edit_of,
            to_db_time(not_before or now),
            to_db_time(now),
            reply_to,
        ),
    )


async def due(db: Database, now: dt.datetime, limit: int = 100) -> list[OutboxItem]:
    """Pending rows whose time has come, most urgent first, oldest first within a priority."""
    rows = await db.fetchall(
        "SELECT * FROM outbox WHERE status = 'pending' AND not_before <= ?"
        " ORDER BY priority, not_before, id LIMIT ?",
        (to_db_time(now), limit),
    )
    return [_item(r) for r in rows]


async def next_due_time(db: Database) -> dt.datetime | None:
    row = await db.fetchone("SELECT MIN(not_before) FROM outbox WHERE status = 'pending'")
    return from_db_time(row[0]) if row and row[0] else None


async def mark_sending(db: Database, item_id: int) -> None:
    """Recorded before the HTTP call: after a crash, a row left 'sending' is the in-flight one."""
    await db.execute(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ?", (item_id,)
    )


async def mark_sent(db: Database, item_id: int, message_id: int | None) -> None:
    await db.execute(
        "UPDATE outbox SET status = 'sent', message_id = ?, sent_at = ?, last_error = NULL WHERE id = ?",
        (message_id, to_db_time(utcnow()), item_id),
    )


async def retry_later(db: Database, item_id: int, not_before: dt.datetime, error: str) -> None:
    await db.execute(
        "UPDATE outbox SET status = 'pending', not_before = ?, last_error = ? WHERE id = ?",
        (to_db_time(not_before), error, item_id),
    )


async def mark_failed(db: Database, item_id: int, error: str, *, status: str = "failed") -> None:
    await db.execute(
        "UPDATE outbox SET status = ?, last_error = ? WHERE id = ?", (status, error, item_id)
    )


async def drop_pending_for_chat(db: Database, chat_id: int, reason: str) -> int:
    """A chat that blocked the bot gets nothing more; count what was dropped."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE outbox SET status = 'dropped', last_error = ? WHERE chat_id = ? AND status = 'pending'",
            (reason, chat_id),
        )
        count = cursor.rowcount
    return count


async def move_chat(db: Database, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: pending rows follow the new chat id."""
    # Sent rows move too: later edits of those messages must address the new chat id.
    await db.execute("UPDATE outbox SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))


async def recover_in_flight(db: Database) -> int:
    """After a crash: rows left 'sending' may or may not have reached Telegram; send them again.

    This is the documented at-most-one duplicate per crash: only a row whose HTTP request was
    under way when the process died can be delivered twice.
    """
    async with db.transaction() as tx:
        cursor = await tx.execute("UPDATE outbox SET status = 'pending' WHERE status = 'sending'")
        count = cursor.rowcount
    return count


async def message_ref(db: Database, item_id: int) -> tuple[int, int | None, str] | None:
    """(chat_id, message_id, status) of an outbox row: what an edit needs."""
    row = await db.fetchone("SELECT chat_id, message_id, status FROM outbox WHERE id = ?", (item_id,))
    return (row["chat_id"], row["message_id"], row["status"]) if row else None


@dataclass(frozen=True, slots=True)
class Delivery:
    """An original message about an incident, to be edited when its state changes."""

    outbox_id: int
    chat_id: int
    kind: str
    language: str
    method: str
    status: str


async def deliveries_for_incident(db: Database | Transaction, incident_id: int) -> list[Delivery]:
    rows = await db.fetchall(
        "SELECT id, chat_id, kind, language, method, status FROM outbox WHERE incident_id = ?"
        " AND edit_of IS NULL AND method IN ('sendMessage', 'sendPhoto') ORDER BY id",
        (incident_id,),
    )
    return [Delivery(r["id"], r["chat_id"], r["kind"], r["language"], r["method"], r["status"]) for r in rows]


async def depth(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')")
    return int(row[0]) if row else 0


async def failed_count(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM outbox WHERE status = 'failed'")
    return int(row[0]) if row else 0


async def counts(db: Database, *, broadcast_id: int | None = None) -> dict[str, int]:
    if broadcast_id is None:
        rows = await db.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
    else:
        rows = await db.fetchall(
            "SELECT status, COUNT(*) AS n FROM outbox WHERE broadcast_id = ? AND edit_of IS NULL GROUP BY status",
            (broadcast_id,),
        )
    return {r["status"]: r["n"] for r in rows}


async def broadcast_messages(db: Database, broadcast_id: int) -> list[Any]:
    """The broadcast's own messages (not edits) that are out or still going: what an end edits."""
    return await db.fetchall(
        "SELECT id, chat_id, method, language FROM outbox WHERE broadcast_id = ? AND edit_of IS NULL"
        " AND status IN ('pending', 'sending', 'sent')", (broadcast_id,))


# ---------------------------------------------------------------------- the sender's side
# The sender keeps a light index of the pending rows in memory and touches the database in
# batches: one statement claims the rows it is about to send (and reads their content), one
# transaction records a batch of outcomes. No query per message.


@dataclass(frozen=True, slots=True)
class PendingRow:
    """What the sender needs to queue a pending row (its content is read when it is claimed)."""

    id: int
    chat_id: int
    kind: str
    priority: int
    broadcast_id: int | None
    sighting_id: int | None
    incident_id: int | None
    edit_of: int | None
    reply_to: int | None
    not_before: dt.datetime
    paid: bool  # sent with allow_paid_broadcast


_PENDING_COLUMNS = (
    "SELECT id, chat_id, kind, priority, broadcast_id, sighting_id, incident_id, edit_of, reply_to, not_before,"
    " COALESCE(json_extract(payload, '$.allow_paid_broadcast'), 0) AS paid FROM outbox"
)


def _pending(row: Any) -> PendingRow:
    return PendingRow(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8],
        from_db_time(row[9]) or utcnow(), bool(row[10]),
    )


async def pending_after(db: Database, after_id: int, limit: int = 10_000) -> list[PendingRow]:
    """Pending rows newer than ``after_id``, oldest first."""
    rows = await db.fetchall(
        _PENDING_COLUMNS + " WHERE id > ? AND status = 'pending' ORDER BY id LIMIT ?", (after_id, limit))
    return [_pending(r) for r in rows]


async def pending_count(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
    return int(row[0]) if row else 0


async def pending_ids(db: Database) -> list[int]:
    return [int(r[0]) for r in await db.fetchall("SELECT id FROM outbox WHERE status = 'pending'")]


async def pending_rows(db: Database, ids: list[int]) -> list[PendingRow]:
    found: list[PendingRow] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = await db.fetchall(
            _PENDING_COLUMNS + f" WHERE +status = 'pending' AND id IN ({','.join('?' * len(chunk))}) ORDER BY id",
            chunk)
        found.extend(_pending(r) for r in rows)
    return found


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row taken for sending: what to send, as stored."""

    id: int
    chat_id: int
    method: str
    payload: str  # the JSON text as stored
    attempts: int  # including this one
    edit_of: int | None
    reply_to: int | None
    kind: str = "message"
    created_at: dt.datetime | None = None  # when it was queued: its deadline counts from here


_CLAIM = ("UPDATE outbox SET status = 'sending', attempts = attempts + 1"
          " WHERE +status = 'pending' AND id IN ({marks})"
          " RETURNING id, chat_id, method, payload, attempts, edit_of, reply_to, kind, created_at")
Sent = tuple[int | None, str, int]  # (message_id, sent_at, id)
Retry = tuple[str, str, int]  # (not_before, error, id)
Ended = tuple[str, str, int]  # (status, error, id)


def _claimed(rows: Iterable[Any]) -> list[Claimed]:
    return [Claimed(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], from_db_time(r[8])) for r in rows]


def _write_outcomes(connection: sqlite3.Connection, sent: Sequence[Sent], retries: Sequence[Retry],
                    ended: Sequence[Ended]) -> None:
    if sent:
        connection.executemany(
            "UPDATE outbox SET status = 'sent', message_id = ?, sent_at = ?, last_error = NULL WHERE id = ?", sent)
    if retries:
        connection.executemany(
            "UPDATE outbox SET status = 'pending', not_before = ?, last_error = ? WHERE id = ?", retries)
    if ended:
        connection.executemany("UPDATE outbox SET status = ?, last_error = ? WHERE id = ?", ended)


async def claim(db: Database, ids: list[int], *, sent: Sequence[Sent] = (), retries: Sequence[Retry] = (),
                ended: Sequence[Ended] = ()) -> list[Claimed]:
    """Mark these rows 'sending' (before their HTTP requests: after a crash, a row left
    'sending' may have arrived) and read them, in one statement. Rows no longer pending
    (superseded, dropped, erased meanwhile) are not returned. Outcomes given along (times as
    stored text, see ``to_db_time``; with no ids, only they) are written first, in the same
    transaction and the same trip to the database's thread (a retried row is 'pending' again
    before it can be claimed).

    ``+status`` keeps SQLite from reading the rows through the status index: without it, it
    walks every pending row to find these few, and a claim with 5 000 queued cost the
    database thread more than the HTTP request it precedes."""
    sql = _CLAIM.format(marks=",".join("?" * len(ids)))
    if not (sent or retries or ended):
        return _claimed(await db.fetchall(sql, ids)) if ids else []

    def write_and_claim(connection: sqlite3.Connection) -> list[Claimed]:
        _write_outcomes(connection, sent, retries, ended)
        return _claimed(connection.execute(sql, ids).fetchall()) if ids else []

    return await db.transaction_in_one_trip(write_and_claim)


async def receipt_for(db: Database, chat_id: int, message_id: int) -> tuple[int, str] | None:
    """(row id, text) of the receipt queued for the summary message ``message_id`` in ``chat_id``."""
    row = await db.fetchone(
        "SELECT id, json_extract(payload, '$.text') FROM outbox WHERE chat_id = ? AND kind = ?"
        " AND json_extract(payload, '$.message_id') = ? AND json_extract(payload, '$.text') IS NOT NULL"
        " ORDER BY id DESC LIMIT 1",
        (chat_id, RECEIPT_KIND, message_id))
    return (int(row[0]), str(row[1])) if row is not None else None


async def mark_shown(db: Database, row_id: int, *, now: dt.datetime) -> None:
    """A row the bot delivered itself, outside the sender: sent, unless the sender has it already.

    Every report ends with one (its receipt): the receipts of one moment go to SQLite together
    (running it twice changes nothing more than running it once)."""
    await db.execute_batched(
        "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ? AND status = 'pending'",
        (to_db_time(now), row_id))
