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


# --- the gate: single statements side by side, a transaction alone -----------------------------

async def scratch_db(tmp_path: Path) -> Database:
    db = await Database.open(tmp_path / "gate.db", migrate=False)
    await db.execute("CREATE TABLE t (n INTEGER)")
    return db


async def test_a_statement_never_runs_inside_someone_elses_transaction(tmp_path: Path) -> None:
    """On one connection, a statement sent while a transaction is open would become part of it
    (and see its uncommitted rows). It must wait for the transaction to end."""
    import asyncio

    db = await scratch_db(tmp_path)
    inserted = asyncio.Event()
    seen: list[int] = []

    async def transaction_that_fails() -> None:
        try:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO t VALUES (1)")
                inserted.set()
                await asyncio.sleep(0)  # let the reader try to get in now
                await tx.fetchone("SELECT 1")
                raise ValueError("roll back")
        except ValueError:
            pass

    async def reader() -> None:
        await inserted.wait()
        row = await db.fetchone("SELECT COUNT(*) FROM t")
        seen.append(row[0] if row else -1)

    await asyncio.gather(transaction_that_fails(), reader())
    assert seen == [0]  # it ran after the rollback, not inside the transaction
    await db.close()


async def test_many_statements_at_once_and_transactions_still_get_their_turn(tmp_path: Path) -> None:
    import asyncio

    db = await scratch_db(tmp_path)
    order: list[str] = []

    async def writer(n: int) -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES (?)", (n,))
        order.append(f"tx{n}")

    async def statement(n: int) -> None:
        await db.execute("INSERT INTO t VALUES (?)", (1000 + n,))
        order.append("s")

    tasks = [statement(n) for n in range(200)]
    tasks[50:50] = [writer(1)]
    tasks[120:120] = [writer(2)]
    await asyncio.gather(*tasks)
    row = await db.fetchone("SELECT COUNT(*) FROM t")
    assert row is not None and row[0] == 202
    # The transactions did not wait for all 200 statements: those queued behind them went after.
    assert order.index("tx1") < len(order) - 50 and order.index("tx2") < len(order) - 20
    await db.close()


async def test_the_database_inside_its_own_transaction_is_an_error_not_a_hang(tmp_path: Path) -> None:
    import pytest

    db = await scratch_db(tmp_path)
    with pytest.raises(RuntimeError, match="use the Transaction"):
        async with db.transaction():
            await db.fetchone("SELECT COUNT(*) FROM t")
    # Nothing is left held: the next statement and transaction run.
    await db.execute("INSERT INTO t VALUES (5)")
    async with db.transaction() as tx:
        assert (await tx.fetchone("SELECT COUNT(*) FROM t"))[0] == 1  # type: ignore[index]
    await db.close()


async def test_a_cancelled_waiter_leaves_the_gate_usable(tmp_path: Path) -> None:
    import asyncio

    db = await scratch_db(tmp_path)
    release = asyncio.Event()

    async def holder() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES (1)")
            await release.wait()

    held = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiting_reader = asyncio.create_task(db.fetchone("SELECT 1"))
    waiting_writer = asyncio.create_task(_tx_insert(db, 2))
    await asyncio.sleep(0)
    waiting_reader.cancel()
    waiting_writer.cancel()
    release.set()
    await held
    for task in (waiting_reader, waiting_writer):
        try:
            await task
        except asyncio.CancelledError:
            pass
    await _tx_insert(db, 3)
    row = await db.fetchone("SELECT COUNT(*) FROM t")
    assert row is not None and row[0] == 2
    await db.close()


async def _tx_insert(db: Database, n: int) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO t VALUES (?)", (n,))


async def test_database_wal_and_shm_are_0600_whatever_the_umask(tmp_path: Path) -> None:
    """Reports, names and places live in these files: nobody else on the machine may read them,
    also when the bot runs outside systemd (UMask=0077) or in a container with umask 022."""
    import os
    import stat

    from storage.db import Database

    previous = os.umask(0o022)
    try:
        path = tmp_path / "bot.db"
        db = await Database.open(path)
        await db.execute("CREATE TABLE t (x)")
        await db.execute("INSERT INTO t VALUES (1)")
        for name in ("bot.db", "bot.db-wal", "bot.db-shm"):
            mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
            assert mode == 0o600, f"{name} is {mode:o}"
        await db.close()
        # A database made earlier with looser modes is tightened when opened.
        os.chmod(path, 0o644)
        db = await Database.open(path)
        await db.execute("INSERT INTO t VALUES (2)")
        await db.close()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(previous)


