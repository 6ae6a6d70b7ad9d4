"""The one SQLite connection of the bot, its transactions and its migrations.

Every other module in ``storage`` receives a :class:`Database` and keeps its SQL to itself.
Migrations are the files ``storage/migrations/NNNN_name.sql``; each runs once, inside a
transaction, and is recorded in ``schema_version``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import datetime as dt
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")
log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

Params = Sequence[Any] | dict[str, Any]


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise RuntimeError(f"migration file name not of the form NNNN_name.sql: {path.name}")
        migrations.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a version number in {directory}")
    return migrations


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_db_time(value: dt.datetime | None) -> str | None:
    """Store times as ISO-8601 UTC text so SQLite orders and compares them correctly."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to storage; use an aware datetime")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def from_db_time(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.fromisoformat(value)


# What SQLite says when it cannot write (a full disk, a read-only file or mount, a file-size
# limit, an I/O error): the bot goes on reading and tells people it cannot save now.
_WRITE_FAILURES = ("readonly", "disk is full", "disk i/o error", "unable to open database file")


def is_write_failure(error: BaseException) -> bool:
    import sqlite3

    return isinstance(error, sqlite3.OperationalError) and any(s in str(error).lower() for s in _WRITE_FAILURES)


PRIVATE_FILE_MODE = 0o600
_COMPANIONS = ("", "-wal", "-shm", "-journal")


def make_private(path: Path) -> None:
    """The database and its WAL/SHM files readable by the bot's user only, whatever the umask
    (outside systemd's UMask=0077, e.g. in a container or a shell with umask 022). SQLite gives
    the -wal and -shm files the database file's mode, so a database created 0600 stays so."""
    if not path.exists():
        with contextlib.suppress(FileNotFoundError):  # a missing directory: SQLite says so itself
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE))
    for suffix in _COMPANIONS:
        companion = path.with_name(path.name + suffix)
        with contextlib.suppress(OSError):  # absent, or not ours to change (a read-only copy)
            if companion.is_file() and companion.stat().st_mode & 0o077:
                os.chmod(companion, PRIVATE_FILE_MODE)


Changed = aiosqlite.Cursor | sqlite3.Cursor  # what Transaction.execute returns: read its rowcount


class Transaction:
    """Statements inside one BEGIN IMMEDIATE … COMMIT.

    Each call is one hop to aiosqlite's thread: the hops, not SQLite, are what costs time
    under load, so results are fetched in the same hop and cursors are left to the GC.
    An *inline* transaction (``Database.transaction(inline=True)``) runs its statements on
    the event loop's own thread instead, no hop at all: BEGIN IMMEDIATE and COMMIT still go
    to aiosqlite's thread (they may wait for another process's write lock, or checkpoint),
    and in between the connection is this transaction's alone (the gate), the write lock is
    held, so short statements cannot block. For short transactions on a hot path only (a
    submitted report); anything that may scan or change many rows stays off the loop.
    """

    def __init__(self, conn: aiosqlite.Connection, raw: sqlite3.Connection | None = None) -> None:
        self._conn = conn
        self._raw = raw

    async def execute(self, sql: str, params: Params = ()) -> Changed:
        if self._raw is not None:
            return self._raw.execute(sql, params)
        return await self._conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        if self._raw is not None:
            self._raw.executemany(sql, rows)
            return
        await self._conn.executemany(sql, rows)

    async def insert(self, sql: str, params: Params = ()) -> int:
        if self._raw is not None:
            rowid = self._raw.execute(sql, params).lastrowid  # sqlite3_last_insert_rowid()
            assert rowid is not None
            return int(rowid)
        row = await self._conn.execute_insert(sql, params)
        assert row is not None and row[0] is not None
        return int(row[0])

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        if self._raw is not None:
            row: aiosqlite.Row | None = self._raw.execute(sql, params).fetchone()
            return row
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        if self._raw is not None:
            return self._raw.execute(sql, params).fetchall()
        return list(await self._conn.execute_fetchall(sql, params))


