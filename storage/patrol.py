"""Patrol rounds, who walks them, their announcements, the send log and the walk reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.core.domain import Round, RoundStatus, WalkOutcome
from storage.db import Database, Transaction, from_db_time, to_db_time
from storage.privacy import register_personal_table
from storage.users import audit

register_personal_table("patrol_walkers", "telegram_id")
register_personal_table("patrol_members", "telegram_id")
register_personal_table("patrol_reports", "telegram_id")
# A private chat id is a person: what was sent to them goes with them.
register_personal_table("patrol_sends", "chat_id", key="patrol_messages_sent")
register_personal_table("patrol_rounds", "created_by", erase="unlink", key="patrol_rounds_planned",
                        export_columns="id, team_id, starts_at, route, status")

_ROUND_COLUMNS = ("r.id, r.team_id, r.starts_at, r.ends_at, r.route, r.buurt_code, r.min_walkers, r.status,"
                  " r.created_at, r.created_by")


def _time(value: str) -> dt.datetime:
    parsed = from_db_time(value)
    assert parsed is not None
    return parsed


def _round(row: Any, walkers: tuple[int, ...] = (), buurten: tuple[str, ...] = ()) -> Round:
    return Round(
        id=row["id"], team_id=row["team_id"], starts_at=_time(row["starts_at"]), ends_at=_time(row["ends_at"]),
        route=row["route"], buurt_code=row["buurt_code"], min_walkers=row["min_walkers"],
        status=RoundStatus(row["status"]), created_at=_time(row["created_at"]), created_by=row["created_by"],
        walkers=walkers, buurten=buurten,
    )


async def _walkers(db: Database | Transaction, round_ids: list[int]) -> dict[int, tuple[int, ...]]:
    if not round_ids:
        return {}
    marks = ",".join("?" * len(round_ids))
    rows = await db.fetchall(
        f"SELECT round_id, telegram_id FROM patrol_walkers WHERE round_id IN ({marks})"
        f" ORDER BY signed_up_at, telegram_id", round_ids)
    result: dict[int, list[int]] = {}
    for row in rows:
        result.setdefault(row[0], []).append(row[1])
    return {k: tuple(v) for k, v in result.items()}


async def _with_walkers(db: Database | Transaction, rows: list[Any]) -> list[Round]:
    walkers = await _walkers(db, [r["id"] for r in rows])
    return [_round(r, walkers.get(r["id"], ())) for r in rows]


# ---------------------------------------------------------------------------- rounds


async def create_round(tx: Transaction, *, team_id: int, starts_at: dt.datetime, ends_at: dt.datetime, route: str,
                       buurt_code: str, min_walkers: int, created_by: int, now: dt.datetime) -> int:
    round_id = await tx.insert(
        "INSERT INTO patrol_rounds (team_id, starts_at, ends_at, route, buurt_code, min_walkers, created_by,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (team_id, to_db_time(starts_at), to_db_time(ends_at), route, buurt_code, min_walkers, created_by,
         to_db_time(now)))
    await audit(tx, created_by, "patrol.plan", f"round:{round_id}", f"team:{team_id} {to_db_time(starts_at)}")
    return round_id


async def get_round(db: Database | Transaction, round_id: int) -> Round | None:
    row = await db.fetchone(f"SELECT {_ROUND_COLUMNS} FROM patrol_rounds r WHERE r.id = ?", (round_id,))
    if row is None:
        return None
    return (await _with_walkers(db, [row]))[0]


async def cancel_round(tx: Transaction, round_id: int, *, by: int, now: dt.datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE patrol_rounds SET status = 'cancelled', cancelled_at = ? WHERE id = ? AND status = 'planned'",
        (to_db_time(now), round_id))
    if cursor.rowcount > 0:
        await audit(tx, by, "patrol.cancel", f"round:{round_id}")
        return True
    return False


async def upcoming_for_teams(db: Database, team_ids: set[int], now: dt.datetime, limit: int = 10) -> list[Round]:
    """Planned rounds of these teams that have not ended, soonest first."""
    if not team_ids:
        return []
    marks = ",".join("?" * len(team_ids))
    rows = await db.fetchall(
        f"SELECT {_ROUND_COLUMNS} FROM patrol_rounds r WHERE r.team_id IN ({marks}) AND r.status = 'planned'"
        f" AND r.ends_at > ? ORDER BY r.starts_at, r.id LIMIT ?", (*sorted(team_ids), to_db_time(now), limit))
    return await _with_walkers(db, rows)


async def for_tick(db: Database, *, starting_before: dt.datetime, ended_after: dt.datetime) -> list[Round]:
    """Planned rounds that start before ``starting_before`` and end after ``ended_after``: every
    round that may have a warning, reminder or walk-report question due."""
    rows = await db.fetchall(
        f"SELECT {_ROUND_COLUMNS} FROM patrol_rounds r WHERE r.status = 'planned' AND r.starts_at <= ?"
        f" AND r.ends_at >= ? ORDER BY r.starts_at, r.id", (to_db_time(starting_before), to_db_time(ended_after)))
    return await _with_walkers(db, rows)


async def running(db: Database | Transaction, at: dt.datetime) -> list[Round]:
    """Rounds running at ``at``, with their reachable walkers and their team's buurten (duty routing)."""
    moment = to_db_time(at)
    rows = await db.fetchall(
        f"SELECT {_ROUND_COLUMNS} FROM patrol_rounds r WHERE r.status = 'planned' AND r.starts_at <= ?"
        f" AND r.ends_at > ?", (moment, moment))
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    marks = ",".join("?" * len(ids))
    walkers: dict[int, list[int]] = {}
    for row in await db.fetchall(
            f"SELECT w.round_id, w.telegram_id FROM patrol_walkers w LEFT JOIN users u ON u.telegram_id = w.telegram_id"
            f" WHERE w.round_id IN ({marks}) AND COALESCE(u.active, 1) = 1 ORDER BY w.signed_up_at", ids):
        walkers.setdefault(row[0], []).append(row[1])
    team_ids = sorted({r["team_id"] for r in rows})
    buurten: dict[int, list[str]] = {}
    for row in await db.fetchall(
            f"SELECT team_id, buurt_code FROM team_buurten WHERE team_id IN ({','.join('?' * len(team_ids))})"
            f" ORDER BY buurt_code", team_ids):
        buurten.setdefault(row[0], []).append(row[1])
    return [_round(r, tuple(walkers.get(r["id"], ())), tuple(buurten.get(r["team_id"], ()))) for r in rows]


