"""Whole-file care of the SQLite database from the command line: backup, verify, restore.

These run in the CLI process beside (or instead of) the bot, so they use the standard
``sqlite3`` module on their own connection rather than the bot's aiosqlite one.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path


class OperationError(Exception):
    """A refusal or failure with a message for the operator."""


def backup(database: Path, target: Path) -> int:
    """A consistent copy of the live database (SQLite's online backup API); returns its pages."""
    if not database.exists():
        raise OperationError(f"database not found: {database}")
    if target.exists():
        raise OperationError(f"{target} exists already; choose a new file name")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        # In steps, so a busy bot is not blocked for the whole copy.
        source.backup(destination, pages=256)
        pages = destination.execute("PRAGMA page_count").fetchone()[0]
    finally:
        destination.close()
        source.close()
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
    for suffix in ("-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup_file, database)
    return version
