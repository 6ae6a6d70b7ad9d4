"""Point → buurt lookups per second with the full Dutch buurt set (~14 000 polygons).

Without --geojson it generates a synthetic set of the same size and shape: a jittered grid
of non-overlapping polygons with 30-200 vertices each over the Netherlands' bounding box.
Prints a table and writes bench/results/areas.json.

    python bench/areas.py [--buurten 14000] [--lookups 100000] [--geojson FILE]
"""

from __future__ import annotations

import argparse
import math
import random
import time
import tracemalloc
from pathlib import Path
from typing import Any

from _common import table, write_result

from bot.core.domain import Point
from bot.geo.polygons import BuurtIndex

ROOT = Path(__file__).resolve().parents[1]
LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = 3.3, 7.2, 50.75, 53.55


def synthetic_buurten(count: int, rng: random.Random) -> dict[str, Any]:
    """A grid of cells, each a star-shaped polygon inside its cell (so none overlap)."""
    cols = int(math.sqrt(count * (LON_MAX - LON_MIN) / (LAT_MAX - LAT_MIN))) + 1
    rows = math.ceil(count / cols)
    width, height = (LON_MAX - LON_MIN) / cols, (LAT_MAX - LAT_MIN) / rows
    features = []
    for n in range(count):
        col, row = n % cols, n // cols
        cx = LON_MIN + (col + 0.5) * width
        cy = LAT_MIN + (row + 0.5) * height
        vertices = rng.randint(30, 200)
        ring = []
        for k in range(vertices):
            angle = 2 * math.pi * k / vertices
            radius = rng.uniform(0.35, 0.5)
            ring.append([cx + math.cos(angle) * radius * width, cy + math.sin(angle) * radius * height])
        ring.append(ring[0])
        code = f"BU{n // 10000:04d}{(n // 100) % 100:02d}{n % 100:02d}"
        features.append({"type": "Feature", "properties": {"statcode": code, "statnaam": f"Buurt {n}"},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buurten", type=int, default=14_000)
    parser.add_argument("--lookups", type=int, default=100_000)
    parser.add_argument("--geojson", type=Path)
    args = parser.parse_args()
    rng = random.Random(1)
    data = (__import__("json").loads(args.geojson.read_text()) if args.geojson
            else synthetic_buurten(args.buurten, rng))
    tracemalloc.start()
    began = time.perf_counter()
    index = BuurtIndex.from_geojson(data)
    build_s = time.perf_counter() - began
    index_rss = tracemalloc.get_traced_memory()[0] / 1e6  # what the index itself holds
    tracemalloc.stop()
    del data
    points = [Point(rng.uniform(LAT_MIN, LAT_MAX), rng.uniform(LON_MIN, LON_MAX)) for _ in range(args.lookups)]
    results: dict[str, float] = {}
    hits = 0
    for label, sample in (("10 000", points[:10_000]), (f"{len(points):,}".replace(",", " "), points)):
        began = time.perf_counter()
        hits = sum(1 for p in sample if index.lookup(p) is not None)
        elapsed = time.perf_counter() - began
        results[label] = len(sample) / elapsed
    per_second = results[list(results)[-1]]
    result = {"buurten": len(index), "synthetic": args.geojson is None, "build_s": build_s,
              "index_rss_mb": index_rss, "lookups": args.lookups, "hit_ratio": hits / len(points),
              "lookups_per_s": per_second, "time_10000_lookups_s": 10_000 / results["10 000"],
              "target_lookups_per_s": 20_000}
    path = write_result("areas", result)
    print(f"point → buurt with {len(index)} buurt polygons ({'synthetic' if args.geojson is None else args.geojson})")
    print(table([
        ("index build", f"{build_s:.2f} s, ~{index_rss:.0f} MB"),
        ("10 000 lookups", f"{10_000 / results['10 000'] * 1000:.0f} ms ({results['10 000']:.0f}/s)"),
        (f"{args.lookups} lookups", f"{per_second:.0f}/s   (target >= 20 000/s on one core)"),
        ("points inside a buurt", f"{hits / len(points):.0%}"),
    ]))
    print(f"written: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
