"""The real bot process (`python -m bot run`) against the emulator, for the fault tests.

Nothing here sleeps to wait for a result: every wait polls a condition (the emulator's state,
the process's exit, /healthz, a line on stderr) with a bounded deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.emulator import Emulator, FloodLimits
from tests.conftest import EXAMPLE_CONFIG, ROOT

SCALE = 10.0  # emulated seconds per real second, for the bot's sender and the emulator alike
RESIDENT = 600001
COORDINATOR = 500001  # coordinator of team "BPT Binnenstad" in the example config
OTHER_COORDINATOR = 500002  # coordinator of "Buurtpreventie Brandevoort"
GROUPS = (-1001000000010, -1001000000021, -1001000000061)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(tmp_path: Path, emulator: Emulator | None, *, replace: dict[str, str] | None = None,
                 append: str = "") -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('database = "buurtwacht.db"', f'database = "{tmp_path / "bot.db"}"')
    api = emulator.base_url if emulator is not None else f"http://127.0.0.1:{free_port()}/bot"
    text = text.replace('api_url = "https://api.telegram.org/bot"', f'api_url = "{api}"')
    text = text.replace('polygons = "bot/data/', f'polygons = "{ROOT}/bot/data/')
    text = text.replace("[pdok]\nenabled = true", "[pdok]\nenabled = false")
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "config.toml"
    path.write_text(text + append, encoding="utf-8")
    return path


async def world(*, scale: float = SCALE) -> Emulator:
    emulator = Emulator(limits=FloodLimits(time_scale=scale))
    await emulator.start()
    emulator.world.add_user(RESIDENT, "Rosa")
    emulator.world.add_user(COORDINATOR, "Cor")
    emulator.world.add_user(OTHER_COORDINATOR, "Bea")
    for chat in GROUPS:
        emulator.world.add_group(chat, "Buurtpreventie", members={COORDINATOR: "administrator",
                                                                  OTHER_COORDINATOR: "administrator"})
    return emulator


@dataclass
class BotProcess:
    """A running `python -m bot run`; stderr is read line by line as it comes."""

    process: subprocess.Popen[bytes]
    health_port: int
    lines: list[str] = field(default_factory=list)
    started_at: float = field(default_factory=time.monotonic)

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)

    @property
    def pid(self) -> int:
        return self.process.pid

    def health(self) -> tuple[int, dict[str, Any]]:
        """(status, body) of /healthz; (0, {}) while nothing answers."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.health_port}/healthz", timeout=2) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")
        except OSError:
            return 0, {}

    async def async_health(self) -> tuple[int, dict[str, Any]]:
        return await asyncio.to_thread(self.health)

    async def exited(self, within: float) -> int:
        """The exit code, waiting at most ``within`` seconds (the emulator keeps running meanwhile)."""
        await until(lambda: self.process.poll() is not None, within=within, what="the process to exit")
        return int(self.process.returncode)

    def stop(self) -> None:
        """Make sure the process is gone (a test that failed half-way)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)


def start_bot(config: Path, emulator: Emulator | None, *, env: dict[str, str] | None = None,
              preexec: Callable[[], None] | None = None, log_level: str = "INFO") -> BotProcess:
    health_port = free_port()
    environment = {**os.environ, "BUURTWACHT_TOKEN": emulator.token if emulator else "123456:EMULATOR",
                   "BUURTWACHT_RATE_SCALE": str(SCALE), "BUURTWACHT_HEALTH_PORT": str(health_port),
                   "PYTHONPATH": str(ROOT), **(env or {})}
    process = subprocess.Popen([sys.executable, "-m", "bot", "--log-level", log_level, "run", "--config", str(config)],
                               cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               preexec_fn=preexec)
    bot = BotProcess(process, health_port)

    def read() -> None:
        assert process.stderr is not None
        for raw in process.stderr:
            bot.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    return bot


async def until(predicate: Callable[[], Any], *, within: float, what: str = "the condition",
                every: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something true; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(every)  # a poll interval, not a wait for a result


async def healthy(bot: BotProcess, *, within: float = 30) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        status, body = await bot.async_health()
        return body if status == 200 else None

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if (body := await probe()) is not None:
            return body
        if bot.process.poll() is not None:
            raise AssertionError(f"the bot exited ({bot.process.returncode}):\n{bot.stderr[-3000:]}")
        await asyncio.sleep(0.1)
    raise AssertionError(f"no healthy /healthz within {within} s:\n{bot.stderr[-3000:]}")


@contextlib.contextmanager
def running(bot: BotProcess) -> Iterator[BotProcess]:
    try:
        yield bot
    finally:
        bot.stop()


def tracebacks(text: str) -> int:
    return text.count("Traceback (most recent call last)")
