"""Whole-file care of the SQLite database from the command line: backup, verify, restore.

These run in the CLI process beside (or instead of) the bot, so they use the standard
``sqlite3`` module on their own connection rather than the bot's aiosqlite one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

# The database holds reports, addresses and Telegram ids: a copy is for the service user only,
# whatever the umask of the shell that made it.
PRIVATE_FILE_MODE = 0o600


class OperationError(Exception):
    """A refusal or failure with a message for the operator."""


def backup(database: Path, target: Path) -> int:
    """A consistent copy of the live database (SQLite's online backup API); returns its pages."""
    if not database.exists():
        raise OperationError(f"database not found: {database}")
    if target.exists():
        raise OperationError(f"{target} exists already; choose a new file name")
    # Created empty with mode 0600 before SQLite opens it, so the copy is never readable by others.
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        raise OperationError(f"{target} exists already; choose a new file name") from None
    except OSError as error:  # a missing directory, no permission, a read-only file system
        raise OperationError(f"cannot write {target}: {error.strerror or type(error).__name__}") from None
    os.chmod(target, PRIVATE_FILE_MODE)  # O_CREAT's mode is filtered by the umask; 0600 is what we want
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as source, \
                contextlib.closing(sqlite3.connect(target)) as destination:
            # In steps, so a busy bot is not blocked for the whole copy.
            source.backup(destination, pages=256)
            pages = destination.execute("PRAGMA page_count").fetchone()[0]
    except BaseException:
        target.unlink(missing_ok=True)  # no half-written backup that looks like a good one
        raise
    return int(pages)


def verify(path: Path) -> int:
    """integrity_check and a schema version, or OperationError; returns the schema version."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise OperationError(f"{path} fails the integrity check: {result}")
            version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise OperationError(f"{path} is not a Buurtwacht database: {error}") from None
    return int(version or 0)


def restore(backup_file: Path, database: Path, *, bot_running: bool) -> int:
    if bot_running:
        raise OperationError("the bot is running on this database; stop it before restoring")
    if not backup_file.exists():
        raise OperationError(f"backup not found: {backup_file}")
    version = verify(backup_file)
    # Copy next to the live file first and swap it in with one rename: an interrupted restore
    # (disk full, Ctrl-C) leaves the old database whole instead of half overwritten.
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{database.name}.restore-", dir=database.parent)
    except OSError as error:  # a missing directory, no permission, a read-only file system
        raise OperationError(f"cannot write {database}: {error.strerror or type(error).__name__}") from None
    try:
        with os.fdopen(handle, "wb") as copy, backup_file.open("rb") as original:
            shutil.copyfileobj(original, copy)
            copy.flush()
            os.fsync(copy.fileno())
        os.chmod(temporary, PRIVATE_FILE_MODE)
        _keep_owner(database, temporary)
        # The old journal belongs to the old file: it must not be replayed onto the restored one.
        for suffix in ("-wal", "-shm"):
            Path(str(database) + suffix).unlink(missing_ok=True)
        os.replace(temporary, database)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(database.parent)
    return version


def _keep_owner(live: Path, replacement: str) -> None:
    """A restore run with sudo must not leave a root-owned database the service cannot open:
    the new file gets the owner of the one it replaces (possible as root or as that owner)."""
    try:
        stat = live.stat()
    except FileNotFoundError:
        return
    with contextlib.suppress(PermissionError):
        os.chown(replacement, stat.st_uid, stat.st_gid)


def _fsync_directory(path: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
