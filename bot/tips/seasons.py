"""The burglary season (Donkere Dagen Offensief) and other campaigns, as pure date rules.

Their settings (DarkDaysRule, Campaign, SeasonConfig) are part of the config schema.
"""

from __future__ import annotations

import calendar
import datetime as dt

from bot.config.schema import DarkDaysRule, SeasonConfig

DEFAULT_DARK_DAYS = DarkDaysRule()
DEFAULT_SEASONS = SeasonConfig()


def last_sunday(year: int, month: int) -> dt.date:
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return last - dt.timedelta(days=(last.weekday() - 6) % 7)


def dark_days_window(year: int, rule: DarkDaysRule = DEFAULT_DARK_DAYS) -> tuple[dt.date, dt.date]:
    """The season that starts in ``year``: [start, end) as local dates."""
    return last_sunday(year, rule.start_month), last_sunday(year + 1, rule.end_month)


def in_dark_days(date: dt.date, rule: DarkDaysRule = DEFAULT_DARK_DAYS) -> bool:
    for year in (date.year - 1, date.year):
        start, end = dark_days_window(year, rule)
        if start <= date < end:
            return True
    return False


def dark_days_start(date: dt.date, rule: DarkDaysRule = DEFAULT_DARK_DAYS) -> dt.date | None:
    """The first day of the season ``date`` is in, or None outside the season."""
    for year in (date.year - 1, date.year):
        start, end = dark_days_window(year, rule)
        if start <= date < end:
            return start
    return None


def active_seasons(date: dt.date, config: SeasonConfig = DEFAULT_SEASONS) -> set[str]:
    tags = {"all_year"}
    if in_dark_days(date, config.dark_days):
        tags.add("dark_days")
    tags |= {c.key for c in config.campaigns if c.active(date)}
    return tags
