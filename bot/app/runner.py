"""Running the bot for real: polling (default) or webhook, health endpoint, clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
from pathlib import Path
from typing import IO, Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import Application

from bot.app.application import build_application
from bot.config.schema import Config

log = logging.getLogger(__name__)

EXIT_OK, EXIT_CONFIG, EXIT_CONFLICT, EXIT_LOCKED = 0, 2, 3, 4


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def acquire_lock(database: Path) -> IO[str] | None:
    """An exclusive lock next to the database while the bot runs; None if another process has it."""
    handle = lock_path(database).open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def is_locked(database: Path) -> bool:
    handle = acquire_lock(database)
    if handle is None:
        return True
    handle.close()
    return False


class _DropConflictTracebacks(logging.Filter):
    """PTB logs the 409 again (with a traceback) while it stops polling; we said it once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], Conflict))


def run_bot(config: Config, token: str) -> int:
    lock = acquire_lock(config.database)
    if lock is None:
        log.error("another Buurtwacht process is using %s; stop it first", config.database)
        return EXIT_LOCKED
    try:
        return asyncio.run(serve(config, token))
    finally:
        lock.close()


async def serve(config: Config, token: str, *, app: Application[Any, Any, Any, Any, Any, Any] | None = None,
                stop: asyncio.Event | None = None, started: asyncio.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or ``stop``); returns the process exit code."""
    app = app or build_application(config, token)
    stop = stop or asyncio.Event()
    outcome = {"code": EXIT_OK}
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)

    conflict_filter = _DropConflictTracebacks()
    updater_log = logging.getLogger("telegram.ext.Updater")
    updater_log.addFilter(conflict_filter)

    def polling_error(error: TelegramError) -> None:
        if isinstance(error, Conflict):
            # Two pollers on one token fight forever; one clear line and a clean stop instead.
            log.error("another bot instance is already polling with this token (409 Conflict); stopping")
            outcome["code"] = EXIT_CONFLICT
            stop.set()
        else:
            log.warning("polling problem: %s", type(error).__name__)

    try:
        await app.initialize()
    except InvalidToken:
        log.error("Telegram refused the token in BUURTWACHT_TOKEN; check it with @BotFather")
        return EXIT_CONFIG
    health = None
    try:
        assert app.post_init is not None and app.updater is not None
        await app.post_init(app)
        if config.health_port is not None:
            from bot.runtime.health import HealthServer

            health = HealthServer(app.bot_data.services)
            port = await health.start(config.health_listen, config.health_port)
            log.info("health endpoint on http://%s:%d/healthz", config.health_listen, port)
        if config.webhook is not None:
            webhook = config.webhook
            await app.updater.start_webhook(
                listen=webhook.listen, port=webhook.port, url_path=webhook.path.lstrip("/"),
                webhook_url=webhook.url, secret_token=webhook.secret_token, allowed_updates=Update.ALL_TYPES,
            )
        else:
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, error_callback=polling_error)
        await app.start()
        log.info("Buurtwacht is running (%s)", "webhook" if config.webhook else "polling")
        if started is not None:
            started.set()
        await stop.wait()
    finally:
        log.info("stopping: finishing the send in flight and closing the database")
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        if health is not None:
            await health.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        updater_log.removeFilter(conflict_filter)
    return outcome["code"]
