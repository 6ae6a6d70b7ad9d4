"""The patrol buttons: sign-up under an announcement or card, and the walk-report choice.
Their callback_data is built and parsed here only.

``pr:in:<round>`` · ``pr:out:<round>`` · ``pr:rep:<round>:<outcome>``. The data names a round
and what to do with it, never who may: bot.patrol.service checks the presser and the chat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.domain import WalkOutcome
from bot.core.i18n import N_, translator

PREFIX = "pr:"
PATTERN = r"^pr:"  # what the handler's CallbackQueryHandler takes
# ASCII digits and the whole string (``$`` would also take a trailing newline).
_SIGN = re.compile(r"pr:(in|out):([0-9]{1,12})")
_REPORT = re.compile(r"pr:rep:([0-9]{1,12}):(" + "|".join(o.value for o in WalkOutcome) + ")")

OUTCOME_LABELS = {
    WalkOutcome.NOTHING: N_("Niets bijzonders"),
    WalkOutcome.OBSERVATIONS: N_("Waarnemingen"),
    WalkOutcome.FOLLOW_UP: N_("Opvolging nodig"),
}


@dataclass(frozen=True, slots=True)
class SignUpPress:
    round_id: int
    join: bool  # "Ik loop mee"; False: "Afmelden"


@dataclass(frozen=True, slots=True)
class ReportPress:
    round_id: int
    outcome: WalkOutcome


def sign_up_data(round_id: int, *, join: bool) -> str:
    return f"{PREFIX}{'in' if join else 'out'}:{round_id}"


def report_data(round_id: int, outcome: WalkOutcome) -> str:
    return f"{PREFIX}rep:{round_id}:{outcome.value}"


def parse(data: str | None) -> SignUpPress | ReportPress | None:
    """The press a button's data stands for; None for anything the bot did not build."""
    if (match := _SIGN.fullmatch(data or "")) is not None:
        return SignUpPress(int(match[2]), join=match[1] == "in")
    if (match := _REPORT.fullmatch(data or "")) is not None:
        return ReportPress(int(match[1]), WalkOutcome(match[2]))
    return None


def sign_up_buttons(language: str, round_id: int) -> list[list[tuple[str, str]]]:
    """(text, callback_data) rows under an announcement or a /rondes card."""
    t = translator(language)
    return [[("✅ " + t.gettext("Ik loop mee"), sign_up_data(round_id, join=True)),
             ("↩️ " + t.gettext("Afmelden"), sign_up_data(round_id, join=False))]]


def report_buttons(language: str, round_id: int) -> list[list[tuple[str, str]]]:
    """(text, callback_data) rows under the walk-report question."""
    t = translator(language)
    return [[(t.gettext(OUTCOME_LABELS[o]), report_data(round_id, o))] for o in WalkOutcome]
