"""Packing lines into messages within Telegram's 4 096 characters."""

from __future__ import annotations

from bot.core.textsafety import pack_lines


def test_lines_are_packed_whole_and_within_the_limit() -> None:
    lines = [f"regel {n:03d}" for n in range(100)]  # 9 characters each
    messages = pack_lines(lines, limit=50)
    assert all(len(m) <= 50 for m in messages)
    assert "\n".join(messages).split("\n") == lines  # nothing lost, nothing split, order kept


def test_one_short_answer_stays_one_message_and_an_overlong_line_is_cut() -> None:
    assert pack_lines(["Nog niemand."]) == ["Nog niemand."]
    assert pack_lines(["x" * 5000]) == ["x" * 4096]
