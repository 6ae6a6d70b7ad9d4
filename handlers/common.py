"""Small helpers every handler uses: typed numbers, keyboards, the user, their language."""

from __future__ import annotations

import re
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update

from bot.core.i18n import Translator
from bot.core.textsafety import ID_MAX_DIGITS, clean_text, parse_id
from bot.teams.invites import deep_link
from handlers.context import BuurtwachtContext, user_translator

__all__ = ["ID_MAX_DIGITS", "display_label", "keyboard", "parse_coordinate", "parse_id",
           "refer_to_private_chat", "user_translator"]

_COORDINATE = re.compile(r"-?[0-9]{1,3}(?:[.,][0-9]{1,10})?")


def parse_coordinate(text: str | None, limit: float) -> float | None:
    """A decimal degree within ±limit (a comma works as decimal point), or None: no 'nan',
    'inf' or exponents."""
    if text is None or not _COORDINATE.fullmatch(text):
        return None
    value = float(text.replace(",", "."))
    return value if -limit <= value <= limit else None


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