class _Gate:
    """Single statements side by side, or one transaction alone.

    Statements outside a transaction are atomic on their own, so any number of them may be
    queued on the connection's thread at once: the thread then runs them back to back instead
    of waiting for the event loop between each. A transaction must run alone (a statement
    sent while it is open would become part of it). Whoever waits is served in arrival order:
    a transaction waits only for what came before it, and statements that arrive after a
    waiting transaction wait for it, so neither can starve the other.
    """

    def __init__(self) -> None:
        self._shared = 0
        self._exclusive: object | None = None  # the transaction that holds the gate
        # (future, owner): owner None for a statement, the transaction's token otherwise.
        self._waiting: collections.deque[tuple[asyncio.Future[None], object | None]] = collections.deque()

    @property
    def holder(self) -> object | None:
        return self._exclusive

    async def acquire_shared(self) -> None:
        if self._exclusive is None and not self._waiting:
            self._shared += 1
            return
        await self._wait(None)

    async def acquire_exclusive(self, owner: object) -> None:
        if self._exclusive is None and self._shared == 0 and not self._waiting:
            self._exclusive = owner
            return
        await self._wait(owner)

    async def _wait(self, owner: object | None) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (future, owner)
        self._waiting.append(entry)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                # Granted just before the cancel: give it back.
                self.release_shared() if owner is None else self.release_exclusive()
            else:
                with contextlib.suppress(ValueError):  # _grant may have dropped it already
                    self._waiting.remove(entry)
                self._grant()  # a transaction behind a cancelled one may now go
            raise

    def release_shared(self) -> None:
        self._shared -= 1
        self._grant()

    def release_exclusive(self) -> None:
        self._exclusive = None
        self._grant()

    def _grant(self) -> None:
        """Let in the head of the queue: every statement up to the next transaction, or that
        transaction once nothing else runs."""
        while self._waiting and self._exclusive is None:
            future, owner = self._waiting[0]
            if future.done():  # cancelled while waiting
                self._waiting.popleft()
                continue
            if owner is None:
                self._waiting.popleft()
                self._shared += 1
                future.set_result(None)
            elif self._shared == 0:
                self._waiting.popleft()
                self._exclusive = owner
                future.set_result(None)
            else:
                return


class _Batch:
    """Rows for one statement, sent together (:meth:`Database.execute_batched`)."""

    __slots__ = ("done", "rows")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.rows: list[Params] = []
        # Set to {row index: its error} (empty when all went well) once every row was tried.
        self.done: asyncio.Future[dict[int, Exception]] = loop.create_future()


_IN_TRANSACTION: contextvars.ContextVar[object | None] = contextvars.ContextVar("in_transaction", default=None)


