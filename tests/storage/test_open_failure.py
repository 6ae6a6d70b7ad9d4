"""A database that cannot be opened (its path is a directory, say) fails in the caller, and
leaves no aiosqlite worker thread behind to report on a closed event loop.

aiosqlite opens the file on its own thread; when that fails it queues a stop for the thread
and raises. The caller (``buurtwacht run``) then ends its event loop, and the thread, finishing
the stop a moment later, cannot hand back its result: "Exception in thread … Event loop is
closed" with a traceback, now and then, under load (tests/faults/test_fatal.py)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from storage.db import Database


def workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]


def test_a_failed_open_leaves_no_thread_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bot.db").mkdir()
    uncaught: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: uncaught.append(args.exc_value))
    before = set(workers())

    async def open_it() -> list[threading.Thread]:
        with pytest.raises(sqlite3.OperationalError):
            await Database.open(tmp_path / "bot.db")
        return [t for t in workers() if t not in before and t.is_alive()]

    for _ in range(20):
        left = asyncio.run(open_it())
        assert left == [], "a worker thread outlived the failed open"
    for thread in set(workers()) - before:
        thread.join(timeout=10)
    assert uncaught == []
