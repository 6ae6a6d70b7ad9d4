"""Turning what a resident shares (a GPS location or a typed address) into a configured area."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx

from bot.config.schema import Config
from bot.core.domain import AreaRef, LocationSource, Point, ResolvedLocation
from bot.geo.address import AddressMention, ParsedAddress, parse_address
from bot.geo.pdok import GeocodedAddress, PdokClient, PdokUnavailable
from bot.geo.polygons import BuurtIndex, shapes_from_geojson
from storage import geocache
from storage.db import Database


class Outcome(StrEnum):
    FOUND = "found"
    CHOOSE = "choose"  # several addresses fit: the resident picks one of ``candidates``
    OUTSIDE = "outside"  # a real place, but no configured area covers it
    NOT_FOUND = "not_found"  # the address does not exist / could not be geocoded
    BAD_INPUT = "bad_input"  # could not read an address from the text


@dataclass(frozen=True, slots=True)
class LocateResult:
    outcome: Outcome
    location: ResolvedLocation | None = None
    hint: str | None = None  # machine-readable hint code for BAD_INPUT, translated by the UI
    candidates: tuple[ResolvedLocation, ...] = ()


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


class PostcodeMap:
    """Config postcode patterns → buurt; the most specific pattern wins (PC6 over a range over PC4)."""

    def __init__(self, entries: list[tuple[str, str]]) -> None:
        ranges: list[tuple[int, str, str, str]] = []
        for buurt_code, pattern in entries:
            low, _, high = pattern.partition("-")
            if len(low) == 4:
                ranges.append((2, low + "AA", low + "ZZ", buurt_code))
            else:
                high = high or low
                ranges.append((0 if low == high else 1, low, high, buurt_code))
        self._ranges = sorted(ranges)

    def lookup(self, postcode: str) -> str | None:
        for _, low, high, buurt_code in self._ranges:
            if low <= postcode <= high:
                return buurt_code
        return None


def polygon_files(config: Config) -> list[Path]:
    files = {g.polygons for g in config.gemeenten if g.polygons}
    files |= {b.polygon for _, _, b in config.all_buurten() if b.polygon}
    return sorted(p for p in files if p is not None)


def load_geojson(path: Path) -> dict[str, Any]:
    """A polygons file; a ConfigError naming the file when it cannot be read as GeoJSON."""
    from bot.config.schema import ConfigError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the polygons file: {error.strerror or error}") from None
    except (UnicodeDecodeError, ValueError) as error:
        reason = f"line {error.lineno}, column {error.colno}" if isinstance(error, json.JSONDecodeError) else "not UTF-8"
        raise ConfigError(f"{path}: not a GeoJSON file (invalid JSON at {reason})") from None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise ConfigError(f"{path}: not a GeoJSON file (expected a FeatureCollection with \"features\")")
    return data


def check_polygons(config: Config) -> None:
    """Read every polygons file once, as the bot does at start: a ConfigError if one is broken."""
    for path in polygon_files(config):
        try:
            shapes_from_geojson(load_geojson(path))
        except (KeyError, TypeError, ValueError, IndexError) as error:
            from bot.config.schema import ConfigError

            raise ConfigError(f"{path}: not a GeoJSON file of buurt polygons ({type(error).__name__})") from None


class Locator:
    """Shared locations by polygon; typed addresses by PDOK, or the config's postcodes when
    PDOK cannot be reached (and the sighting records that the fallback was used)."""

    def __init__(self, config: Config, catalog: AreaCatalog, *, pdok: PdokClient | None = None,
                 db: Database | None = None, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.config = config
        self.catalog = catalog
        self.pdok = pdok
        self.db = db
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.postcodes = PostcodeMap([(b.code, p) for _, _, b in config.all_buurten() for p in b.postcodes])
        shapes = []
        for path in polygon_files(config):
            shapes += [s for s in shapes_from_geojson(load_geojson(path)) if s.code in catalog]
        self.index = BuurtIndex(shapes)

    def locate_point(self, point: Point) -> LocateResult:
        hit = self.index.lookup(point)
        area = self.catalog.area(hit.buurt_code) if hit else None
        if area is None:
            return LocateResult(Outcome.OUTSIDE)
        return LocateResult(Outcome.FOUND, ResolvedLocation(area, LocationSource.GPS, point=point))

    async def describe_point(self, point: Point) -> LocateResult:
        """A shared point: its buurt by polygon, and the street of the nearest address from PDOK's
        reverse lookup (for the neighbours: "Kerkstraat, Centrum"). Without PDOK, the buurt alone."""
        result = self.locate_point(point)
        if result.location is None or self.pdok is None:
            return result
        try:
            nearest = await self.pdok.reverse(point)
        except (PdokUnavailable, httpx.HTTPError, ValueError):
            return result
        if nearest is None or not nearest.street:
            return result
        return LocateResult(Outcome.FOUND, ResolvedLocation(
            result.location.area, LocationSource.GPS, point=point, street=nearest.street, postcode=nearest.postcode))

    async def find_mention(self, mention: AddressMention, *, limit: int = 5) -> LocateResult:
        """An address found inside a message ("Kerkstraat 12", "Kerkstraat bij 12 Helmond",
        "5701 AB 12"): one place, several to choose from, or none. Only places inside the
        configured areas count. Without PDOK, a postcode still finds its buurt."""
        if mention.postcode is not None:
            return await self.locate_text(f"{mention.postcode} {mention.house_number}{mention.addition or ''}")
        if self.pdok is None:
            return LocateResult(Outcome.BAD_INPUT, hint="postcode_needed")
        try:
            found = await self.pdok.search(mention.query, gemeente_codes=sorted(self.catalog.gemeente_names), rows=10)
        except PdokUnavailable:
            return LocateResult(Outcome.BAD_INPUT, hint="postcode_needed")
        places: dict[tuple[str | None, int | None, str], ResolvedLocation] = {}
        outside = False
        for address in found:
            area = self.catalog.area(address.buurt_code) if address.buurt_code else None
            if area is None:
                outside = True
                continue
            if mention.house_number is not None and address.house_number != mention.house_number:
                continue
            # Without a house number, one candidate per street and buurt (a long street crosses buurten).
            number = address.house_number if mention.house_number is not None else None
            key = (address.street, number, area.buurt_code)
            if key not in places:
                places[key] = ResolvedLocation(
                    area, LocationSource.PDOK, point=address.point if number is not None else None,
                    street=address.street, postcode=address.postcode if number is not None else None,
                    house_number=str(number) if number is not None else None)
        candidates = tuple(places.values())[:limit]
        if len(candidates) == 1:
            return LocateResult(Outcome.FOUND, candidates[0])
        if candidates:
            return LocateResult(Outcome.CHOOSE, candidates=candidates)
        return LocateResult(Outcome.OUTSIDE if outside else Outcome.NOT_FOUND)

    async def locate_text(self, text: str) -> LocateResult:
        parsed = parse_address(text)
        if parsed.hint is not None:
            return LocateResult(Outcome.BAD_INPUT, hint=parsed.hint.value)
        if self.pdok is not None:
            try:
                found: object = await self._geocode(parsed)
            except PdokUnavailable:
                found = _UNAVAILABLE
            if isinstance(found, GeocodedAddress):
                return self._from_pdok(found, parsed)
            if found is None:
                return LocateResult(Outcome.NOT_FOUND)
        if parsed.postcode is None:
            # Only PDOK can read a street name; without it, ask for the postcode.
            return LocateResult(Outcome.BAD_INPUT, hint="postcode_needed")
        buurt_code = self.postcodes.lookup(parsed.postcode)
        area = self.catalog.area(buurt_code) if buurt_code else None
        if area is None:
            return LocateResult(Outcome.OUTSIDE)
        return LocateResult(Outcome.FOUND, ResolvedLocation(
            area, LocationSource.POSTCODE_FALLBACK, postcode=parsed.postcode,
            house_number=str(parsed.house_number)))

    async def _geocode(self, parsed: ParsedAddress) -> GeocodedAddress | None:
        assert self.pdok is not None
        if parsed.postcode is not None:
            key = f"adres:{parsed.postcode}:{parsed.house_number}:{parsed.addition or ''}"
        else:
            key = "vrij:" + " ".join((parsed.free_text or "").lower().split())
        now = self.clock()
        ttl = dt.timedelta(days=self.config.pdok.cache_days)
        if self.db is not None:
            cached = await geocache.get(self.db, key, now=now, ttl=ttl, negative_ttl=dt.timedelta(days=1))
            if cached is not geocache.MISS:
                found = GeocodedAddress.from_json(cached) if cached is not None else None
                if not self._cacheable(parsed, found):
                    await geocache.delete(self.db, key)  # stored before the rule below
                return found
        if parsed.postcode is not None:
            assert parsed.house_number is not None
            result = await self.pdok.address(parsed.postcode, parsed.house_number, parsed.addition)
        else:
            results = await self.pdok.free(parsed.free_text or "")
            result = results[0] if results else None
        if self.db is not None and self._cacheable(parsed, result):
            await geocache.put(self.db, key, result.to_json() if result else None, now=now)
        return result

    def _cacheable(self, parsed: ParsedAddress, result: GeocodedAddress | None) -> bool:
        """Only what routing needs is kept: addresses inside a configured area.

        Someone outside every area is told so and nothing personal is stored, not even the
        address they typed; a "no such address" is kept only for a postcode and number (never
        for free text, which can be anything a person typed)."""
        if result is None:
            return parsed.postcode is not None
        return result.buurt_code is not None and result.buurt_code in self.catalog

    def _from_pdok(self, found: GeocodedAddress, parsed: ParsedAddress) -> LocateResult:
        area = self.catalog.area(found.buurt_code) if found.buurt_code else None
        if area is None:
            return LocateResult(Outcome.OUTSIDE)
        return LocateResult(Outcome.FOUND, ResolvedLocation(
            area, LocationSource.PDOK, point=found.point, street=found.street, postcode=found.postcode,
            house_number=str(found.house_number) if found.house_number is not None else None))


_UNAVAILABLE = object()
