"""`buurtwacht demo` works as a new user would try it: no token, no internet."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = """\
/start
/melding
=Verdachte persoon
=Ja, gebeld
5701 AB 12
/as wijkagent
/as bewoner
"""


def run_demo(script: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BUURTWACHT_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--config", "config.example.toml"],
        input=script, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False,
    )


def test_demo_plays_a_report_without_token_or_internet() -> None:
    result = run_demo(SCRIPT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Welkom bij Buurtwacht" in out
    assert "🕵️ Verdachte persoon" in out
    assert "Heb je 112 gebeld" in out
    assert "Gevonden" in out and "Wanneer was het" in out
    assert "je bent nu Wijkagent Binnenstad" in out
    assert "Demo gestopt." in out
    assert "Traceback" not in result.stderr


def test_run_without_token_and_without_terminal_explains() -> None:
    env = {k: v for k, v in os.environ.items() if k != "BUURTWACHT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--config", "config.example.toml"],
        input="", capture_output=True, text=True, cwd=ROOT, env=env, timeout=60, check=False,
    )
    assert result.returncode == 2 and "BUURTWACHT_TOKEN" in result.stderr
