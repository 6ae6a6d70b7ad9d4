"""When two reports are one incident: the same category, close in space and time."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Protocol

from bot.core.domain import Category, Point, Sighting

EARTH_RADIUS_M = 6_371_000.0


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance (haversine); plenty precise at neighbourhood scale."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


class IncidentLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def category(self) -> Category: ...
    @property
    def buurt_code(self) -> str: ...
    @property
    def point(self) -> Point | None: ...
    @property
    def last_at(self) -> dt.datetime: ...


def find_merge_target(
    sighting: Sighting,
    candidates: Sequence[IncidentLike],
    *,
    max_distance_m: float,
    window: dt.timedelta,
) -> int | None:
    """The incident this sighting belongs to, or None for a new one.

    With points on both sides the distance decides; without a point (postcode fallback) only
    the same buurt counts as "close". The nearest candidate wins.
    """
    best: tuple[float, int] | None = None
    for incident in candidates:
        if incident.category != sighting.category:
            continue
        if sighting.created_at - incident.last_at > window or incident.last_at - sighting.created_at > window:
            continue
        if sighting.point is not None and incident.point is not None:
            distance = distance_m(sighting.point, incident.point)
            if distance > max_distance_m:
                continue
        elif incident.buurt_code == sighting.area.buurt_code:
            distance = max_distance_m  # same buurt, unknown distance: merge, but prefer measured ones
        else:
            continue
        if best is None or distance < best[0]:
            best = (distance, incident.id)
    return best[1] if best else None
