"""Running the bot for real: polling (default) or webhook."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import InvalidToken

from bot.app import build_application
from bot.config import Config

log = logging.getLogger(__name__)


def run_bot(config: Config, token: str) -> int:
    app = build_application(config, token)
    try:
        if config.webhook is not None:
            webhook = config.webhook
            app.run_webhook(
                listen=webhook.listen,
                port=webhook.port,
                url_path=webhook.path.lstrip("/"),
                webhook_url=webhook.url,
                secret_token=webhook.secret_token,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        log.error("Telegram refused the token in BUURTWACHT_TOKEN; check it with @BotFather")
        return 2
    return 0
