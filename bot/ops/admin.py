"""Data care from the command line: backup, restore, import of CBS area polygons."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.config.schema import BUURT_CODE, WIJK_CODE
from bot.geo.polygons import convert_rd_geojson, detect_crs
from storage.maintenance import OperationError, backup, restore, verify

__all__ = ["CBS_GEMEENTEN", "OperationError", "backup", "import_areas", "restore", "verify"]

# CBS gemeentecodes → names (2024) for the region of the example and the shared CBS files;
# other gemeenten get their name from --gemeente-name GMxxxx=Name (or "fill in" in the snippet).
CBS_GEMEENTEN: dict[str, str] = {
    "GM0753": "Best",
    "GM0770": "Eersel",
    "GM0772": "Eindhoven",
    "GM0794": "Helmond",
    "GM0820": "Nuenen, Gerwen en Nederwetten",
    "GM0823": "Oirschot",
    "GM0847": "Someren",
    "GM0848": "Son en Breugel",
    "GM0858": "Valkenswaard",
    "GM0861": "Veldhoven",
    "GM0866": "Waalre",
    "GM1652": "Gemert-Bakel",
    "GM1658": "Heeze-Leende",
    "GM1659": "Laarbeek",
    "GM1667": "Reusel-De Mierden",
    "GM1706": "Cranendonck",
    "GM1724": "Bergeijk",
    "GM1728": "Bladel",
    "GM1771": "Geldrop-Mierlo",
    "GM1948": "Meierijstad",
}

_WIJK_NUMBER = re.compile(r"^Wijk \d{2}\s+")


def _read(source: Path) -> dict[str, Any]:
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise OperationError(f"{source}: not a readable GeoJSON file: {error}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise OperationError(f"{source}: expected a GeoJSON FeatureCollection")
    crs = detect_crs(data)
    if crs == "EPSG:28992":
        return convert_rd_geojson(data)
    if crs != "EPSG:4326":
        raise OperationError(f"{source}: coordinates are neither WGS84 (lon/lat) nor RD New (EPSG:28992); "
                             "convert the file to WGS84 first")
    return data


def _toml(text: str) -> str:
    # A JSON string (with its escapes) is also a valid TOML basic string.
    return json.dumps(text, ensure_ascii=False)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _table_key(code: str, name: str | None) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", (name or "").lower()).strip("_")
    return slug or code.lower()


def import_areas(
    sources: Path | Sequence[Path],
    *,
    polygons_path: str = "areas.geojson",
    gemeente_names: Mapping[str, str] | None = None,
    gemeenten: Collection[str] | None = None,
) -> tuple[dict[str, Any], str]:
    """CBS buurt GeoJSON (and optionally the wijk layer, for wijk names) → one WGS84 GeoJSON
    of the buurt polygons, and a TOML snippet for ``[areas]`` that passes config validation.

    The bot places a report by its *buurt* (the buurtcode contains the wijk and the gemeente),
    so buurt polygons are required; wijk polygons alone are refused with that explanation.
    ``gemeenten`` (GMxxxx codes) keeps only those gemeenten; one not in the files is refused.
    """
    wanted = {code.upper()[2:] for code in gemeenten or ()}
    files = [sources] if isinstance(sources, Path) else list(sources)
    names = {**CBS_GEMEENTEN, **(gemeente_names or {})}
    wijk_names: dict[str, str] = {}
    buurt_features: list[dict[str, Any]] = []
    buurten_by_wijk: dict[str, dict[str, str]] = {}
    skipped_without_shape: list[str] = []
    for source in files:
        for feature in _read(source).get("features", []):
            props = feature.get("properties") or {}
            code = str(props.get("statcode") or feature.get("id") or "")
            name = str(props.get("statnaam") or "").strip()
            if wanted and code[2:6] not in wanted:
                continue
            if WIJK_CODE.match(code):
                # CBS writes "Wijk 10 Binnenstad": the number is the code's, the name is the rest.
                name = _WIJK_NUMBER.sub("", name).strip() or name
                if name:
                    wijk_names[code] = name
            elif BUURT_CODE.match(code):
                if feature.get("geometry"):
                    buurt_features.append(feature)
                    buurten_by_wijk.setdefault("WK" + code[2:8], {})[code] = name or code
                else:
                    skipped_without_shape.append(code)
    shown = " + ".join(str(f) for f in files)
    missing = sorted(f"GM{code}" for code in wanted if not any(w[2:6] == code for w in buurten_by_wijk))
    if missing and (buurt_features or not wijk_names):
        raise OperationError(f"{shown}: no buurten of {', '.join(missing)}; is it the right CBS file (the whole "
                             "country, or your region)?")
    if not buurt_features:
        if wijk_names:
            raise OperationError(
                f"{shown}: only wijk (WK…) polygons, no buurt (BU…) polygons. The bot places every "
                "report in a buurt, so it needs the CBS buurt layer (e.g. buurt_2024.geojson); pass "
                "it as well: buurtwacht import-areas BUURTEN.geojson WIJKEN.geojson (the wijken file "
                "then gives the wijk names)")
        raise OperationError(f"{shown}: no CBS wijk (WK…) or buurt (BU…) features found")

    data = {"type": "FeatureCollection", "features": buurt_features}

    lines = [
        f"# From {shown}: {_count(len(buurt_features), 'buurt', 'buurten')} in "
        f"{_count(len(buurten_by_wijk), 'wijk', 'wijken')}.",
        "# A relative polygons path is read next to the config file. Officers and desks: a Telegram",
        "# user id ({ id = 123456789, name = \"…\" }), or { invite = \"…\" } until the person has claimed",
        "# the invite made with: buurtwacht admin invite --role <role> --scope <GM… or WK…>",
    ]
    if skipped_without_shape:
        lines.append(f"# Left out (no geometry in the source): {', '.join(sorted(skipped_without_shape))}")
    if any(w not in wijk_names for w in buurten_by_wijk):
        lines.append("# Wijk names are codes where no wijken file named them: pass the CBS wijk layer too.")
    without_buurten = sorted(w for w in wijk_names if w not in buurten_by_wijk)
    if without_buurten:
        lines.append(f"# Left out, no buurt polygons for them: {', '.join(without_buurten)}")
    used_keys: set[str] = set()
    for gemeente in sorted({"GM" + w[2:6] for w in buurten_by_wijk}):
        gemeente_name = names.get(gemeente)
        key = _table_key(gemeente, gemeente_name)
        if key in used_keys:
            key = gemeente.lower()
        used_keys.add(key)
        lines += ["", f"[areas.{key}]", f'code = "{gemeente}"']
        lines.append(f"name = {_toml(gemeente_name)}" if gemeente_name else
                     f'name = "{gemeente}"  # fill in the name, or pass --gemeente-name {gemeente}=Name')
        lines.append(f"polygons = {_toml(polygons_path)}")
        place = gemeente_name or gemeente
        lines += [
            "# The gemeente's desks (Telegram user ids of the people who staff them): reports from wijken",
            "# without an officer, urgent reports nobody picked up in 15 minutes, and 'verward gedrag':",
            f"# fallback_desk = [{{ id = 123456789, name = {_toml('Meldpunt ' + place)} }}]",
            '# backup_desk = [{ id = 123456789, name = "Wachtcommandant" }]',
            '# care_desk = [{ id = 123456789, name = "Zorg- en Veiligheidshuis" }]',
        ]
        for wijk in sorted(w for w in buurten_by_wijk if w[2:6] == gemeente[2:]):
            lines += ["", f"[[areas.{key}.wijken]]", f'code = "{wijk}"']
            lines.append(f"name = {_toml(wijk_names[wijk])}" if wijk in wijk_names else
                         f'name = "{wijk}"  # fill in the name')
            label = "Wijkagent " + wijk_names.get(wijk, wijk)
            lines.append(f"wijkagenten = [{{ invite = {_toml(label)} }}]  # buurtwacht admin invite --role wijkagent "
                         f"--scope {wijk}")
            lines.append(f'# boa = [{{ invite = "BOA {wijk_names.get(wijk, wijk)}" }}]')
            for code, buurt_name in sorted(buurten_by_wijk[wijk].items()):
                lines += [f"  [[areas.{key}.wijken.buurten]]", f'  code = "{code}"', f"  name = {_toml(buurt_name)}"]
    return data, "\n".join(lines) + "\n"
