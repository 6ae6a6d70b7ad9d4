"""Fatal conditions end the process: one line saying why, a non-zero exit code, within seconds,
so that systemd's Restart=on-failure (or an operator) can act. SIGTERM always ends it."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.faults.process import healthy, running, start_bot, tracebacks, until, world, write_config

WITHIN = 15.0  # "within seconds": the longest a fatal condition may take to end the process


async def test_a_revoked_token_ends_the_process_with_one_line(tmp_path: Path) -> None:
    emulator = await world()
    try:
        with running(start_bot(write_config(tmp_path, emulator), emulator)) as bot:
            await healthy(bot)
            await until(lambda: emulator.world.polling, within=30, what="the bot to poll")
            emulator.world.token = "654321:REVOKED"  # @BotFather /revoke: every request is 401 now
            emulator.world.send_text(1, "/start")  # ends the waiting long poll now
            code = await bot.exited(WITHIN)
            assert code != 0
            assert tracebacks(bot.stderr) == 0, bot.stderr[-4000:]
            said = [line for line in bot.lines if "token" in line.lower()]
            assert len(said) == 1 and "401" in said[0], bot.stderr[-4000:]
    finally:
        await emulator.stop()


async def test_sigterm_ends_the_process_while_telegram_is_down(tmp_path: Path) -> None:
    emulator = await world()
    try:
        with running(start_bot(write_config(tmp_path, emulator), emulator)) as bot:
            await healthy(bot)
            emulator.world.fail_next(10**6, kind="5xx")  # every request fails from now on
            emulator.world.send_text(1, "/start")
            await until(lambda: any(r.status == 502 for r in emulator.world.call_log)
                        or emulator.world.faults[0].remaining < 10**6, within=30, what="a failed request")
            bot.process.send_signal(signal.SIGTERM)
            assert await bot.exited(WITHIN) == 0
            assert tracebacks(bot.stderr) == 0, bot.stderr[-4000:]
    finally:
        await emulator.stop()


def _run(*args: str, config: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    environment = {**os.environ, "PYTHONPATH": str(ROOT), "BUURTWACHT_TOKEN": "123456:EMULATOR", **(env or {})}
    return subprocess.run([sys.executable, "-m", "bot", *args, "--config", str(config)], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=WITHIN * 2, check=False)


def test_a_polygons_file_that_is_not_json_fails_check_config_and_run(tmp_path: Path) -> None:
    broken = tmp_path / "buurten.geojson"
    broken.write_text("<html>404 Not Found</html>", encoding="utf-8")
    config = write_config(tmp_path, None, replace={
        f'polygons = "{ROOT}/bot/data/cbs-2024-buurten-helmond-kempen.geojson"': f'polygons = "{broken}"'})
    for command in (("check-config",), ("run",)):
        result = _run(*command, config=config)
        assert result.returncode == 2, (command, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "buurten.geojson" in lines[0] and "JSON" in lines[0], (command, result.stderr)


def test_telegram_unreachable_at_start_is_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, None)  # an api_url where nothing listens
    result = _run("run", config=config)
    assert result.returncode not in (0, None)
    assert tracebacks(result.stderr) == 0, result.stderr[-4000:]
    assert any("cannot reach telegram" in line.lower() for line in result.stderr.splitlines()), result.stderr


def test_a_database_path_that_is_a_directory_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bot.db").mkdir()
    result = _run("run", config=write_config(tmp_path, None))
    assert result.returncode not in (0, None)
    assert tracebacks(result.stderr) == 0, result.stderr[-4000:]
    assert len([line for line in result.stderr.splitlines() if "bot.db" in line]) == 1, result.stderr


async def test_health_port_in_use_or_a_bad_listen_address_is_one_line(tmp_path: Path) -> None:
    import socket

    emulator = await world()
    try:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            for env in ({"BUURTWACHT_HEALTH_PORT": str(port)},
                        {"BUURTWACHT_HEALTH_LISTEN": "999.1.1.1"}):
                with running(start_bot(write_config(tmp_path, emulator), emulator, env=env)) as bot:
                    assert await bot.exited(WITHIN) not in (0, None)
                    assert tracebacks(bot.stderr) == 0, bot.stderr[-4000:]
                    assert len([line for line in bot.lines if "cannot start" in line]) == 1, bot.stderr[-4000:]
    finally:
        await emulator.stop()
