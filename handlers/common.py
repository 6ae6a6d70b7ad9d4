"""Small helpers every handler uses: services, the user, their language."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.ext import CallbackContext

from bot.core.i18n import Translator
from bot.core.textsafety import clean_text, parse_bounded_int
from bot.runtime.services import Services
from bot.teams.invites import deep_link
from handlers.context import BuurtwachtContext, user_translator

# Ids typed by people (team numbers, radii): ASCII digits only, and short enough for SQLite's
# 64-bit integers. str.isdigit() would let "²" or "٣" through, and int() of 30 digits overflows
# at the database.
ID_MAX_DIGITS = 9
_COORDINATE = re.compile(r"-?[0-9]{1,3}(?:[.,][0-9]{1,10})?")


def parse_id(text: str | None) -> int | None:
    """A whole number (0 included) of at most 9 ASCII digits, or None."""
    return parse_bounded_int(text, 0, 10**ID_MAX_DIGITS - 1, max_digits=ID_MAX_DIGITS)


def parse_coordinate(text: str | None, limit: float) -> float | None:
    """A decimal degree within ±limit (a comma works as decimal point), or None: no 'nan',
    'inf' or exponents."""
    if text is None or not _COORDINATE.fullmatch(text):
        return None
    value = float(text.replace(",", "."))
    return value if -limit <= value <= limit else None


def services_of(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """``context.services`` for handlers still typed with PTB's default context."""
    return cast(BuurtwachtContext, context).services


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """(text, callback_data) rows, as the feature services build them, as Telegram's markup."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in row]
                                 for row in rows])


async def refer_to_private_chat(update: Update, context: BuurtwachtContext,
                                text: Callable[[Translator, str], str], *, start: str | None = None) -> None:
    """A command that belongs in a private chat, typed in a group: one line, ``text(t, link)``,
    with the link that opens the private chat (and sends ``/start <start>`` there)."""
    message = update.effective_message
    if message is None:
        return
    t = await user_translator(update, context)
    await message.reply_text(text(t, deep_link(context.bot.username, start)),
                             link_preview_options=LinkPreviewOptions(is_disabled=True))


def display_label(update: Update) -> str | None:
    """How officers see the reporter: name and @handle. Never shown to groups."""
    user = update.effective_user
    if user is None:
        return None
    label = clean_text(user.full_name, 64)
    if user.username:
        label += f" (@{user.username})"
    return label[:128]
