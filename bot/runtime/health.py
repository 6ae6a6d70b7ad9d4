"""/healthz and /metrics on a small HTTP server (its own port, in polling and webhook mode)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import tornado.web

from bot.runtime.http import LocalHttpServer
from bot.runtime.metrics import SendPathsCollector, exposition
from bot.runtime.services import Services
from storage import outbox


def _send_paths(services: Services) -> dict[str, Any]:
    """The two ways the bot talks to Telegram: the outbox sender and the direct replies."""
    paths: dict[str, Any] = {}
    if services.sender is not None:
        paths["outbox"] = services.sender.stats
    if (interactive := services.interactive_stats) is not None:
        paths["interactive"] = interactive
    return paths


def last_successful_send(services: Services) -> dt.datetime | None:
    times = [stats.last_success for stats in _send_paths(services).values() if stats.last_success is not None]
    return max(times) if times else None


async def health_report(services: Services) -> tuple[int, dict[str, Any]]:
    try:
        await services.db.ping()
        database_ok = True
        depth = await outbox.depth(services.db)
    except Exception:  # the point of a health check: any failure is "not healthy"
        database_ok, depth = False, -1
    last_update = services.last_update_at
    last_send = last_successful_send(services)
    sender = services.sender
    # Rows wait on a Telegram that fails (5xx, network, timeouts): the bot itself is fine and
    # retries them, so the answer stays 200, but whoever watches must know.
    telegram_failing = sender is not None and sender.waiting_on_telegram
    report = {
        "status": "ok" if database_ok and not telegram_failing else "degraded",
        "database": "ok" if database_ok else "unreachable",
        "telegram": (f"failing since {sender.failing_since.isoformat()}; messages wait and are retried"
                     if telegram_failing and sender is not None and sender.failing_since else "ok"),
        "last_update_received": last_update.isoformat() if last_update else None,
        "outbox_depth": depth,
        "last_successful_send": last_send.isoformat() if last_send else None,
    }
    if database_ok and services.db.unwritable is not None and not await services.db.probe_write():
        # Reads work, writes do not (a full disk, a read-only file): reports cannot be saved.
        database_ok = False
        report["status"] = "failing"
        report["database"] = f"not writable: {services.db.unwritable}"
    return (200 if database_ok else 503), report


async def send_paths_collector(services: Services) -> SendPathsCollector:
    """The outbox and sender figures as they are now (one database query for the depth)."""
    try:
        depth = float(await outbox.depth(services.db))
    except Exception:
        depth = -1.0
    return SendPathsCollector(_send_paths(services), depth, last_successful_send(services))


class HealthHandler(tornado.web.RequestHandler):
    def initialize(self, services: Services) -> None:
        self.services = services

    async def get(self) -> None:
        status, report = await health_report(self.services)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(report))


class MetricsHandler(tornado.web.RequestHandler):
    def initialize(self, services: Services) -> None:
        self.services = services

    async def get(self) -> None:
        body, content_type = exposition(await send_paths_collector(self.services), self.request.headers.get("Accept"))
        self.set_header("Content-Type", content_type)
        self.finish(body)


class HealthServer(LocalHttpServer):
    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        app = tornado.web.Application([
            (r"/healthz", HealthHandler, {"services": self.services}),
            (r"/metrics", MetricsHandler, {"services": self.services}),
        ], log_function=lambda handler: None)
        return await self.serve(app, host, port)
