"""Running it for a municipality: webhook, health, metrics, backup/restore, CLI, deployment."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from telegram.error import Conflict

from bot.app.application import build_application
from bot.app.runner import EXIT_CONFLICT, acquire_lock, is_locked, serve
from bot.config.schema import WebhookConfig, load_config
from bot.core.logs import JsonFormatter
from bot.delivery.sender import Limits
from bot.ops.admin import OperationError, backup, import_areas, restore, verify
from bot.runtime.health import HealthServer
from bot.runtime.services import create_services
from storage import outbox
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
                                                         "s3cret-token-for-the-webhook"))
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
            right = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token-for-the-webhook"})
            assert right.status_code == 200
        await request.wait_for(lambda: bool(request.texts(4242)))
        assert any("Welkom" in t for t in request.texts(4242))
        assert next(p for e, p in request.calls if e == "setWebhook")["secret_token"] == "s3cret-token-for-the-webhook"
    finally:
        stop.set()
        await task


def metric(text: str, series: str) -> float:
    """The value of one series line (``name`` or ``name{labels}``) in Prometheus text."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{series} not in /metrics:\n{text}")


async def test_healthz_and_metrics(harness: BotHarness) -> None:
    h = harness
    from bot.delivery.ratelimiter import is_delivery
    from tests.journeys import (
        GROUP_BINNENSTAD,
        RESIDENT,
        WIJKAGENT_BINNENSTAD,
        report_until_confirm,
    )

    # One-shot faults: the next request to a chat gets this answer instead (then normal again).
    once: dict[int, list[tuple[int, dict[str, object]]]] = {}
    recorded = h.request.do_request

    async def faulty(url, method, request_data=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        chat_id = (request_data.json_parameters if request_data else {}).get("chat_id")
        if chat_id is not None and once.get(int(chat_id)):
            code, body = once[int(chat_id)].pop(0)
            return code, json.dumps(body).encode()
        return await recorded(url, method, request_data, *args, **kwargs)

    h.request.do_request = faulty  # type: ignore[method-assign]
    too_many = (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                      "parameters": {"retry_after": 1}})
    health = HealthServer(h.services)
    port = await health.start()
    try:
        async with httpx.AsyncClient() as client:
            before = (await client.get(f"http://127.0.0.1:{port}/healthz")).json()
            assert before["last_successful_send"] is None
            # Direct replies: the resident's first answer meets a 429 and is retried.
            once[RESIDENT] = [too_many]
            await report_until_confirm(h)
            await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
            interactive_sent = len([p for e, p in h.request.calls
                                    if is_delivery(e) and int(p.get("chat_id", 0)) == RESIDENT])
            assert interactive_sent >= 8 and not once[RESIDENT]
            report = (await client.get(f"http://127.0.0.1:{port}/healthz")).json()
            assert report["status"] == "ok" and report["database"] == "ok"
            assert report["outbox_depth"] == 2 and report["last_update_received"] is not None
            assert report["last_successful_send"] == h.clock.now.isoformat()  # a direct reply counts
            # The outbox: the group meets a 429 (retried later), the wijkagent has blocked the bot.
            once[GROUP_BINNENSTAD] = [too_many]
            once[WIJKAGENT_BINNENSTAD] = [(403, {"ok": False, "error_code": 403,
                                                 "description": "Forbidden: bot was blocked by the user"})]
            await h.deliver()
            assert await outbox.depth(h.services.db) == 1  # the group's retry waits its turn
            h.clock.advance(seconds=5)
            await h.deliver()
            metrics = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
            report = (await client.get(f"http://127.0.0.1:{port}/healthz")).json()
        assert report["last_successful_send"] == h.clock.now.isoformat()  # the group's message, later
        assert "buurtwacht_updates_total" in metrics
        assert 'buurtwacht_sightings_total{category="suspicious_person"}' in metrics
        assert metric(metrics, "buurtwacht_outbox_depth") == 0
        # The group's message, and what the wijkagent's refusal re-routed (bot.desk.fallback): the
        # report to the backup desk (urgent) and a line to the reporter saying who has it now.
        assert metric(metrics, 'buurtwacht_deliveries_sent_total{path="outbox"}') == 3
        assert metric(metrics, 'buurtwacht_deliveries_failed_total{path="outbox"}') == 1
        assert metric(metrics, 'buurtwacht_deliveries_retried_total{path="outbox"}') == 1
        assert metric(metrics, 'buurtwacht_telegram_429_total{path="outbox"}') == 1
        assert metric(metrics, 'buurtwacht_deliveries_sent_total{path="interactive"}') == interactive_sent
        assert metric(metrics, 'buurtwacht_deliveries_failed_total{path="interactive"}') == 0
        assert metric(metrics, 'buurtwacht_deliveries_retried_total{path="interactive"}') == 1
        assert metric(metrics, 'buurtwacht_telegram_429_total{path="interactive"}') == 1
        assert metric(metrics, "buurtwacht_last_successful_send_timestamp_seconds") == h.clock.now.timestamp()
        # Every *_total series is a counter with a help text; the rest say what they are too.
        for name in ("buurtwacht_deliveries_sent_total", "buurtwacht_deliveries_failed_total",
                     "buurtwacht_deliveries_retried_total", "buurtwacht_telegram_429_total",
                     "buurtwacht_updates_total", "buurtwacht_sightings_total"):
            assert f"# TYPE {name} counter" in metrics and f"# HELP {name} " in metrics
        assert "# TYPE buurtwacht_outbox_depth gauge" in metrics
        assert 'buurtwacht_handler_seconds_bucket{le="+Inf"}' in metrics
        await h.services.db.close()
        async with httpx.AsyncClient() as client:
            down = await client.get(f"http://127.0.0.1:{port}/healthz")
        assert down.status_code == 503
        h.services.db = await Database.open(h.services.config.database)
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


