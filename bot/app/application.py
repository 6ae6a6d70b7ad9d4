"""Building the python-telegram-bot Application around the Buurtwacht services."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import time
from typing import Any

from telegram import BotCommand, Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from bot.app.registry import AnyApplication, register_handlers, schedule_jobs
from bot.config.schema import Config
from bot.core.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, has_catalog, translator
from bot.core.logs import describe_exception
from bot.delivery.paid import sender_concurrency
from bot.delivery.ratelimiter import InteractiveRetryLimiter
from bot.delivery.sender import Limits, OutboxSender
from bot.delivery.transport import HttpTransport, allow_calls_by_name
from bot.desk.fallback import delivery_refused
from bot.runtime.metrics import HANDLER_SECONDS, UPDATES
from bot.runtime.services import Services, create_services
from bot.teams.groups import chat_unreachable, group_migrated
from handlers.context import CONTEXT_TYPES, BotData, BuurtwachtContext
from storage.db import is_write_failure

log = logging.getLogger(__name__)

# The menu Telegram shows next to the text field: short, for residents. (Dutch command, English
# alias, description): Dutch speakers get the Dutch commands, everyone else the English aliases
# (each handler takes both; the English and Turkish help texts name the aliases too), with the
# description in their language.
MENU: tuple[tuple[str, str, str], ...] = (
    ("melding", "report", N_("Iets melden in je buurt")),
    ("annuleer", "cancel", N_("Stop wat je aan het doen bent")),
    ("taal", "language", N_("Kies je taal")),
    ("help", "help", N_("Hulp en alle opdrachten")),
    ("tips", "tips", N_("Preventietips instellen")),
    ("abonneer", "subscribe", N_("Volg de buurtalarmen van je buurt")),
)


def command_menu(language: str) -> list[BotCommand]:
    t = translator(language)
    return [BotCommand(dutch if language == SOURCE_LANGUAGE else english, t.gettext(description))
            for dutch, english, description in MENU]


def menu_languages() -> list[str]:
    """The languages that get their own menu: every one with a catalog (Dutch is the default)."""
    return [language for language in LANGUAGES if language != SOURCE_LANGUAGE and has_catalog(language)]


async def set_command_menus(bot: Any) -> None:
    await bot.set_my_commands(command_menu(SOURCE_LANGUAGE))
    for language in menu_languages():
        await bot.set_my_commands(command_menu(language), language_code=language)


async def on_error(update: object, context: BuurtwachtContext) -> None:
    error = context.error
    if isinstance(error, InvalidToken):
        _token_refused(context.application)
        return
    if isinstance(error, Conflict):
        log.error("another bot instance is polling with this token (409 Conflict); stop the other one")
        return
    if error is not None and is_write_failure(error):
        await _cannot_save(update, context)
        return
    if isinstance(error, BadRequest):  # a NetworkError subclass, but Telegram's answer about a request
        log.warning("Telegram refused a request: %s", error.message)
        return
    if isinstance(error, TimedOut | NetworkError):
        log.warning("network problem talking to Telegram: %s", type(error).__name__)
        return
    if isinstance(error, Forbidden):
        log.info("a chat is unreachable (blocked or removed)")
        return
    # No update content and no exception message in the log: either may quote names, places
    # and descriptions. Types and code locations are enough to find the bug.
    log.error("unhandled error in a handler: %s", describe_exception(error) if error else "unknown")


async def _cannot_save(update: object, context: BuurtwachtContext) -> None:
    """The database cannot be written (a full disk, a read-only file): the person hears it and
    what to do, instead of nothing. Sent directly: the outbox cannot be written either."""
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    t = translator(user.language_code if user is not None else None)
    text = t.gettext("Het lukt nu niet om je melding op te slaan; bel bij spoed 112 en probeer het over een "
                     "paar minuten opnieuw.")
    chat_id = update.effective_chat.id if update.effective_chat.type == "private" else (user.id if user else None)
    if chat_id is None:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await context.bot.send_message(chat_id, text)
    except TelegramError as error:
        log.warning("could not say that the database cannot be written: %s", type(error).__name__)


def _read_updates(data: Any, bot: Any = None) -> tuple[Update, ...]:
    """Update.de_list, one update at a time: one that python-telegram-bot cannot read (a field
    of an unexpected shape) used to fail the whole batch, so polling never moved past it and
    the library logged the raw batch, people's texts, names and numbers included, over and
    over. Now it is skipped with one line (its id and the error's type, not its content); an
    empty Update with its id keeps the offset moving."""
    updates: list[Update] = []
    for raw in data or ():
        try:
            update = Update.de_json(_with_chat_instance(raw), bot)
        except Exception as error:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            log.warning("could not read update %s (%s); skipped", update_id, type(error).__name__)
            if not isinstance(update_id, int):
                continue
            update = Update(update_id=update_id)
            update.set_bot(bot)
        if update is not None:
            updates.append(update)
    return tuple(updates)


def _with_chat_instance(raw: Any) -> Any:
    """A button press without ``chat_instance`` (some Bot API servers leave it out; the library
    requires it) is read with an empty one: no handler uses it, and the press must still work."""
    if isinstance(raw, dict) and isinstance(query := raw.get("callback_query"), dict) \
            and "chat_instance" not in query:
        return {**raw, "callback_query": {**query, "chat_instance": ""}}
    return raw


def build_application(
    config: Config,
    token: str,
    *,
    services: Services | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    sender_limits: Limits | None = None,
    start_sender: bool = True,
) -> AnyApplication:
    """The Application; ``services`` may be given (tests) or are created in ``post_init``."""
    Update.de_list = _read_updates  # type: ignore[method-assign]
    allow_calls_by_name()

    if sender_limits is None and (scale := os.environ.get("BUURTWACHT_RATE_SCALE")):
        # Only for runs against the local emulator with the same time scale (tests, benchmarks).
        sender_limits = Limits(time_scale=float(scale))
    sender_limits = dataclasses.replace(sender_limits or Limits(), paid_per_second=float(config.delivery.paid_rate))
    concurrency = sender_concurrency(config.delivery.paid_rate) if config.delivery.paid_broadcast else 8

    async def post_init(app: AnyApplication) -> None:
        nonlocal services
        if services is None:
            services = await create_services(config)
        app.bot_data.services = services
        services.sender = OutboxSender(
            app.bot,
            services.db,
            # Straight to the Bot API with the stored JSON, unless a test brought its own request object.
            transport=HttpTransport(app.bot.base_url) if request is None else None,
            limits=sender_limits,
            concurrency=concurrency,
            clock=services.clock,
            on_forbidden=functools.partial(chat_unreachable, services),
            on_migrated=functools.partial(group_migrated, services),
            on_refused=functools.partial(delivery_refused, services),
            on_invalid_token=functools.partial(_token_refused, app),
            on_expired=functools.partial(_delivery_expired, services),
        )
        if isinstance(limiter := app.bot.rate_limiter, InteractiveRetryLimiter):
            # Direct replies count in /metrics and /healthz too, on the services' clock.
            limiter.clock = services.clock
            services.interactive_stats = limiter.stats
        if start_sender:
            await services.sender.start()
        schedule_jobs(app)
        try:
            await set_command_menus(app.bot)
        except (NetworkError, TimedOut):
            log.warning("could not set the command menu; continuing")

    async def post_stop(app: AnyApplication) -> None:
        if services is not None and services.sender is not None:
            await services.sender.stop()
            await services.sender.transport.close()

    async def post_shutdown(app: AnyApplication) -> None:
        if services is not None:
            if services.http is not None:
                await services.http.aclose()
            await services.db.close()

    builder = (
        ApplicationBuilder()
        .application_class(BuurtwachtApplication)
        .context_types(CONTEXT_TYPES)
        .token(token)
        .base_url(config.api_url)
        .base_file_url(config.file_url)
        .defaults(Defaults(tzinfo=config.timezone))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .concurrent_updates(True)
        .rate_limiter(InteractiveRetryLimiter(time_scale=(sender_limits or Limits()).time_scale))
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    app = builder.build()
    register_handlers(app)
    app.add_error_handler(on_error)
    return app


class BuurtwachtApplication(Application[Any, BuurtwachtContext, Any, Any, BotData, Any]):
    """PTB's Application that counts updates and times their handling for /metrics and /healthz."""

    async def process_update(self, update: object) -> None:
        began = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            HANDLER_SECONDS.observe(time.perf_counter() - began)
            UPDATES.inc()
            if (services := self.bot_data.services) is not None:
                services.last_update_at = services.now()


async def _delivery_expired(services: Services, kind: str, job: tuple[str, int | str]) -> None:
    """A row given up at its deadline (bot.delivery.rules): an area alert's sender is told."""
    from bot.alerts.broadcasts import tell_expired

    if job[0] == "broadcast" and isinstance(job[1], int):
        await tell_expired(services, job[1])


def _token_refused(app: AnyApplication) -> None:
    """A 401 while sending: the token was revoked. The runner ends the process with one line."""
    from bot.app.runner import EXIT_CONFIG, TOKEN_REFUSED

    if (fatal := app.bot_data.fatal) is not None:
        fatal(EXIT_CONFIG, TOKEN_REFUSED)
    else:
        log.error("%s", TOKEN_REFUSED)
