"""Telegram handlers: thin layers that parse an update, call domain code and reply."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application


def register_all(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    from handlers import (
        broadcast,
        insight,
        lifecycle,
        officer,
        patrol,
        privacy,
        report,
        start,
        survey,
        teams,
        tips,
    )

    report.register(app)  # first: an active report takes the resident's messages
    start.register(app)
    officer.register(app)
    privacy.register(app)
    teams.register(app)
    broadcast.register(app)
    tips.register(app)
    insight.register(app)
    lifecycle.register(app)
    survey.register(app)
    patrol.register(app)
