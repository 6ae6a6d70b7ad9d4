"""The typed context every handler and job gets (python-telegram-bot ``ContextTypes``).

``context.services`` is the process's Services; ``context.t`` the translator of the person
behind the update, set once per update by :func:`remember_person` in its own handler group
before every feature (as PTB's ``contexttypesbot.py`` example does), so features do not each
register the person and look up their language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, CallbackContext, ContextTypes, ExtBot

from bot.core.i18n import Translator, translator
from bot.people import service as people
from bot.runtime.services import Services


class BotData:
    """``application.bot_data``: the services, set in post_init; and how the runner wants to
    hear of a fatal condition found while running (a revoked token): exit code and one line."""

    __slots__ = ("fatal", "services")

    def __init__(self) -> None:
        self.services: Services | None = None
        self.fatal: Callable[[int, str], None] | None = None


class BuurtwachtContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.translator: Translator | None = None
        self.first_contact = False  # the person behind this update was registered by it

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are set in post_init, before the first update")
        return services

    @property
    def t(self) -> Translator:
        """The person's translator; the bot's language for updates without a known person."""
        return self.translator or translator(self.services.config.language)


CONTEXT_TYPES = ContextTypes(context=BuurtwachtContext, bot_data=BotData)


def worth_remembering(update: Update) -> bool:
    """Messages in private, commands anywhere and button presses come from people the bot talks
    to. Plain group chatter does not (the bot keeps no record of everyone in a group), and chat
    member updates never do: blocking the bot is a private my_chat_member update, and must not
    count as coming back."""
    if update.callback_query is not None:
        return True
    message = update.message
    if message is None:
        return False
    return message.chat.type == ChatType.PRIVATE or (message.text or "").startswith("/")


async def remember_person(update: object, context: BuurtwachtContext) -> None:
    if isinstance(update, Update) and update.effective_user is not None and worth_remembering(update):
        context.translator = await user_translator(update, context)


async def user_translator(update: Update, context: BuurtwachtContext) -> Translator:
    """The translator for the person behind the update; registers them on first contact."""
    if context.translator is not None:
        return context.translator
    services = context.services
    tg_user = update.effective_user
    if tg_user is None:
        return translator(services.config.language)
    cache = context.user_data if context.user_data is not None else {}
    private = update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
    language = cache.get("language")
    if language is None:
        person = await people.register(services, tg_user.id, language_code=tg_user.language_code,
                                       full_name=tg_user.full_name, username=tg_user.username, private=private)
        language = person.language
        context.first_contact = person.new
        cache["language"] = language
        cache["private_chat"] = person.private_chat
    elif private and (not cache.get("private_chat") or tg_user.id in services.blocked):
        await people.wrote_in_private(services, tg_user.id, known_private=bool(cache.get("private_chat")))
        cache["private_chat"] = True
    context.translator = translator(language)
    return context.translator


def forget_language(context: BuurtwachtContext) -> None:
    """After /taal or /vergeetmij: the next lookup reads the stored language again."""
    if context.user_data is not None:
        context.user_data.pop("language", None)
    context.translator = None


async def ignore_edit(update: Update, context: BuurtwachtContext) -> None:
    """Edited messages and channel posts go nowhere.

    The bot never needs them, and every MessageHandler and CommandHandler would otherwise
    match them as well (python-telegram-bot's filters look at ``effective_message``). A live
    location is one message that is then edited every few seconds for as long as it is
    shared, hours maybe: each edit would get "Dat kan ik bij deze vraag niet gebruiken." or
    "Wil je iets melden?", an edited "/melding" would start a report again, an edited walk
    report would be filed twice. The first message of a live location is a normal message and
    is used as the place of a report like any shared location.
    """
    raise ApplicationHandlerStop
