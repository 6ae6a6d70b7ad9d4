"""clean_text: what others see of a resident's text."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.core.textsafety import _allowed, clean_text


def reference(text: str, max_len: int) -> str:
    """The rule character by character, as clean_text states it."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if _allowed(ch)).replace("\t", " ")
    text = re.sub(r"\n{3,}", "\n\n", text)
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    if len(text) > max_len:
        text = text[: max(0, max_len - 1)].rstrip() + "…"
    return text


@given(st.text(alphabet=st.characters(max_codepoint=127)), st.integers(min_value=1, max_value=80))
def test_ascii_text_is_cleaned_as_the_rule_says(text: str, max_len: int) -> None:
    assert clean_text(text, max_len) == reference(text, max_len)


@given(st.text(), st.integers(min_value=1, max_value=80))
def test_any_text_is_cleaned_as_the_rule_says(text: str, max_len: int) -> None:
    assert clean_text(text, max_len) == reference(text, max_len)


def test_controls_go_and_tabs_become_spaces() -> None:
    assert clean_text("man\x07 bij\tde\r\nachterom\x1b\x7f", 100) == "man bij de\nachterom"
    assert clean_text("a\u202eb\u200bc", 100) == "abc"
