"""PDOK Locatieserver v3.1: the national geocoder, for typed postcodes and addresses."""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from bot.core.domain import Point

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.pdok.nl/bzk/locatieserver/search/v3_1/"
FIELDS = ("weergavenaam,straatnaam,huisnummer,huisletter,huisnummertoevoeging,postcode,woonplaatsnaam,"
          "gemeentecode,gemeentenaam,wijkcode,wijknaam,buurtcode,buurtnaam,centroide_ll,type")
_POINT = re.compile(r"POINT\(\s*([-\d.]+)\s+([-\d.]+)\s*\)")


class PdokUnavailable(Exception):
    """PDOK did not answer in time or answered with a server error, after retries."""


@dataclass(frozen=True, slots=True)
class GeocodedAddress:
    postcode: str | None
    house_number: int | None
    street: str | None
    woonplaats: str | None
    gemeente_code: str
    gemeente_name: str
    wijk_code: str | None
    wijk_name: str | None
    buurt_code: str | None
    buurt_name: str | None
    point: Point | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["point"] = [self.point.lat, self.point.lon] if self.point else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GeocodedAddress:
        point = data.get("point")
        return cls(**{**data, "point": Point(point[0], point[1]) if point else None})


def parse_doc(doc: dict[str, Any]) -> GeocodedAddress:
    """An address document as PDOK returns it (gemeentecode comes without its GM prefix)."""
    gemeente = str(doc.get("gemeentecode", ""))
    point = None
    if match := _POINT.match(str(doc.get("centroide_ll", ""))):
        point = Point(float(match[2]), float(match[1]))  # PDOK writes lon lat
    number = doc.get("huisnummer")
    return GeocodedAddress(
        postcode=doc.get("postcode"),
        house_number=int(number) if number is not None else None,
        street=doc.get("straatnaam"),
        woonplaats=doc.get("woonplaatsnaam"),
        gemeente_code=gemeente if gemeente.startswith("GM") else f"GM{gemeente.zfill(4)}",
        gemeente_name=doc.get("gemeentenaam", ""),
        wijk_code=doc.get("wijkcode"),
        wijk_name=doc.get("wijknaam"),
        buurt_code=doc.get("buurtcode"),
        buurt_name=doc.get("buurtnaam"),
        point=point,
    )


Sleep = Callable[[float], Awaitable[None]]


class PdokClient:
    """``timeout`` bounds one request; ``deadline`` all attempts together, so a resident waits at
    most that long before the postcode fallback takes over."""

    def __init__(self, http: httpx.AsyncClient, *, base_url: str = DEFAULT_BASE_URL, timeout: float = 2.0,
                 retries: int = 2, deadline: float | None = None, sleep: Sleep = asyncio.sleep,
                 rng: random.Random | None = None, clock: Callable[[], float] | None = None) -> None:
        self.http = http
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout
        self.retries = retries
        self.deadline = deadline if deadline is not None else 2 * timeout
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.clock = clock or (lambda: asyncio.get_running_loop().time())

    async def _get(self, endpoint: str, params: dict[str, Any]) -> dict[str, Any]:
        last: Exception | None = None
        began = self.clock()
        attempts = 0
        for attempt in range(self.retries + 1):
            if attempt:
                # Exponential backoff with jitter; PDOK is shared by the whole country.
                pause = 0.2 * 2 ** (attempt - 1) * (1 + self.rng.random())
                if self.clock() - began + pause >= self.deadline:
                    break
                await self.sleep(pause)
            remaining = self.deadline - (self.clock() - began)
            if remaining <= 0:
                break
            attempts += 1
            try:
                response = await self.http.get(self.base_url + endpoint, params=params,
                                               timeout=min(self.timeout, remaining))
            except httpx.TimeoutException as error:
                last = error
                continue
            except httpx.TransportError as error:
                last = error
                continue
            if response.status_code >= 500 or response.status_code == 429:
                last = httpx.HTTPStatusError("server error", request=response.request, response=response)
                continue
            response.raise_for_status()  # 4xx: our request is wrong; retrying will not help
            return dict(response.json())
        log.warning("PDOK unreachable after %d attempts: %s", attempts, type(last).__name__)
        raise PdokUnavailable(str(last))

    async def _docs(self, query: str, rows: int) -> list[dict[str, Any]]:
        data = await self._get("free", {"q": query, "fq": "type:adres", "fl": FIELDS, "rows": rows})
        return list(data.get("response", {}).get("docs", []))

    async def free(self, query: str, *, rows: int = 1) -> list[GeocodedAddress]:
        return [parse_doc(doc) for doc in await self._docs(query, rows)]

    async def search(self, query: str, *, gemeente_codes: list[str], rows: int = 10) -> list[GeocodedAddress]:
        """Free-text search for addresses inside the given gemeenten ("GM0794"): "Kerkstraat 12",
        "Kerkstraat 12 Helmond", "Markt". The gemeente filter is a second ``fq`` (Solr ANDs them),
        so a street name that exists in hundreds of places finds the ones the bot serves."""
        params: dict[str, Any] = {"q": query, "fq": ["type:adres"], "fl": FIELDS, "rows": rows}
        codes = [c[2:] for c in gemeente_codes if c.startswith("GM")]
        if codes:
            params["fq"].append("gemeentecode:(" + " OR ".join(codes) + ")")
        data = await self._get("free", params)
        return [parse_doc(doc) for doc in data.get("response", {}).get("docs", [])]

    async def address(self, postcode: str, house_number: int, addition: str | None = None) -> GeocodedAddress | None:
        """The address; with an addition ("12a", "12-2") the document whose huisletter or
        toevoeging matches it, else the plain house number (same building, same buurt)."""
        docs = await self._docs(f"postcode:{postcode} and huisnummer:{house_number}", rows=10)
        docs = [d for d in docs if str(d.get("postcode", "")) == postcode and d.get("huisnummer") == house_number] or docs
        if not docs:
            return None
        wanted = (addition or "").replace("-", "").replace(" ", "").lower()

        def extra(doc: dict[str, Any]) -> str:
            return (str(doc.get("huisletter") or "") + str(doc.get("huisnummertoevoeging") or "")).lower()

        best = next((d for d in docs if wanted and extra(d) == wanted), None) or next(
            (d for d in docs if not extra(d)), docs[0])
        return parse_doc(best)

    async def reverse(self, point: Point) -> GeocodedAddress | None:
        data = await self._get("reverse", {"lat": point.lat, "lon": point.lon, "type": "adres", "rows": 1,
                                           "fl": FIELDS})
        docs = data.get("response", {}).get("docs", [])
        return parse_doc(docs[0]) if docs else None
