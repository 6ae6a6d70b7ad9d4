"""Tip schedules, the send log and custom tips."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.config.schema import TipDefaults
from storage.db import Database, Transaction, to_db_time

DEFAULT_TIPS = TipDefaults()  # the [tips] defaults, for callers without a config


@dataclass(frozen=True, slots=True)
class TipSchedule:
    chat_id: int
    kind: str
    weekday: int
    time: dt.time
    paused: bool
    opted_out: tuple[str, ...]
    quiet_start: dt.time
    quiet_end: dt.time
    team_id: int | None  # the team of a group chat; None for a resident


# The team a group schedule's chat is linked to, for queries joining alert_groups as g.
_TEAM = "CASE WHEN s.kind = 'group' THEN g.team_id END AS team_id"


def _schedule(row: object) -> TipSchedule:
    return TipSchedule(
        row["chat_id"], row["kind"], row["weekday"], dt.time.fromisoformat(row["time"]),  # type: ignore[index]
        bool(row["paused"]), tuple(row["opted_out"].split()),  # type: ignore[index]
        dt.time.fromisoformat(row["quiet_start"]), dt.time.fromisoformat(row["quiet_end"]),  # type: ignore[index]
        row["team_id"],  # type: ignore[index]
    )


def _default_values(defaults: TipDefaults) -> tuple[int, str, str, str]:
    """The config's [tips] as a new schedule row stores them."""
    return (defaults.weekday, defaults.time.strftime("%H:%M"), defaults.quiet_start.strftime("%H:%M"),
            defaults.quiet_end.strftime("%H:%M"))


async def ensure_schedules(db: Database, now: dt.datetime, defaults: TipDefaults = DEFAULT_TIPS) -> None:
    """Every active alert group and every subscribed resident has a (default) schedule."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT OR IGNORE INTO tip_schedules (chat_id, kind, weekday, time, quiet_start, quiet_end, created_at)"
            " SELECT chat_id, 'group', ?, ?, ?, ?, ? FROM alert_groups WHERE active = 1",
            (*_default_values(defaults), to_db_time(now)))
        await tx.execute(
            "INSERT OR IGNORE INTO tip_schedules (chat_id, kind, weekday, time, quiet_start, quiet_end, created_at)"
            " SELECT DISTINCT telegram_id, 'resident', ?, ?, ?, ?, ? FROM subscriptions",
            (*_default_values(defaults), to_db_time(now)))


async def get(db: Database, chat_id: int) -> TipSchedule | None:
    row = await db.fetchone(
        f"SELECT s.*, {_TEAM} FROM tip_schedules s LEFT JOIN alert_groups g ON g.chat_id = s.chat_id"
        " WHERE s.chat_id = ?", (chat_id,))
    return _schedule(row) if row else None


async def ensure(db: Database, chat_id: int, kind: str, now: dt.datetime,
                 defaults: TipDefaults = DEFAULT_TIPS) -> TipSchedule:
    await db.execute(
        "INSERT OR IGNORE INTO tip_schedules (chat_id, kind, weekday, time, quiet_start, quiet_end, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)", (chat_id, kind, *_default_values(defaults), to_db_time(now)))
    schedule = await get(db, chat_id)
    assert schedule is not None
    return schedule


async def update(db: Database, chat_id: int, **fields: object) -> None:
    allowed = {"weekday", "time", "paused", "opted_out", "quiet_start", "quiet_end"}
    sets = [f"{name} = ?" for name in fields if name in allowed]
    values = [fields[name] for name in fields if name in allowed]
    if sets:
        await db.execute(f"UPDATE tip_schedules SET {', '.join(sets)} WHERE chat_id = ?", (*values, chat_id))


async def active(db: Database) -> list[tuple[TipSchedule, str, str | None]]:
    """Schedules that may send, with the chat's language and a buurtcode for its location.

    Groups whose bot was removed and residents who blocked the bot are left out, and so is a
    resident schedule of someone who is neither a known user nor subscribed: a person erased
    with /vergeetmij gets nothing, even if a schedule row survived.
    """
    rows = await db.fetchall(
        f"SELECT s.*, {_TEAM}, COALESCE(g.language, u.language, 'nl') AS language,"
        " COALESCE((SELECT MIN(tb.buurt_code) FROM team_buurten tb WHERE tb.team_id = g.team_id),"
        "          (SELECT MIN(sub.buurt_code) FROM subscriptions sub WHERE sub.telegram_id = s.chat_id)) AS buurt"
        " FROM tip_schedules s"
        " LEFT JOIN alert_groups g ON g.chat_id = s.chat_id"
        " LEFT JOIN users u ON u.telegram_id = s.chat_id"
        " WHERE (s.kind = 'group' AND g.active = 1) OR (s.kind = 'resident' AND COALESCE(u.active, 1) = 1"
        "      AND (u.telegram_id IS NOT NULL"
        "           OR EXISTS (SELECT 1 FROM subscriptions sub WHERE sub.telegram_id = s.chat_id)))"
        " ORDER BY s.chat_id")
    return [(_schedule(r), r["language"], r["buurt"]) for r in rows]


async def logged(db: Database, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    marks = ",".join("?" * len(keys))
    rows = await db.fetchall(f"SELECT key FROM send_log WHERE key IN ({marks})", keys)
    return {r[0] for r in rows}


async def log_send(tx: Transaction, key: str, chat_id: int, kind: str, tip_id: str | None,
                   scheduled_for: dt.datetime, status: str, now: dt.datetime) -> bool:
    """Record a planned send once; False when it was recorded before or the schedule is gone.

    The schedule is checked in the same transaction as the send it guards: a person who was
    erased (/vergeetmij) while a tips round was under way gets no tip from that round.
    """
    cursor = await tx.execute(
        "INSERT OR IGNORE INTO send_log (key, chat_id, kind, tip_id, scheduled_for, status, at)"
        " SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tip_schedules WHERE chat_id = ?)",
        (key, chat_id, kind, tip_id, to_db_time(scheduled_for), status, to_db_time(now), chat_id))
    return cursor.rowcount > 0


async def recent_tip_ids(db: Database, chat_id: int, limit: int = 12) -> list[str]:
    rows = await db.fetchall(
        "SELECT tip_id FROM send_log WHERE chat_id = ? AND kind = 'tip' AND tip_id IS NOT NULL"
        " AND status = 'sent' ORDER BY at DESC LIMIT ?", (chat_id, limit))
    return [r[0] for r in rows]


async def add_custom(db: Database, scope: str, theme: str, language: str, text: str, by: int,
                     now: dt.datetime) -> int:
    return await db.insert(
        "INSERT INTO custom_tips (scope, theme, language, text, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (scope, theme, language, text, by, to_db_time(now)))


async def custom_for(db: Database, scopes: list[str]) -> list[tuple[int, str, str, str, str]]:
    if not scopes:
        return []
    marks = ",".join("?" * len(scopes))
    rows = await db.fetchall(
        f"SELECT id, scope, theme, language, text FROM custom_tips WHERE scope IN ({marks}) ORDER BY id", scopes)
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


async def sent_tip_ids(db: Database, chat_id: int, tip_ids: list[str]) -> set[str]:
    """Which of these tips this chat has ever been sent."""
    if not tip_ids:
        return set()
    marks = ",".join("?" * len(tip_ids))
    rows = await db.fetchall(
        f"SELECT DISTINCT tip_id FROM send_log WHERE chat_id = ? AND status = 'sent' AND tip_id IN ({marks})",
        [chat_id, *tip_ids])
    return {r[0] for r in rows}
