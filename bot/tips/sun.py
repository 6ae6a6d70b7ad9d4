"""Sunrise and sunset without a network, from astral (NOAA's solar calculations)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from astral import Observer
from astral import sun as astral_sun

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def sunset(date: dt.date, lat: float, lon: float, tz: dt.tzinfo = AMSTERDAM) -> dt.datetime | None:
    """Local sunset on ``date`` (a local date) as an aware datetime in ``tz``; None when the
    sun does not set that day (polar day or night)."""
    try:
        return astral_sun.sunset(Observer(latitude=lat, longitude=lon), date, tzinfo=tz)
    except ValueError:
        return None


def sunrise(date: dt.date, lat: float, lon: float, tz: dt.tzinfo = AMSTERDAM) -> dt.datetime | None:
    try:
        return astral_sun.sunrise(Observer(latitude=lat, longitude=lon), date, tzinfo=tz)
    except ValueError:
        return None
