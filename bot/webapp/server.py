"""The Mini App on tornado (the server python-telegram-bot's webhook extra brings).

Webhook mode: the routes are added to the webhook's own tornado application, so the Mini App
is served under the webhook's host and port. Polling mode: a small server of its own on
``[webapp] listen``:``port`` (as bot.runtime.health does for /healthz).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.core.i18n import supported, translator
from bot.runtime.http import LocalHttpServer
from bot.runtime.services import Services
from bot.webapp.initdata import InitDataRefused, WebAppUser, validate
from bot.webapp.service import Refused, Viewer, WebApp
from bot.webapp.texts import ui_texts

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY = 16 * 1024
AUTH_SCHEME = "tma"  # Authorization: tma <initData>
ID = r"([0-9]{1,12})"


class _Shared:
    """What every handler needs: the service, the token that signs initData, the CSP."""

    def __init__(self, web: WebApp, token: str) -> None:
        self.web = web
        self.token = token
        config = web.services.config.webapp
        tiles = config.tiles if config else ""
        tile_origin = re.match(r"https://[^/{}]+", tiles.replace("{s}.", "")) if tiles else None
        img = "'self' data:" + (f" {tile_origin[0]} https://*.{tile_origin[0][8:]}" if tile_origin else "")
        self.csp = ("default-src 'self'; script-src 'self' https://telegram.org; style-src 'self' 'unsafe-inline'; "
                    f"img-src {img}; connect-src 'self'; frame-ancestors https://web.telegram.org https://*.telegram.org "
                    "'self'; base-uri 'none'; form-action 'none'")


class _Base(tornado.web.RequestHandler):
    shared: _Shared

    def initialize(self, shared: _Shared) -> None:
        self.shared = shared

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError):
            log.error("Mini App request failed: %s", typ.__name__ if typ else "error", exc_info=(typ, value, tb))


class PageHandler(_Base):
    async def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Security-Policy", self.shared.csp)
        self.set_header("Cache-Control", "no-cache")
        self.finish((STATIC_DIR / "index.html").read_bytes())


class TextsHandler(_Base):
    """The page's words before anyone is signed in (to say "open this from Telegram")."""

    async def get(self) -> None:
        language = supported(self.get_query_argument("language", "")) or self.shared.web.services.config.language
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(ui_texts(translator(language)), ensure_ascii=False))


class StaticHandler(tornado.web.StaticFileHandler):
    def set_extra_headers(self, path: str) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "public, max-age=3600")


class ApiHandler(_Base):
    """Every API call: signed in by Telegram's initData, or 401 and nothing else."""

    user: WebAppUser
    viewer: Viewer

    async def prepare(self) -> None:
        self.set_header("Cache-Control", "no-store")
        header = self.request.headers.get("Authorization", "")
        scheme, _, init_data = header.partition(" ")
        services = self.shared.web.services
        config = services.config.webapp
        max_age = dt.timedelta(minutes=config.max_age_minutes if config else 60)
        try:
            if scheme.lower() != AUTH_SCHEME:
                raise InitDataRefused.missing()
            self.user = validate(init_data.strip(), self.shared.token, now=services.now(), max_age=max_age)
        except InitDataRefused as refused:
            # Only the reason, never the data: it is a credential.
            log.info("Mini App request refused: initData %s", refused.reason.value)
            self.reply(401, {"error": "unauthorized", "reason": refused.reason.value})
            return
        if len(self.request.body or b"") > MAX_BODY:
            self.reply(413, {"error": "too large"})
            return
        self.viewer = await self.shared.web.viewer(self.user)

    def reply(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body, ensure_ascii=False))

    def body_json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(400) from None
        if not isinstance(data, dict):
            raise tornado.web.HTTPError(400)
        return data

    async def answer(self, work: Any) -> None:
        try:
            self.reply(200, await work)
        except Refused as refused:
            self.reply(refused.status, {"error": refused.message})

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.reply(status_code, {"error": self.viewer.t.gettext("Er ging iets mis. Probeer het opnieuw.")
                                 if hasattr(self, "viewer") else "error"})


async def _done(value: dict[str, Any]) -> dict[str, Any]:
    return value


class SessionHandler(ApiHandler):
    async def get(self) -> None:
        await self.answer(self.shared.web.session(self.viewer))


class AreasHandler(ApiHandler):
    async def get(self) -> None:
        web = self.shared.web
        mode = self.get_query_argument("mode", "place")
        await self.answer(web.map_areas(self.viewer) if mode == "map" else web.place_areas(self.viewer))


