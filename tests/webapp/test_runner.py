"""The running bot serves the Mini App: on the webhook's own server in webhook mode, on the
configured port in polling mode (bot.app.runner.serve, as `buurtwacht run` does)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from bot.app.application import build_application
from bot.app.runner import serve
from bot.config.schema import Config, WebAppConfig, WebhookConfig
from bot.delivery.sender import Limits
from bot.runtime.services import create_services
from tests.conftest import RecordingRequest, test_config
from tests.ops.test_ops import free_port
from tests.webapp.helpers import RESIDENT, signed

SECRET = "s3cret-token-for-the-webhook"


async def running(config: Config, check: object) -> None:
    services = await create_services(config)
    app = build_application(config, "123:TEST", services=services, request=RecordingRequest(),
                            get_updates_request=RecordingRequest(), sender_limits=Limits(time_scale=1e6),
                            start_sender=False)
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(config, "123:TEST", app=app, stop=stop, started=started))
    try:
        await asyncio.wait_for(started.wait(), 30)
        await check(services)  # type: ignore[operator]
    finally:
        stop.set()
        await task


async def test_webhook_mode_serves_the_mini_app_under_the_webhook(tmp_path: Path) -> None:
    port = free_port()
    config = test_config(
        tmp_path, webhook=WebhookConfig("127.0.0.1", port, "/telegram", "https://bot.example.nl/telegram", SECRET),
        webapp=WebAppConfig(url="https://bot.example.nl/webapp/", port=free_port(), tiles=""))

    async def check(services: object) -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            assert "static/app.js" in (await http.get("/webapp/")).text
            assert (await http.get("/webapp/api/session")).status_code == 401
            assert (await http.get("/webapp/api/session", headers=signed(services, RESIDENT))).status_code == 200  # type: ignore[arg-type]
            assert (await http.post("/telegram", json={})).status_code == 403  # the webhook still wants its secret

    await running(config, check)


async def test_polling_mode_serves_the_mini_app_on_its_port(tmp_path: Path) -> None:
    port = free_port()
    config = test_config(tmp_path, webapp=WebAppConfig(url="https://kaart.example.nl/buurtwacht/", port=port,
                                                       tiles=""))

    async def check(services: object) -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            assert "static/app.js" in (await http.get("/buurtwacht/")).text
            assert (await http.get("/buurtwacht/api/incidents")).status_code == 401

    await running(config, check)
