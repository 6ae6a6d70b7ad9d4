"""Residents following their buurt's alerts in private."""

from __future__ import annotations

import datetime as dt

from storage.db import Database, Transaction, to_db_time
from storage.privacy import register_personal_table

register_personal_table("subscriptions", "telegram_id")


async def subscribe(db: Database, telegram_id: int, buurt_code: str, *, address: str | None, now: dt.datetime) -> None:
    await db.execute(
        "INSERT INTO subscriptions (telegram_id, buurt_code, address, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(telegram_id, buurt_code) DO UPDATE SET address = excluded.address",
        (telegram_id, buurt_code, address, to_db_time(now)),
    )


async def follow(tx: Transaction, telegram_id: int, buurt_code: str, *, now: dt.datetime) -> int:
    """Follow a buurt unless already followed (an address kept earlier stays); 1 when new."""
    cursor = await tx.execute(
        "INSERT INTO subscriptions (telegram_id, buurt_code, address, created_at) VALUES (?, ?, NULL, ?)"
        " ON CONFLICT(telegram_id, buurt_code) DO NOTHING",
        (telegram_id, buurt_code, to_db_time(now)),
    )
    return int(cursor.rowcount)


async def unsubscribe(db: Database, telegram_id: int) -> int:
    async with db.transaction() as tx:
        cursor = await tx.execute("DELETE FROM subscriptions WHERE telegram_id = ?", (telegram_id,))
        return cursor.rowcount


async def of_user(db: Database, telegram_id: int) -> list[str]:
    rows = await db.fetchall("SELECT buurt_code FROM subscriptions WHERE telegram_id = ?", (telegram_id,))
    return [r[0] for r in rows]


async def active_by_buurt(db: Database) -> dict[str, list[int]]:
    rows = await db.fetchall(
        "SELECT s.buurt_code, s.telegram_id FROM subscriptions s LEFT JOIN users u ON u.telegram_id = s.telegram_id"
        " WHERE COALESCE(u.active, 1) = 1 ORDER BY s.telegram_id"
    )
    result: dict[str, list[int]] = {}
    for row in rows:
        result.setdefault(row[0], []).append(row[1])
    return result


async def in_buurten(db: Database, buurten: list[str]) -> list[int]:
    if not buurten:
        return []
    marks = ",".join("?" * len(buurten))
    rows = await db.fetchall(
        f"SELECT DISTINCT s.telegram_id FROM subscriptions s LEFT JOIN users u ON u.telegram_id = s.telegram_id"
        f" WHERE s.buurt_code IN ({marks}) AND COALESCE(u.active, 1) = 1 ORDER BY s.telegram_id",
        buurten,
    )
    return [r[0] for r in rows]
