"""Sightings (one resident's report) and incidents (one thing, possibly many reports)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.core.domain import (
    CLOSED_STATUSES,
    AreaRef,
    Category,
    LocationSource,
    Point,
    Sighting,
    SightingStatus,
)
from storage.db import Database, Transaction, from_db_time, to_db_time


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    category: Category
    buurt_code: str
    wijk_code: str
    gemeente_code: str
    point: Point | None
    first_at: dt.datetime
    last_at: dt.datetime
    report_count: int
    status: SightingStatus
    acknowledged_by: int | None
    acknowledged_at: dt.datetime | None
    escalated_at: dt.datetime | None
    relayed_at: dt.datetime | None = None
    relay_until: dt.datetime | None = None  # the relayed messages are current until then
    relay_ended_at: dt.datetime | None = None  # they were edited to "no longer current"

    @property
    def relay_over(self) -> bool:
        """The relay's time-to-live has passed and its messages say so."""
        return self.relay_ended_at is not None


def _incident(row: Any) -> Incident:
    point = Point(row["lat"], row["lon"]) if row["lat"] is not None else None
    return Incident(
        id=row["id"],
        category=Category(row["category"]),
        buurt_code=row["buurt_code"],
        wijk_code=row["wijk_code"],
        gemeente_code=row["gemeente_code"],
        point=point,
        first_at=from_db_time(row["first_at"]),  # type: ignore[arg-type]
        last_at=from_db_time(row["last_at"]),  # type: ignore[arg-type]
        report_count=row["report_count"],
        status=SightingStatus(row["status"]),
        acknowledged_by=row["acknowledged_by"],
        acknowledged_at=from_db_time(row["acknowledged_at"]),
        escalated_at=from_db_time(row["escalated_at"]),
        relayed_at=from_db_time(row["relayed_at"]),
        relay_until=from_db_time(row["relay_until"]),
        relay_ended_at=from_db_time(row["relay_ended_at"]),
    )


def _sighting(row: Any) -> Sighting:
    return Sighting(
        id=row["id"],
        reference=row["reference"],
        incident_id=row["incident_id"],
        category=Category(row["category"]),
        reporter_id=row["reporter_id"],
        area=AreaRef(row["gemeente_code"], row["wijk_code"], row["buurt_code"]),
        point=Point(row["lat"], row["lon"]) if row["lat"] is not None else None,
        street=row["street"],
        house_number=row["house_number"],
        postcode=row["postcode"],
        location_source=LocationSource(row["location_source"]),
        occurred_at=from_db_time(row["occurred_at"]),  # type: ignore[arg-type]
        description=row["description"] or "",
        photo_file_id=row["photo_file_id"],
        urgent=bool(row["urgent"]),
        called_112=None if row["called_112"] is None else bool(row["called_112"]),
        language=row["language"],
        status=SightingStatus(row["status"]),
        created_at=from_db_time(row["created_at"]),  # type: ignore[arg-type]
    )


async def next_reference(tx: Transaction, year: int) -> str:
    """M-2026-00042: short, speakable over the phone, unique per year."""
    row = await tx.fetchone(
        "INSERT INTO reference_counters (year, last_value) VALUES (?, 1)"
        " ON CONFLICT(year) DO UPDATE SET last_value = last_value + 1 RETURNING last_value",
        (year,),
    )
    assert row is not None
    return f"M-{year}-{row[0]:05d}"


async def create(tx: Transaction, sighting: Sighting, *, local_year: int) -> Sighting:
    sighting.reference = await next_reference(tx, local_year)
    point = sighting.point
    sighting.id = await tx.insert(
        "INSERT INTO sightings (reference, incident_id, category, reporter_id, gemeente_code,"
        " wijk_code, buurt_code, lat, lon, street, location_source, occurred_at, description,"
        " photo_file_id, urgent, called_112, language, status, created_at, house_number, postcode)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sighting.reference,
            sighting.incident_id,
            sighting.category.value,
            sighting.reporter_id,
            sighting.area.gemeente_code,
            sighting.area.wijk_code,
            sighting.area.buurt_code,
            point.lat if point else None,
            point.lon if point else None,
            sighting.street,
            sighting.location_source.value,
            to_db_time(sighting.occurred_at),
            sighting.description,
            sighting.photo_file_id,
            int(sighting.urgent),
            None if sighting.called_112 is None else int(sighting.called_112),
            sighting.language,
            sighting.status.value,
            to_db_time(sighting.created_at),
            sighting.house_number,
            sighting.postcode,
        ),
    )
    return sighting


async def get(db: Database | Transaction, sighting_id: int) -> Sighting | None:
    row = await db.fetchone("SELECT * FROM sightings WHERE id = ?", (sighting_id,))
    return _sighting(row) if row else None


async def by_reference(db: Database, reference: str) -> Sighting | None:
    row = await db.fetchone("SELECT * FROM sightings WHERE reference = ?", (reference,))
    return _sighting(row) if row else None


async def of_incident(db: Database | Transaction, incident_id: int) -> list[Sighting]:
    rows = await db.fetchall("SELECT * FROM sightings WHERE incident_id = ? ORDER BY id", (incident_id,))
    return [_sighting(r) for r in rows]


async def first_of_incident(db: Database | Transaction, incident_id: int) -> Sighting | None:
    row = await db.fetchone("SELECT * FROM sightings WHERE incident_id = ? ORDER BY id LIMIT 1", (incident_id,))
    return _sighting(row) if row else None


async def references_of_incident(db: Database | Transaction, incident_id: int, limit: int = 20) -> list[str]:
    """The newest references of an incident, oldest first."""
    rows = await db.fetchall(
        "SELECT reference FROM sightings WHERE incident_id = ? ORDER BY id DESC LIMIT ?", (incident_id, limit)
    )
    return [r[0] for r in reversed(rows)]


