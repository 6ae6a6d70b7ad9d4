"""Sunrise and sunset without a network: the NOAA solar position algorithm."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ZENITH_OFFICIAL = 90.833  # the sun's upper limb on the horizon, with refraction


def _solar(date: dt.date, lat: float, lon: float, rising: bool) -> float | None:
    """Minutes after UTC midnight of ``date``; None when the sun does not rise/set (polar)."""
    day = date.timetuple().tm_yday
    gamma = 2 * math.pi / 365 * (day - 1)
    eqtime = 229.18 * (0.000075 + 0.001868 * math.cos(gamma) - 0.032077 * math.sin(gamma)
                       - 0.014615 * math.cos(2 * gamma) - 0.040849 * math.sin(2 * gamma))
    decl = (0.006918 - 0.399912 * math.cos(gamma) + 0.070257 * math.sin(gamma) - 0.006758 * math.cos(2 * gamma)
            + 0.000907 * math.sin(2 * gamma) - 0.002697 * math.cos(3 * gamma) + 0.00148 * math.sin(3 * gamma))
    phi = math.radians(lat)
    cos_ha = (math.cos(math.radians(ZENITH_OFFICIAL)) / (math.cos(phi) * math.cos(decl))
              - math.tan(phi) * math.tan(decl))
    if not -1.0 <= cos_ha <= 1.0:
        return None
    ha = math.degrees(math.acos(cos_ha))
    return 720 - 4 * (lon + (ha if rising else -ha)) - eqtime


def _at(date: dt.date, minutes: float | None, tz: dt.tzinfo) -> dt.datetime | None:
    if minutes is None:
        return None
    utc = dt.datetime.combine(date, dt.time(0, tzinfo=dt.UTC)) + dt.timedelta(minutes=minutes)
    return utc.astimezone(tz)


def sunset(date: dt.date, lat: float, lon: float, tz: dt.tzinfo = AMSTERDAM) -> dt.datetime | None:
    """Local sunset on ``date`` (a local date) as an aware datetime in ``tz``."""
    return _at(date, _solar(date, lat, lon, rising=False), tz)


def sunrise(date: dt.date, lat: float, lon: float, tz: dt.tzinfo = AMSTERDAM) -> dt.datetime | None:
    return _at(date, _solar(date, lat, lon, rising=True), tz)
