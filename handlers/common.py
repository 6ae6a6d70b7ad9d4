"""Small helpers every handler uses: services, the user, their language."""

from __future__ import annotations

import re
from collections.abc import Callable

from telegram import LinkPreviewOptions, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.core.i18n import Translator, supported, translator
from bot.core.textsafety import clean_text, parse_bounded_int
from bot.runtime.services import Services
from bot.teams.groups import private_chat_back
from bot.teams.invites import deep_link
from storage import users

SERVICES_KEY = "services"
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


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]  # type: ignore[no-any-return]


async def refer_to_private_chat(update: Update, context: ContextTypes.DEFAULT_TYPE,
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


async def user_translator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Translator:
    """The translator for the person behind the update; registers them on first contact."""
    services = services_of(context)
    tg_user = update.effective_user
    if tg_user is None:
        return translator(services.config.language)
    cache = context.user_data if context.user_data is not None else {}
    language = cache.get("language")
    # Someone who wrote in private can be written to (reminders, walk reports); remembered once.
    private = update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
    if language is None:
        stored = await users.get(services.db, tg_user.id)
        if stored is None:
            stored = await users.ensure(
                services.db,
                tg_user.id,
                language=supported(tg_user.language_code) or services.config.language,
                display_name=tg_user.full_name[:128],
                username=tg_user.username,
                private_chat=private,
            )
        elif private and (not stored.active or not stored.private_chat):
            # Only a private update proves they can be reached again: a button pressed in a
            # group says nothing about whether they still block the bot in private.
            if not stored.active:
                await private_chat_back(services, tg_user.id)
            stored = await users.ensure(
                services.db, tg_user.id, language=stored.language,
                display_name=tg_user.full_name[:128], username=tg_user.username, private_chat=private,
            )
        language = stored.language
        cache["language"] = language
        cache["private_chat"] = stored.private_chat
    else:
        if private and not cache.get("private_chat"):
            await users.mark_private_chat(services.db, tg_user.id)
            cache["private_chat"] = True
        if private and tg_user.id in services.blocked:
            # The language is cached, but they blocked the bot since (a 403 from the sender
            # marked them inactive without touching this cache): this message says they are back.
            await private_chat_back(services, tg_user.id)
    return translator(language)


def forget_language(context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.user_data is not None:
        context.user_data.pop("language", None)
