"""Running it for a municipality: webhook, health, metrics, backup/restore, CLI, deployment."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from telegram.error import Conflict

from bot.admin_ops import OperationError, backup, import_areas, restore, verify
from bot.app import build_application
from bot.config import WebhookConfig
from bot.health import HealthServer
from bot.logs import JsonFormatter
from bot.runner import EXIT_CONFLICT, acquire_lock, is_locked, serve
from bot.sender import Limits
from bot.services import create_services
from storage.db import Database
from tests.conftest import (
    EXAMPLE_CONFIG,
    ROOT,
    SHARED_DATA,
    BotHarness,
    RecordingRequest,
    test_config,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_requires_the_secret_token(tmp_path: Path) -> None:
    port = free_port()
    config = test_config(tmp_path, webhook=WebhookConfig("127.0.0.1", port, "/telegram", "https://example.invalid/telegram",
                                                         "s3cret-token"))
    request = RecordingRequest()
    services = await create_services(config)
    app = build_application(config, "123:TEST", services=services, request=request,
                            get_updates_request=RecordingRequest(), sender_limits=Limits(time_scale=1e6),
                            start_sender=False)
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(config, "123:TEST", app=app, stop=stop, started=started))
    try:
        update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/start",
                                              "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                                              "chat": {"id": 4242, "type": "private", "first_name": "W"},
                                              "from": {"id": 4242, "is_bot": False, "first_name": "W"}}}
        url = f"http://127.0.0.1:{port}/telegram"
        await asyncio.wait_for(started.wait(), 30)
        async with httpx.AsyncClient() as client:
            wrong = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
            missing = await client.post(url, json=update)
            assert wrong.status_code == 403 and missing.status_code == 403
            right = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
            assert right.status_code == 200
        await request.wait_for(lambda: bool(request.texts(4242)))
        assert any("Welkom" in t for t in request.texts(4242))
        assert next(p for e, p in request.calls if e == "setWebhook")["secret_token"] == "s3cret-token"
    finally:
        stop.set()
        await task


async def test_healthz_and_metrics(harness: BotHarness) -> None:
    h = harness
    from tests.test_report_journey import report_until_confirm

    await report_until_confirm(h)
    await h.send(h.updates.callback(100001, "rep:confirm"))
    health = HealthServer(h.services)
    port = await health.start()
    try:
        async with httpx.AsyncClient() as client:
            report = (await client.get(f"http://127.0.0.1:{port}/healthz")).json()
            assert report["status"] == "ok" and report["database"] == "ok"
            assert report["outbox_depth"] == 2 and report["last_update_received"] is not None
            await h.deliver()
            metrics = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
        assert "buurtwacht_updates_total" in metrics
        assert 'buurtwacht_sightings_total{category="suspicious_person"}' in metrics
        assert "buurtwacht_outbox_depth 0" in metrics
        assert "buurtwacht_deliveries_sent_total 2" in metrics
        assert 'buurtwacht_handler_seconds_bucket{le="+Inf"}' in metrics
        await h.services.db.close()
        async with httpx.AsyncClient() as client:
            down = await client.get(f"http://127.0.0.1:{port}/healthz")
        assert down.status_code == 503
        h.services.db = await Database.open(h.config.database if hasattr(h, "config") else h.services.config.database)
    finally:
        await health.stop()


async def test_backup_while_writing_and_restore(tmp_path: Path) -> None:
    path = tmp_path / "live.db"
    db = await Database.open(path)
    stop, writing = asyncio.Event(), asyncio.Event()

    async def writer() -> int:
        n = 0
        while not stop.is_set():
            await db.execute("INSERT INTO audit_log (at, action) VALUES ('2026-01-01', 'load')")
            n += 1
            if n == 20:
                writing.set()
        return n

    task = asyncio.create_task(writer())
    await writing.wait()
    pages = await asyncio.to_thread(backup, path, tmp_path / "copy.db")
    stop.set()
    written = await task
    await db.close()
    assert pages > 0 and written > 0
    assert verify(tmp_path / "copy.db") >= 1
    conn = sqlite3.connect(tmp_path / "copy.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with pytest.raises(OperationError, match="exists already"):
        backup(path, tmp_path / "copy.db")
    # Restore refuses while the bot holds the lock, works once it stopped.
    lock = acquire_lock(path)
    assert lock is not None and is_locked(path)
    with pytest.raises(OperationError, match="running"):
        restore(tmp_path / "copy.db", path, bot_running=is_locked(path))
    lock.close()
    assert not is_locked(path)
    assert restore(tmp_path / "copy.db", path, bot_running=False) >= 1
    (tmp_path / "junk.db").write_bytes(b"not a database at all")
    with pytest.raises(OperationError, match="not a Buurtwacht database"):
        restore(tmp_path / "junk.db", path, bot_running=False)


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=cwd,
                          check=False, timeout=120)


def local_config(tmp_path: Path) -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('database = "buurtwacht.db"', f'database = "{tmp_path / "ops.db"}"')
    text = text.replace('polygons = "bot/data/', f'polygons = "{ROOT}/bot/data/')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_migrate_backup_restore(tmp_path: Path) -> None:
    config = local_config(tmp_path)
    migrated = run_cli("migrate", "--config", str(config))
    assert migrated.returncode == 0 and "schema version" in migrated.stdout
    again = run_cli("migrate", "--config", str(config))
    assert "applied 0 migration(s)" in again.stdout
    made = run_cli("backup", str(tmp_path / "b.db"), "--config", str(config))
    assert made.returncode == 0, made.stderr
    restored = run_cli("restore", str(tmp_path / "b.db"), "--config", str(config))
    assert restored.returncode == 0 and "restored" in restored.stdout
    missing = run_cli("restore", str(tmp_path / "nope.db"), "--config", str(config))
    assert missing.returncode == 2 and "backup not found" in missing.stderr


def test_check_config_summary_and_errors(tmp_path: Path) -> None:
    ok = run_cli("check-config", "--config", str(EXAMPLE_CONFIG))
    assert ok.returncode == 0
    assert "config OK: 2 gemeente(n), 15 wijken" in ok.stdout
    assert "WK086102 Oerle: no wijkagent (invite not claimed)" in ok.stdout
    assert "WK079429 Industriegebied Zuid: no BOA, no team" in ok.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('timezone = "Europe/Amsterdam"',
                                                                          'timezone = "Nowhere/City"'))
    bad = run_cli("check-config", "--config", str(broken))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "bot.timezone" in bad.stderr


def test_import_areas_on_the_shared_cbs_polygons(tmp_path: Path) -> None:
    source = SHARED_DATA / "cbs-2024-buurten-helmond-kempen.geojson"
    if not source.exists():
        source = ROOT / "bot" / "data" / "cbs-2024-buurten-helmond-kempen.geojson"
    data, snippet = import_areas(source)
    assert len(data["features"]) == 218
    assert '[areas.gm0794]' in snippet and 'code = "BU07941000"' in snippet and 'name = "Centrum"' in snippet
    result = run_cli("import-areas", str(source), "--out", str(tmp_path / "areas.geojson"))
    assert result.returncode == 0 and (tmp_path / "areas.geojson").exists()
    rd = tmp_path / "rd.geojson"
    rd.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"statcode": "BU07941000", "statnaam": "Centrum"},
        "geometry": {"type": "Polygon", "coordinates": [[[173000, 382000], [174000, 382000], [174000, 383000],
                                                         [173000, 382000]]]}}]}))
    converted, _ = import_areas(rd)
    lon, lat = converted["features"][0]["geometry"]["coordinates"][0][0]
    assert 51.4 < lat < 51.5 and 5.6 < lon < 5.7
    weird = tmp_path / "weird.geojson"
    weird.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"statcode": "BU1"},
        "geometry": {"type": "Polygon", "coordinates": [[[9e6, 9e6], [9e6, 9e6], [9e6, 9e6]]]}}]}))
    refused = run_cli("import-areas", str(weird), "--out", str(tmp_path / "x.geojson"))
    assert refused.returncode == 2 and "neither WGS84" in refused.stderr


class ConflictRequest(RecordingRequest):
    async def do_request(self, url, method, request_data=None, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        if url.endswith("/getUpdates"):
            return 409, json.dumps({"ok": False, "error_code": 409, "description":
                                    "Conflict: terminated by other getUpdates request; make sure that only one bot "
                                    "instance is running"}).encode()
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_second_poller_is_reported_in_one_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = test_config(tmp_path)
    services = await create_services(config)
    app = build_application(config, "123:TEST", services=services, request=RecordingRequest(),
                            get_updates_request=ConflictRequest(), start_sender=False)
    caplog.set_level(logging.WARNING)
    code = await asyncio.wait_for(serve(config, "123:TEST", app=app), timeout=30)
    assert code == EXIT_CONFLICT
    conflicts = [r for r in caplog.records if "409 Conflict" in r.getMessage()]
    assert len(conflicts) == 1 and conflicts[0].exc_info is None
    assert not [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], Conflict)]


def test_json_log_lines() -> None:
    record = logging.LogRecord("bot.sender", logging.WARNING, __file__, 1, "chat unreachable; dropped %d", (3,), None)
    line = JsonFormatter().format(record)
    assert json.loads(line) == {**json.loads(line), "level": "WARNING", "logger": "bot.sender",
                                "message": "chat unreachable; dropped 3"}
    assert "\n" not in line


def test_dockerfile_and_systemd_unit_are_sound() -> None:
    docker = (ROOT / "Dockerfile").read_text().splitlines()
    instructions = [line.split()[0] for line in docker if line and not line.startswith("#") and not line.startswith(" ")]
    known = {"FROM", "ENV", "WORKDIR", "COPY", "RUN", "VOLUME", "USER", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD"}
    assert set(instructions) <= known and instructions[0] == "FROM"
    assert instructions.index("USER") < instructions.index("CMD")
    assert any("/healthz" in line for line in docker) and "VOLUME" in instructions
    unit = (ROOT / "deploy" / "buurtwacht.service").read_text()
    for needed in ("ExecStart=", "EnvironmentFile=", "Restart=on-failure", "NoNewPrivileges=true",
                   "ProtectSystem=strict", "ReadWritePaths=", "User=buurtwacht", "[Install]"):
        assert needed in unit
    if shutil.which("systemd-analyze"):
        result = subprocess.run(["systemd-analyze", "verify", str(ROOT / "deploy" / "buurtwacht.service")],
                                capture_output=True, text=True, check=False)
        assert "Unknown" not in result.stderr


