"""clean_text: what others see of a resident's text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.textsafety import _refused_removed, _refused_removed_by_character, clean_text


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_loses_what_the_character_by_character_rule_removes(text: str) -> None:
    assert _refused_removed(text) == _refused_removed_by_character(text)


@given(st.text(), st.integers(min_value=1, max_value=80))
def test_cleaned_text_is_within_its_length_and_has_no_controls(text: str, max_len: int) -> None:
    cleaned = clean_text(text, max_len)
    assert len(cleaned) <= max_len
    assert all(ch == "\n" or ch.isprintable() or not ch.isascii() for ch in cleaned)
    assert cleaned == clean_text(cleaned, max_len)  # cleaning twice changes nothing


def test_controls_go_and_tabs_become_spaces() -> None:
    assert clean_text("man\x07 bij\tde\r\nachterom\x1b\x7f", 100) == "man bij de\nachterom"
    assert clean_text("a\u202eb\u200bc", 100) == "abc"