class Database:
    """A single aiosqlite connection: single statements side by side, transactions alone.

    One connection is enough for a bot (SQLite has one writer anyway); the gate keeps a
    transaction's statements from interleaving with anything else on it.
    """

    def __init__(self, conn: aiosqlite.Connection, path: str, raw: sqlite3.Connection | None = None) -> None:
        self._conn = conn
        self._raw = raw  # the sqlite3 connection under ``conn``: inline transactions use it
        self.path = path
        self._gate = _Gate()
        # Why the last write failed while the database cannot be written, else None (/healthz).
        self.unwritable: str | None = None
        self._batches: dict[str, _Batch] = {}  # execute_batched: the open batch per statement
        self._flushing: set[asyncio.Task[None]] = set()

    def _wrote(self, error: BaseException | None) -> None:
        """Note a write that failed for want of a writable database (cleared by probe_write:
        a transaction that commits may have written nothing)."""
        if error is not None and is_write_failure(error):
            if self.unwritable is None:
                log.error("the database cannot be written: %s", error)
            self.unwritable = str(error)

    async def probe_write(self) -> bool:
        """Try one small write (while the database is known to be unwritable): True if it worked."""
        try:
            async with self.transaction() as tx:
                # A new value each time: SQLite writes nothing for an update that changes nothing.
                await tx.execute("INSERT INTO write_probe (id, n) VALUES (1, random())"
                                 " ON CONFLICT (id) DO UPDATE SET n = excluded.n")
        except Exception:
            return False
        return True

    @classmethod
    async def open(cls, path: str | Path, *, migrate: bool = True) -> Database:
        if str(path) != ":memory:":
            make_private(Path(path))
        # The file is opened here, before aiosqlite starts its thread: when aiosqlite itself
        # fails to open it, it raises while its thread is still stopping, and that thread,
        # finding the caller's event loop closed by then, dies with a traceback on stderr.
        raw = await asyncio.to_thread(sqlite3.connect, str(path), isolation_level=None, check_same_thread=False)
        conn = await aiosqlite.Connection(lambda: raw, 64)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA busy_timeout = 5000")
            if str(path) != ":memory:":
                await conn.execute("PRAGMA journal_mode = WAL")
                await conn.execute("PRAGMA synchronous = NORMAL")
                make_private(Path(path))  # the -wal and -shm files WAL mode has just made
            db = cls(conn, str(path), raw)
            if migrate:
                await db.migrate()
        except BaseException:
            await conn.close()  # its thread ends before the caller goes on
            raise
        return db

    async def close(self) -> None:
        async with self._exclusive():
            await self._conn.close()

    @contextlib.asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[object]:
        self._refuse_inside_transaction()
        owner = object()
        await self._gate.acquire_exclusive(owner)
        token = _IN_TRANSACTION.set(owner)
        try:
            yield owner
        finally:
            _IN_TRANSACTION.reset(token)
            self._gate.release_exclusive()

    @contextlib.asynccontextmanager
    async def _shared(self) -> AsyncIterator[None]:
        self._refuse_inside_transaction()
        await self._gate.acquire_shared()
        try:
            yield
        finally:
            self._gate.release_shared()

    def _refuse_inside_transaction(self) -> None:
        # Waiting for the gate from inside the transaction that holds it would hang forever.
        held = _IN_TRANSACTION.get()
        if held is not None and held is self._gate.holder:
            raise RuntimeError("database used outside the open transaction; use the Transaction (tx) inside it")

    @contextlib.asynccontextmanager
    async def transaction(self, *, inline: bool = False) -> AsyncIterator[Transaction]:
        """BEGIN IMMEDIATE … COMMIT, alone on the connection; ``inline``: see :class:`Transaction`."""
        async with self._exclusive():
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
            except Exception as error:
                self._wrote(error)
                raise
            try:
                yield Transaction(self._conn, self._raw if inline else None)
            except BaseException as error:
                self._wrote(error)
                await self._rollback()
                raise
            try:
                await self._conn.execute("COMMIT")
            except BaseException as error:
                # A failed COMMIT (disk full) may leave the transaction open: without a rollback
                # every later BEGIN would fail, also once the disk has room again.
                self._wrote(error)
                await self._rollback()
                raise

    async def transaction_in_one_trip(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """BEGIN IMMEDIATE, ``work(connection)`` and COMMIT in one trip to the connection's
        thread, alone on the connection. For short, hot transactions whose statements need no
        answer in between (the outbox sender's outcomes, written at every send): each trip
        costs the event loop's thread more than the statements cost SQLite."""
        raw = self._raw
        assert raw is not None  # Database.open always hands it in

        def run() -> T:
            raw.execute("BEGIN IMMEDIATE")
            try:
                result = work(raw)
                raw.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (disk full) may leave the transaction open; SQLite may also
                # have rolled back by itself.
                with contextlib.suppress(sqlite3.Error):
                    raw.execute("ROLLBACK")
                raise
            return result

        async with self._exclusive():
            try:
                # aiosqlite's own way to run a call on its thread (it has no public one).
                return await self._conn._execute(run)
            except BaseException as error:
                self._wrote(error)
                raise

    async def _rollback(self) -> None:
        import sqlite3

        with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back by itself
            await self._conn.execute("ROLLBACK")

    # Single statements outside an explicit transaction are atomic on their own.
    async def execute(self, sql: str, params: Params = ()) -> None:
        """One statement, atomic on its own.

        Through ``execute_fetchall``: the cursor is made and dropped on the connection's
        thread. A cursor handed back to the event loop's thread (``Connection.execute``)
        resets its statement there whenever it is freed, and Python's sqlite3 may have given
        that cached statement to the next cursor with the same SQL, running on the other
        thread by then: SQLite answers that with "bad parameter or other API misuse"."""
        async with self._shared():
            try:
                await self._conn.execute_fetchall(sql, params)
            except Exception as error:
                self._wrote(error)
                raise

    async def execute_batched(self, sql: str, params: Params) -> None:
        """One statement, atomic on its own, sent together with the same statement from every
        other task in this turn of the event loop: one ``executemany``, one trip to the
        connection's thread for all of them instead of one each (each step of a report saves
        its draft; hundreds of residents at once would otherwise queue a trip each).

        Returns once this row is written; raises this row's error. Only for statements that
        may run twice with the same effect (an upsert): when the batch fails, the rows before
        the failing one are written already, and every row is then tried alone, so that each
        caller gets its own outcome."""
        async with self._shared():  # held until the batch is done: no transaction cuts in
            batch = self._batches.get(sql)
            if batch is None:
                loop = asyncio.get_running_loop()
                batch = self._batches[sql] = _Batch(loop)
                loop.call_soon(self._start_batch, sql, batch)
            index = len(batch.rows)
            batch.rows.append(params)
            errors = await asyncio.shield(batch.done)
        if index in errors:
            raise errors[index]

    def _start_batch(self, sql: str, batch: _Batch) -> None:
        if self._batches.get(sql) is batch:
            del self._batches[sql]  # later rows start a new batch
        task = asyncio.get_running_loop().create_task(self._run_batch(sql, batch))
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _run_batch(self, sql: str, batch: _Batch) -> None:
        errors: dict[int, Exception] = {}
        try:
            try:
                if len(batch.rows) == 1:
                    await self._conn.execute_fetchall(sql, batch.rows[0])
                else:
                    cursor = await self._conn.executemany(sql, batch.rows)
                    await cursor.close()  # on the connection's thread: see execute
            except Exception as error:
                self._wrote(error)
                if len(batch.rows) == 1:
                    errors[0] = error
                else:
                    for index, row in enumerate(batch.rows):
                        try:
                            await self._conn.execute_fetchall(sql, row)
                        except Exception as row_error:
                            self._wrote(row_error)
                            errors[index] = row_error
        except BaseException as error:  # cancelled (shutting down): nobody waits in vain
            if not batch.done.done():
                batch.done.set_exception(error)
            raise
        if not batch.done.done():
            batch.done.set_result(errors)

    async def execute_returning(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """One writing statement with a RETURNING clause, atomic on its own, and its first row:
        a write and the read of what it wrote in one trip to the connection's thread, where a
        transaction of the two would take four (BEGIN, write, read, COMMIT)."""
        async with self._shared():
            try:
                rows = await self._conn.execute_fetchall(sql, params)
            except Exception as error:
                self._wrote(error)
                raise
        return next(iter(rows), None)

    async def insert(self, sql: str, params: Params = ()) -> int:
        async with self._shared():
            try:
                row = await self._conn.execute_insert(sql, params)
            except Exception as error:
                self._wrote(error)
                raise
        assert row is not None and row[0] is not None
        return int(row[0])

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self._shared():
            rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._shared():
            return list(await self._conn.execute_fetchall(sql, params))

    async def ping(self) -> None:
        """Raises when the database cannot answer (the health check)."""
        await self.fetchone("SELECT 1")

    async def schema_version(self) -> int:
        row = await self.fetchone(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        )
        if row is None:
            return 0
        row = await self.fetchone("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        return int(row[0]) if row else 0

    async def migrate(self, migrations: list[Migration] | None = None) -> list[int]:
        """Apply every migration not yet recorded; return the versions applied now."""
        migrations = load_migrations() if migrations is None else migrations
        await self.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {int(r[0]) for r in await self.fetchall("SELECT version FROM schema_version")}
        applied: list[int] = []
        for migration in migrations:
            if migration.version in done:
                continue
            async with self.transaction() as tx:
                for statement in split_sql(migration.sql):
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, to_db_time(utcnow())),
                )
            log.info("applied migration %04d_%s", migration.version, migration.name)
            applied.append(migration.version)
        return applied


def split_sql(script: str) -> list[str]:
    """Split a migration script into statements (executescript would commit on its own)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if buffer.strip().endswith(";") and aiosqlite_complete(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def aiosqlite_complete(sql: str) -> bool:
    import sqlite3

    return sqlite3.complete_statement(sql)
