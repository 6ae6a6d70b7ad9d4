"""The desk's SQL: incidents as /meldingen lists them, their audit trail, questions to the
reporter, the typed lines the bot waits for, and officer chats Telegram refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.core.domain import CLOSED_STATUSES, Category, Point, SightingStatus
from storage.db import Database, Transaction, from_db_time, to_db_time

_CLOSED = ", ".join(repr(s.value) for s in sorted(CLOSED_STATUSES))


@dataclass(frozen=True, slots=True)
class ReportedPlace:
    """Where someone reported, and what: whose area their reports were in."""

    category: Category
    wijk_code: str
    buurt_code: str


async def places_reported_by(db: Database, reporter_id: int) -> list[ReportedPlace]:
    """Each (category, wijk, buurt) this person reported in (while their reports still name them)."""
    rows = await db.fetchall("SELECT DISTINCT category, wijk_code, buurt_code FROM sightings WHERE reporter_id = ?",
                             (reporter_id,))
    return [ReportedPlace(Category(r[0]), r[1], r[2]) for r in rows]


@dataclass(frozen=True, slots=True)
class DeskRow:
    """An incident as the desk shows it: with its first report's reference and street."""

    id: int
    category: Category
    gemeente_code: str
    wijk_code: str
    buurt_code: str
    point: Point | None
    first_at: dt.datetime
    report_count: int
    status: SightingStatus
    acknowledged_by: int | None
    assigned_to: int | None
    closed_at: dt.datetime | None
    reference: str
    street: str | None
    urgent: bool

    @property
    def holder(self) -> int | None:
        """Who has it: the colleague it was handed over to, else who picked it up."""
        return self.assigned_to or self.acknowledged_by


_SELECT = (
    "SELECT i.*, s.reference AS reference, s.street AS street,"
    " (SELECT MAX(urgent) FROM sightings u WHERE u.incident_id = i.id) AS any_urgent"
    " FROM incidents i JOIN sightings s ON s.id = (SELECT MIN(id) FROM sightings f WHERE f.incident_id = i.id)"
)


def _row(row: Any) -> DeskRow:
    return DeskRow(
        id=row["id"], category=Category(row["category"]), gemeente_code=row["gemeente_code"],
        wijk_code=row["wijk_code"], buurt_code=row["buurt_code"],
        point=Point(row["lat"], row["lon"]) if row["lat"] is not None else None,
        first_at=from_db_time(row["first_at"]),  # type: ignore[arg-type]
        report_count=row["report_count"], status=SightingStatus(row["status"]),
        acknowledged_by=row["acknowledged_by"], assigned_to=row["assigned_to"],
        closed_at=from_db_time(row["closed_at"]), reference=row["reference"], street=row["street"],
        urgent=bool(row["any_urgent"]),
    )


async def incidents_in(db: Database, gemeente_codes: list[str], *, closed_since: dt.datetime | None,
                       limit: int = 1000) -> list[DeskRow]:
    """Open incidents of these gemeenten (and, with ``closed_since``, those closed since then),
    newest first. The caller narrows them to what the person may see."""
    if not gemeente_codes:
        return []
    marks = ",".join("?" * len(gemeente_codes))
    closed = " OR i.closed_at >= ?" if closed_since is not None else ""
    params: list[Any] = [*gemeente_codes]
    if closed_since is not None:
        params.append(to_db_time(closed_since))
    rows = await db.fetchall(
        f"{_SELECT} WHERE i.gemeente_code IN ({marks}) AND (i.status NOT IN ({_CLOSED}){closed})"
        " ORDER BY i.first_at DESC, i.id DESC LIMIT ?", [*params, limit])
    return [_row(r) for r in rows]


async def incident(db: Database | Transaction, incident_id: int) -> DeskRow | None:
    row = await db.fetchone(f"{_SELECT} WHERE i.id = ?", (incident_id,))
    return _row(row) if row else None


# ---------------------------------------------------------------------------- the audit trail


@dataclass(frozen=True, slots=True)
class Event:
    at: dt.datetime
    actor_id: int | None
    action: str
    target_id: int | None
    note: str | None


async def add_event(tx: Transaction, incident_id: int, at: dt.datetime, actor_id: int | None, action: str, *,
                    target_id: int | None = None, note: str | None = None) -> None:
    await tx.execute(
        "INSERT INTO incident_events (incident_id, at, actor_id, action, target_id, note) VALUES (?, ?, ?, ?, ?, ?)",
        (incident_id, to_db_time(at), actor_id, action, target_id, note))


async def events(db: Database | Transaction, incident_id: int, limit: int = 30) -> list[Event]:
    """The newest ``limit`` events, oldest first."""
    rows = await db.fetchall(
        "SELECT at, actor_id, action, target_id, note FROM incident_events WHERE incident_id = ?"
        " ORDER BY id DESC LIMIT ?", (incident_id, limit))
    return [Event(from_db_time(r["at"]), r["actor_id"], r["action"], r["target_id"], r["note"])  # type: ignore[arg-type]
            for r in reversed(rows)]


async def reopen(tx: Transaction, incident_id: int, status: SightingStatus) -> bool:
    """A closed incident open again (as ``status``): False when it was not closed."""
    cursor = await tx.execute(
        f"UPDATE incidents SET status = ?, closed_at = NULL WHERE id = ? AND status IN ({_CLOSED})",
        (status.value, incident_id))
    if cursor.rowcount == 0:
        return False
    await tx.execute("UPDATE sightings SET status = ? WHERE incident_id = ?", (status.value, incident_id))
    return True


