"""`buurtwacht demo` works as a new user would try it: no token, no internet.

Piped input plays the lines as a script; the interactive path is driven through a real
pseudo-terminal (the child gets it as its controlling terminal, so Ctrl-C is a real SIGINT
from the terminal's line discipline, as when a person presses it).
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = """\
/start
/melding
=Verdachte persoon
=Ja, gebeld
=Deel mijn locatie

=Nu
Man in grijze jas en blauwe pet probeert deurklinken, liep richting station
/foto
=Versturen
/as wijkagent
/locatie 51.4795 5.6560
/as bewoner
"""


def demo_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "BUURTWACHT_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    env["TERM"] = "dumb"
    return env


def run_demo(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", "demo", "--config", "config.example.toml"],
        input=script, capture_output=True, text=True, cwd=ROOT, env=demo_env(), timeout=120, check=False,
    )


def test_demo_plays_a_report_without_token_or_internet() -> None:
    result = run_demo(SCRIPT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Welkom bij Buurtwacht" in out
    # The demo's own screen speaks Dutch like the bot: header and help.
    assert "Buurtwacht-demo: de bot praat met een Telegram-nabootsing" in out
    assert "Opdrachten (al het andere gaat als bericht" in out and "Commands (" not in out
    assert "🕵️ Verdachte persoon" in out
    assert "Heb je 112 gebeld" in out
    # The location step shows Telegram's "share location" button; pressing it asks for a
    # point, and Enter shares the default one in Helmond's Centrum.
    assert "[18] 📍 Deel mijn locatie" in out
    assert "→ Telegram vraagt je locatie te delen" in out
    assert "→ [locatie 51.47950, 5.65600] gedeeld" in out
    assert "📍 Gevonden: Centrum, Helmond" in out and "Wanneer was het" in out
    assert "→ [foto] verstuurd" in out and "Foto: ja" in out
    assert "✅ Ontvangen. Je referentie is M-2026-00001." in out
    assert "│ [foto] M-2026-00001" in out  # the photo re-sent to the wijkagent is marked
    assert "je bent nu Wijkagent Binnenstad" in out
    assert "Demo gestopt." in out
    assert "Traceback" not in result.stderr
    assert " INFO " not in result.stderr  # library chatter stays out of the demo's screen


def test_run_without_token_and_without_terminal_explains() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", "run", "--config", "config.example.toml"],
        input="", capture_output=True, text=True, cwd=ROOT, env=demo_env(), timeout=60, check=False,
    )
    assert result.returncode == 2 and "BUURTWACHT_TOKEN" in result.stderr


class Terminal:
    """A program on a pseudo-terminal; reads wait on its output, never on a timer."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its controlling terminal
            os.chdir(cwd)
            os.execvpe(argv[0], argv, demo_env())
        self.pid, self.fd = pid, fd
        self.output = ""
        self.mark = 0

    def _read(self, deadline: float) -> bool:
        """Read what is there; False at the end of the output (the program closed the pty)."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child is gone
            return False
        self.output += chunk.decode("utf-8", errors="replace")
        return bool(chunk)

    def expect(self, text: str, within: float = 30.0) -> float:
        """Wait for ``text`` after the last mark; returns the seconds it took."""
        began = time.monotonic()
        deadline = began + within
        while text not in self.output[self.mark:]:
            if time.monotonic() >= deadline or not self._read(deadline):
                raise AssertionError(f"{text!r} did not appear; the terminal shows:\n{self.output[-3000:]}")
        self.mark = self.output.index(text, self.mark) + len(text)
        return time.monotonic() - began

    def type(self, data: str) -> None:
        os.write(self.fd, data.encode("utf-8"))

    def exit_code(self, within: float = 30.0) -> int:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if not self._read(deadline):
                break
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            raise AssertionError(f"the program did not end within {within} s:\n{self.output[-3000:]}")
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        os.close(self.fd)


def test_at_a_terminal_local_commands_answer_at_once_and_ctrl_c_quits_cleanly() -> None:
    terminal = Terminal([sys.executable, "-m", "bot.ops.cli", "demo"], ROOT)
    try:
        terminal.expect("bewoner@privé> ")
        terminal.type("/as wijkagent\n")
        # A console command is answered by the console: no waiting for the bot (it was 3 s).
        assert terminal.expect("wijkagent@privé> ") < 1.5
        terminal.type("/groep\n")
        assert terminal.expect("wijkagent@groep> ") < 1.5
        terminal.type("/prive\n/as bewoner\n/melding\n")
        terminal.expect("Wat wil je melden?")
        terminal.expect("bewoner@privé> ")
        terminal.type("\x03")  # Ctrl-C, through the terminal's line discipline
        assert terminal.exit_code() == 0
        assert "Demo gestopt." in terminal.output[terminal.mark:]
        assert "Traceback" not in terminal.output
    finally:
        terminal.close()


def test_run_at_a_terminal_without_token_or_config_plays_the_example(tmp_path: Path) -> None:
    """`buurtwacht run` in a folder without config.toml: the demo, on config.example.toml."""
    terminal = Terminal([sys.executable, "-m", "bot.ops.cli", "run"], tmp_path)
    try:
        terminal.expect("no bot token")
        terminal.expect("Starting the offline demo instead")
        terminal.expect(f"(config.toml niet gevonden: de demo speelt {ROOT / 'config.example.toml'})")
        terminal.expect("bewoner@privé> ")
        terminal.type("/melding\n")
        terminal.expect("Wat wil je melden?")
        terminal.expect("bewoner@privé> ")
        terminal.type("/stop\n")
        assert terminal.exit_code() == 0
        assert "Demo gestopt." in terminal.output and "config file not found" not in terminal.output
    finally:
        terminal.close()
