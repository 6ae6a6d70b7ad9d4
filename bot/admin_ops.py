"""Data care from the command line: backup, restore, import of CBS area polygons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.geo.polygons import convert_rd_geojson, detect_crs
from storage.maintenance import OperationError, backup, restore, verify

__all__ = ["OperationError", "backup", "import_areas", "restore", "verify"]


def import_areas(source: Path) -> tuple[dict[str, Any], str]:
    """CBS wijk/buurt GeoJSON → WGS84 GeoJSON and a TOML snippet for [areas]."""
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise OperationError(f"{source}: not a readable GeoJSON file: {error}") from None
    if data.get("type") != "FeatureCollection":
        raise OperationError(f"{source}: expected a GeoJSON FeatureCollection")
    crs = detect_crs(data)
    if crs == "EPSG:28992":
        data = convert_rd_geojson(data)
    elif crs != "EPSG:4326":
        raise OperationError(f"{source}: coordinates are neither WGS84 (lon/lat) nor RD New (EPSG:28992); "
                             "convert the file to WGS84 first")
    wijken: dict[str, str] = {}
    buurten: dict[str, list[tuple[str, str]]] = {}
    for feature in data.get("features", []):
        props = feature.get("properties") or {}
        code = str(props.get("statcode") or feature.get("id") or "")
        name = str(props.get("statnaam") or code)
        if code.startswith("WK"):
            wijken[code] = name
        elif code.startswith("BU") and feature.get("geometry"):
            buurten.setdefault("WK" + code[2:8], []).append((code, name))
    if not buurten and not wijken:
        raise OperationError(f"{source}: no CBS wijk (WK…) or buurt (BU…) features found")
    lines = []
    for gemeente in sorted({"GM" + w[2:6] for w in list(buurten) + list(wijken)}):
        key = gemeente.lower()
        lines += [f"[areas.{key}]", f'code = "{gemeente}"', f'name = "{gemeente}"  # fill in the name',
                  'polygons = "areas.geojson"', ""]
        for wijk in sorted(w for w in set(buurten) | set(wijken) if w[2:6] == gemeente[2:]):
            lines += [f"[[areas.{key}.wijken]]", f'code = "{wijk}"', f'name = "{wijken.get(wijk, wijk)}"']
            for code, name in sorted(buurten.get(wijk, [])):
                lines += [f"  [[areas.{key}.wijken.buurten]]", f'  code = "{code}"', f'  name = "{name}"']
            lines.append("")
    return data, "\n".join(lines)