def audit_actions(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    finally:
        conn.close()


def restore_leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".restore-" in p.name]


async def test_backup_and_restore_are_private_and_restore_swaps_atomically(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import stat

    from storage import maintenance

    live, other = tmp_path / "live.db", tmp_path / "other.db"
    for path, action in ((live, "live"), (other, "other")):
        db = await Database.open(path)
        await db.execute("INSERT INTO audit_log (at, action) VALUES ('2026-01-01', ?)", (action,))
        await db.close()
    os.chmod(live, 0o640)
    old_umask = os.umask(0o022)  # a shell's usual umask: new files would be -rw-r--r--
    try:
        backup(other, tmp_path / "copy.db")
        assert stat.S_IMODE((tmp_path / "copy.db").stat().st_mode) == 0o600

        # The copy fails half-way (say, the disk is full): the live database is untouched.
        def full_disk(fd: int) -> None:
            raise OSError(28, "No space left on device")

        with monkeypatch.context() as patched:
            patched.setattr(maintenance.os, "fsync", full_disk)
            with pytest.raises(OSError, match="No space left"):
                restore(tmp_path / "copy.db", live, bot_running=False)
        assert audit_actions(live)[-1] == "live" and verify(live) >= 1
        assert restore_leftovers(tmp_path) == []  # no temp file left behind

        assert restore(tmp_path / "copy.db", live, bot_running=False) >= 1
    finally:
        os.umask(old_umask)
    assert audit_actions(live)[-1] == "other"
    assert stat.S_IMODE(live.stat().st_mode) == 0o600
    assert restore_leftovers(tmp_path) == []


def test_the_pyproject_comments_name_tests_that_exist() -> None:
    import re

    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    named = set(re.findall(r"tests/[\w/]+\.py", text))
    assert named and all((ROOT / name).is_file() for name in named), named


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # This checkout's code, wherever the package happens to be installed from.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot.ops.cli", *args], capture_output=True, text=True, cwd=cwd,
                          check=False, timeout=120, env=env)


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
    example = load_config(EXAMPLE_CONFIG, env={})
    wijken = sum(len(g.wijken) for g in example.gemeenten)
    assert f"config OK: {len(example.gemeenten)} gemeenten, {wijken} wijken" in ok.stdout
    assert "GM1728 Bladel: 5 wijken" in ok.stdout
    assert "GM0753 Best: 1 wijk, 19 buurten" in ok.stdout and "1 wijken" not in ok.stdout
    assert "WK086102 Oerle: no wijkagent (invite not claimed)" in ok.stdout
    assert "WK079429 Industriegebied Zuid: no BOA, no team" in ok.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('timezone = "Europe/Amsterdam"',
                                                                          'timezone = "Nowhere/City"'))
    bad = run_cli("check-config", "--config", str(broken))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "bot.timezone" in bad.stderr