# ---------------------------------------------------------------------------- walkers and members


async def sign_up(tx: Transaction, round_id: int, telegram_id: int, now: dt.datetime) -> bool:
    cursor = await tx.execute(
        "INSERT OR IGNORE INTO patrol_walkers (round_id, telegram_id, signed_up_at) VALUES (?, ?, ?)",
        (round_id, telegram_id, to_db_time(now)))
    return cursor.rowcount > 0


async def sign_off(tx: Transaction, round_id: int, telegram_id: int) -> bool:
    cursor = await tx.execute(
        "DELETE FROM patrol_walkers WHERE round_id = ? AND telegram_id = ?", (round_id, telegram_id))
    return cursor.rowcount > 0


async def add_member(tx: Transaction, team_id: int, telegram_id: int, now: dt.datetime) -> None:
    await tx.execute(
        "INSERT OR IGNORE INTO patrol_members (team_id, telegram_id, joined_at) VALUES (?, ?, ?)",
        (team_id, telegram_id, to_db_time(now)))


async def teams_of_person(db: Database, telegram_id: int) -> set[int]:
    """The teams someone belongs to for patrols: coordinated, joined through a group's sign-up
    button, or watching a buurt they follow."""
    rows = await db.fetchall(
        "SELECT CAST(substr(scope, 6) AS INTEGER) FROM roles WHERE telegram_id = ? AND role = 'coordinator'"
        " AND scope LIKE 'team:%'"
        " UNION SELECT team_id FROM patrol_members WHERE telegram_id = ?"
        " UNION SELECT tb.team_id FROM team_buurten tb JOIN subscriptions s ON s.buurt_code = tb.buurt_code"
        " WHERE s.telegram_id = ?", (telegram_id, telegram_id, telegram_id))
    return {int(r[0]) for r in rows}


@dataclass(frozen=True, slots=True)
class WalkerName:
    telegram_id: int
    name: str | None


async def walker_names(db: Database, round_id: int) -> list[WalkerName]:
    rows = await db.fetchall(
        "SELECT w.telegram_id, u.display_name FROM patrol_walkers w LEFT JOIN users u ON u.telegram_id = w.telegram_id"
        " WHERE w.round_id = ? ORDER BY w.signed_up_at", (round_id,))
    return [WalkerName(r[0], r[1]) for r in rows]


# ---------------------------------------------------------------------------- announcements


async def add_message(tx: Transaction, outbox_id: int, round_id: int, chat_id: int, language: str) -> None:
    await tx.execute(
        "INSERT INTO patrol_messages (outbox_id, round_id, chat_id, language) VALUES (?, ?, ?, ?)",
        (outbox_id, round_id, chat_id, language))


@dataclass(frozen=True, slots=True)
class Announcement:
    outbox_id: int
    chat_id: int
    language: str


