"""Location → area: polygons (real CBS shapes), addresses, PDOK and its fallback."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.domain import LocationSource, Point
from bot.geo.address import AddressHint, parse_address
from bot.geo.locate import Outcome
from bot.geo.pdok import PdokClient, PdokUnavailable, parse_doc
from bot.geo.polygons import (
    BuurtIndex,
    convert_rd_geojson,
    detect_crs,
    rd_to_wgs84,
)
from tests.conftest import ROOT, SHARED_DATA, FakeClock, make_harness, test_config

BUURTEN_FILE = ROOT / "bot" / "data" / "cbs-2024-buurten-helmond-kempen.geojson"


@pytest.fixture(scope="module")
def index() -> BuurtIndex:
    return BuurtIndex.from_geojson(BUURTEN_FILE)


def interior_point(index: BuurtIndex, code: str) -> Point:
    """A point inside the buurt, found by scanning its box (not a hard-coded guess)."""
    shape = index._shapes[code]
    min_x, min_y, max_x, max_y = shape.bbox
    best: tuple[float, Point] | None = None
    steps = 40
    for i in range(1, steps):
        for j in range(1, steps):
            p = Point(min_y + (max_y - min_y) * j / steps, min_x + (max_x - min_x) * i / steps)
            if index.lookup_in(shape, p):
                # Prefer points far from the box edges: less likely near a border.
                score = min(i, steps - i, j, steps - j)
                if best is None or score > best[0]:
                    best = (score, p)
    assert best is not None
    return best[1]


def test_every_real_buurt_finds_itself(index: BuurtIndex) -> None:
    assert len(index) == 218
    for code in list(index._shapes)[::7]:
        hit = index.lookup(interior_point(index, code))
        assert hit is not None and hit.buurt_code == code
        assert hit.wijk_code == "WK" + code[2:8] and hit.gemeente_code == "GM" + code[2:6]


def test_points_outside_every_buurt(index: BuurtIndex) -> None:
    assert index.lookup(Point(52.37, 4.89)) is None  # Amsterdam
    assert index.lookup(Point(51.0, 5.5)) is None  # Belgium


def test_holes_in_real_buurten_belong_to_the_buurt_inside(index: BuurtIndex) -> None:
    """'Verspreide huizen' buurten surround their village core: the hole is the core buurt."""
    holed = [s for s in index._shapes.values() if any(len(r) > 1 for r in s.polygons)]
    assert len(holed) >= 10
    for shape in holed:
        rings = next(r for r in shape.polygons if len(r) > 1)
        hole = rings[1]
        inner = BuurtIndex.from_geojson({"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"statcode": "BU99999999"},
            "geometry": {"type": "Polygon", "coordinates": [list(zip(hole[0::2], hole[1::2], strict=True))]}}]})
        point = interior_point(inner, "BU99999999")
        hit = index.lookup(point)
        # The buurten of a gemeente leave no gaps: some other buurt fills the hole.
        assert hit is not None and hit.buurt_code != shape.code
        assert hit.gemeente_code == "GM" + shape.code[2:6]


def square(x0: float, y0: float, size: float) -> list[list[float]]:
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


SYNTHETIC = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"statcode": "BU00010001", "statnaam": "Met gat"},
     "geometry": {"type": "Polygon", "coordinates": [square(5.0, 51.0, 0.1), square(5.04, 51.04, 0.02)]}},
    {"type": "Feature", "properties": {"statcode": "BU00010002", "statnaam": "Eiland"},
     "geometry": {"type": "Polygon", "coordinates": [square(5.045, 51.045, 0.01)]}},
    {"type": "Feature", "properties": {"statcode": "BU00010003", "statnaam": "Twee delen"},
     "geometry": {"type": "MultiPolygon", "coordinates": [[square(5.2, 51.0, 0.05)], [square(5.3, 51.0, 0.05)]]}},
    {"type": "Feature", "properties": {"statcode": "BU00010004", "statnaam": "Buur"},
     "geometry": {"type": "Polygon", "coordinates": [square(5.1, 51.0, 0.1)]}},
]}


def test_synthetic_holes_multipolygons_and_borders() -> None:
    idx = BuurtIndex.from_geojson(SYNTHETIC)
    assert idx.lookup(Point(51.01, 5.01)).buurt_code == "BU00010001"  # type: ignore[union-attr]
    assert idx.lookup(Point(51.05, 5.05)).buurt_code == "BU00010002"  # type: ignore[union-attr]  # island in the hole
    assert idx.lookup(Point(51.042, 5.042)) is None  # hole, outside the island
    assert idx.lookup(Point(51.02, 5.22)).buurt_code == "BU00010003"  # type: ignore[union-attr]
    assert idx.lookup(Point(51.02, 5.32)).buurt_code == "BU00010003"  # type: ignore[union-attr]
    assert idx.lookup(Point(51.02, 5.27)) is None  # between the two parts
    # On the shared border x = 5.1 the answer is deterministic and one of the two.
    first = idx.lookup(Point(51.05, 5.1))
    assert first is not None and first.buurt_code in {"BU00010001", "BU00010004"}
    assert all(idx.lookup(Point(51.05, 5.1)) == first for _ in range(3))
    assert idx.adjacent_buurten("BU00010001") == {"BU00010004"}  # the island is 350 m from the hole edge
    assert "BU00010004" in idx.buurten_within(Point(51.05, 5.095), 1000)
    centroid = idx.centroid("BU00010004")
    assert centroid is not None and abs(centroid.lat - 51.05) < 1e-9 and abs(centroid.lon - 5.15) < 1e-9


@settings(max_examples=300, deadline=None)
@given(st.floats(4.95, 5.45), st.floats(50.95, 51.15))
def test_lookup_agrees_with_brute_force(lon: float, lat: float) -> None:
    idx = BuurtIndex.from_geojson(SYNTHETIC)
    hit = idx.lookup(Point(lat, lon))
    matches = [s.code for s in idx._shapes.values() if idx.lookup_in(s, Point(lat, lon))]
    assert (hit.buurt_code if hit else None) == (matches[0] if matches else None)


def test_rd_new_to_wgs84() -> None:
    lat, lon = rd_to_wgs84(155000, 463000)  # Amersfoort, the origin of RD
    assert abs(lat - 52.15517440) < 1e-7 and abs(lon - 5.38720621) < 1e-7
    lat, lon = rd_to_wgs84(233883.131, 582065.167)  # Martinitoren, Groningen (the usual test point)
    assert abs(lat - 53.21938317) < 1e-4 and abs(lon - 6.56820053) < 1e-4
    rd = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
          "features": [{"type": "Feature", "properties": {"statcode": "BU00010001"},
                        "geometry": {"type": "Polygon", "coordinates": [[[155000, 463000], [156000, 463000],
                                                                         [156000, 464000], [155000, 463000]]]}}]}
    assert detect_crs(rd) == "EPSG:28992"
    converted = convert_rd_geojson(rd)
    assert detect_crs(converted) == "EPSG:4326"
    assert converted["features"][0]["geometry"]["coordinates"][0][0] == [5.387206, 52.155174]
    assert detect_crs(json.loads(BUURTEN_FILE.read_text())) == "EPSG:4326"


@pytest.mark.parametrize(("text", "postcode", "number", "addition"), [
    ("5701 AB 12", "5701AB", 12, None),
    ("5701ab, 12a", "5701AB", 12, "A"),
    ("5701AB12", "5701AB", 12, None),
    ("5701 ab 12-3", "5701AB", 12, "3"),
    ("5701AB 12 bis", "5701AB", 12, "BIS"),
    ("  5701 AB   7  ", "5701AB", 7, None),
])
def test_addresses_parse_leniently(text: str, postcode: str, number: int, addition: str | None) -> None:
    parsed = parse_address(text)
    assert (parsed.postcode, parsed.house_number, parsed.addition, parsed.hint) == (postcode, number, addition, None)


@pytest.mark.parametrize(("text", "hint"), [
    ("5701", AddressHint.POSTCODE_LETTERS),
    ("5701 12", AddressHint.POSTCODE_LETTERS),
    ("5701 AB", AddressHint.HOUSE_NUMBER),
    ("0701 AB 12", AddressHint.POSTCODE_INVALID),
    ("5701 SS 12", AddressHint.POSTCODE_INVALID),
    ("5701 AB 0", AddressHint.HOUSE_NUMBER_INVALID),
    ("5701 AB 1234567", AddressHint.HOUSE_NUMBER_INVALID),
    ("bij de kerk", AddressHint.UNREADABLE),
])
def test_bad_addresses_get_a_precise_hint(text: str, hint: AddressHint) -> None:
    assert parse_address(text).hint is hint


def test_street_and_place_go_to_free_text_search() -> None:
    parsed = parse_address("Kerkstraat 3 Helmond")
    assert parsed.ok and parsed.free_text == "Kerkstraat 3 Helmond" and parsed.postcode is None


# --- PDOK, answered by a MockTransport in the documented shape -------------------------------

def pdok_doc(**overrides: Any) -> dict[str, Any]:
    doc = {"type": "adres", "weergavenaam": "Markt 12, 5701RK Helmond", "straatnaam": "Markt",
           "huisnummer": 12, "postcode": "5701RK", "woonplaatsnaam": "Helmond", "gemeentecode": "0794",
           "gemeentenaam": "Helmond", "wijkcode": "WK079410", "wijknaam": "Wijk 10 Binnenstad",
           "buurtcode": "BU07941000", "buurtnaam": "Centrum", "provinciecode": "PV30",
           "centroide_ll": "POINT(5.66212 51.47947)", "centroide_rd": "POINT(173436 382466)",
           "id": "adr-x", "score": 9.5}
    doc.update(overrides)
    return doc


def envelope(*docs: dict[str, Any]) -> dict[str, Any]:
    return {"response": {"numFound": len(docs), "numFoundExact": True, "start": 0, "maxScore": 9.5, "docs": list(docs)}}


class Pdok:
    """A scripted PDOK: each request takes the next answer (a status and body, or an exception)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        return httpx.Response(status, json=body)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


