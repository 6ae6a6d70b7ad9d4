"""Turning what a resident shares (a GPS location or a typed address) into a configured area."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.config import Config
from bot.domain import AreaRef, LocationSource, Point, ResolvedLocation


class Outcome(StrEnum):
    FOUND = "found"
    OUTSIDE = "outside"  # a real place, but no configured area covers it
    NOT_FOUND = "not_found"  # the address does not exist / could not be geocoded
    BAD_INPUT = "bad_input"  # could not read an address from the text


@dataclass(frozen=True, slots=True)
class LocateResult:
    outcome: Outcome
    location: ResolvedLocation | None = None
    hint: str | None = None  # machine-readable hint code for BAD_INPUT, translated by the UI


class AreaCatalog:
    """Names and codes of every configured gemeente, wijk and buurt."""

    def __init__(self, config: Config) -> None:
        self._refs: dict[str, AreaRef] = {}
        self.wijk_names: dict[str, str] = {}
        self.gemeente_names: dict[str, str] = {}
        for gemeente, wijk, buurt in config.all_buurten():
            self._refs[buurt.code] = AreaRef(
                gemeente.code, wijk.code, buurt.code, gemeente.name, wijk.name, buurt.name
            )
            self.wijk_names[wijk.code] = wijk.name
            self.gemeente_names[gemeente.code] = gemeente.name

    def area(self, buurt_code: str) -> AreaRef | None:
        return self._refs.get(buurt_code)

    def buurt_codes(self) -> set[str]:
        return set(self._refs)

    def __contains__(self, buurt_code: object) -> bool:
        return buurt_code in self._refs


_POSTCODE = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})\s*[,.]?\s*(\d{1,5})\s*(.*)$")


def polygon_files(config: Config) -> list[Path]:
    files = {g.polygons for g in config.gemeenten if g.polygons}
    files |= {b.polygon for _, _, b in config.all_buurten() if b.polygon}
    return sorted(p for p in files if p is not None)


def load_geojson(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text(encoding="utf-8"))


class Locator:
    """Config-only locator: postcode ranges and polygon test. PDOK comes in through ``geocoder``."""

    def __init__(self, config: Config, catalog: AreaCatalog) -> None:
        self.catalog = catalog
        self._postcodes: list[tuple[str, str, str]] = []  # (from, to, buurt) PC6 bounds
        for _, _, buurt in config.all_buurten():
            for pattern in buurt.postcodes:
                low, _, high = pattern.partition("-")
                if len(low) == 4:
                    self._postcodes.append((low + "AA", low + "ZZ", buurt.code))
                else:
                    self._postcodes.append((low, high or low, buurt.code))
        # Most specific range first, so a PC6 range beats the PC4 it lies in.
        self._postcodes.sort(key=lambda item: (item[1] > item[0]) * 1 + _span(item))
        self._polygons: list[tuple[str, list[list[list[tuple[float, float]]]]]] = []
        for path in polygon_files(config):
            for feature in load_geojson(path).get("features", []):
                code = feature.get("properties", {}).get("statcode") or feature.get("id")
                if code in catalog and feature.get("geometry"):
                    self._polygons.append((code, _polygons_of(feature["geometry"])))

    def locate_point(self, point: Point) -> LocateResult:
        for code, polygons in self._polygons:
            if any(_in_polygon(point, rings) for rings in polygons):
                area = self.catalog.area(code)
                assert area is not None
                return LocateResult(Outcome.FOUND, ResolvedLocation(area, LocationSource.GPS, point=point))
        return LocateResult(Outcome.OUTSIDE)

    async def locate_text(self, text: str) -> LocateResult:
        match = _POSTCODE.match(text)
        if not match:
            return LocateResult(Outcome.BAD_INPUT, hint="postcode_house_number")
        postcode = (match[1] + match[2]).upper()
        for low, high, code in self._postcodes:
            if low <= postcode <= high:
                area = self.catalog.area(code)
                assert area is not None
                return LocateResult(
                    Outcome.FOUND,
                    ResolvedLocation(area, LocationSource.POSTCODE_FALLBACK, postcode=postcode, house_number=match[3]),
                )
        return LocateResult(Outcome.OUTSIDE)


def _span(item: tuple[str, str, str]) -> int:
    return 0 if item[0] == item[1] else (1 if item[0][:4] == item[1][:4] and item[1][4:] != "ZZ" else 2)


def _polygons_of(geometry: dict) -> list[list[list[tuple[float, float]]]]:  # type: ignore[type-arg]
    coords = geometry["coordinates"]
    polygons = [coords] if geometry["type"] == "Polygon" else coords
    return [[[(float(x), float(y)) for x, y, *_ in ring] for ring in polygon] for polygon in polygons]


def _in_polygon(point: Point, rings: list[list[tuple[float, float]]]) -> bool:
    inside = False
    x, y = point.lon, point.lat
    for ring in rings:
        j = len(ring) - 1
        for i in range(len(ring)):
            xi, yi = ring[i]
            xj, yj = ring[j]
            if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                inside = not inside
            j = i
    return inside
