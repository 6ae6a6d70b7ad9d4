"""/healthz and /metrics on a small HTTP server (its own port, in polling and webhook mode)."""

from __future__ import annotations

import json
import socket
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.metrics import REGISTRY
from bot.services import Services
from storage import outbox


async def health_report(services: Services) -> tuple[int, dict[str, Any]]:
    try:
        await services.db.ping()
        database_ok = True
        depth = await outbox.depth(services.db)
    except Exception:  # the point of a health check: any failure is "not healthy"
        database_ok, depth = False, -1
    sender = services.sender
    last_update = services.extras.get("last_update_at")
    report = {
        "status": "ok" if database_ok else "degraded",
        "database": "ok" if database_ok else "unreachable",
        "last_update_received": last_update.isoformat() if last_update else None,
        "outbox_depth": depth,
        "last_successful_send": sender.stats.last_success.isoformat() if sender and sender.stats.last_success else None,
    }
    return (200 if database_ok else 503), report


async def metrics_text(services: Services) -> str:
    extra: dict[str, float] = {}
    try:
        extra["buurtwacht_outbox_depth"] = float(await outbox.depth(services.db))
    except Exception:
        extra["buurtwacht_outbox_depth"] = -1.0
    sender = services.sender
    if sender is not None:
        extra["buurtwacht_deliveries_sent_total"] = sender.stats.sent
        extra["buurtwacht_deliveries_failed_total"] = sender.stats.failed
        extra["buurtwacht_deliveries_retried_total"] = sender.stats.retried
        extra["buurtwacht_telegram_429_total"] = sender.stats.rate_limited
    return REGISTRY.render(extra)


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
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(await metrics_text(self.services))


class HealthServer:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._server: tornado.httpserver.HTTPServer | None = None
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        app = tornado.web.Application([
            (r"/healthz", HealthHandler, {"services": self.services}),
            (r"/metrics", MetricsHandler, {"services": self.services}),
        ], log_function=lambda handler: None)
        sockets = tornado.netutil.bind_sockets(port, host, family=socket.AF_INET)
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
