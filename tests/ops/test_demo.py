"""`buurtwacht demo` works as a new user would try it: no token, no internet.

Piped input plays the lines as a script; the interactive path is driven through a real
pseudo-terminal (the child gets it as its controlling terminal, so Ctrl-C is a real SIGINT
from the terminal's line discipline, as when a person presses it).
"""

from __future__ import annotations

import os
import pty
import re
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
    # point, and Enter shares one in the buurt of the config's first team (Helmond's Centrum).
    # Button numbers start at 1 on each screen.
    assert "│   [1] 📍 Deel mijn locatie" in out
    assert "→ Telegram vraagt je locatie te delen" in out and "Enter voor Helmond, Centrum" in out
    assert "│   [1] 📞 Bel 112" in out and "│   [1] ✅ Versturen" in out
    assert max(int(n) for n in re.findall(r"│   \[(\d+)\]", out)) == 11  # the longest screen: the categories
    assert "📍 Gevonden: Centrum (Helmond)" in out and "Wanneer was het" in out
    assert "→ [foto] verstuurd" in out and "Foto: ja" in out
    assert "✅ Ontvangen. Je referentie is M-2026-00001." in out
    assert "│ [foto] M-2026-00001" in out  # the photo re-sent to the wijkagent is marked
    assert "je bent nu Wijkagent 10 (voorbeeld)" in out  # the name the config gives
    assert "Demo gestopt." in out
    assert "Traceback" not in result.stderr
    # No log lines between the screens (nor library chatter) unless --log-level asks.
    assert result.stderr == "", result.stderr


def test_run_without_token_plays_the_demo_from_a_pipe_until_it_ends() -> None:
    """The README's command with lines piped in (no terminal): the demo plays them."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", "config.example.toml"],
        input="/start\n/melding\n", capture_output=True, text=True, cwd=ROOT, env=demo_env(), timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "BUURTWACHT_TOKEN" in result.stderr and "Nu start de offline demo" in result.stderr
    assert "no bot token" not in result.stderr  # the config's language (Dutch), not the CLI's English
    assert "Welkom bij Buurtwacht" in result.stdout and "Wat wil je melden?" in result.stdout
    assert result.stdout.rstrip().endswith("Demo gestopt.")
    # Nothing piped in at all: the demo starts and ends at once.
    empty = subprocess.run([sys.executable, "-m", "bot", "run", "--config", "config.example.toml"], input="",
                           capture_output=True, text=True, cwd=ROOT, env=demo_env(), timeout=120, check=False)
    assert empty.returncode == 0 and "Demo gestopt." in empty.stdout


def test_a_service_without_token_fails_instead_of_playing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--no-demo", "--config", "config.example.toml"],
        input="", capture_output=True, text=True, cwd=ROOT, env=demo_env(), timeout=60, check=False,
    )
    assert result.returncode == 2 and "BUURTWACHT_TOKEN" in result.stderr and "Demo" not in result.stdout
    # The unit and the image ask for that: a missing token must not look like a clean exit.
    assert "run --no-demo" in (ROOT / "deploy" / "buurtwacht.service").read_text()
    assert '"--no-demo"' in (ROOT / "Dockerfile").read_text()


WAALRE_CONFIG = """\
[bot]
language = "en"

[areas.waalre]
code = "GM0866"
name = "Waalre"
polygons = "{polygons}"
fallback_desk = [{{ id = 400101, name = "Meldpunt Waalre" }}]

[[areas.waalre.wijken]]
code = "WK086600"
name = "Waalre"
wijkagenten = [{{ id = 200866, name = "Wijkagent Waalre" }}]
  [[areas.waalre.wijken.buurten]]
  code = "BU08660000"
  name = "Waalre"
  [[areas.waalre.wijken.buurten]]
  code = "BU08660001"
  name = "Aalst"

[[teams]]
name = "BPT Aalst"
buurten = ["BU08660001"]
coordinators = [500866]
groups = [-1001000000866]
"""


def test_the_demo_plays_the_given_config_in_its_language(tmp_path: Path) -> None:
    """Personas from the config (its first wijk with an officer and a team), and the
    console's own lines in the config's language."""
    config = tmp_path / "waalre.toml"
    config.write_text(WAALRE_CONFIG.format(polygons=ROOT / "bot" / "data" / "cbs-2024-buurten-helmond-kempen.geojson"),
                      encoding="utf-8")
    script = "/melding\n=Suspicious person\n=Yes\n=Share\n\n/as coordinator\n/groep\n/as wijkagent\n/hulp\n"
    result = subprocess.run([sys.executable, "-m", "bot", "demo", "--config", str(config)], input=script,
                            capture_output=True, text=True, cwd=tmp_path, env=demo_env(), timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Buurtwacht demo: the bot talks to a Telegram stand-in" in out and "Commands (everything else" in out
    assert "Opdrachten" not in out and "Helmond" not in out and "Binnenstad" not in out
    assert "bewoner@private> /melding" in out and "What do you want to report?" in out
    assert "Enter for Waalre, Aalst" in out and "📍 Found: Aalst (Waalre)" in out
    assert "you are now Cor (coordinator BPT Aalst)" in out and "you now type in the group BPT Aalst" in out
    assert "you are now Wijkagent Waalre" in out
    assert out.rstrip().endswith("Demo stopped.")


def test_a_new_gemeente_without_officers_or_teams_plays_with_stand_ins(tmp_path: Path) -> None:
    """A gemeente's first config has its officers as invites and no teams: the demo gives its
    first wijk a wijkagent and its first buurt a team that exist only in the demo."""
    config = tmp_path / "bare.toml"
    config.write_text(WAALRE_CONFIG.split("[[teams]]")[0].replace(
        '[{{ id = 200866, name = "Wijkagent Waalre" }}]', '[{{ invite = "Wijkagent Waalre" }}]').format(
        polygons=ROOT / "bot" / "data" / "cbs-2024-buurten-helmond-kempen.geojson"), encoding="utf-8")
    script = "/as wijkagent\n/as coordinator\n/groep\n/melding\n"
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--config", str(config)], input=script,
                            capture_output=True, text=True, cwd=tmp_path, env=demo_env(), timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "has no wijk with a community officer (with a Telegram id) and a team yet" in result.stderr
    assert "Waalre, Waalre" in result.stderr
    out = result.stdout
    assert "you are now Community officer Waalre" in out and "you are now Cor (coordinator BPT Waalre)" in out
    assert "you now type in the group BPT Waalre" in out
    assert "Demo stopped." in out and "Traceback" not in result.stderr


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
        terminal.expect("geen bot-token")
        terminal.expect("Nu start de offline demo")
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


def test_demo_prints_the_maps_local_links() -> None:
    """The Mini App in a browser: links to the bot's own web server, signed in as Telegram would."""
    from urllib.parse import unquote

    out = run_demo("/as bewoner\n").stdout
    links = re.findall(r"Kaart \(Mini App\) in je browser, als ([^:]+): (http://127\.0\.0\.1:\d+/webapp/\?mode=(\w+)#tgWebAppData=(\S+))", out)
    assert [(mode) for _, _, mode, _ in links] == ["map", "place"]
    assert all("hash%3D" in data or "hash=" in unquote(data) for _, _, _, data in links)
