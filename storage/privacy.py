"""What the AVG/GDPR asks of storage: export, erase, retention, mute and report limits."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from storage.db import Database, from_db_time, to_db_time
from storage.users import audit

# Tables with a column that points at a person, and the column. Other features add theirs
# here so that export and erase cover them too.
PERSONAL_TABLES: list[tuple[str, str]] = [
    ("users", "telegram_id"),
    ("roles", "telegram_id"),
    ("report_drafts", "telegram_id"),
]


def register_personal_table(table: str, column: str) -> None:
    if (table, column) not in PERSONAL_TABLES:
        PERSONAL_TABLES.append((table, column))


async def _table_exists(db: Database, table: str) -> bool:
    row = await db.fetchone("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    return row is not None


async def export_person(db: Database, telegram_id: int) -> dict[str, Any]:
    """Everything stored about one person, as plain JSON-able data."""
    result: dict[str, Any] = {}
    for table, column in PERSONAL_TABLES:
        if not await _table_exists(db, table):
            continue
        rows = await db.fetchall(f"SELECT * FROM {table} WHERE {column} = ?", (telegram_id,))
        result[table] = [dict(r) for r in rows]
    sightings = await db.fetchall(
        "SELECT reference, category, gemeente_code, wijk_code, buurt_code, lat, lon, street,"
        " occurred_at, description, photo_file_id, status, called_112, created_at"
        " FROM sightings WHERE reporter_id = ? ORDER BY id",
        (telegram_id,),
    )
    result["sightings"] = [dict(r) for r in sightings]
    messages = await db.fetchall(
        "SELECT method, payload, status, created_at, sent_at FROM outbox WHERE chat_id = ? ORDER BY id",
        (telegram_id,),
    )
    result["messages_sent_to_you"] = [
        {**dict(r), "payload": json.loads(r["payload"])} for r in messages
    ]
    audit_rows = await db.fetchall(
        "SELECT at, action, detail FROM audit_log WHERE subject = ? OR actor_id = ? ORDER BY id",
        (f"user:{telegram_id}", telegram_id),
    )
    result["audit_log"] = [dict(r) for r in audit_rows]
    return result


async def erase_person(db: Database, telegram_id: int, *, now: dt.datetime) -> dict[str, int]:
    """Forget a person. Their reports stay for the area figures, without any link to them."""
    counts: dict[str, int] = {}
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE sightings SET reporter_id = NULL, anonymised_at = COALESCE(anonymised_at, ?)"
            " WHERE reporter_id = ?",
            (to_db_time(now), telegram_id),
        )
        counts["sightings_anonymised"] = cursor.rowcount
        # Messages to them: pending ones are not sent any more, sent ones lose their content.
        cursor = await tx.execute(
            "UPDATE outbox SET status = 'dropped', payload = '{}' WHERE chat_id = ? AND status = 'pending'",
            (telegram_id,),
        )
        counts["pending_messages_dropped"] = cursor.rowcount
        await tx.execute("UPDATE outbox SET payload = '{}' WHERE chat_id = ?", (telegram_id,))
        for table, column in reversed(PERSONAL_TABLES):
            exists = await tx.fetchone("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
            if exists is None:
                continue
            cursor = await tx.execute(f"DELETE FROM {table} WHERE {column} = ?", (telegram_id,))
            counts[table] = cursor.rowcount
            await tx.execute(
            "UPDATE audit_log SET subject = 'user:erased' WHERE subject = ?", (f"user:{telegram_id}",)
        )
        await tx.execute("UPDATE audit_log SET actor_id = NULL WHERE actor_id = ?", (telegram_id,))
        await audit(tx, None, "person.erase", "user:erased", "")
    return counts


async def apply_retention(db: Database, *, now: dt.datetime, retention_days: int) -> dict[str, int]:
    """Erase the personal data in sightings older than the retention period.

    Category, area and times stay, so the figures per buurt, category and month remain.
    """
    cutoff = to_db_time(now - dt.timedelta(days=retention_days))
    counts: dict[str, int] = {}
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE sightings SET reporter_id = NULL, description = NULL, photo_file_id = NULL,"
            " lat = NULL, lon = NULL, street = NULL, anonymised_at = ?"
            " WHERE created_at < ? AND anonymised_at IS NULL",
            (to_db_time(now), cutoff),
        )
        counts["sightings"] = cursor.rowcount
        # The messages about those reports carry their text too (and, for officers, the
        # reporter's name): found by the report they were about, whatever their own age.
        cursor = await tx.execute(
            "UPDATE outbox SET payload = '{}' WHERE payload != '{}' AND status != 'pending' AND ("
            " sighting_id IN (SELECT id FROM sightings WHERE anonymised_at = ?)"
            " OR incident_id IN (SELECT incident_id FROM sightings WHERE anonymised_at = ?))",
            (to_db_time(now), to_db_time(now)),
        )
        counts["report_messages"] = cursor.rowcount
        cursor = await tx.execute(
            "UPDATE incidents SET lat = NULL, lon = NULL WHERE last_at < ? AND lat IS NOT NULL", (cutoff,)
        )
        counts["incidents"] = cursor.rowcount
        # Delivered messages carry the report text (and, for officers, the reporter's name).
        cursor = await tx.execute(
            "UPDATE outbox SET payload = '{}' WHERE created_at < ? AND status != 'pending' AND payload != '{}'",
            (cutoff,),
        )
        counts["messages"] = cursor.rowcount
        cursor = await tx.execute("DELETE FROM report_drafts WHERE updated_at < ?", (cutoff,))
        counts["drafts"] = cursor.rowcount
    return counts


async def reports_since(db: Database, telegram_id: int, since: dt.datetime) -> list[dt.datetime]:
    rows = await db.fetchall(
        "SELECT created_at FROM sightings WHERE reporter_id = ? AND created_at >= ? ORDER BY created_at",
        (telegram_id, to_db_time(since)),
    )
    return [from_db_time(r[0]) for r in rows]  # type: ignore[misc]


async def set_muted(db: Database, telegram_id: int, until: dt.datetime | None, *, by: int, now: dt.datetime) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO users (telegram_id, language, created_at, muted_until) VALUES (?, 'nl', ?, ?)"
            " ON CONFLICT(telegram_id) DO UPDATE SET muted_until = excluded.muted_until",
            (telegram_id, to_db_time(now), to_db_time(until)),
        )
        await audit(tx, by, "user.mute" if until else "user.unmute", f"user:{telegram_id}",
                    to_db_time(until) or "")
