"""Teams, the buurten they watch, and their linked alert groups."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database, Transaction, to_db_time, utcnow
from storage.users import audit


@dataclass(frozen=True, slots=True)
class AlertGroup:
    chat_id: int
    team_id: int
    title: str | None
    language: str
    active: bool


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    name: str
    gemeente_code: str
    buurten: tuple[str, ...]


async def create_team(
    tx: Transaction, name: str, gemeente_code: str, buurten: list[str], *, created_by: int | None
) -> int:
    team_id = await tx.insert(
        "INSERT INTO teams (name, gemeente_code, created_by, created_at) VALUES (?, ?, ?, ?)",
        (name, gemeente_code, created_by, to_db_time(utcnow())),
    )
    await tx.executemany(
        "INSERT OR IGNORE INTO team_buurten (team_id, buurt_code) VALUES (?, ?)",
        [(team_id, code) for code in buurten],
    )
    await audit(tx, created_by, "team.create", f"team:{team_id}", f"{name}: {' '.join(buurten)}")
    return team_id


async def team_by_name(db: Database | Transaction, name: str) -> Team | None:
    row = await db.fetchone("SELECT * FROM teams WHERE name = ?", (name,))
    return await _team(db, row) if row else None


async def get_team(db: Database | Transaction, team_id: int) -> Team | None:
    row = await db.fetchone("SELECT * FROM teams WHERE id = ?", (team_id,))
    return await _team(db, row) if row else None


async def _team(db: Database | Transaction, row: object) -> Team:
    team_id = row["id"]  # type: ignore[index]
    buurten = await db.fetchall(
        "SELECT buurt_code FROM team_buurten WHERE team_id = ? ORDER BY buurt_code", (team_id,)
    )
    return Team(team_id, row["name"], row["gemeente_code"], tuple(b[0] for b in buurten))  # type: ignore[index]


async def all_teams(db: Database) -> list[Team]:
    rows = await db.fetchall("SELECT * FROM teams ORDER BY name")
    return [await _team(db, r) for r in rows]


async def set_buurten(tx: Transaction, team_id: int, buurten: list[str], *, by: int | None) -> None:
    await tx.execute("DELETE FROM team_buurten WHERE team_id = ?", (team_id,))
    await tx.executemany(
        "INSERT INTO team_buurten (team_id, buurt_code) VALUES (?, ?)",
        [(team_id, code) for code in buurten],
    )
    await audit(tx, by, "team.buurten", f"team:{team_id}", " ".join(buurten))


async def rename_team(tx: Transaction, team_id: int, name: str, *, by: int | None) -> str | None:
    """Rename the team; returns the old name (None when there is no such team). Audited."""
    row = await tx.fetchone("SELECT name FROM teams WHERE id = ?", (team_id,))
    if row is None:
        return None
    await tx.execute("UPDATE teams SET name = ? WHERE id = ?", (name, team_id))
    await audit(tx, by, "team.rename", f"team:{team_id}", f"{row['name']} -> {name}")
    return str(row["name"])


async def link_group(
    tx: Transaction, chat_id: int, team_id: int, *, title: str | None, language: str, linked_by: int | None
) -> None:
    await tx.execute(
        "INSERT INTO alert_groups (chat_id, team_id, title, language, active, linked_by, linked_at)"
        " VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT(chat_id) DO UPDATE SET team_id = excluded.team_id,"
        " title = excluded.title, active = 1",
        (chat_id, team_id, title, language, linked_by, to_db_time(utcnow())),
    )
    await audit(tx, linked_by, "group.link", f"chat:{chat_id}", f"team:{team_id}")


async def groups_of_team(db: Database | Transaction, team_id: int) -> list[AlertGroup]:
    rows = await db.fetchall("SELECT * FROM alert_groups WHERE team_id = ? ORDER BY chat_id", (team_id,))
    return [AlertGroup(r["chat_id"], r["team_id"], r["title"], r["language"], bool(r["active"])) for r in rows]


async def get_group(db: Database | Transaction, chat_id: int) -> AlertGroup | None:
    r = await db.fetchone("SELECT * FROM alert_groups WHERE chat_id = ?", (chat_id,))
    return AlertGroup(r["chat_id"], r["team_id"], r["title"], r["language"], bool(r["active"])) if r else None


async def active_groups_by_buurt(db: Database) -> dict[str, list[tuple[int, str]]]:
    """buurtcode → [(group chat id, group language)] of every active linked group."""
    rows = await db.fetchall(
        "SELECT tb.buurt_code, g.chat_id, g.language FROM team_buurten tb"
        " JOIN alert_groups g ON g.team_id = tb.team_id WHERE g.active = 1 ORDER BY g.chat_id"
    )
    result: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        result.setdefault(row["buurt_code"], []).append((row["chat_id"], row["language"]))
    return result


async def set_group_active(db: Database, chat_id: int, active: bool) -> bool:
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE alert_groups SET active = ? WHERE chat_id = ? AND active != ?",
            (int(active), chat_id, int(active)),
        )
        changed = cursor.rowcount > 0
        if changed:
            await audit(tx, None, "group.active" if active else "group.inactive", f"chat:{chat_id}")
    return changed


async def migrate_group(db: Database, old_chat_id: int, new_chat_id: int) -> bool:
    """The group became a supergroup: the stored chat id follows the migration."""
    async with db.transaction() as tx:
        row = await tx.fetchone("SELECT 1 FROM alert_groups WHERE chat_id = ?", (old_chat_id,))
        if row is None:
            return False
        await tx.execute("DELETE FROM alert_groups WHERE chat_id = ?", (new_chat_id,))
        await tx.execute(
            "UPDATE alert_groups SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
        )
        # The group's tip settings (day, time, quiet hours, opted-out themes) follow it; a
        # default schedule made for the new id in the meantime gives way to the real one.
        if await tx.fetchone("SELECT 1 FROM tip_schedules WHERE chat_id = ?", (old_chat_id,)):
            await tx.execute("DELETE FROM tip_schedules WHERE chat_id = ?", (new_chat_id,))
            await tx.execute("UPDATE tip_schedules SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))
        # What was sent follows too, keys included: the occurrence keys name the chat, and a
        # tip already sent this week must not go out again under the new id.
        old_id, new_id = str(old_chat_id), str(new_chat_id)
        await tx.execute(
            "UPDATE OR IGNORE send_log SET chat_id = ?, key = CASE"
            " WHEN key LIKE 'tip:' || ? || '@%' THEN 'tip:' || ? || substr(key, length('tip:' || ?) + 1)"
            " WHEN substr(key, -length(':' || ?)) = ':' || ? THEN substr(key, 1, length(key) - length(?)) || ?"
            " ELSE key END WHERE chat_id = ?",
            (new_chat_id, old_id, new_id, old_id, old_id, old_id, old_id, new_id, old_chat_id),
        )
        await tx.execute("UPDATE send_log SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))
        await tx.execute("UPDATE watch_responses SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))
        await audit(tx, None, "group.migrate", f"chat:{old_chat_id}", f"chat:{new_chat_id}")
    return True