async def announcements(tx: Transaction | Database, round_id: int) -> list[Announcement]:
    """The round's announcements that are out or still going (not those that failed)."""
    rows = await tx.fetchall(
        "SELECT m.outbox_id, o.chat_id, m.language FROM patrol_messages m JOIN outbox o ON o.id = m.outbox_id"
        " WHERE m.round_id = ? AND o.status IN ('pending', 'sending', 'sent') ORDER BY m.outbox_id", (round_id,))
    return [Announcement(r[0], r[1], r[2]) for r in rows]


# ---------------------------------------------------------------------------- send log


async def logged(db: Database, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    # One round's keys: its coordinators and walkers, far below SQLite's limit on parameters.
    rows = await db.fetchall(f"SELECT key FROM patrol_sends WHERE key IN ({','.join('?' * len(keys))})", keys)
    return {r[0] for r in rows}


async def log_send(tx: Transaction, key: str, *, round_id: int, chat_id: int, kind: str, scheduled_for: dt.datetime,
                   status: str, now: dt.datetime) -> bool:
    """Record a planned send; False when it was recorded before (then it must not go again)."""
    cursor = await tx.execute(
        "INSERT OR IGNORE INTO patrol_sends (key, round_id, chat_id, kind, scheduled_for, status, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (key, round_id, chat_id, kind, to_db_time(scheduled_for), status, to_db_time(now)))
    return cursor.rowcount > 0


# ---------------------------------------------------------------------------- walk reports


@dataclass(frozen=True, slots=True)
class WalkReport:
    round_id: int
    telegram_id: int
    state: str  # asked | awaiting_text | done
    outcome: WalkOutcome | None
    text: str | None
    sighting_id: int | None
    asked_at: dt.datetime


def _report(row: Any) -> WalkReport:
    return WalkReport(row["round_id"], row["telegram_id"], row["state"],
                      WalkOutcome(row["outcome"]) if row["outcome"] else None, row["text"], row["sighting_id"],
                      _time(row["asked_at"]))


async def ask_report(tx: Transaction, round_id: int, telegram_id: int, now: dt.datetime) -> None:
    await tx.execute(
        "INSERT OR IGNORE INTO patrol_reports (round_id, telegram_id, asked_at) VALUES (?, ?, ?)",
        (round_id, telegram_id, to_db_time(now)))


async def get_report(db: Database | Transaction, round_id: int, telegram_id: int) -> WalkReport | None:
    row = await db.fetchone("SELECT * FROM patrol_reports WHERE round_id = ? AND telegram_id = ?",
                            (round_id, telegram_id))
    return _report(row) if row else None


async def reports_of_round(db: Database, round_id: int) -> list[WalkReport]:
    rows = await db.fetchall("SELECT * FROM patrol_reports WHERE round_id = ? ORDER BY asked_at, telegram_id",
                             (round_id,))
    return [_report(r) for r in rows]


async def choose_outcome(tx: Transaction, round_id: int, telegram_id: int, outcome: WalkOutcome, *, done: bool,
                         now: dt.datetime) -> bool:
    """Store the button choice; False when the report was already complete."""
    cursor = await tx.execute(
        "UPDATE patrol_reports SET outcome = ?, state = ?, answered_at = ? WHERE round_id = ? AND telegram_id = ?"
        " AND state != 'done'",
        (outcome.value, "done" if done else "awaiting_text", to_db_time(now), round_id, telegram_id))
    return cursor.rowcount > 0


async def awaiting_text(db: Database | Transaction, telegram_id: int) -> WalkReport | None:
    """The walk report that waits for this person's text, the latest if more than one does."""
    row = await db.fetchone(
        "SELECT * FROM patrol_reports WHERE telegram_id = ? AND state = 'awaiting_text'"
        " ORDER BY answered_at DESC LIMIT 1", (telegram_id,))
    return _report(row) if row else None


async def people_awaiting_text(db: Database) -> set[int]:
    rows = await db.fetchall("SELECT DISTINCT telegram_id FROM patrol_reports WHERE state = 'awaiting_text'")
    return {r[0] for r in rows}


async def finish_report(tx: Transaction, round_id: int, telegram_id: int, text: str, *, sighting_id: int | None,
                        now: dt.datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE patrol_reports SET text = ?, sighting_id = ?, state = 'done', answered_at = ?"
        " WHERE round_id = ? AND telegram_id = ? AND state = 'awaiting_text'",
        (text, sighting_id, to_db_time(now), round_id, telegram_id))
    return cursor.rowcount > 0


async def apply_retention(db: Database, *, now: dt.datetime, retention_days: int) -> int:
    """Walk-report texts are personal data: erased like a report's description; the outcome stays."""
    cutoff = to_db_time(now - dt.timedelta(days=retention_days))
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE patrol_reports SET text = NULL WHERE text IS NOT NULL AND answered_at < ?", (cutoff,))
        count = cursor.rowcount
    return count
