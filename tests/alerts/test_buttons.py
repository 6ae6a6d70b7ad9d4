"""A broadcast's buttons: their data built and parsed in bot/alerts/buttons.py only."""

from __future__ import annotations

import pytest

from bot.alerts.broadcasts import end_keyboard
from bot.alerts.buttons import BroadcastAction, BroadcastButton, button_data, parse_button


def test_round_trip() -> None:
    for action in BroadcastAction:
        assert parse_button(button_data(action, 123_456_789)) == BroadcastButton(action, 123_456_789)
    data = end_keyboard("nl", 5).inline_keyboard[0][0].callback_data
    assert parse_button(data if isinstance(data, str) else None) == BroadcastButton(BroadcastAction.END, 5)


@pytest.mark.parametrize("data", [None, "", "bc:", "bc:send", "bc:send:", "bc:stuur:1", "bc:send:x",
                                  "bc:send:1234567890", "bc:send:1:2", "xbc:send:1", "bc:SEND:1", "bc:send:-1"])
def test_forged_data_is_refused(data: str | None) -> None:
    assert parse_button(data) is None
