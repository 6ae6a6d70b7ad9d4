"""The yearly wijkagenda survey, as pure rules: the ballot, the window, the count.

The Helmond safety plan asks residents each year which "kleine ergernissen" the gemeente and
the police should tackle in their wijk. Residents who follow a buurt get a ballot for its
wijk; the top 3 per wijk goes to the wijk's BOA, wijkagent and coordinators.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config.schema import SURVEY_OPTIONS
from bot.core.i18n import translator

if TYPE_CHECKING:
    from bot.config.schema import Config

MAX_CHOICES = 3
MAX_OPTIONS = 12  # a selection is a bit mask in the button data (64 bytes at most)

# Ballot buttons, built and parsed here only:
# sv:<survey id>:<wijkcode>:<selection mask>:<option index | d (done)>
BALLOT_PREFIX = "sv:"
BALLOT_PATTERN = r"^sv:"  # what the handler's CallbackQueryHandler takes
# ASCII digits and the whole string (``$`` would also take a trailing newline).
BALLOT_DATA = re.compile(r"sv:([0-9]{1,9}):(WK[0-9]{6}):([0-9]{1,4}):([0-9]{1,2}|d)")


@dataclass(frozen=True, slots=True)
class SurveyWindow:
    """Open from (month, day) to (month, day) inclusive, every year (the config's [survey])."""

    opens: tuple[int, int]
    closes: tuple[int, int]

    def state(self, today: dt.date) -> str:
        md = (today.month, today.day)
        if self.opens <= md <= self.closes:
            return "open"
        return "closed" if md > self.closes else "before"


@dataclass(frozen=True, slots=True)
class BallotPress:
    """One press on a ballot button, decoded."""

    survey_id: int
    wijk_code: str
    mask: int
    option: int | None  # None: "Klaar"


def ballot_data(survey_id: int, wijk_code: str, mask: int, option: int | None) -> str:
    """The callback_data of a ballot button: toggle ``option``, or "Klaar" when it is None."""
    action = "d" if option is None else str(option)
    return f"{BALLOT_PREFIX}{survey_id}:{wijk_code}:{mask}:{action}"


def parse_press(data: str | None) -> BallotPress | None:
    match = BALLOT_DATA.fullmatch(data or "")
    if match is None:
        return None
    action = match[4]
    return BallotPress(int(match[1]), match[2], int(match[3]), None if action == "d" else int(action))


def chosen(mask: int, options: tuple[str, ...]) -> list[str] | None:
    """The option keys a mask selects, or None when it names an option the ballot lacks."""
    if mask < 0 or mask >= 1 << len(options):
        return None
    return [key for i, key in enumerate(options) if mask & (1 << i)]


def toggle(mask: int, option: int, options: tuple[str, ...]) -> int | None:
    """The new mask, or None when the option does not exist or a fourth would be chosen."""
    if not 0 <= option < len(options):
        return None
    new = mask ^ (1 << option)
    return new if bin(new).count("1") <= MAX_CHOICES else None


def options_for(config: Config, gemeente_code: str) -> tuple[str, ...]:
    """The ballot of a gemeente: its own list, or the built-in list plus the config's own options."""
    gemeente = config.gemeente(gemeente_code)
    if gemeente is not None and gemeente.survey_options:
        return gemeente.survey_options
    extra = tuple(o.key for o in config.survey.options if o.key not in SURVEY_OPTIONS)
    return (tuple(SURVEY_OPTIONS) + extra)[:MAX_OPTIONS]


def option_label(config: Config, key: str, language: str) -> str:
    own = config.survey.option(key)
    if own is not None:
        return own.labels.get(language) or own.labels["nl"]
    if key in SURVEY_OPTIONS:
        return translator(language).gettext(SURVEY_OPTIONS[key])
    return key  # an option of an earlier year that the config no longer has


def top_three(ballots: Iterable[Iterable[str]]) -> list[tuple[int, str, int]]:
    """(rank, option, votes), best first. Equal votes share a rank (1, 2, 2, 4) and are listed
    alphabetically; every option ranked 1-3 is shown, so a tie for third shows more than three."""
    counts = Counter(choice for ballot in ballots for choice in set(ballot))
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    result: list[tuple[int, str, int]] = []
    rank = 0
    previous = None
    for position, (option, votes) in enumerate(ordered, start=1):
        if votes != previous:
            rank = position
            previous = votes
        if rank > MAX_CHOICES:
            break
        result.append((rank, option, votes))
    return result