async def test_batched_statements_of_one_moment_take_one_trip_each_with_its_own_outcome(tmp_path: Path) -> None:
    """Draft saves of many residents at once go to SQLite together, yet each caller returns
    only once its row is written, and a row that fails fails for its caller alone."""
    import asyncio

    import pytest

    from storage import drafts

    db = await Database.open(tmp_path / "batch.db")
    trips: list[int] = []
    executemany = db._conn.executemany

    async def counting(sql: str, rows: object) -> object:
        rows = list(rows)  # type: ignore[call-overload]
        trips.append(len(rows))
        return await executemany(sql, rows)

    db._conn.executemany = counting  # type: ignore[method-assign]
    try:
        await asyncio.gather(*(drafts.save(db, user, "category", {"n": user}) for user in range(1, 51)))
        assert trips == [50]
        stored = await db.fetchall("SELECT telegram_id, data FROM report_drafts ORDER BY telegram_id")
        assert [(r[0], r[1]) for r in stored] == [(user, f'{{"n": {user}}}') for user in range(1, 51)]
        # One row breaks a constraint (step NOT NULL): its caller gets the error, the others do not.
        sql = ("INSERT INTO report_drafts (telegram_id, step, data, updated_at) VALUES (?, ?, '{}', 'x')"
               " ON CONFLICT(telegram_id) DO UPDATE SET step = excluded.step")
        outcomes = await asyncio.gather(*(db.execute_batched(sql, (user, None if user == 3 else "photo"))
                                          for user in range(1, 6)), return_exceptions=True)
        assert [isinstance(o, sqlite3.IntegrityError) for o in outcomes] == [False, False, True, False, False]
        steps = await db.fetchall("SELECT telegram_id, step FROM report_drafts WHERE telegram_id <= 5 ORDER BY 1")
        assert [(r[0], r[1]) for r in steps] == [(1, "photo"), (2, "photo"), (3, "category"), (4, "photo"),
                                                (5, "photo")]
        # A transaction waits for the batch it arrived after, and the database is usable after.
        with pytest.raises(sqlite3.IntegrityError):
            await db.execute_batched(sql, (9, None))
        async with db.transaction() as tx:
            await tx.execute("DELETE FROM report_drafts WHERE telegram_id = 1")
        assert await drafts.load(db, 1) is None
    finally:
        await db.close()


async def test_an_inline_transaction_runs_its_statements_without_the_thread_and_still_rolls_back(tmp_path: Path) -> None:
    import pytest

    db = await Database.open(tmp_path / "inline.db")
    statements: list[str] = []
    original = db._conn.execute

    async def through_the_thread(sql: str, params: object = ()) -> object:
        statements.append(sql)
        return await original(sql, params)  # type: ignore[arg-type]

    db._conn.execute = through_the_thread  # type: ignore[assignment, method-assign]
    insert = "INSERT INTO users (telegram_id, language, created_at) VALUES (?, 'nl', '2026-01-01T00:00:00+00:00')"
    try:
        async with db.transaction(inline=True) as tx:
            assert await tx.insert(insert, (1,)) == 1
            changed = await tx.execute("UPDATE users SET language = 'en' WHERE telegram_id = ?", (1,))
            assert changed.rowcount == 1
            row = await tx.fetchone("SELECT language FROM users WHERE telegram_id = 1")
            assert row is not None and row["language"] == "en"
        # Only BEGIN and COMMIT went to aiosqlite's thread.
        assert statements == ["BEGIN IMMEDIATE", "COMMIT"]
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction(inline=True) as tx:
                await tx.execute(insert, (2,))
                await tx.execute(insert, (1,))  # already there
        assert [tuple(r) for r in await db.fetchall("SELECT telegram_id, language FROM users")] == [(1, "en")]
    finally:
        await db.close()
