"""Running the bot for real: polling (default) or webhook, health endpoint, clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import Application

from bot.app.application import build_application
from bot.config.schema import Config

log = logging.getLogger(__name__)

EXIT_OK, EXIT_CONFIG, EXIT_CONFLICT, EXIT_LOCKED, EXIT_UNAVAILABLE = 0, 2, 3, 4, 5
# Once asked to stop, the process ends within this many seconds even if a send, the database
# or a library hangs: SIGTERM always ends it (systemd's default TimeoutStopSec is 90 s).
STOP_WITHIN = 20.0
TOKEN_REFUSED = ("Telegram refused the token (401 Unauthorized): it was revoked or is wrong; "
                 "set BUURTWACHT_TOKEN to the current one from @BotFather")


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
    if not database.parent.is_dir():
        return False  # no folder, no bot running there (and no lock file to make)
    handle = acquire_lock(database)
    if handle is None:
        return True
    handle.close()
    return False


class _TelegramLogs(logging.Filter):
    """PTB's own log records about Telegram errors, made one line each. Its polling loop gives
    up on a 401 with a traceback and leaves the process running, silent and "healthy": that is
    turned into the fatal condition it is. A 409 was already said once by ``polling_error``."""

    LOGGERS = ("telegram.ext", "telegram.ext.Updater", "telegram.ext.Application")

    def __init__(self, fatal: Callable[[int, str], object]) -> None:
        super().__init__()
        self.fatal = fatal

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, InvalidToken):
            self.fatal(EXIT_CONFIG, TOKEN_REFUSED)
            return False
        if isinstance(error, Conflict):
            return False
        if isinstance(error, TelegramError):
            record.msg, record.args = f"{record.getMessage()} ({type(error).__name__})", None
            record.exc_info, record.exc_text = None, None
        return True

    def attach(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).addFilter(self)

    def detach(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeFilter(self)


def _hard_exit(code: int) -> None:
    log.error("stopping took longer than %.0f s; exiting now", STOP_WITHIN)
    logging.shutdown()
    os._exit(code or EXIT_UNAVAILABLE)


def run_bot(config: Config, token: str) -> int:
    try:
        lock = acquire_lock(config.database)
    except OSError as error:
        log.error("cannot use the database %s: %s", config.database, error.strerror or error)
        return EXIT_UNAVAILABLE
    if lock is None:
        log.error("another Buurtwacht process is using %s; stop it first", config.database)
        return EXIT_LOCKED
    deadline: list[threading.Timer] = []

    def stopping(code: int) -> None:
        """From the moment the bot starts to stop, the process has STOP_WITHIN seconds to end."""
        if not deadline:
            timer = threading.Timer(STOP_WITHIN, _hard_exit, args=(code,))
            timer.daemon = True
            timer.start()
            deadline.append(timer)

    try:
        return asyncio.run(serve(config, token, stopping=stopping))
    finally:
        lock.close()


def _startup_failure(config: Config, error: BaseException) -> tuple[int, str]:
    """The exit code and the one line for what stopped the bot from starting."""
    from bot.config.schema import ConfigError

    if isinstance(error, ConfigError):
        return EXIT_CONFIG, f"config error: {error}"
    if isinstance(error, InvalidToken):
        return EXIT_CONFIG, "Telegram refused the token in BUURTWACHT_TOKEN; check it with @BotFather"
    if isinstance(error, TimedOut | NetworkError):
        return EXIT_UNAVAILABLE, f"cannot reach Telegram at {config.api_url}: {error}"
    if isinstance(error, sqlite3.Error):
        return EXIT_UNAVAILABLE, f"cannot use the database {config.database}: {error}"
    if isinstance(error, OSError):
        return EXIT_UNAVAILABLE, f"cannot start: {error.strerror or error}" + (
            f" ({error.filename})" if error.filename else "")
    from bot.core.logs import describe_exception

    return EXIT_UNAVAILABLE, f"cannot start: {describe_exception(error)}"


async def serve(config: Config, token: str, *, app: Application[Any, Any, Any, Any, Any, Any] | None = None,
                stop: asyncio.Event | None = None, started: asyncio.Event | None = None,
                stopping: Callable[[int], None] | None = None) -> int:
    """Run until SIGTERM/SIGINT (or ``stop``, or a fatal condition); returns the process exit
    code. ``stopping`` is told when the stop begins (the real process arms its deadline)."""
    stop = stop or asyncio.Event()
    outcome = {"code": EXIT_OK}
    loop = asyncio.get_running_loop()

    def fatal(code: int, reason: str) -> None:
        """One line saying why, then a stop with a non-zero exit code."""
        if outcome["code"] == EXIT_OK:
            outcome["code"] = code
            log.error("%s", reason)
        stop.set()

    def signalled() -> None:
        if stop.is_set() and stopping is not None:
            _hard_exit(outcome["code"] or EXIT_OK)  # a second signal: no more waiting
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, signalled)

    telegram_logs = _TelegramLogs(lambda code, reason: loop.call_soon_threadsafe(fatal, code, reason))
    telegram_logs.attach()

    def polling_error(error: TelegramError) -> None:
        if isinstance(error, Conflict):
            # Two pollers on one token fight forever; one clear line and a clean stop instead.
            log.error("another bot instance is already polling with this token (409 Conflict); stopping")
            outcome["code"] = EXIT_CONFLICT
            stop.set()
        else:
            log.warning("polling problem: %s", type(error).__name__)

    health = None
    webapp: Any = None
    try:
        if app is None:
            # The database and the polygons first: a broken one is said before Telegram is asked.
            from bot.runtime.services import create_services

            app = build_application(config, token, services=await create_services(config))
        app.bot_data.fatal = fatal
        await app.initialize()
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
        if config.webapp is not None:  # the Mini App: on the webhook's server, or its own port
            from bot.webapp.server import start_webapp

            webapp = await start_webapp(app.bot_data.services, token, app.updater)
        await app.start()
        log.info("Buurtwacht is running (%s)", "webhook" if config.webhook else "polling")
        if started is not None:
            started.set()
        await stop.wait()
    except Exception as error:  # a start that fails ends in one line, not a traceback
        code, reason = _startup_failure(config, error)
        fatal(code, reason)
    finally:
        if stopping is not None:
            stopping(outcome["code"])
        if webapp is not None:
            await webapp.stop()
        if app is not None:
            log.info("stopping: finishing the send in flight and closing the database")
            await _shut_down(app, health)
        telegram_logs.detach()
    return outcome["code"]


async def _shut_down(app: Application[Any, Any, Any, Any, Any, Any], health: Any) -> None:
    """Each step on its own: one that fails (a 401 from the last poll, a database that went
    away) must not keep the others from running, nor print a traceback."""
    from bot.core.logs import describe_exception

    async def step(name: str, action: Callable[[], Any]) -> None:
        try:
            await action()
        except InvalidToken:
            pass  # said once already, as the reason to stop
        except (TelegramError, sqlite3.Error, OSError) as error:
            log.warning("while stopping (%s): %s", name, type(error).__name__)
        except Exception as error:
            log.warning("while stopping (%s): %s", name, describe_exception(error))

    if app.updater is not None and app.updater.running:
        await step("updates", app.updater.stop)
    if app.running:
        await step("application", app.stop)
    if app.post_stop is not None:
        await step("sender", lambda: app.post_stop(app))  # type: ignore[misc]
    if health is not None:
        await step("health endpoint", health.stop)
    if app._initialized:  # shutdown() refuses an application never initialised
        await step("shutdown", app.shutdown)
    if app.post_shutdown is not None:
        await step("database", lambda: app.post_shutdown(app))  # type: ignore[misc]