async def no_sleep(_: float) -> None:
    return None


def test_parse_doc_adds_gm_prefix_and_reads_lon_lat() -> None:
    found = parse_doc(pdok_doc())
    assert found.gemeente_code == "GM0794" and found.buurt_code == "BU07941000"
    assert found.point == Point(51.47947, 5.66212) and found.house_number == 12


async def test_pdok_query_parameters_and_answer() -> None:
    pdok = Pdok((200, envelope(pdok_doc())))
    async with pdok.client() as http:
        client = PdokClient(http, sleep=no_sleep)
        found = await client.address("5701RK", 12)
    assert found is not None and found.street == "Markt"
    params = pdok.requests[0].url.params
    assert pdok.requests[0].url.path.endswith("/search/v3_1/free")
    assert params["q"] == "postcode:5701RK and huisnummer:12" and params["fq"] == "type:adres"
    assert set(params) <= {"q", "fq", "fl", "rows", "start", "sort", "df", "bq", "lat", "lon", "type"}


async def test_pdok_5xx_is_retried_4xx_is_not_timeout_gives_up() -> None:
    pdok = Pdok((502, {}), (200, envelope(pdok_doc())))
    async with pdok.client() as http:
        assert await PdokClient(http, sleep=no_sleep).address("5701RK", 12) is not None
    assert len(pdok.requests) == 2
    bad = Pdok((400, {"message": "unknown parameter"}))
    async with bad.client() as http:
        with pytest.raises(httpx.HTTPStatusError):
            await PdokClient(http, sleep=no_sleep).address("5701RK", 12)
    assert len(bad.requests) == 1
    slow = Pdok(httpx.ReadTimeout("slow"))
    async with slow.client() as http:
        with pytest.raises(PdokUnavailable):
            await PdokClient(http, sleep=no_sleep, retries=2).address("5701RK", 12)
    assert len(slow.requests) == 3


