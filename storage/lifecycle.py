"""Open alerts, relays and their time-to-live, broadcasts past their expiry, outcome counts."""

from __future__ import annotations

import datetime as dt

from storage.db import Database, Transaction, to_db_time
from storage.sightings import Incident, _incident


async def open_incidents(db: Database, older_than: dt.datetime) -> list[Incident]:
    rows = await db.fetchall(
        "SELECT * FROM incidents WHERE status IN ('new', 'acknowledged') AND closed_at IS NULL AND first_at <= ?",
        (to_db_time(older_than),))
    return [_incident(r) for r in rows]


async def mark_relayed(tx: Transaction, incident_id: int, now: dt.datetime, until: dt.datetime) -> bool:
    """Record the relay, once: False when the incident was relayed before."""
    cursor = await tx.execute(
        "UPDATE incidents SET relayed_at = ?, relay_until = ? WHERE id = ? AND relayed_at IS NULL",
        (to_db_time(now), to_db_time(until), incident_id))
    return cursor.rowcount > 0


async def relays_past_their_time(db: Database, now: dt.datetime) -> list[Incident]:
    """Open incidents whose relay's time-to-live has passed and whose relayed messages still
    look current (closed incidents were edited to their outcome already)."""
    rows = await db.fetchall(
        "SELECT * FROM incidents WHERE relay_until IS NOT NULL AND relay_until <= ? AND relay_ended_at IS NULL"
        " AND closed_at IS NULL", (to_db_time(now),))
    return [_incident(r) for r in rows]


async def mark_relay_ended(tx: Transaction, incident_id: int, now: dt.datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE incidents SET relay_ended_at = ? WHERE id = ? AND relay_ended_at IS NULL",
        (to_db_time(now), incident_id))
    return cursor.rowcount > 0


async def broadcasts_sent_before(db: Database, before: dt.datetime) -> list[int]:
    """Broadcasts still going or out (not ended, not cancelled) that went out before ``before``."""
    rows = await db.fetchall(
        "SELECT id FROM broadcasts WHERE status IN ('sending', 'sent') AND sent_at IS NOT NULL AND sent_at <= ?"
        " ORDER BY id", (to_db_time(before),))
    return [int(r[0]) for r in rows]


async def outcome_counts(db: Database, gemeente_code: str, since: dt.datetime,
                         until: dt.datetime) -> dict[tuple[str, str], int]:
    rows = await db.fetchall(
        "SELECT buurt_code, status, COUNT(*) FROM incidents WHERE gemeente_code = ? AND first_at >= ? AND first_at < ?"
        " AND status IN ('resolved', 'false_alarm', 'expired') GROUP BY 1, 2",
        (gemeente_code, to_db_time(since), to_db_time(until)))
    return {(r[0], r[1]): r[2] for r in rows}
