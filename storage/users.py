"""Users: language, activity (blocked the bot), mute, roles and the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from bot.core.domain import Role
from bot.core.permissions import is_scope
from storage.db import Database, Transaction, from_db_time, to_db_time, utcnow


@dataclass(frozen=True, slots=True)
class User:
    telegram_id: int
    language: str
    display_name: str | None
    username: str | None
    active: bool
    muted_until: dt.datetime | None
    private_chat: bool = False  # they have talked to the bot in private, so it can write to them


def _user(row: object) -> User:
    return User(
        telegram_id=row["telegram_id"],  # type: ignore[index]
        language=row["language"],  # type: ignore[index]
        display_name=row["display_name"],  # type: ignore[index]
        username=row["username"],  # type: ignore[index]
        active=bool(row["active"]),  # type: ignore[index]
        muted_until=from_db_time(row["muted_until"]),  # type: ignore[index]
        private_chat=row["private_chat_at"] is not None,  # type: ignore[index]
    )


async def get(db: Database | Transaction, telegram_id: int) -> User | None:
    row = await db.fetchone("SELECT * FROM users WHERE telegram_id = ?", (telegram_id,))
    return _user(row) if row else None


async def ensure(
    db: Database,
    telegram_id: int,
    *,
    language: str,
    display_name: str | None,
    username: str | None,
    private_chat: bool = False,
) -> User:
    """Create the user on first contact; keep the name fresh; a returning user is active again.

    ``private_chat``: this contact is in a private chat, so the bot may write to them from now on.
    """
    now = to_db_time(utcnow())
    # One statement (atomic on its own) that returns the row as stored: one database trip.
    row = await db.execute_returning(
        "INSERT INTO users (telegram_id, language, display_name, username, created_at, private_chat_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(telegram_id) DO UPDATE SET display_name = excluded.display_name,"
        " username = excluded.username, active = 1,"
        " private_chat_at = COALESCE(users.private_chat_at, excluded.private_chat_at)"
        " RETURNING *",
        (telegram_id, language, display_name, username, now, now if private_chat else None),
    )
    assert row is not None
    return _user(row)


async def mark_private_chat(db: Database, telegram_id: int) -> None:
    await db.execute(
        "UPDATE users SET private_chat_at = COALESCE(private_chat_at, ?) WHERE telegram_id = ?",
        (to_db_time(utcnow()), telegram_id),
    )


async def reachable_in_private(db: Database, telegram_id: int) -> bool:
    """Has a private chat with the bot and has not blocked it."""
    row = await db.fetchone(
        "SELECT 1 FROM users WHERE telegram_id = ? AND active = 1 AND private_chat_at IS NOT NULL", (telegram_id,)
    )
    return row is not None


async def set_language(db: Database, telegram_id: int, language: str) -> None:
    await db.execute("UPDATE users SET language = ? WHERE telegram_id = ?", (language, telegram_id))


async def languages(db: Database | Transaction, telegram_ids: list[int]) -> dict[int, str]:
    if not telegram_ids:
        return {}
    marks = ",".join("?" * len(telegram_ids))
    rows = await db.fetchall(
        f"SELECT telegram_id, language FROM users WHERE telegram_id IN ({marks})", telegram_ids
    )
    return {r["telegram_id"]: r["language"] for r in rows}


async def mark_inactive(db: Database, telegram_id: int) -> bool:
    """The person blocked the bot (403). Recorded even for someone who never wrote to us.

    True when this changed anything (they were active, or unknown): then the routing
    directory must be rebuilt so nothing more is routed to them."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO users (telegram_id, language, active, created_at) VALUES (?, 'nl', 0, ?)"
            " ON CONFLICT(telegram_id) DO UPDATE SET active = 0 WHERE users.active != 0",
            (telegram_id, to_db_time(utcnow())),
        )
        return cursor.rowcount > 0


async def inactive_ids(db: Database) -> set[int]:
    """People who blocked the bot (or were never reachable)."""
    rows = await db.fetchall("SELECT telegram_id FROM users WHERE active = 0")
    return {r[0] for r in rows}


async def reactivate(db: Database, telegram_id: int) -> bool:
    """They wrote to us again after blocking the bot: active again. True when they were inactive."""
    row = await db.fetchone(
        "UPDATE users SET active = 1 WHERE telegram_id = ? AND active = 0 RETURNING telegram_id", (telegram_id,))
    return row is not None


