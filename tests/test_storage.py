"""Migrations and the storage layer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.db import Database, Migration, load_migrations


async def test_migrations_on_an_empty_database(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "new.db")
    try:
        expected = max(m.version for m in load_migrations())
        assert await db.schema_version() == expected
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"users", "teams", "alert_groups", "sightings", "outbox", "incidents", "roles"} <= tables
        mode = await db.fetchone("PRAGMA journal_mode")
        assert mode is not None and mode[0] == "wal"
        fk = await db.fetchone("PRAGMA foreign_keys")
        assert fk is not None and fk[0] == 1
    finally:
        await db.close()


async def test_migrations_on_an_existing_database_run_once(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    migrations = load_migrations()
    db = await Database.open(path, migrate=False)
    assert await db.migrate(migrations[:1]) == [migrations[0].version]
    await db.execute(
        "INSERT INTO users (telegram_id, language, created_at) VALUES (1, 'nl', '2026-01-01T00:00:00+00:00')"
    )
    await db.close()
    # A later start applies only what is new and keeps the data.
    db = await Database.open(path, migrate=False)
    applied = await db.migrate(migrations)
    assert applied == [m.version for m in migrations[1:]]
    assert await db.migrate(migrations) == []
    row = await db.fetchone("SELECT COUNT(*) FROM users")
    assert row is not None and row[0] == 1
    await db.close()


async def test_a_failing_migration_leaves_nothing_half_done(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "x.db")
    version = await db.schema_version()
    broken = Migration(9999, "broken", "CREATE TABLE half (id INTEGER);\nINSERT INTO nowhere VALUES (1);")
    try:
        await db.migrate([broken])
    except sqlite3.OperationalError:
        pass
    else:  # pragma: no cover
        raise AssertionError("the broken migration should fail")
    assert await db.schema_version() == version
    row = await db.fetchone("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'")
    assert row is not None and row[0] == 0
    await db.close()