async def test_pdok_gives_up_at_its_deadline_however_many_retries() -> None:
    """A slow PDOK must not keep a resident waiting: all attempts together stay within the
    deadline (then the postcode fallback answers)."""
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    def slow(request: httpx.Request) -> httpx.Response:
        now[0] += float(request.extensions["timeout"]["read"])  # the attempt used its whole timeout
        raise httpx.ReadTimeout("slow", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as http:
        client = PdokClient(http, timeout=2.0, retries=5, deadline=3.0, sleep=sleep, clock=lambda: now[0])
        with pytest.raises(PdokUnavailable):
            await client.address("5701RK", 12)
    assert now[0] <= 3.0 + 1e-9


async def test_pdok_picks_the_address_with_the_typed_addition() -> None:
    plain = pdok_doc(huisnummer=12, straatnaam="Markt", buurtcode="BU07941000")
    letter = pdok_doc(huisnummer=12, huisletter="A", straatnaam="Markt", buurtcode="BU07941002")
    extra = pdok_doc(huisnummer=12, huisnummertoevoeging="2", straatnaam="Markt", buurtcode="BU07941003")
    pdok = Pdok((200, envelope(letter, extra, plain)))
    async with pdok.client() as http:
        client = PdokClient(http, sleep=no_sleep)
        assert (await client.address("5701RK", 12, "a")).buurt_code == "BU07941002"  # type: ignore[union-attr]
        assert (await client.address("5701RK", 12, "-2")).buurt_code == "BU07941003"  # type: ignore[union-attr]
        assert (await client.address("5701RK", 12)).buurt_code == "BU07941000"  # type: ignore[union-attr]
        assert (await client.address("5701RK", 12, "z")).buurt_code == "BU07941000"  # type: ignore[union-attr]


async def locate(pdok: Pdok, text: str, tmp_path: Path, clock: FakeClock | None = None,
                 config_overrides: dict[str, Any] | None = None) -> Any:
    from bot.config.schema import PdokConfig

    clock = clock or FakeClock(dt.datetime(2026, 11, 24, 20, tzinfo=dt.UTC))
    config = test_config(tmp_path, pdok=PdokConfig(enabled=True), **(config_overrides or {}))
    async with make_harness(config, clock, http=pdok.client()) as h:
        h.services.locator.pdok.sleep = no_sleep  # type: ignore[union-attr]
        first = await h.services.locator.locate_text(text)
        clock.advance(days=1)
        second = await h.services.locator.locate_text(text)
        clock.advance(days=31)
        third = await h.services.locator.locate_text(text)
        return first, second, third


async def test_pdok_result_is_used_and_cached(tmp_path: Path) -> None:
    pdok = Pdok((200, envelope(pdok_doc())))
    first, second, third = await locate(pdok, "5701 RK 12", tmp_path)
    assert first.outcome is Outcome.FOUND and first.location.source is LocationSource.PDOK
    assert first.location.street == "Markt" and first.location.area.buurt_code == "BU07941000"
    assert second == first and third == first
    assert len(pdok.requests) == 2  # the cache answered the second time, expired at the third


async def test_pdok_unreachable_falls_back_to_postcodes(tmp_path: Path) -> None:
    pdok = Pdok(httpx.ConnectTimeout("no route"))
    first, _, _ = await locate(pdok, "5701 AB 12", tmp_path)
    assert first.outcome is Outcome.FOUND
    assert first.location.source is LocationSource.POSTCODE_FALLBACK
    assert first.location.area.buurt_code == "BU07941000"


async def test_pdok_outside_area_and_not_found(tmp_path: Path) -> None:
    amsterdam = pdok_doc(gemeentecode="0363", gemeentenaam="Amsterdam", wijkcode="WK036300",
                         buurtcode="BU03630000", postcode="1012JS")
    first, _, _ = await locate(Pdok((200, envelope(amsterdam))), "1012 JS 1", tmp_path)
    assert first.outcome is Outcome.OUTSIDE
    (tmp_path / "b").mkdir()
    missing, _, _ = await locate(Pdok((200, envelope())), "5701 AB 999", tmp_path / "b")
    assert missing.outcome is Outcome.NOT_FOUND


async def test_free_text_street_search(tmp_path: Path) -> None:
    pdok = Pdok((200, envelope(pdok_doc(straatnaam="Kerkstraat", huisnummer=3))))
    first, _, _ = await locate(pdok, "Kerkstraat 3 Helmond", tmp_path)
    assert first.outcome is Outcome.FOUND and first.location.street == "Kerkstraat"
    assert pdok.requests[0].url.params["q"] == "Kerkstraat 3 Helmond"


def test_shared_data_is_read_when_present() -> None:
    path = SHARED_DATA / "cbs-2024-wijken-helmond-kempen.geojson"
    if not path.exists():
        pytest.skip("shared data not present")
    data = json.loads(path.read_text())
    assert len(data["features"]) == 43