async def display_names(db: Database, telegram_ids: list[int]) -> dict[int, str]:
    """How people are shown to their own team: the name Telegram gave us, else @username."""
    if not telegram_ids:
        return {}
    marks = ",".join("?" * len(telegram_ids))
    rows = await db.fetchall(
        f"SELECT telegram_id, display_name, username FROM users WHERE telegram_id IN ({marks})", telegram_ids)
    names = {}
    for row in rows:
        name = row["display_name"] or (f"@{row['username']}" if row["username"] else None)
        if name:
            names[row["telegram_id"]] = name
    return names


async def roles_of(db: Database, telegram_id: int) -> list[tuple[Role, str]]:
    rows = await db.fetchall("SELECT role, scope FROM roles WHERE telegram_id = ?", (telegram_id,))
    # A scope that is not one (stored by an older version) is ignored, never an error later.
    return [(Role(r["role"]), r["scope"]) for r in rows if is_scope(r["scope"])]


async def grant_role(
    tx: Transaction,
    telegram_id: int,
    role: Role,
    scope: str,
    *,
    granted_by: int | None,
    source: str = "invite",
) -> bool:
    """Grant a role; True when it is new. Written to the audit log in the same transaction.
    A scope that is not one (``is_scope``) is refused: it would break that person's commands."""
    if not is_scope(scope):
        raise ValueError(f"not a scope: {scope!r}")
    cursor = await tx.execute(
        "INSERT OR IGNORE INTO roles (telegram_id, role, scope, granted_by, granted_at, source)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (telegram_id, role.value, scope, granted_by, to_db_time(utcnow()), source),
    )
    added = cursor.rowcount > 0
    if added:
        await audit(tx, granted_by, "role.grant", f"user:{telegram_id}", f"{role.value} {scope}".strip())
    return added


async def revoke_role(tx: Transaction, telegram_id: int, role: Role, scope: str, *, revoked_by: int | None) -> bool:
    cursor = await tx.execute(
        "DELETE FROM roles WHERE telegram_id = ? AND role = ? AND scope = ?",
        (telegram_id, role.value, scope),
    )
    removed = cursor.rowcount > 0
    if removed:
        await audit(tx, revoked_by, "role.revoke", f"user:{telegram_id}", f"{role.value} {scope}".strip())
    return removed


async def sync_config_roles(db: Database, wanted: set[tuple[int, Role, str]]) -> None:
    """Make the roles that come from the config file exactly ``wanted``."""
    async with db.transaction() as tx:
        rows = await tx.fetchall("SELECT telegram_id, role, scope FROM roles WHERE source = 'config'")
        current = {(r["telegram_id"], Role(r["role"]), r["scope"]) for r in rows}
        for telegram_id, role, scope in current - wanted:
            await revoke_role(tx, telegram_id, role, scope, revoked_by=None)
        for telegram_id, role, scope in wanted - current:
            await tx.execute(
                "INSERT OR REPLACE INTO roles (telegram_id, role, scope, granted_by, granted_at, source)"
                " VALUES (?, ?, ?, NULL, ?, 'config')",
                (telegram_id, role.value, scope, to_db_time(utcnow())),
            )
            await audit(tx, None, "role.grant", f"user:{telegram_id}", f"{role.value} {scope} (config)")


async def holders(db: Database, roles: Collection[Role]) -> list[tuple[int, Role, str]]:
    marks = ",".join("?" * len(roles))
    rows = await db.fetchall(
        f"SELECT r.telegram_id, r.role, r.scope FROM roles r"
        f" LEFT JOIN users u ON u.telegram_id = r.telegram_id"
        f" WHERE r.role IN ({marks}) AND COALESCE(u.active, 1) = 1",
        [r.value for r in roles],
    )
    return [(r["telegram_id"], Role(r["role"]), r["scope"]) for r in rows if is_scope(r["scope"])]


async def audit(
    tx: Transaction | Database, actor_id: int | None, action: str, subject: str = "", detail: str = ""
) -> None:
    await tx.execute(
        "INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        (to_db_time(utcnow()), actor_id, action, subject, detail),
    )



async def holders_of_scope(db: Database, role: Role, scope: str) -> list[int]:
    rows = await db.fetchall(
        "SELECT telegram_id FROM roles WHERE role = ? AND scope = ? ORDER BY telegram_id", (role.value, scope)
    )
    return [r[0] for r in rows]
