"""Follow links: ``t.me/<bot>?start=volg_<buurtcode>`` or ``…?start=volg_team<nr>``, the
buttons of the follow conversation, and /abonneer's "keep my address" button. Pure: payloads
and callback data are built and parsed here only.

A /start payload may hold 1-64 characters of ``[A-Za-z0-9_-]``; ``volg_BU08660001`` and
``volg_team12`` fit, and the invite tokens (32 characters of the same alphabet) never start
with ``volg_`` because the handler looks at this prefix first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core.i18n import LANGUAGES
from bot.teams.invites import deep_link

PAYLOAD_PREFIX = "volg_"
TEAM_WORD = "team"
_TARGET = re.compile(r"(BU[0-9]{8})|team([1-9][0-9]{0,8})")
CALLBACK_PREFIX = "volg"


class TargetKind(StrEnum):
    BUURT = "buurt"
    TEAM = "team"


@dataclass(frozen=True, slots=True)
class FollowTarget:
    """What a link follows: one buurt (its CBS code), or every buurt of a team (its number)."""

    kind: TargetKind
    buurt_code: str | None = None
    team_id: int | None = None

    @classmethod
    def buurt(cls, code: str) -> FollowTarget:
        return cls(TargetKind.BUURT, buurt_code=code)

    @classmethod
    def team(cls, team_id: int) -> FollowTarget:
        return cls(TargetKind.TEAM, team_id=team_id)

    @property
    def token(self) -> str:
        """``BU08660001`` or ``team12``: the part after ``volg_`` and in the buttons."""
        return self.buurt_code if self.kind is TargetKind.BUURT else f"{TEAM_WORD}{self.team_id}"  # type: ignore[return-value]


def parse_token(text: str) -> FollowTarget | None:
    match = _TARGET.fullmatch(text)
    if match is None:
        return None
    if match.group(1):
        return FollowTarget.buurt(match.group(1))
    return FollowTarget.team(int(match.group(2)))


def payload(target: FollowTarget) -> str:
    return PAYLOAD_PREFIX + target.token


def is_follow_payload(text: str) -> bool:
    return text.startswith(PAYLOAD_PREFIX)


def parse_payload(text: str) -> FollowTarget | None:
    """The target of a ``/start`` payload, or None (not a follow link, or a forged one)."""
    if not is_follow_payload(text):
        return None
    return parse_token(text[len(PAYLOAD_PREFIX):])


def follow_link(bot_username: str, target: FollowTarget) -> str:
    return deep_link(bot_username, payload(target))


# ---------------------------------------------------------------------------- buttons


class Step(StrEnum):
    LANGUAGE = "taal"  # volg:taal:<lang>:<target>
    CONFIRM = "ja"  # volg:ja:<target>
    CANCEL = "nee"  # volg:nee


@dataclass(frozen=True, slots=True)
class FollowButton:
    step: Step
    target: FollowTarget | None = None
    language: str | None = None


def language_data(language: str, target: FollowTarget) -> str:
    return f"{CALLBACK_PREFIX}:{Step.LANGUAGE}:{language}:{target.token}"


def confirm_data(target: FollowTarget) -> str:
    return f"{CALLBACK_PREFIX}:{Step.CONFIRM}:{target.token}"


def cancel_data() -> str:
    return f"{CALLBACK_PREFIX}:{Step.CANCEL}"


CALLBACK_PATTERN = rf"^{CALLBACK_PREFIX}:"


def parse_button(data: str) -> FollowButton | None:
    """A follow button's data, or None when it is not one this module made."""
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != CALLBACK_PREFIX:
        return None
    if parts[1] == Step.CANCEL and len(parts) == 2:
        return FollowButton(Step.CANCEL)
    if parts[1] == Step.CONFIRM and len(parts) == 3:
        target = parse_token(parts[2])
        return FollowButton(Step.CONFIRM, target) if target else None
    if parts[1] == Step.LANGUAGE and len(parts) == 4 and parts[2] in LANGUAGES:
        target = parse_token(parts[3])
        return FollowButton(Step.LANGUAGE, target, parts[2]) if target else None
    return None


# ---------------------------------------------------------------------------- /abonneer

KEEP_ADDRESS_PREFIX = "sub:addr:"  # sub:addr:<buurtcode>: "Bewaar ook mijn adres"
KEEP_ADDRESS_PATTERN = rf"^{KEEP_ADDRESS_PREFIX}"
_BUURT = re.compile(r"BU[0-9]{8}")


def keep_address_data(buurt_code: str) -> str:
    return KEEP_ADDRESS_PREFIX + buurt_code


def parse_keep_address(data: str) -> str | None:
    """The buurt of a keep-address button, or None when the data is not one this module made."""
    if not data.startswith(KEEP_ADDRESS_PREFIX):
        return None
    buurt = data[len(KEEP_ADDRESS_PREFIX):]
    return buurt if _BUURT.fullmatch(buurt) else None
