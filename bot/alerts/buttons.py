"""The buttons of a broadcast (/alarm, /gebiedsalarm): "Versturen" and "Annuleren" under the
sender's preview, "Opgelost: alarm beëindigen" under the progress message. Their callback data
is built and parsed here, and nowhere else.

Callback data can be forged: parsing only says what a press asks for; the handler checks that
the one who pressed is the broadcast's sender, and the service what its state allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

PREFIX = "bc"
PATTERN = rf"^{PREFIX}:"


class BroadcastAction(StrEnum):
    SEND = "send"  # bc:send:<id>
    CANCEL = "cancel"  # bc:cancel:<id>
    END = "end"  # bc:end:<id>


_DATA = re.compile(rf"{PREFIX}:({'|'.join(action.value for action in BroadcastAction)}):([0-9]{{1,9}})")


@dataclass(frozen=True, slots=True)
class BroadcastButton:
    action: BroadcastAction
    broadcast_id: int


def button_data(action: BroadcastAction, broadcast_id: int) -> str:
    return f"{PREFIX}:{action.value}:{broadcast_id}"


def parse_button(data: str | None) -> BroadcastButton | None:
    """A broadcast button's data, or None when it is not one this module made."""
    match = _DATA.fullmatch(data or "")
    return BroadcastButton(BroadcastAction(match[1]), int(match[2])) if match else None
