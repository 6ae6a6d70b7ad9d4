"""One small HTTP server on a local socket, as /healthz, /metrics and the Mini App use it."""

from __future__ import annotations

import socket
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web


class LocalHttpServer:
    """A tornado application on one IPv4 socket: port 0 picks a free port (tests, the demo)."""

    def __init__(self) -> None:
        self._server: tornado.httpserver.HTTPServer | None = None
        self.port = 0

    async def serve(self, app: tornado.web.Application, host: str, port: int, **options: Any) -> int:
        sockets = tornado.netutil.bind_sockets(port, host, family=socket.AF_INET)
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app, **options)
        self._server.add_sockets(sockets)
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