def test_check_config_counts_in_correct_plurals() -> None:
    import tomllib

    from bot.config.report import summary
    from bot.config.schema import parse_config

    data = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["areas"] = {"waalre": data["areas"]["waalre"]}  # one gemeente with one wijk
    waalre = data["areas"]["waalre"]["wijken"][0]
    waalre["buurten"] = waalre["buurten"][:1]
    data["teams"] = [{"name": "BPT Waalre", "buurten": [waalre["buurten"][0]["code"]], "groups": [-1001000000099]}]
    text = summary(parse_config(data, base=ROOT, env={}))
    assert text.splitlines()[0] == "config OK: 1 gemeente, 1 wijk, 1 buurt, 1 team, 1 alert group"
    assert "GM0866 Waalre: 1 wijk, 1 buurt, fallback desk yes" in text
    data["teams"] = []
    assert summary(parse_config(data, base=ROOT, env={})).splitlines()[0].endswith("0 teams, 0 alert groups")


def test_import_areas_on_the_shared_cbs_polygons(tmp_path: Path) -> None:
    buurten_file = SHARED_DATA / "cbs-2024-buurten-helmond-kempen.geojson"
    wijken_file = SHARED_DATA / "cbs-2024-wijken-helmond-kempen.geojson"
    if not wijken_file.exists():
        pytest.skip(f"the shared CBS files are not at {SHARED_DATA}")
    data, snippet = import_areas(buurten_file)
    assert len(data["features"]) == 218
    assert "[areas.helmond]" in snippet and 'code = "BU07941000"' in snippet and 'name = "Centrum"' in snippet
    # Gemeente names from the built-in CBS table; without the wijken file, wijk names are codes.
    for code, name in (("GM0794", "Helmond"), ("GM0753", "Best"), ("GM0770", "Eersel"), ("GM0823", "Oirschot"),
                       ("GM0861", "Veldhoven"), ("GM0866", "Waalre"), ("GM1667", "Reusel-De Mierden"),
                       ("GM1724", "Bergeijk"), ("GM1728", "Bladel")):
        assert f'code = "{code}"\nname = "{name}"\n' in snippet
    assert 'code = "WK079410"\nname = "WK079410"  # fill in the name' in snippet

    # Both files through the CLI: the polygons path is the --out path, wijk names come from the
    # wijken file, and the printed snippet passes check-config as it stands.
    result = run_cli("import-areas", str(buurten_file), str(wijken_file), "--out", "cbs-buurten.geojson",
                     "--gemeente-name", "GM0794=Gemeente Helmond", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = json.loads((tmp_path / "cbs-buurten.geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["statcode"][:2] for f in written["features"]} == {"BU"}
    assert 'polygons = "cbs-buurten.geojson"' in result.stdout and "areas.geojson" not in result.stdout
    assert 'code = "WK079410"\nname = "Binnenstad"' in result.stdout
    assert 'code = "WK075300"\nname = "Best"' in result.stdout  # CBS's "Wijk 00 Best"
    assert 'name = "Gemeente Helmond"' in result.stdout  # --gemeente-name wins over the table
    (tmp_path / "config.toml").write_text(result.stdout, encoding="utf-8")
    checked = run_cli("check-config", "--config", str(tmp_path / "config.toml"))
    assert checked.returncode == 0, checked.stderr
    assert "config OK: 9 gemeenten, 43 wijken, 218 buurten" in checked.stdout
    config = load_config(tmp_path / "config.toml", env={})
    assert {g.polygons for g in config.gemeenten} == {tmp_path / "cbs-buurten.geojson"}
    assert next(w.name for g in config.gemeenten for w in g.wijken if w.code == "WK079421") == "Brandevoort"

    # The wijken file alone: refused, saying that buurt polygons are needed.
    wijken_only = run_cli("import-areas", str(wijken_file), "--out", str(tmp_path / "w.geojson"))
    assert wijken_only.returncode == 2 and wijken_only.stderr.count("\n") == 1
    assert "no buurt (BU…) polygons" in wijken_only.stderr and "needs the CBS buurt layer" in wijken_only.stderr
    assert not (tmp_path / "w.geojson").exists()
    bad_name = run_cli("import-areas", str(buurten_file), "--gemeente-name", "Helmond", cwd=tmp_path)
    assert bad_name.returncode == 2 and "expected GM0794=Helmond" in bad_name.stderr

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
    record = logging.LogRecord("bot.delivery.sender", logging.WARNING, __file__, 1, "chat unreachable; dropped %d", (3,), None)
    line = JsonFormatter().format(record)
    assert json.loads(line) == {**json.loads(line), "level": "WARNING", "logger": "bot.delivery.sender",
                                "message": "chat unreachable; dropped 3"}
    assert "\n" not in line


def test_dockerfile_and_systemd_unit_are_sound(tmp_path: Path) -> None:
    docker = (ROOT / "Dockerfile").read_text().splitlines()
    instructions = [line.split()[0] for line in docker if line and not line.startswith("#") and not line.startswith(" ")]
    known = {"FROM", "ENV", "WORKDIR", "COPY", "RUN", "VOLUME", "USER", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD"}
    assert set(instructions) <= known and instructions[0] == "FROM"
    assert instructions.index("USER") < instructions.index("CMD")
    assert any("/healthz" in line for line in docker) and "VOLUME" in instructions
    unit = (ROOT / "deploy" / "buurtwacht.service").read_text()
    for needed in ("ExecStart=", "EnvironmentFile=", "Restart=on-failure", "NoNewPrivileges=true",
                   "ProtectSystem=strict", "ReadWritePaths=", "User=buurtwacht", "[Install]",
                   "UMask=0077", "StateDirectoryMode=0700"):
        assert needed in unit
    # The image's HEALTHCHECK port is the one its environment gives the bot (any mounted config).
    assert "ENV BUURTWACHT_HEALTH_PORT=9090" in docker
    assert any("127.0.0.1:9090/healthz" in line for line in docker)
    image_config = load_config(EXAMPLE_CONFIG, env={"BUURTWACHT_HEALTH_PORT": "9090"})
    assert image_config.health_port == 9090 and image_config.health_listen == "127.0.0.1"
    if shutil.which("hadolint"):
        linted = subprocess.run(["hadolint", str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False)
        assert linted.returncode == 0, linted.stdout
    if shutil.which("systemd-analyze"):
        # verify also checks that ExecStart exists, which /opt/buurtwacht/venv does not here:
        # point it at a program that exists and let systemd check everything else.
        unit_copy = tmp_path / "buurtwacht.service"
        unit_copy.write_text(unit.replace("ExecStart=/opt/buurtwacht/venv/bin/buurtwacht",
                                          f"ExecStart={sys.executable} -m bot"), encoding="utf-8")
        result = subprocess.run(["systemd-analyze", "verify", str(unit_copy)],
                                capture_output=True, text=True, check=False, timeout=60)
        assert result.returncode == 0 and result.stderr == "", result.stderr




# --------------------------------------------------------------------------- packaging


def test_pyproject_lists_every_package() -> None:
    """The package list is explicit (for the bot.locale mapping): a new package must be in it."""
    import tomllib

    from setuptools import find_packages

    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = set(find_packages(str(ROOT), include=["bot", "bot.*", "handlers", "handlers.*", "storage", "storage.*"]))
    assert found | {"bot.locale"} == set(tool["packages"])
    assert tool["package-dir"] == {"bot.locale": "locale"}
    assert "*/LC_MESSAGES/*.po" in tool["package-data"]["bot.locale"]


def test_relative_polygons_fall_back_to_the_packaged_data(tmp_path: Path) -> None:
    """/etc/buurtwacht/config.toml with the example's polygons = "bot/data/…" still loads."""
    from bot.config.schema import ConfigError

    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "config.toml").write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    config = load_config(etc / "config.toml", env={})
    assert config.gemeenten[0].polygons == ROOT / "bot" / "data" / "cbs-2024-buurten-helmond-kempen.geojson"
    # Next to the config wins over the packaged copy.
    (etc / "bot" / "data").mkdir(parents=True)
    own = etc / "bot" / "data" / "cbs-2024-buurten-helmond-kempen.geojson"
    own.write_text("{}", encoding="utf-8")
    assert load_config(etc / "config.toml", env={}).gemeenten[0].polygons == own
    # Not found anywhere: the error names every place that was tried.
    (etc / "config.toml").write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        "bot/data/cbs-2024-buurten-helmond-kempen.geojson", "bot/data/nope.geojson", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(etc / "config.toml", env={})
    message = str(error.value)
    assert message.startswith("areas.helmond.polygons: file not found; tried ")
    assert str(etc / "bot" / "data" / "nope.geojson") in message
    assert str(ROOT / "bot" / "data" / "nope.geojson") in message


def test_wheel_ships_catalogs_and_data_and_works_installed(tmp_path: Path) -> None:
    """Build a wheel (offline, no build isolation), install it into a fresh venv, and check
    that English loads and the example config's relative polygons path resolves there."""
    import importlib.util
    import os
    import zipfile

    if importlib.util.find_spec("wheel") is None:
        pytest.skip("the 'wheel' package (in the [test] extras) is needed to build offline")
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("bot", "handlers", "storage", "locale"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {k: v for k, v in os.environ.items() if k not in ("BUURTWACHT_LOCALE_DIR", "PYTHONPATH")}
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    built = subprocess.run([*pip, "wheel", "--no-build-isolation", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                            str(source)], capture_output=True, text=True, env=env, check=False, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("buurtwacht-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("bot/locale/en/LC_MESSAGES/messages.po", "bot/locale/tr/LC_MESSAGES/messages.po",
                   "bot/data/cbs-2024-buurten-helmond-kempen.geojson", "storage/migrations/0001_init.sql",
                   "bot/emulator/server.py", "bot/geo/polygons.py", "handlers/report.py"):
        assert needed in names
    assert not any(n.startswith("locale/") or n.endswith(".pot") for n in names)  # the template stays in the repo

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # --ignore-installed: an editable install of the checkout may be visible through the
    # system site-packages; this venv must get the wheel's own copy.
    installed = subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", "install", "--no-deps",
                                "--no-index", "--ignore-installed", "-q", str(wheel)], capture_output=True, text=True, env=env,
                               check=False, timeout=300)
    assert installed.returncode == 0, installed.stderr[-3000:]
    etc = tmp_path / "etc" / "buurtwacht"
    etc.mkdir(parents=True)
    shutil.copy(EXAMPLE_CONFIG, etc / "config.toml")
    check = (
        "import bot.core.i18n as i18n, bot.config.schema as c, sys\n"
        f"assert i18n.__file__.startswith({str(venv)!r}), i18n.__file__\n"
        "t = i18n.translator('en')\n"
        "print(t.gettext('Verdachte persoon'), '|', i18n.translator('tr').gettext('Verdachte persoon'))\n"
        "print(i18n.supported('en-GB'))\n"
        f"config = c.load_config({str(etc / 'config.toml')!r}, env={{}})\n"
        "print(config.gemeenten[0].polygons)\n"
    )
    ran = subprocess.run([str(python), "-c", check], capture_output=True, text=True, env=env, cwd=tmp_path,
                         check=False, timeout=120)
    assert ran.returncode == 0, ran.stderr[-3000:]
    english, turkish, supported, polygons = ran.stdout.replace(" | ", "\n").splitlines()
    assert english == "Suspicious person" and turkish not in ("", "Verdachte persoon")
    assert supported == "en"
    assert polygons.startswith(str(venv)) and polygons.endswith("bot/data/cbs-2024-buurten-helmond-kempen.geojson")
