"""Neutralising user text before others see it, and keeping it out of logs."""

from __future__ import annotations

import html
import re
import unicodedata

from bot.core.i18n import LANGUAGES, translator

# Bidirectional overrides and isolates: they can make "gnp.exe" read as "exe.png", or turn a
# description around in someone else's chat.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Zero-width characters hide text or split words that a filter would otherwise match. The
# joiner U+200D also builds some emoji; losing it splits such an emoji, which is acceptable.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_MARKDOWN_V2 = re.compile(r"([_*\[\]()~`>#+\-=|{}.!\\])")
_PHONE = re.compile(r"(?:(?:\+|00)31[\s-]?|0)(?:6[\s-]?(?:\d[\s-]?){8}|[1-9](?:[\s-]?\d){8})")


def _allowed(ch: str) -> bool:
    if ch in "\n\t":
        return True
    if ch in BIDI_CONTROLS or ch in ZERO_WIDTH:
        return False
    return unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")


# In ASCII the only characters _allowed refuses are the controls other than tab and newline.
_ASCII_REFUSED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _refused_removed(text: str) -> str:
    """NFC, and the characters _allowed refuses taken out; tabs become spaces."""
    if text.isascii():  # most texts: one regex instead of a Unicode lookup per character
        return _ASCII_REFUSED.sub("", text).replace("\t", " ")
    return _refused_removed_by_character(unicodedata.normalize("NFC", text))


def _refused_removed_by_character(text: str) -> str:
    return "".join(ch for ch in text if _allowed(ch)).replace("\t", " ")


def clean_text(text: str, max_len: int) -> str:
    """NFC, no control/format characters, at most two blank lines in a row, trimmed, cut at
    ``max_len`` on a character boundary with '…'."""
    text = _refused_removed(text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    if len(text) > max_len:
        text = text[: max(0, max_len - 1)].rstrip() + "…"
    return text


def escape_html(text: str) -> str:
    """For Telegram's HTML parse mode."""
    return html.escape(text, quote=True)


def escape_markdown_v2(text: str) -> str:
    return _MARKDOWN_V2.sub(r"\\\1", text)


def safe_display_name(first: str | None, last: str | None = None, username: str | None = None,
                      max_len: int = 64) -> str:
    name = clean_text(" ".join(p for p in (first, last) if p), max_len)
    if not name and username:
        name = "@" + clean_text(username, max_len)
    return escape_html(name or "?")


# Telegram user ids have at most 52 significant bits (Bot API docs), so at most 16 digits.
TELEGRAM_ID_MAX = 2**52 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,16}")


def parse_bounded_int(text: str | None, low: int, high: int, *, max_digits: int = 12) -> int | None:
    """A whole number typed by someone, or None: ASCII digits only, at most ``max_digits``, in
    [low, high]. ``str.isdigit`` and ``int`` accept "²", "١٢" or a hundred digits; SQLite and
    timedelta then raise (OverflowError) far from the input."""
    if text is None or len(text) > max_digits or not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


# Ids typed by people (team numbers, radii): ASCII digits only, and short enough for SQLite's
# 64-bit integers. str.isdigit() would let "²" or "٣" through, and int() of 30 digits overflows
# at the database.
ID_MAX_DIGITS = 9


def parse_id(text: str | None) -> int | None:
    """A whole number (0 included) of at most 9 ASCII digits, or None."""
    return parse_bounded_int(text, 0, 10**ID_MAX_DIGITS - 1, max_digits=ID_MAX_DIGITS)


def parse_user_id(text: str | None) -> int | None:
    """A Telegram user id as typed in a command: 1 … 2**52 - 1."""
    return parse_bounded_int(text, 1, TELEGRAM_ID_MAX, max_digits=16)


def looks_like_phone_number(text: str) -> bool:
    return bool(_PHONE.search(text))


def strip_phone_numbers(text: str) -> str:
    return _PHONE.sub("[telefoonnummer]", text)


def redact_for_log(text: str | None) -> str:
    """Logs never hold what people wrote: only its shape."""
    if text is None:
        return "<none>"
    return f"<text {len(text)} chars, {len(text.split())} words>"


# --- erasure: the reporter line in officers' copies of a report -------------------------------

def _prefix(template: str) -> str:
    """The fixed start of a translated "Label: {value}" line."""
    return template.partition("{")[0]


def strip_reporter_line(text: str, language: str) -> str:
    """The officer's copy of a report without its "Melder: …" line (bot/reports/texts.py writes it).

    Only lines after the reference line count, so a description that happens to start with
    the same word stays whole. Every supported language's label is tried, as the stored
    language may not be the one the message was written in.
    """
    order = [language, *(lang for lang in LANGUAGES if lang != language)]
    reporter = {_prefix(translator(lang).gettext("Melder: {reporter}")) for lang in order}
    reference = {_prefix(translator(lang).gettext("Referentie: {reference}")) for lang in order}
    lines = text.split("\n")
    start = 0
    for index, line in enumerate(lines):
        if any(line.startswith(p) for p in reference):
            start = index + 1
    kept = lines[:start] + [line for line in lines[start:] if not any(line.startswith(p) for p in reporter)]
    return "\n".join(kept)


MESSAGE_LIMIT = 4096  # Telegram's limit for a message's text, counted after entity parsing


def pack_lines(lines: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Plain-text lines packed into as few messages as fit within ``limit`` characters each,
    never splitting a line (a line longer than the limit is cut)."""
    messages: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        if current and len(current) + 1 + len(line) > limit:
            messages.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current or not messages:
        messages.append(current)
    return messages