class LocateHandler(ApiHandler):
    async def post(self) -> None:
        data = self.body_json()
        lat, lon = _coordinate(data.get("lat"), 90), _coordinate(data.get("lon"), 180)
        if lat is None or lon is None:
            raise tornado.web.HTTPError(400)
        await self.answer(_done(self.shared.web.locate(self.viewer, lat, lon)))


def _coordinate(value: object, limit: float) -> float | None:
    """A finite number of degrees within ±limit (JSON allows no NaN here, but check anyway)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if -limit <= number <= limit else None


class IncidentsHandler(ApiHandler):
    async def get(self) -> None:
        await self.answer(self.shared.web.incidents(self.viewer))


class IncidentHandler(ApiHandler):
    async def get(self, incident_id: str) -> None:
        await self.answer(self.shared.web.incident(self.viewer, int(incident_id)))


class ActionHandler(ApiHandler):
    async def post(self, incident_id: str) -> None:
        status = self.body_json().get("status")
        if not isinstance(status, str):
            raise tornado.web.HTTPError(400)
        await self.answer(self.shared.web.act(self.viewer, int(incident_id), status))


class OverviewHandler(ApiHandler):
    async def get(self) -> None:
        await self.answer(self.shared.web.overview(self.viewer, self.get_query_argument("period", "30d")))


def routes(services: Services, token: str, prefix: str = "/webapp/") -> list[tornado.web.URLSpec]:
    """The Mini App's routes under ``prefix`` (which ends in "/")."""
    shared = _Shared(WebApp(services), token)
    p = re.escape(prefix)
    args = {"shared": shared}
    redirect = [tornado.web.url(re.escape(prefix.rstrip("/")), tornado.web.RedirectHandler, {"url": prefix})]
    return [
        *(redirect if prefix != "/" else []),
        tornado.web.url(p, PageHandler, args),
        tornado.web.url(p + "api/texts", TextsHandler, args),
        tornado.web.url(p + "static/(.*)", StaticHandler, {"path": str(STATIC_DIR)}),
        tornado.web.url(p + "api/session", SessionHandler, args),
        tornado.web.url(p + "api/areas", AreasHandler, args),
        tornado.web.url(p + "api/locate", LocateHandler, args),
        tornado.web.url(p + "api/incidents", IncidentsHandler, args),
        tornado.web.url(p + f"api/incidents/{ID}", IncidentHandler, args),
        tornado.web.url(p + f"api/incidents/{ID}/status", ActionHandler, args),
        tornado.web.url(p + "api/overview", OverviewHandler, args),
    ]


class WebAppServer(LocalHttpServer):
    """The Mini App's own server (polling mode, the demo, tests)."""

    def __init__(self, services: Services, token: str, prefix: str = "/webapp/") -> None:
        super().__init__()
        self.services = services
        self.token = token
        self.prefix = prefix

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        app = tornado.web.Application(routes(self.services, self.token, self.prefix), log_function=lambda h: None)
        return await self.serve(app, host, port, max_body_size=MAX_BODY, xheaders=True)


def mount(application: tornado.web.Application, services: Services, token: str, prefix: str) -> None:
    """Add the Mini App's routes to a running tornado application (the webhook's)."""
    application.add_handlers(r".*", routes(services, token, prefix))


def webhook_application(updater: Any) -> tornado.web.Application | None:
    """The tornado application behind python-telegram-bot's webhook server, if reachable.

    PTB does not expose it; its WebhookServer keeps the HTTPServer whose request callback is
    the application. Checked by tests/webapp against the installed PTB."""
    server = getattr(getattr(updater, "_httpd", None), "_http_server", None)
    application = getattr(server, "request_callback", None)
    return application if isinstance(application, tornado.web.Application) else None


async def start_webapp(services: Services, token: str, updater: Any) -> WebAppServer | None:
    """Serve the Mini App as configured: on the webhook's server in webhook mode, else on its own."""
    config = services.config.webapp
    if config is None:
        return None
    if services.config.webhook is not None:
        application = webhook_application(updater)
        if application is not None:
            mount(application, services, token, config.path)
            log.info("Mini App at %s (served by the webhook's server)", config.url)
            return None
        log.warning("could not add the Mini App to the webhook's server; serving it on %s:%d instead",
                    config.listen, config.port)
    server = WebAppServer(services, token, config.path)
    port = await server.start(config.listen, config.port)
    log.info("Mini App at %s (listening on %s:%d)", config.url, config.listen, port)
    return server
