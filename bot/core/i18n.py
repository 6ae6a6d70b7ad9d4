"""Translations (gettext through babel) and locale-aware formatting.

Source strings (msgids) are Dutch: Dutch is the first language of every user here. Other
languages live in ``locale/<lang>/LC_MESSAGES/messages.po`` at the top of the repository: the
source, edited by translators and merged from ``locale/messages.pot`` with ``pybabel update``
(docs/translating.md). A wheel or a non-editable install carries the
same files as ``bot/locale/…`` (pyproject.toml maps the package ``bot.locale`` to ``locale/``).
The catalogs are compiled in memory when first used, so neither a fresh clone nor an install
needs a build step; a ``.mo`` file next to a ``.po`` is used when it is newer.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import os
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

SOURCE_LANGUAGE = "nl"
LANGUAGES = ("nl", "en", "tr", "pl", "ar")
RTL_LANGUAGES = frozenset({"ar"})
# Each language in its own words, for the language buttons (/taal, a follow link's first question).
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English", "tr": "Türkçe", "pl": "Polski", "ar": "العربية"}
DOMAIN = "messages"


def locale_dir() -> Path:
    """Where the catalogs are: $BUURTWACHT_LOCALE_DIR, else the installed package's own copy
    (``bot/locale``, only present in an installed wheel), else the source tree's ``locale/``
    (a checkout or an editable install)."""
    override = os.environ.get("BUURTWACHT_LOCALE_DIR")
    if override:
        return Path(override)
    here = Path(__file__).resolve().parents[1]  # bot/
    packaged = here / "locale"
    return packaged if packaged.is_dir() else here.parent / "locale"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


@functools.cache
def _translations(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    po_path = locale_dir() / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and (not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        with mo_path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@functools.lru_cache(maxsize=1024)
def _format_datetime(value: dt.datetime, tz: dt.tzinfo, fmt: str, language: str) -> str:
    """Babel's formatting is slow and the same moment is shown again and again (every edit of
    an incident's messages repeats its first report's time)."""
    return format_datetime(value.astimezone(tz), fmt, tzinfo=tz, locale=language)


def supported(language: str | None) -> str | None:
    """Map a Telegram ``language_code`` like ``en-GB`` to a supported language, or None."""
    if not language:
        return None
    base = language.split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES and has_catalog(base) else None


@functools.cache
def has_catalog(language: str) -> bool:
    if language == SOURCE_LANGUAGE:
        return True
    return (locale_dir() / language / "LC_MESSAGES" / f"{DOMAIN}.po").exists()


@dataclass(frozen=True, slots=True)
class Translator:
    """Everything a handler needs to speak one language."""

    language: str

    def gettext(self, message: str) -> str:
        return _translations(self.language).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _translations(self.language).ngettext(singular, plural, n)

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language)

    def datetime(self, value: dt.datetime, tz: dt.tzinfo, fmt: str = "short") -> str:
        return _format_datetime(value, tz, fmt, self.language)

    def date(self, value: dt.date, fmt: str = "medium") -> str:
        return format_date(value, fmt, locale=self.language)

    def time(self, value: dt.datetime, tz: dt.tzinfo) -> str:
        return format_time(value.astimezone(tz), "short", tzinfo=tz, locale=self.language)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.language)

    def weekday(self, index: int) -> str:
        """Monday = 0, in this language."""
        return self.locale.days["format"]["wide"][index]


@functools.cache
def translator(language: str | None) -> Translator:
    return Translator(language if language in LANGUAGES else SOURCE_LANGUAGE)


def clear_cache() -> None:
    _translations.cache_clear()
    has_catalog.cache_clear()
    translator.cache_clear()