async def reporters_of_incident(db: Database | Transaction, incident_id: int) -> list[tuple[int, str, str]]:
    """(reporter id, language, reference) of each still-identifiable reporter, once per person."""
    rows = await db.fetchall(
        "SELECT reporter_id, language, reference FROM sightings WHERE incident_id = ? AND reporter_id IS NOT NULL"
        " ORDER BY id",
        (incident_id,),
    )
    seen: set[int] = set()
    result = []
    for row in rows:
        if row[0] not in seen:
            seen.add(row[0])
            result.append((row[0], row[1], row[2]))
    return result


async def open_incidents_since(
    tx: Transaction,
    category: Category,
    gemeente_code: str,
    since: dt.datetime,
    *,
    buurt_code: str,
    near: Point | None = None,
    radius_deg: float = 0.0,
) -> list[Incident]:
    """Open incidents that could be the same thing: same category, recent, and in the same buurt
    or within a bounding box around ``near`` (the caller measures the real distance)."""
    if near is None:
        rows = await tx.fetchall(
            "SELECT * FROM incidents WHERE category = ? AND gemeente_code = ? AND last_at >= ?"
            " AND closed_at IS NULL AND buurt_code = ? ORDER BY last_at DESC",
            (category.value, gemeente_code, to_db_time(since), buurt_code),
        )
    else:
        lon_radius = radius_deg * 2  # a degree of longitude is ~0.62 of a degree of latitude here
        rows = await tx.fetchall(
            "SELECT * FROM incidents WHERE category = ? AND gemeente_code = ? AND last_at >= ?"
            " AND closed_at IS NULL AND (buurt_code = ? OR (lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?))"
            " ORDER BY last_at DESC",
            (category.value, gemeente_code, to_db_time(since), buurt_code,
             near.lat - radius_deg, near.lat + radius_deg, near.lon - lon_radius, near.lon + lon_radius),
        )
    return [_incident(r) for r in rows]


async def create_incident(tx: Transaction, sighting: Sighting) -> int:
    point = sighting.point
    at = to_db_time(sighting.created_at)
    return await tx.insert(
        "INSERT INTO incidents (category, buurt_code, wijk_code, gemeente_code, lat, lon, first_at,"
        " last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sighting.category.value,
            sighting.area.buurt_code,
            sighting.area.wijk_code,
            sighting.area.gemeente_code,
            point.lat if point else None,
            point.lon if point else None,
            at,
            at,
        ),
    )


async def add_report_to_incident(tx: Transaction, incident_id: int, at: dt.datetime) -> int:
    row = await tx.fetchone(
        "UPDATE incidents SET report_count = report_count + 1, last_at = ? WHERE id = ? RETURNING report_count",
        (to_db_time(at), incident_id),
    )
    assert row is not None
    return int(row[0])


async def get_incident(db: Database | Transaction, incident_id: int) -> Incident | None:
    row = await db.fetchone("SELECT * FROM incidents WHERE id = ?", (incident_id,))
    return _incident(row) if row else None


_STILL_OPEN = f"status NOT IN ({', '.join(repr(s.value) for s in sorted(CLOSED_STATUSES))})"


async def set_incident_status(
    tx: Transaction, incident_id: int, status: SightingStatus, *, by: int | None, at: dt.datetime
) -> bool:
    """Compare-and-set: the status changes only while the incident is open and not already
    ``status``. False when it did not change (two presses at once, or an expiry and an
    officer at the same moment): then the caller must not tell anyone."""
    if status is SightingStatus.ACKNOWLEDGED:
        cursor = await tx.execute(
            "UPDATE incidents SET status = ?, acknowledged_by = ?, acknowledged_at = COALESCE(acknowledged_at, ?)"
            f" WHERE id = ? AND status != ? AND {_STILL_OPEN}",
            (status.value, by, to_db_time(at), incident_id, status.value),
        )
    else:
        closed = status in CLOSED_STATUSES
        cursor = await tx.execute(
            "UPDATE incidents SET status = ?, acknowledged_by = COALESCE(acknowledged_by, ?),"
            " acknowledged_at = COALESCE(acknowledged_at, ?), closed_at = CASE WHEN ? THEN ? ELSE closed_at END"
            f" WHERE id = ? AND status != ? AND {_STILL_OPEN}",
            (status.value, by, to_db_time(at), int(closed), to_db_time(at), incident_id, status.value),
        )
    if cursor.rowcount == 0:
        return False
    await tx.execute("UPDATE sightings SET status = ? WHERE incident_id = ?", (status.value, incident_id))
    return True


async def mark_escalated(tx: Transaction, incident_id: int, at: dt.datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE incidents SET escalated_at = ? WHERE id = ? AND escalated_at IS NULL", (to_db_time(at), incident_id)
    )
    done = cursor.rowcount > 0
    return done


async def unacknowledged_incidents(db: Database, categories: list[str], older_than: dt.datetime) -> list[Incident]:
    marks = ",".join("?" * len(categories))
    rows = await db.fetchall(
        f"SELECT * FROM incidents WHERE status = 'new' AND escalated_at IS NULL AND closed_at IS NULL"
        f" AND first_at <= ? AND (category IN ({marks})"
        # A report the resident marked "Nu gevaar" is urgent whatever its category.
        f" OR EXISTS (SELECT 1 FROM sightings s WHERE s.incident_id = incidents.id AND s.urgent = 1))",
        [to_db_time(older_than), *categories],
    )
    return [_incident(r) for r in rows]
