"""The description check against ethnic profiling, before a sighting about a person reaches a group.

A description must say what the person *did* (behaviour) and give at least two identifying
details that are not origin or skin colour (clothing, build, age, hair, vehicle, direction).
Origin, nationality, religion or skin colour as a descriptor never reach the group. The word
lists are data (bot/data/profiling/*.toml); both languages' lists are always applied, because
residents mix them.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

DATA = Path(__file__).with_name("data") / "profiling"
LANGUAGES = ("nl", "en")


class Reason(StrEnum):
    NO_BEHAVIOUR = "no_behaviour"
    TOO_FEW_DETAILS = "too_few_details"
    ETHNICITY_ONLY = "ethnicity_only"


@dataclass(frozen=True, slots=True)
class DescriptionCheck:
    ok: bool
    reasons: list[Reason] = field(default_factory=list)
    behaviour_found: list[str] = field(default_factory=list)
    details_found: list[str] = field(default_factory=list)
    mentions_ethnicity: bool = False
    ethnicity_terms: list[str] = field(default_factory=list)


def fold(text: str) -> str:
    """Lower case without accents: 'Marokkáán' and 'MAROKKAAN' are the same word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class _Lists:
    ethnicity: tuple[str, ...]
    skin_colours: frozenset[str]
    persons: frozenset[str]
    behaviour: tuple[str, ...]
    details: tuple[str, ...]


@functools.cache
def _lists() -> _Lists:
    merged: dict[str, list[str]] = {"ethnicity": [], "skin_colours": [], "persons": [], "behaviour": [], "details": []}
    for language in LANGUAGES:
        data = tomllib.loads((DATA / f"{language}.toml").read_text(encoding="utf-8"))
        for key, values in merged.items():
            values.extend(fold(v) for v in data.get(key, []))
    return _Lists(tuple(merged["ethnicity"]), frozenset(merged["skin_colours"]), frozenset(merged["persons"]),
                  tuple(merged["behaviour"]), tuple(merged["details"]))


_WORD = re.compile(r"[\w'’-]+|\d+(?:[.,]\d+)?\s*cm", re.UNICODE)


def _words(text: str) -> list[str]:
    return [w.strip("'’-") for w in _WORD.findall(fold(text))]


def _match(entry: str, words: list[str], joined: str) -> str | None:
    """An entry is a word, a prefix ('marokka*'), a suffix ('*cm') or a phrase (with a space)."""
    if " " in entry:
        return entry if re.search(r"(?<!\w)" + re.escape(entry.rstrip("*")), joined) else None
    if entry.endswith("*"):
        stem = entry[:-1]
        return next((w for w in words if w.startswith(stem)), None)
    if entry.startswith("*"):
        tail = entry[1:]
        return next((w for w in words if w.endswith(tail) and w[: -len(tail)].strip()[:1].isdigit()), None)
    return entry if entry in words else None


def _skin_descriptors(words: list[str], lists: _Lists) -> list[tuple[int, int]]:
    """Spans (start, end word index) of 'colour [adjective] person' like 'donkere (jonge) man'."""
    spans = []
    for i, word in enumerate(words):
        if word not in lists.skin_colours:
            continue
        for gap in (1, 2):
            if i + gap < len(words) and words[i + gap] in lists.persons:
                spans.append((i, i + gap))
                break
        if i + 1 < len(words) and words[i + 1] in ("skinned", "huid", "huidskleur"):
            spans.append((i, i + 1))
    return spans


def check_description(text: str, language: str = "nl") -> DescriptionCheck:
    lists = _lists()
    words = _words(text)
    joined = " ".join(words)
    ethnicity = sorted({m for e in lists.ethnicity if (m := _match(e, words, joined))})
    skin_spans = _skin_descriptors(words, lists)
    skin_words = {i for span in skin_spans for i in (span[0],)}
    ethnicity += [words[i] for i in sorted(skin_words)]
    behaviour = sorted({m for e in lists.behaviour if (m := _match(e, words, joined))})
    # A colour that describes skin is not a detail; words that are ethnicity are not details.
    excluded = {words[i] for i in skin_words} | set(ethnicity)
    details = sorted({m for e in lists.details if (m := _match(e, words, joined)) and m not in excluded})
    reasons: list[Reason] = []
    if not behaviour:
        reasons.append(Reason.NO_BEHAVIOUR)
    if len(details) < 2:
        reasons.append(Reason.ETHNICITY_ONLY if ethnicity else Reason.TOO_FEW_DETAILS)
    return DescriptionCheck(ok=not reasons, reasons=reasons, behaviour_found=behaviour, details_found=details,
                            mentions_ethnicity=bool(ethnicity), ethnicity_terms=sorted(set(ethnicity)))


def redact_ethnicity(text: str) -> str:
    """The group's version of a description: origin and skin-colour descriptors become '[…]'."""
    lists = _lists()
    tokens = list(re.finditer(r"[\w'’-]+", text))
    words = [fold(t.group()).strip("'’-") for t in tokens]
    joined = " ".join(words)
    hits: set[int] = set()
    for i, word in enumerate(words):
        for entry in lists.ethnicity:
            if " " in entry:
                continue
            if (entry.endswith("*") and word.startswith(entry[:-1])) or word == entry:
                hits.add(i)
    for start, _ in _skin_descriptors(words, lists):
        hits.add(start)
    result = text
    for i in sorted(hits, reverse=True):
        token = tokens[i]
        result = result[: token.start()] + "[…]" + result[token.end():]
    for entry in lists.ethnicity:
        if " " in entry and entry in joined:
            result = re.sub(re.escape(entry), "[…]", result, flags=re.IGNORECASE)
    return result
