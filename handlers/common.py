"""Small helpers every handler uses: services, the user, their language."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.i18n import Translator, supported, translator
from bot.services import Services
from bot.textsafety import clean_text
from storage import users

SERVICES_KEY = "services"


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]  # type: ignore[no-any-return]


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
    if language is None:
        stored = await users.get(services.db, tg_user.id)
        if stored is None:
            stored = await users.ensure(
                services.db,
                tg_user.id,
                language=supported(tg_user.language_code) or services.config.language,
                display_name=tg_user.full_name[:128],
                username=tg_user.username,
            )
        elif not stored.active:
            # They came back after blocking the bot.
            stored = await users.ensure(
                services.db, tg_user.id, language=stored.language,
                display_name=tg_user.full_name[:128], username=tg_user.username,
            )
        language = stored.language
        cache["language"] = language
    return translator(language)


def forget_language(context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.user_data is not None:
        context.user_data.pop("language", None)
