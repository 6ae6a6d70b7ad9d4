"""One-time role invites."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.domain import Role
from bot.core.permissions import is_scope
from storage.db import Database, Transaction, from_db_time, to_db_time
from storage.users import audit


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    role: Role
    scope: str
    label: str | None
    created_by: int | None
    created_at: dt.datetime
    expires_at: dt.datetime
    used_by: int | None
    revoked: bool
    used: bool = False  # also when used_by was erased (/vergeetmij): a used invite stays used

    def state(self, now: dt.datetime) -> str:
        if self.revoked:
            return "revoked"
        if self.used_by is not None or self.used:
            return "used"
        if now >= self.expires_at:
            return "expired"
        return "open"


def _invite(row: object) -> Invite:
    return Invite(
        code=row["code"], role=Role(row["role"]), scope=row["scope"], label=row["label"],  # type: ignore[index]
        created_by=row["created_by"], created_at=from_db_time(row["created_at"]),  # type: ignore[index, arg-type]
        expires_at=from_db_time(row["expires_at"]), used_by=row["used_by"],  # type: ignore[index, arg-type]
        revoked=row["revoked_at"] is not None,  # type: ignore[index]
        used=row["used_at"] is not None,  # type: ignore[index]
    )


async def create(db: Database, *, token_hash: str, code: str, role: Role, scope: str, label: str | None,
                 created_by: int | None, now: dt.datetime, expires_at: dt.datetime) -> None:
    if not is_scope(scope):
        raise ValueError(f"not a scope: {scope!r}")
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO invites (token_hash, code, role, scope, label, created_by, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (token_hash, code, role.value, scope, label, created_by, to_db_time(now), to_db_time(expires_at)),
        )
        await audit(tx, created_by, "invite.create", f"invite:{code}", f"{role.value} {scope}")


async def by_hash(tx: Transaction | Database, token_hash: str) -> Invite | None:
    row = await tx.fetchone("SELECT * FROM invites WHERE token_hash = ?", (token_hash,))
    return _invite(row) if row and is_scope(row["scope"]) else None


async def mark_used(tx: Transaction, token_hash: str, used_by: int, now: dt.datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE invites SET used_by = ?, used_at = ? WHERE token_hash = ? AND used_by IS NULL AND used_at IS NULL"
        " AND revoked_at IS NULL",
        (used_by, to_db_time(now), token_hash),
    )
    return cursor.rowcount > 0


async def revoke(db: Database, code: str, *, by: int, now: dt.datetime) -> bool:
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE invites SET revoked_at = ? WHERE code = ? AND used_by IS NULL AND used_at IS NULL"
            " AND revoked_at IS NULL",
            (to_db_time(now), code),
        )
        done = cursor.rowcount > 0
        if done:
            await audit(tx, by, "invite.revoke", f"invite:{code}")
    return done


async def get_by_code(db: Database, code: str) -> Invite | None:
    row = await db.fetchone("SELECT * FROM invites WHERE code = ?", (code,))
    return _invite(row) if row and is_scope(row["scope"]) else None


async def listed(db: Database, *, created_by: int | None = None, limit: int = 50) -> list[Invite]:
    if created_by is None:
        rows = await db.fetchall("SELECT * FROM invites ORDER BY created_at DESC LIMIT ?", (limit,))
    else:
        rows = await db.fetchall(
            "SELECT * FROM invites WHERE created_by = ? ORDER BY created_at DESC LIMIT ?", (created_by, limit)
        )
    # An invite with a scope that is not one (stored by an older version) is left out.
    return [_invite(r) for r in rows if is_scope(r["scope"])]
