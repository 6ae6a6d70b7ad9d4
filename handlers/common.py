"""Small helpers every handler uses: typed numbers, keyboards, the user, their language."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core.i18n import Translator
from bot.core.textsafety import ID_MAX_DIGITS, clean_text, parse_id
from bot.teams.invites import deep_link
from handlers.context import BuurtwachtContext, user_translator

log = logging.getLogger(__name__)

__all__ = ["ID_MAX_DIGITS", "display_label", "edit_or_false", "edit_pressed", "keyboard", "keyboard_markup",
           "parse_coordinate", "parse_id", "refer_to_private_chat", "reply_plain", "user_translator"]

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


def keyboard_markup(rows: list[list[tuple[str, str]]]) -> dict[str, Any]:
    """The same inline keyboard as :func:`keyboard`, as the Bot API's JSON (for :func:`reply_plain`)."""
    return {"inline_keyboard": [[{"text": text, "callback_data": data} for text, data in row] for row in rows]}


# ---------------------------------------------------------------------------- replying cheaply

# reply_plain and edit_or_false call the Bot API by name (bot.delivery.transport.allow_calls_by_name
# keeps python-telegram-bot from suggesting its typed methods for that).


async def reply_plain(message: Message, text: str, *, parse_mode: str | None = None,
                      reply_markup: dict[str, Any] | None = None) -> None:
    """``message.reply_text(text, ...)`` without python-telegram-bot's objects: the same request
    (this chat, its topic, its business connection; no quote), its answer not parsed into a
    Message. For replies whose answer nobody reads, on paths every update takes (the report
    journey): building and parsing those objects costs more than the rest of a step.
    Errors are the same ``telegram.error`` exceptions; it goes through the bot's rate limiter.
    """
    params: dict[str, Any] = {"chat_id": message.chat.id, "text": text}
    if message.is_topic_message and message.message_thread_id is not None:
        params["message_thread_id"] = message.message_thread_id
    if message.business_connection_id is not None:
        params["business_connection_id"] = message.business_connection_id
    if message.direct_messages_topic is not None:
        params["direct_messages_topic_id"] = message.direct_messages_topic.topic_id
    if parse_mode is not None:
        params["parse_mode"] = parse_mode
    if reply_markup is not None:
        params["reply_markup"] = reply_markup
    await message.get_bot().do_api_request("sendMessage", api_kwargs=params)


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


# ---------------------------------------------------------------------------- editing a message


async def edit_or_false(bot: Bot, message: MaybeInaccessibleMessage, text: str | None, *,
                        parse_mode: str | None = None, reply_markup: InlineKeyboardMarkup | None = None) -> bool:
    """Edit a message the bot sent (its text, or with ``text=None`` only its buttons); False when
    it must be sent anew instead.

    Telegram may answer an edit with ``true`` instead of the message (inline messages, some Bot
    API servers): that is a success. "message is not modified" is a success too (a double press).
    "message to edit not found" (deleted), "message can't be edited" (too old) and other refusals
    mean: send it anew. A chat that is gone (bot blocked, chat deleted) leaves nobody to tell.
    After other failures (a timeout) the edit may or may not have landed: sending anew risks a
    twin, keeping still risks silence, and silence is worse.
    """
    return await _edit(bot, {"chat_id": message.chat.id, "message_id": message.message_id}, text,
                       parse_mode=parse_mode, reply_markup=reply_markup)


async def _edit(bot: Bot, target: dict[str, Any], text: str | None, *, parse_mode: str | None,
                reply_markup: InlineKeyboardMarkup | None) -> bool:
    """``edit_or_false`` on a message named by ``target``: its chat and id, or an inline message's id."""
    params = dict(target)
    if reply_markup is not None:
        params["reply_markup"] = reply_markup
    if text is not None:
        params["text"] = text
        if parse_mode is not None:
            params["parse_mode"] = parse_mode
    try:
        # By name, as reply_plain does: the answer (the message, or `true`) is not read, so it
        # is not parsed into a Message either.
        await bot.do_api_request("editMessageReplyMarkup" if text is None else "editMessageText", api_kwargs=params)
    except BadRequest as error:  # before NetworkError's other subclasses: BadRequest is one
        if "not modified" in error.message.lower():
            return True
        log.info("edit refused (%s)", error.message)
        return False
    except Forbidden:
        log.info("chat unreachable while editing (blocked or deleted)")
        return True
    except TelegramError as error:
        log.info("edit failed (%s)", error.message)
        return False
    return True


async def edit_pressed(query: CallbackQuery, text: str | None, *, parse_mode: str | None = None,
                       reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Show the outcome of a button press on the message that carried the button.

    Works whatever Telegram answers (see ``edit_or_false``): when the message cannot be edited
    any more, its new text goes to the same chat as a new message, so the person always sees
    what their press did. A button on an inline message (no chat) is edited through its id.
    """
    bot = query.get_bot()
    if query.message is None:
        if query.inline_message_id is not None:  # no chat to send it anew to
            await _edit(bot, {"inline_message_id": query.inline_message_id}, text, parse_mode=parse_mode,
                        reply_markup=reply_markup)
        return
    if await edit_or_false(bot, query.message, text, parse_mode=parse_mode, reply_markup=reply_markup):
        return
    if text is None:
        return  # only the buttons changed, on a message that is gone: nothing worth a new message
    try:
        await bot.send_message(query.message.chat.id, text, parse_mode=parse_mode, reply_markup=reply_markup)
    except Forbidden:
        log.info("chat unreachable while sending an edit anew (blocked or deleted)")
