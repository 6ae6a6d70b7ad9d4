"""Data care from the command line: backup, restore, import of CBS area polygons."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from bot.geo.polygons import convert_rd_geojson, detect_crs


class OperationError(Exception):
    """A refusal or failure with a message for the operator."""


def backup(database: Path, target: Path) -> int:
    """A consistent copy of the live database (SQLite's online backup API); returns its pages."""
    if not database.exists():
        raise OperationError(f"database not found: {database}")
    if target.exists():
        raise OperationError(f"{target} exists already; choose a new file name")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        # In steps, so a busy bot is not blocked for the whole copy.
        source.backup(destination, pages=256)
        pages = destination.execute("PRAGMA page_count").fetchone()[0]
    finally:
        destination.close()
        source.close()
    return int(pages)


def verify(path: Path) -> int:
    """integrity_check and a schema version, or OperationError; returns the schema version."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise OperationError(f"{path} fails the integrity check: {result}")
            version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise OperationError(f"{path} is not a Buurtwacht database: {error}") from None
    return int(version or 0)


def restore(backup_file: Path, database: Path, *, bot_running: bool) -> int:
    if bot_running:
        raise OperationError("the bot is running on this database; stop it before restoring")
    if not backup_file.exists():
        raise OperationError(f"backup not found: {backup_file}")
    version = verify(backup_file)
    for suffix in ("-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup_file, database)
    return version


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
