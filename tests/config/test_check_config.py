"""`buurtwacht check-config`: WARN lines for wijken whose reports reach nobody and buurten
without a polygon, `--strict`, and `--online` asking the emulator's getChat about every id."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.config.report import configured_chats
from bot.config.schema import load_config
from bot.emulator import Emulator
from tests.conftest import EXAMPLE_CONFIG, ROOT

HELMOND_FALLBACK = 'fallback_desk = [{ id = 400001, name = "Meldpunt Gemeente Helmond (voorbeeld)" }]\n'
OOST_OFFICERS = ('wijkagenten = [{ id = 200011, name = "Wijkagent 11 (voorbeeld)" }]\n'
                 'boa = [{ id = 300011, name = "Wijk-BOA 11 (voorbeeld)" }]\n')


def config_file(tmp_path: Path, *, without: tuple[str, ...] = ()) -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('database = "buurtwacht.db"', f'database = "{tmp_path / "check.db"}"')
    text = text.replace('polygons = "bot/data/', f'polygons = "{ROOT}/bot/data/')
    for part in without:
        assert part in text, part
        text = text.replace(part, "")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def check(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.ops.cli", "check-config", *args, cwd=ROOT, env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode() + err.decode()


async def test_warns_for_a_wijk_whose_reports_reach_nobody_and_strict_fails(tmp_path: Path) -> None:
    path = config_file(tmp_path, without=(HELMOND_FALLBACK, OOST_OFFICERS))
    code, out = await check("--config", str(path))
    assert code == 0, out
    warns = [line for line in out.splitlines() if line.startswith("WARN WK")]
    assert len(warns) == 2 and warns[0].startswith("WARN WK079411 Helmond-Oost: reports of suspicious_person")
    # The gemeente's care desk still gets "verward gedrag"; a wijk with its officers is fine.
    assert "confused_person" not in warns[0] and "WK079410" not in out.split("WARN", 1)[1]
    # Without the desk, a wijk that has no BOA loses what only the BOA gets.
    assert warns[1].startswith("WARN WK079429 Industriegebied Zuid: reports of neglect reach nobody")
    # The example's one buurt the CBS file has no polygon for.
    assert "WARN BU07700102 Bedrijventerrein Duizel: no polygon" in out
    strict, _ = await check("--config", str(path), "--strict")
    assert strict == 1
    # The example as it is: no wijk is lost (every gemeente has a fallback desk).
    code, out = await check("--config", str(config_file(tmp_path)))
    assert code == 0 and not [line for line in out.splitlines() if line.startswith("WARN WK")]


async def test_online_lists_every_configured_id_telegram_cannot_reach(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    config = load_config(path, env={})
    known = [chat_id for chat_id, _ in configured_chats(config)]
    assert 200010 in known and 400001 in known and -1001000000010 in known and 500001 in known
    emulator = Emulator()
    await emulator.start()
    try:
        world = emulator.world
        for chat_id in known:
            if chat_id > 0 and chat_id != 200010:  # the Binnenstad wijkagent's id is wrong
                world.add_user(chat_id, f"User {chat_id}")
        for chat_id in known:
            if chat_id < 0:
                world.add_group(chat_id, "Groep", members={})
        env = {"BUURTWACHT_TOKEN": emulator.token, "BUURTWACHT_API_URL": emulator.base_url}
        code, out = await check("--config", str(path), "--online", env=env)
    finally:
        await emulator.stop()
    assert code == 1, out
    unreachable = [line for line in out.splitlines() if line.startswith("UNREACHABLE")]
    assert len(unreachable) == 1 and unreachable[0].startswith("UNREACHABLE 200010 (WK079410 wijkagent Wijkagent 10")
    assert "online: 1 of the configured ids unreachable" in out
    missing_token, out = await check("--config", str(path), "--online", env={"BUURTWACHT_TOKEN": ""})
    assert missing_token == 2 and "BUURTWACHT_TOKEN" in out