async def assign(tx: Transaction, incident_id: int, to_id: int) -> bool:
    """Hand an open incident to someone else: False when it is closed or theirs already."""
    cursor = await tx.execute(
        f"UPDATE incidents SET assigned_to = ? WHERE id = ? AND status NOT IN ({_CLOSED})"
        " AND COALESCE(assigned_to, acknowledged_by, 0) != ?", (to_id, incident_id, to_id))
    return cursor.rowcount > 0


# ---------------------------------------------------------------------------- questions to the reporter


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    incident_id: int
    sighting_id: int
    officer_id: int | None
    reporter_id: int | None
    question: str | None
    answer: str | None


async def add_question(tx: Transaction, incident_id: int, sighting_id: int, officer_id: int, reporter_id: int,
                       question: str, at: dt.datetime) -> int:
    return await tx.insert(
        "INSERT INTO reporter_questions (incident_id, sighting_id, officer_id, reporter_id, question, asked_at)"
        " VALUES (?, ?, ?, ?, ?, ?)", (incident_id, sighting_id, officer_id, reporter_id, question, to_db_time(at)))


async def question(db: Database | Transaction, question_id: int) -> Question | None:
    row = await db.fetchone("SELECT * FROM reporter_questions WHERE id = ?", (question_id,))
    if row is None:
        return None
    return Question(row["id"], row["incident_id"], row["sighting_id"], row["officer_id"], row["reporter_id"],
                    row["question"], row["answer"])


async def answer(tx: Transaction, question_id: int, text: str, at: dt.datetime) -> bool:
    """Store the answer, once."""
    cursor = await tx.execute(
        "UPDATE reporter_questions SET answer = ?, answered_at = ? WHERE id = ? AND answer IS NULL",
        (text, to_db_time(at), question_id))
    return cursor.rowcount > 0


async def reporters(db: Database | Transaction, incident_id: int) -> list[tuple[int, int, str, str]]:
    """(sighting id, reporter id, language, reference) of each reporter still linked to the
    incident, once per person (their first report)."""
    rows = await db.fetchall(
        "SELECT id, reporter_id, language, reference FROM sightings WHERE incident_id = ? AND reporter_id IS NOT NULL"
        " ORDER BY id", (incident_id,))
    seen: set[int] = set()
    found = []
    for row in rows:
        if row["reporter_id"] not in seen:
            seen.add(row["reporter_id"])
            found.append((row["id"], row["reporter_id"], row["language"], row["reference"]))
    return found


async def questions_of(db: Database | Transaction, incident_id: int) -> list[Question]:
    rows = await db.fetchall("SELECT * FROM reporter_questions WHERE incident_id = ? ORDER BY id", (incident_id,))
    return [Question(r["id"], r["incident_id"], r["sighting_id"], r["officer_id"], r["reporter_id"], r["question"],
                     r["answer"]) for r in rows]


# ---------------------------------------------------------------------------- a typed line the bot waits for


@dataclass(frozen=True, slots=True)
class Waiting:
    kind: str
    ref: int
    target_id: int | None
    created_at: dt.datetime


async def wait_for_input(db: Database | Transaction, telegram_id: int, kind: str, ref: int, at: dt.datetime, *,
                         target_id: int | None = None) -> None:
    await db.execute(
        "INSERT INTO desk_inputs (telegram_id, kind, ref, target_id, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(telegram_id) DO UPDATE SET kind = excluded.kind, ref = excluded.ref,"
        " target_id = excluded.target_id, created_at = excluded.created_at",
        (telegram_id, kind, ref, target_id, to_db_time(at)))


async def waiting(db: Database | Transaction, telegram_id: int) -> Waiting | None:
    row = await db.fetchone("SELECT * FROM desk_inputs WHERE telegram_id = ?", (telegram_id,))
    if row is None:
        return None
    return Waiting(row["kind"], row["ref"], row["target_id"], from_db_time(row["created_at"]))  # type: ignore[arg-type]


async def stop_waiting(tx: Transaction, telegram_id: int) -> bool:
    cursor = await tx.execute("DELETE FROM desk_inputs WHERE telegram_id = ?", (telegram_id,))
    return bool(cursor.rowcount)


async def waiting_ids(db: Database) -> set[int]:
    return {int(r[0]) for r in await db.fetchall("SELECT telegram_id FROM desk_inputs")}


# ---------------------------------------------------------------------------- chats Telegram refused


async def mark_broken(tx: Transaction, chat_id: int, error: str, at: dt.datetime) -> bool:
    """Record a refused officer or desk chat; True the first time (admins are told once)."""
    cursor = await tx.execute(
        "INSERT INTO broken_chats (chat_id, error, first_at) VALUES (?, ?, ?) ON CONFLICT(chat_id) DO NOTHING",
        (chat_id, error[:200], to_db_time(at)))
    return bool(cursor.rowcount)


async def clear_broken(tx: Transaction, chat_id: int) -> bool:
    cursor = await tx.execute("DELETE FROM broken_chats WHERE chat_id = ?", (chat_id,))
    return bool(cursor.rowcount)


async def broken_ids(db: Database) -> set[int]:
    return {int(r[0]) for r in await db.fetchall("SELECT chat_id FROM broken_chats")}


@dataclass(frozen=True, slots=True)
class SentRow:
    """What a refused delivery was: enough to decide where it should go instead."""

    id: int
    chat_id: int
    kind: str
    incident_id: int | None
    sighting_id: int | None
    method: str


async def sent_row(db: Database, row_id: int) -> SentRow | None:
    row = await db.fetchone("SELECT id, chat_id, kind, incident_id, sighting_id, method FROM outbox WHERE id = ?",
                            (row_id,))
    return SentRow(row[0], row[1], row[2], row[3], row[4], row[5]) if row else None
