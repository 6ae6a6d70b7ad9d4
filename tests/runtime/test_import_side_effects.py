"""Importing the bot changes no process-wide state: warning filters are set where the
application is built (bot.delivery.transport.allow_calls_by_name), not on import."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

# Libraries the bot uses may add their own filters on import (numpy does); the bot's own is
# the one for python-telegram-bot's warnings.
CHECK = """
import warnings
from telegram.warnings import PTBUserWarning

def ours():
    return [f for f in warnings.filters if f[2] is PTBUserWarning]

import bot.app.registry, bot.app.application, handlers.common, handlers.report, bot.delivery.transport
assert ours() == [], ours()
from bot.delivery.transport import allow_calls_by_name
allow_calls_by_name()
assert len(ours()) == 1
"""


def test_importing_the_bot_sets_no_warning_filter() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, env=env, check=False,
                            timeout=60)
    assert result.returncode == 0, result.stderr
