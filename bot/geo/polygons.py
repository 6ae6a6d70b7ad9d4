"""Point → buurt over CBS wijk- en buurtkaart polygons, fast enough for all Dutch buurten.

Rings are stored as flat tuples of floats; a uniform grid over the bounding boxes is the
spatial prefilter, so a lookup tests only the few polygons whose box covers the point's cell.
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.domain import Point

METRES_PER_DEG_LAT = 111_195.0
Ring = Sequence[float]  # flat x0, y0, x1, y1, … (an array('d') in practice)


@dataclass(frozen=True, slots=True)
class BuurtHit:
    buurt_code: str
    name: str

    @property
    def wijk_code(self) -> str:
        return "WK" + self.buurt_code[2:8]

    @property
    def gemeente_code(self) -> str:
        return "GM" + self.buurt_code[2:6]


@dataclass(slots=True)
class _Shape:
    code: str
    name: str
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    # Each polygon: its rings (outer first, then holes), each ring flat (x0, y0, x1, y1, ...).
    polygons: tuple[tuple[Ring, ...], ...]


def _ring_contains(ring: Ring, x: float, y: float) -> bool:
    """Even-odd ray casting. A point exactly on an edge counts consistently (half-open rule)."""
    inside = False
    n = len(ring)
    xj, yj = ring[n - 2], ring[n - 1]
    for i in range(0, n, 2):
        xi, yi = ring[i], ring[i + 1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        xj, yj = xi, yi
    return inside


def _polygon_contains(rings: Sequence[Ring], x: float, y: float) -> bool:
    if not _ring_contains(rings[0], x, y):
        return False
    return not any(_ring_contains(hole, x, y) for hole in rings[1:])


def _flat(ring: Iterable[Iterable[float]]) -> Ring:
    # array('d') keeps 8 bytes a coordinate instead of a 24-byte float object each: the full
    # Dutch buurt set fits in tens of megabytes instead of hundreds.
    values = array("d")
    for position in ring:
        coords = list(position)
        values.append(float(coords[0]))
        values.append(float(coords[1]))
    return values


def shapes_from_geojson(data: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[_Shape]:
    shapes: list[_Shape] = []
    for feature in data.get("features", []):
        geometry = feature.get("geometry")
        props = feature.get("properties") or {}
        code = props.get("statcode") or feature.get("id")
        if not geometry or not isinstance(code, str) or not code.startswith("BU"):
            continue
        coords = geometry["coordinates"]
        raw = [coords] if geometry["type"] == "Polygon" else coords if geometry["type"] == "MultiPolygon" else []
        polygons = tuple(tuple(_flat(ring) for ring in polygon) for polygon in raw if polygon)
        if not polygons:
            continue
        xs = [v for p in polygons for v in p[0][0::2]]
        ys = [v for p in polygons for v in p[0][1::2]]
        name = (names or {}).get(code) or props.get("statnaam") or code
        shapes.append(_Shape(code, name, (min(xs), min(ys), max(xs), max(ys)), polygons))
    return shapes


class BuurtIndex:
    """Which buurt contains a point; also centroids, neighbours and buurten within a radius."""

    def __init__(self, shapes: list[_Shape], cell_deg: float = 0.01) -> None:
        self._shapes = {s.code: s for s in shapes}
        self.cell = cell_deg
        self._grid: dict[tuple[int, int], list[_Shape]] = {}
        for shape in shapes:
            min_x, min_y, max_x, max_y = shape.bbox
            for cx in range(self._cx(min_x), self._cx(max_x) + 1):
                for cy in range(self._cy(min_y), self._cy(max_y) + 1):
                    self._grid.setdefault((cx, cy), []).append(shape)
        self._neighbours: dict[str, set[str]] | None = None

    def _cx(self, x: float) -> int:
        return math.floor(x / self.cell)

    def _cy(self, y: float) -> int:
        return math.floor(y / self.cell)

    @classmethod
    def from_geojson(cls, source: Path | str | Mapping[str, Any], names: Mapping[str, str] | None = None,
                     *, only: set[str] | None = None) -> BuurtIndex:
        data = json.loads(Path(source).read_text(encoding="utf-8")) if isinstance(source, Path | str) else source
        shapes = shapes_from_geojson(data, names)
        if only is not None:
            shapes = [s for s in shapes if s.code in only]
        return cls(shapes)

    def __len__(self) -> int:
        return len(self._shapes)

    def __contains__(self, code: object) -> bool:
        return code in self._shapes

    def lookup(self, point: Point) -> BuurtHit | None:
        x, y = point.lon, point.lat
        for shape in self._grid.get((self._cx(x), self._cy(y)), ()):
            min_x, min_y, max_x, max_y = shape.bbox
            if x < min_x or x > max_x or y < min_y or y > max_y:
                continue
            for rings in shape.polygons:
                if _polygon_contains(rings, x, y):
                    return BuurtHit(shape.code, shape.name)
        return None

    def centroid(self, code: str) -> Point | None:
        """Area-weighted centroid of the outer rings (good enough to place a buurt)."""
        shape = self._shapes.get(code)
        if shape is None:
            return None
        area_sum = cx_sum = cy_sum = 0.0
        for rings in shape.polygons:
            ring = rings[0]
            n = len(ring)
            for i in range(0, n - 2, 2):
                x0, y0, x1, y1 = ring[i], ring[i + 1], ring[i + 2], ring[i + 3]
                cross = x0 * y1 - x1 * y0
                area_sum += cross
                cx_sum += (x0 + x1) * cross
                cy_sum += (y0 + y1) * cross
        if area_sum == 0:
            min_x, min_y, max_x, max_y = shape.bbox
            return Point((min_y + max_y) / 2, (min_x + max_x) / 2)
        return Point(cy_sum / (3 * area_sum), cx_sum / (3 * area_sum))

    def buurten_within(self, point: Point, radius_m: float) -> list[str]:
        """Buurten with any part within ``radius_m`` of the point (vertex and box test)."""
        dlat = radius_m / METRES_PER_DEG_LAT
        dlon = dlat / max(math.cos(math.radians(point.lat)), 0.01)
        result = []
        for shape in self._shapes.values():
            min_x, min_y, max_x, max_y = shape.bbox
            if max_x < point.lon - dlon or min_x > point.lon + dlon or max_y < point.lat - dlat or min_y > point.lat + dlat:
                continue
            if self.lookup_in(shape, point) or _near_any_edge(shape, point, radius_m):
                result.append(shape.code)
        return sorted(result)

    @staticmethod
    def lookup_in(shape: _Shape, point: Point) -> bool:
        return any(_polygon_contains(rings, point.lon, point.lat) for rings in shape.polygons)

    def adjacent_buurten(self, code: str, tolerance_m: float = 50.0) -> set[str]:
        """Buurten sharing a border with ``code`` (vertices within ``tolerance_m``)."""
        if self._neighbours is None:
            self._neighbours = {}
        if code in self._neighbours:
            return set(self._neighbours[code])
        shape = self._shapes.get(code)
        if shape is None:
            return set()
        tol_lat = tolerance_m / METRES_PER_DEG_LAT
        tol_lon = tol_lat / max(math.cos(math.radians((shape.bbox[1] + shape.bbox[3]) / 2)), 0.01)
        # Snap vertices to a grid of the tolerance size: shared borders share cells.
        cells = {(math.floor(x / tol_lon), math.floor(y / tol_lat))
                 for rings in shape.polygons for ring in rings for x, y in zip(ring[0::2], ring[1::2], strict=True)}
        neighbours = set()
        min_x, min_y, max_x, max_y = shape.bbox
        for other in self._shapes.values():
            if other.code == code:
                continue
            ox0, oy0, ox1, oy1 = other.bbox
            if ox1 < min_x - tol_lon or ox0 > max_x + tol_lon or oy1 < min_y - tol_lat or oy0 > max_y + tol_lat:
                continue
            for rings in other.polygons:
                if any((math.floor(x / tol_lon) + dx, math.floor(y / tol_lat) + dy) in cells
                       for ring in rings for x, y in zip(ring[0::2], ring[1::2], strict=True)
                       for dx in (-1, 0, 1) for dy in (-1, 0, 1)):
                    neighbours.add(other.code)
                    break
        self._neighbours[code] = neighbours
        return set(neighbours)


def _near_any_edge(shape: _Shape, point: Point, radius_m: float) -> bool:
    """Is any outer edge within ``radius_m``? Local equirectangular metres: fine at buurt scale."""
    kx = METRES_PER_DEG_LAT * math.cos(math.radians(point.lat))
    ky = METRES_PER_DEG_LAT
    px, py = point.lon * kx, point.lat * ky
    limit = radius_m * radius_m
    for rings in shape.polygons:
        ring = rings[0]
        for i in range(0, len(ring) - 2, 2):
            ax, ay = ring[i] * kx, ring[i + 1] * ky
            bx, by = ring[i + 2] * kx, ring[i + 3] * ky
            dx, dy = bx - ax, by - ay
            length = dx * dx + dy * dy
            t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
            cx, cy = ax + t * dx - px, ay + t * dy - py
            if cx * cx + cy * cy <= limit:
                return True
    return False


# --------------------------------------------------------------------------- RD New → WGS84


def rd_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """RD New (EPSG:28992) to WGS84 (lat, lon); Schreutelkamp & Strang van Hees, ~1 m."""
    dx = (x - 155000) * 1e-5
    dy = (y - 463000) * 1e-5
    lat_terms = ((0, 1, 3235.65389), (2, 0, -32.58297), (0, 2, -0.2475), (2, 1, -0.84978),
                 (0, 3, -0.0655), (2, 2, -0.01709), (1, 0, -0.00738), (4, 0, 0.0053),
                 (2, 3, -0.00039), (4, 1, 0.00033), (1, 1, -0.00012))
    lon_terms = ((1, 0, 5260.52916), (1, 1, 105.94684), (1, 2, 2.45656), (3, 0, -0.81885),
                 (1, 3, 0.05594), (3, 1, -0.05607), (0, 1, 0.01199), (3, 2, -0.00256),
                 (1, 4, 0.00128), (0, 2, 0.00022), (2, 0, -0.00022), (5, 0, 0.00026))
    lat = 52.15517440 + sum(c * dx**p * dy**q for p, q, c in lat_terms) / 3600
    lon = 5.38720621 + sum(c * dx**p * dy**q for p, q, c in lon_terms) / 3600
    return lat, lon


def detect_crs(data: Mapping[str, Any]) -> str:
    """'EPSG:4326' (WGS84 lon/lat) or 'EPSG:28992' (RD New), from the crs member or the numbers."""
    crs = str(((data.get("crs") or {}).get("properties") or {}).get("name", ""))
    if "28992" in crs:
        return "EPSG:28992"
    if "4326" in crs or "CRS84" in crs:
        return "EPSG:4326"
    for feature in data.get("features", []):
        geometry = feature.get("geometry")
        if not geometry:
            continue
        first: Any = geometry["coordinates"]
        while isinstance(first, list) and first and isinstance(first[0], list):
            first = first[0]
        x, y = float(first[0]), float(first[1])
        if -180 <= x <= 180 and -90 <= y <= 90:
            return "EPSG:4326"
        if 0 <= x <= 300_000 and 300_000 <= y <= 625_000:
            return "EPSG:28992"
        return "unknown"
    return "EPSG:4326"


def convert_rd_geojson(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a GeoJSON FeatureCollection with RD New coordinates converted to WGS84."""

    def convert(coords: Any) -> Any:
        if coords and isinstance(coords[0], int | float):
            lat, lon = rd_to_wgs84(float(coords[0]), float(coords[1]))
            return [round(lon, 6), round(lat, 6)]
        return [convert(c) for c in coords]

    features = []
    for feature in data.get("features", []):
        geometry = feature.get("geometry")
        if geometry:
            geometry = {**geometry, "coordinates": convert(geometry["coordinates"])}
        features.append({**feature, "geometry": geometry})
    result = {k: v for k, v in data.items() if k != "crs"}
    result["features"] = features
    return result
