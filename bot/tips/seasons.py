"""The burglary season (Donkere Dagen Offensief) and other campaigns, as pure date rules."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field


def last_sunday(year: int, month: int) -> dt.date:
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return last - dt.timedelta(days=(last.weekday() - 6) % 7)


@dataclass(frozen=True, slots=True)
class DarkDaysRule:
    """From the Sunday the clock goes back until the Sunday it goes forward (configurable)."""

    start_month: int = 10  # last Sunday of October
    end_month: int = 3  # last Sunday of March (some teams say April)


def dark_days_window(year: int, rule: DarkDaysRule = DarkDaysRule()) -> tuple[dt.date, dt.date]:
    """The season that starts in ``year``: [start, end) as local dates."""
    return last_sunday(year, rule.start_month), last_sunday(year + 1, rule.end_month)


def in_dark_days(date: dt.date, rule: DarkDaysRule = DarkDaysRule()) -> bool:
    for year in (date.year - 1, date.year):
        start, end = dark_days_window(year, rule)
        if start <= date < end:
            return True
    return False


def dark_days_start(date: dt.date, rule: DarkDaysRule = DarkDaysRule()) -> dt.date | None:
    """The first day of the season ``date`` is in, or None outside the season."""
    for year in (date.year - 1, date.year):
        start, end = dark_days_window(year, rule)
        if start <= date < end:
            return start
    return None


@dataclass(frozen=True, slots=True)
class Campaign:
    key: str  # "summer", "new_year"
    start: tuple[int, int]  # (month, day), inclusive
    end: tuple[int, int]  # (month, day), inclusive; may wrap past New Year

    def active(self, date: dt.date) -> bool:
        md = (date.month, date.day)
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end

    def starts_on(self, date: dt.date) -> bool:
        return (date.month, date.day) == self.start


DEFAULT_CAMPAIGNS = (
    Campaign("summer", (7, 1), (8, 31)),
    Campaign("new_year", (12, 27), (1, 1)),
)


@dataclass(frozen=True, slots=True)
class SeasonConfig:
    dark_days: DarkDaysRule = DarkDaysRule()
    campaigns: tuple[Campaign, ...] = DEFAULT_CAMPAIGNS
    reminder_weekdays: tuple[int, ...] = (4, 5)  # Friday and Saturday evenings
    minutes_before_sunset: int = 30
    opening_time: dt.time = field(default=dt.time(18, 0))


def active_seasons(date: dt.date, config: SeasonConfig = SeasonConfig()) -> set[str]:
    tags = {"all_year"}
    if in_dark_days(date, config.dark_days):
        tags.add("dark_days")
    tags |= {c.key for c in config.campaigns if c.active(date)}
    return tags
