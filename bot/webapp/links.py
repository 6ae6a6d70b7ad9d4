"""The Mini App's addresses, built here and nowhere else (the page reads ``mode``)."""

from __future__ import annotations

from bot.config.schema import Config

PLACE_MODE = "place"
MAP_MODE = "map"


def page_url(config: Config, mode: str) -> str | None:
    """The public https URL Telegram opens for this mode, or None without a [webapp] section."""
    if config.webapp is None:
        return None
    return f"{config.webapp.url.rstrip('/')}/?mode={mode}"


def place_url(config: Config) -> str | None:
    """"Kies op de kaart" in the report's place step: the resident picks a point."""
    return page_url(config, PLACE_MODE)


def map_url(config: Config) -> str | None:
    """/kaart and the menu button: the officer's or coordinator's area."""
    return page_url(config, MAP_MODE)


def local_url(base: str, mode: str, init_data: str) -> str:
    """A page on the bot's own server with the launch parameters Telegram would add (the demo)."""
    from urllib.parse import quote

    return f"{base.rstrip('/')}/?mode={mode}#tgWebAppData={quote(init_data, safe='')}"
