"""The tips library: data files per language, plus custom tips from coordinators and admins."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.core.i18n import N_

DATA = Path(__file__).resolve().parents[1] / "data" / "tips"
THEMES: dict[str, str] = {
    "woninginbraak": N_("Woninginbraak"),
    "fiets_auto": N_("Fiets en auto"),
    "babbeltruc": N_("Babbeltruc en oplichting aan de deur"),
    "phishing": N_("Phishing en vriend-in-nood-fraude"),
    "brandveiligheid": N_("Brandveiligheid"),
    "vakantie": N_("Vakantie"),
    "jaarwisseling": N_("Jaarwisseling"),
    "melden": N_("Melden en aangifte"),
}
SEASON_TAGS = {"all_year", "dark_days", "summer", "new_year"}
MAX_TEXT = 400


@dataclass(frozen=True, slots=True)
class Tip:
    id: str
    theme: str
    seasons: tuple[str, ...]
    text: str
    link: str | None = None
    source: str = "library"  # "library", "team:<id>" or a gemeentecode for custom tips


@functools.cache
def load_library(language: str) -> tuple[Tip, ...]:
    path = DATA / f"{language}.toml"
    if not path.exists():
        path = DATA / "nl.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(Tip(t["id"], t["theme"], tuple(t["seasons"]), t["text"].strip(), t.get("link")) for t in data["tip"])


def validate_library() -> list[str]:
    """Problems with the tip files (the tests require none)."""
    problems = []
    by_language = {path.stem: load_library(path.stem) for path in sorted(DATA.glob("*.toml"))}
    ids = {language: {t.id for t in tips} for language, tips in by_language.items()}
    reference = ids.get("nl", set())
    for language, tips in by_language.items():
        if ids[language] != reference:
            problems.append(f"{language}: tip ids differ from nl: {sorted(ids[language] ^ reference)}")
        for tip in tips:
            if tip.theme not in THEMES:
                problems.append(f"{language}/{tip.id}: unknown theme {tip.theme}")
            if not set(tip.seasons) <= SEASON_TAGS or not tip.seasons:
                problems.append(f"{language}/{tip.id}: bad seasons {tip.seasons}")
            if not 0 < len(tip.text) <= MAX_TEXT:
                problems.append(f"{language}/{tip.id}: text length {len(tip.text)}")
            if "<" in tip.text or ">" in tip.text:
                problems.append(f"{language}/{tip.id}: markup in text")
    return problems
