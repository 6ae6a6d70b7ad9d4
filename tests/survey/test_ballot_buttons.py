"""Ballot button data: built and parsed in bot.survey.rules only, and forged data refused."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.survey.rules import BALLOT_PATTERN, MAX_OPTIONS, BallotPress, ballot_data, parse_press

MAX_MASK = (1 << MAX_OPTIONS) - 1


@given(survey_id=st.integers(1, 10**9 - 1), wijk=st.from_regex(r"WK[0-9]{6}", fullmatch=True),
       mask=st.integers(0, MAX_MASK), option=st.one_of(st.none(), st.integers(0, MAX_OPTIONS - 1)))
def test_every_ballot_button_parses_back_to_what_was_built(survey_id: int, wijk: str, mask: int,
                                                          option: int | None) -> None:
    data = ballot_data(survey_id, wijk, mask, option)
    assert len(data.encode()) <= 64  # Telegram's limit for callback_data
    assert data.startswith(BALLOT_PATTERN.removeprefix("^"))
    assert parse_press(data) == BallotPress(survey_id, wijk, mask, option)


def test_forged_and_garbage_data_is_refused() -> None:
    good = ballot_data(7, "WK079410", 5, 3)
    assert parse_press(good) is not None
    for forged in (
        None, "", "sv:", "sv:7:WK079410:5", good + ":1", good + "\n", " " + good, "tips:pause",
        "sv:-7:WK079410:5:3", "sv:7:BU07941000:5:3", "sv:7:wk079410:5:3", "sv:7:WK079410:5:x",
        "sv:7:WK079410:99999:1", "sv:7:WK079410:1:100", "sv:1234567890:WK079410:1:1", "sv:7:WK079410:٣:1",
    ):
        assert parse_press(forged) is None, forged
