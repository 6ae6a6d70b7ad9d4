"""docs/gemeente.md is followed by people who start from zero: its commands must exist as
written, and the snippet it shows must be what import-areas prints for Waalre."""

from __future__ import annotations

import argparse
import re
import shlex

import pytest

from bot.ops.admin import import_areas
from bot.ops.cli import build_parser
from tests.conftest import ROOT, SHARED_DATA

DOC = ROOT / "docs" / "gemeente.md"


def commands() -> list[list[str]]:
    """The ``buurtwacht …`` lines of the shell blocks (continued lines joined)."""
    text = DOC.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].split(" > ")[0].strip()
            if line.startswith("buurtwacht "):
                found.append(shlex.split(line.replace("$(date +%F)", "x")))
    return found


def options_of(parser: argparse.ArgumentParser, words: list[str]) -> tuple[argparse.ArgumentParser, list[str]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and words and words[0] in action.choices:
            return options_of(action.choices[words[0]], words[1:])
    return parser, words


def test_every_command_in_the_walkthrough_exists_as_written() -> None:
    found = commands()
    assert len(found) >= 6 and any(c[1:3] == ["admin", "invite"] for c in found)
    for command in found:
        parser, rest = options_of(build_parser(), command[1:])
        known = {option for action in parser._actions for option in action.option_strings}
        used = [word.split("=")[0] for word in rest if word.startswith("--")]
        assert set(used) <= known, f"{' '.join(command)}: {sorted(set(used) - known)}"


def test_the_waalre_snippet_in_the_walkthrough_is_what_import_areas_prints() -> None:
    buurten = SHARED_DATA / "cbs-2024-buurten-helmond-kempen.geojson"
    wijken = SHARED_DATA / "cbs-2024-wijken-helmond-kempen.geojson"
    if not wijken.exists():
        pytest.skip(f"the shared CBS files are not at {SHARED_DATA}")
    _, snippet = import_areas([buurten, wijken], polygons_path="waalre.geojson", gemeenten=["GM0866"])
    shown = re.search(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert shown is not None
    for line in shown.group(1).splitlines()[1:]:
        if line.strip() != "…":
            assert line in snippet, line
