"""Every button of the desk: its callback data built and parsed here, and nowhere else.

Callback data can be forged: parsing only says what a press asks for; the service checks who
may do it (bot.desk.service).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.core import help as labels
from bot.core.domain import OPEN_STATUSES, SightingStatus
from bot.core.i18n import N_, Translator

PAGE_SIZE = 5


class Filter(StrEnum):
    """What /meldingen lists: open (new and picked up), only new, only picked up, or everything
    (closed ones of the last week too, so a report can be reopened)."""

    OPEN = "open"
    NEW = "new"
    TAKEN = "taken"
    ALL = "all"


FILTER_LABELS: dict[Filter, str] = {
    Filter.OPEN: N_("Open"),
    Filter.NEW: N_("Nieuw"),
    Filter.TAKEN: N_("Opgepakt"),
    Filter.ALL: N_("Alles"),
}

# The outcome buttons under an officer's copy ("resolved": the old "Opgelost" button, still
# under messages sent before the outcomes were renamed).
_OUTCOME_WORDS: dict[str, SightingStatus] = {
    "take": SightingStatus.ACKNOWLEDGED,
    "done": SightingStatus.RESOLVED,
    "none": SightingStatus.NO_ACTION,
    "false": SightingStatus.FALSE_ALARM,
    "resolved": SightingStatus.RESOLVED,
}
_WORD_OF: dict[SightingStatus, str] = {
    SightingStatus.ACKNOWLEDGED: "take",
    SightingStatus.RESOLVED: "done",
    SightingStatus.NO_ACTION: "none",
    SightingStatus.FALSE_ALARM: "false",
}


class Action(StrEnum):
    OUTCOME = "outcome"  # ack:<id>:<word>
    LIST = "l"  # dk:l:<filter>:<page>
    OPEN = "o"  # dk:o:<id>  the full report
    REOPEN = "r"  # dk:r:<id>
    ASK = "q"  # dk:q:<id>  "Vraag aan melder"
    HAND_OVER = "h"  # dk:h:<id>  choose a colleague
    HAND_TO = "t"  # dk:t:<id>:<officer>
    NOTE = "n"  # dk:n:<id>  a closing note to the reporter
    ANSWER = "a"  # dk:a:<question id>  the reporter answers
    CANCEL = "x"  # dk:x  stop waiting for a typed line
    SKIP = "s"  # dk:s  hand over without a note


@dataclass(frozen=True, slots=True)
class Press:
    action: Action
    ref: int = 0  # incident id (question id for ANSWER, page for LIST)
    status: SightingStatus | None = None
    target: int | None = None  # a hand-over's officer
    filter: Filter = Filter.OPEN


_ACK = re.compile(r"ack:([0-9]{1,12}):(take|done|none|false|resolved)")
_LIST = re.compile(r"dk:l:(open|new|taken|all):([0-9]{1,4})")
_ONE = re.compile(r"dk:([orqhna]):([0-9]{1,12})")
_HAND_TO = re.compile(r"dk:t:([0-9]{1,12}):([0-9]{1,15})")


def parse(data: str | None) -> Press | None:
    """The press a callback data asks for, or None when it is not one of ours or malformed."""
    data = data or ""
    if match := _ACK.fullmatch(data):
        return Press(Action.OUTCOME, int(match[1]), status=_OUTCOME_WORDS[match[2]])
    if match := _LIST.fullmatch(data):
        return Press(Action.LIST, int(match[2]), filter=Filter(match[1]))
    if match := _ONE.fullmatch(data):
        return Press(Action(match[1]), int(match[2]))
    if match := _HAND_TO.fullmatch(data):
        return Press(Action.HAND_TO, int(match[1]), target=int(match[2]))
    if data == CANCEL:
        return Press(Action.CANCEL)
    if data == SKIP:
        return Press(Action.SKIP)
    return None


# Handlers register on these: everything parse() reads starts with one of them.
PATTERNS = (r"^ack:", r"^dk:")


def outcome(incident_id: int, status: SightingStatus) -> str:
    return f"ack:{incident_id}:{_WORD_OF[status]}"


def list_page(filter_: Filter, page: int) -> str:
    return f"dk:l:{filter_.value}:{page}"


def one(action: Action, ref: int) -> str:
    assert action in (Action.OPEN, Action.REOPEN, Action.ASK, Action.HAND_OVER, Action.NOTE, Action.ANSWER)
    return f"dk:{action.value}:{ref}"


def hand_to(incident_id: int, officer_id: int) -> str:
    return f"dk:t:{incident_id}:{officer_id}"


CANCEL = "dk:x"
SKIP = "dk:s"


# ---------------------------------------------------------------------------- keyboards


def _keyboard(rows: list[list[tuple[str, str]]]) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": text, "callback_data": data} for text, data in row] for row in rows if row]}


def officer_keyboard(t: Translator, incident_id: int, status: SightingStatus = SightingStatus.NEW) -> dict[str, Any]:
    """The buttons under an officer's copy of a report, for the incident's state: the outcomes
    while it is open, reopen and a closing note once it is closed."""
    if status in OPEN_STATUSES:
        first = [(t.gettext(labels.TAKE_BUTTON), outcome(incident_id, SightingStatus.ACKNOWLEDGED))] \
            if status is SightingStatus.NEW else []
        return _keyboard([
            [*first, (t.gettext(labels.ASK_BUTTON), one(Action.ASK, incident_id))],
            [(t.gettext(labels.DONE_BUTTON), outcome(incident_id, SightingStatus.RESOLVED)),
             (t.gettext(labels.NO_ACTION_BUTTON), outcome(incident_id, SightingStatus.NO_ACTION))],
            [(t.gettext(labels.FALSE_ALARM_BUTTON), outcome(incident_id, SightingStatus.FALSE_ALARM)),
             (t.gettext(labels.HAND_OVER_BUTTON), one(Action.HAND_OVER, incident_id))],
        ])
    return _keyboard([[(t.gettext("↩️ Heropenen"), one(Action.REOPEN, incident_id)),
                       (t.gettext("✍️ Notitie aan melder"), one(Action.NOTE, incident_id))]])


def answer_keyboard(t: Translator, question_id: int) -> dict[str, Any]:
    return _keyboard([[(t.gettext("✍️ Antwoorden"), one(Action.ANSWER, question_id))]])


def cancel_keyboard(t: Translator, *, skip: bool = False) -> dict[str, Any]:
    """Under a prompt for a typed line: cancel, and for a hand-over also "without a note"."""
    return _keyboard([[*([(t.gettext("Zonder notitie"), SKIP)] if skip else []), (t.gettext("Annuleren"), CANCEL)]])
