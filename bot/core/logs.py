"""Logging: one line per event, level and logger name, never personal data."""

from __future__ import annotations

import json
import logging
import sys
import traceback

# Libraries whose chatty levels carry what people wrote, so they never log below these
# levels, whatever --log-level says:
# - aiosqlite logs every statement *with its parameters* at DEBUG: descriptions, names,
#   usernames, addresses, phone numbers typed into a report.
# - telegram (python-telegram-bot) logs every Bot API call with its parameters and every
#   incoming update at DEBUG: message texts, names and shared phone numbers.
# - httpx logs every request URL at INFO, and the URL holds the bot token; httpcore logs
#   request headers and bodies at DEBUG.
# - apscheduler logs every job run at INFO: noise, one line per minute per job.
LIBRARY_FLOORS: dict[str, int] = {
    "aiosqlite": logging.INFO,
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def quiet_libraries(level: int | str) -> None:
    """Hold the libraries in LIBRARY_FLOORS at their floor, or at ``level`` when that is higher."""
    chosen = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(chosen, int):
        chosen = logging.INFO
    for name, floor in LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, chosen))


def configure(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    quiet_libraries(level)


def describe_exception(error: BaseException) -> str:
    """An exception for the log without its message: types and code locations only.

    Messages often quote the data that broke them ("invalid literal for int(): '…'", a SQL
    parameter, a Bot API answer about a text), and that data is what people wrote.
    """
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)
        where = " <- ".join(f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} in {frame.name}"
                            for frame in reversed(frames))
        parts.append(f"{type(current).__module__}.{type(current).__qualname__}" + (f" at {where}" if where else ""))
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "; caused by ".join(parts)
