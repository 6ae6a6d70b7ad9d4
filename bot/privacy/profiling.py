"""The description check against ethnic profiling, before a sighting about a person reaches a group.

A description about a person must say what the person *did* (behaviour) and give at least two
identifying details that are not origin or skin colour (clothing, build, age, hair, vehicle,
direction). Origin, nationality, religion or skin colour as a descriptor never reach the group.

The word lists are data (bot/data/profiling/<language>.toml). Every language's lists are
applied, because residents mix languages ("man in black hoodie bij de schutting"); but a word
that is a list entry in one language and an ordinary word in the language the text is written
in (English "van" in a Dutch text, where it means "of") is not counted. The text's language is
told by its function words, falling back to the resident's language.

Lists are compiled once: exact words into sets, prefixes ("marokka*") into one regular
expression per list, phrases into a table by their first word. A check tokenises the text once.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from bot.core.domain import EMERGENCY_CATEGORIES, PERSON_CATEGORIES, Category

DATA = Path(__file__).resolve().parents[1] / "data" / "profiling"
LANGUAGES = ("nl", "en")
LIST_NAMES = ("ethnicity", "skin_colours", "persons", "behaviour", "details")
# Between a skin colour and a person word only an adjective may stand ("donkere jonge man"),
# never an article: "in het donker een man" is about the light, not about skin.
DETERMINERS = frozenset({"een", "de", "het", "die", "dat", "a", "an", "the", "that", "this"})
SKIN_NOUNS = frozenset({"skinned", "skin", "huid", "huidskleur"})


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
    about_person: bool = False  # a person word, an origin term or a skin-colour descriptor
    language: str = "nl"  # the language the text was read as


def fold(text: str) -> str:
    """Lower case without accents: 'Marokkáán' and 'MAROKKAAN' are the same word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# ---------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class Token:
    word: str  # folded
    start: int  # span in the original text
    end: int


_TOKEN = re.compile(r"\d+(?:[.,]\d+)?\s?cm(?!\w)|[\w'’-]+", re.UNICODE)


@functools.lru_cache(maxsize=65536)
def _folded_word(raw: str) -> str:
    # "auto's" is "autos": the apostrophe of a Dutch plural is not part of the word.
    return fold(raw).strip("'’-").replace(" ", "").replace("'", "").replace("’", "")


def tokens_of(text: str) -> list[Token]:
    result = []
    for match in _TOKEN.finditer(text):
        if word := _folded_word(match.group()):
            result.append(Token(word, match.start(), match.end()))
    return result


# Between a person and a colour that still describes them ("de jongen is erg donker").
LINKING_WORDS = frozenset({"is", "was", "lijkt", "leek", "ziet", "zag", "er", "uit", "erg", "heel", "vrij", "nogal",
                           "looks", "looked", "seems", "seemed", "very", "quite", "rather", "fairly"})
CONJUNCTIONS = frozenset({"en", "of", "maar", "and", "or", "but"})


def _adjacent(text: str, left: Token, right: Token) -> bool:
    """Only white space between two tokens: no comma, no full stop."""
    return not text[left.end:right.start].strip()


# ---------------------------------------------------------------------------- compiled lists


@dataclass(frozen=True, slots=True)
class WordList:
    words: frozenset[str]
    prefixes: re.Pattern[str] | None
    number_suffixes: tuple[str, ...]  # "*cm": a number followed by cm
    # first word → (following words, whether the last one is a prefix)
    phrases: dict[str, tuple[tuple[tuple[str, ...], bool], ...]]

    @classmethod
    def compile(cls, entries: Sequence[str]) -> WordList:
        words, stems, suffixes = set(), [], []
        phrases: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
        for raw in entries:
            entry = fold(raw.strip())
            if " " in entry:
                parts = entry.split()
                phrases.setdefault(parts[0], []).append((tuple(parts[1:]), entry.endswith("*")))
            elif entry.startswith("*"):
                suffixes.append(entry[1:])
            elif entry.endswith("*"):
                stems.append(entry[:-1])
            elif entry:
                words.add(entry)
        pattern = re.compile("|".join(re.escape(s) for s in sorted(stems, key=len, reverse=True))) if stems else None
        return cls(frozenset(words), pattern, tuple(suffixes),
                   {k: tuple((tuple(w.rstrip("*") for w in rest), p) for rest, p in v) for k, v in phrases.items()})

    def matches_word(self, word: str) -> bool:
        if word in self.words:
            return True
        if self.prefixes is not None and self.prefixes.match(word):
            return True
        if self.number_suffixes and word[0].isdigit():
            return word.endswith(self.number_suffixes)
        return False

    def phrase_spans(self, tokens: Sequence[Token], i: int) -> list[tuple[int, int]]:
        """(first, last + 1) token index of the phrases that start at token ``i``."""
        found = []
        for rest, last_is_prefix in self.phrases.get(tokens[i].word, ()):
            end = i + 1 + len(rest)
            if end > len(tokens):
                continue
            following = [t.word for t in tokens[i + 1:end]]
            last, wanted = following[-1], rest[-1]
            if following[:-1] == list(rest[:-1]) and (last.startswith(wanted) if last_is_prefix else last == wanted):
                found.append((i, end))
        return found


@dataclass(frozen=True, slots=True)
class LanguageLists:
    code: str
    lists: dict[str, WordList]
    false_friends: WordList
    function_words: frozenset[str]


@functools.cache
def _languages() -> tuple[LanguageLists, ...]:
    result = []
    for code in LANGUAGES:
        data = tomllib.loads((DATA / f"{code}.toml").read_text(encoding="utf-8"))
        result.append(LanguageLists(
            code,
            {name: WordList.compile(data.get(name, [])) for name in LIST_NAMES},
            WordList.compile(data.get("false_friends", [])),
            frozenset(fold(w) for w in data.get("function_words", [])),
        ))
    return tuple(result)


@functools.cache
def _phrase_starts() -> frozenset[str]:
    return frozenset(w for lang in _languages() for lst in lang.lists.values() for w in lst.phrases)


@functools.lru_cache(maxsize=65536)
def _lists_of_word(word: str, text_language: str) -> frozenset[str]:
    """The lists a single word is on, in a text written in ``text_language``: a word of another
    language's list that is a false friend in this language does not count."""
    languages = _languages()
    own = next(lang for lang in languages if lang.code == text_language)
    false_friend = own.false_friends.matches_word(word)
    return frozenset(
        name for name in LIST_NAMES
        if any(lang.lists[name].matches_word(word) for lang in languages
               if lang.code == text_language or not false_friend))


def text_language(tokens: Sequence[Token], fallback: str = "nl") -> str:
    """Which language a text is written in, by its function words; ``fallback`` on a tie."""
    votes = {lang.code: sum(1 for t in tokens if t.word in lang.function_words) for lang in _languages()}
    best = max(votes.values())
    winners = [code for code, n in votes.items() if n == best]
    if len(winners) == 1:
        return winners[0]
    return fallback if fallback in votes else LANGUAGES[0]


class _Reading:
    """One text, tokenised once, with every list applied as its language allows."""

    def __init__(self, text: str, language: str) -> None:
        self.text = text
        self.tokens = tokens_of(text)
        self.language = text_language(self.tokens, language)
        self._spans: dict[str, list[tuple[int, int]]] = {name: [] for name in LIST_NAMES}
        starts = _phrase_starts()
        languages = _languages()
        for i, token in enumerate(self.tokens):
            for name in _lists_of_word(token.word, self.language):
                self._spans[name].append((i, i + 1))
            if token.word in starts:
                for lang in languages:
                    for name in LIST_NAMES:
                        self._spans[name].extend(lang.lists[name].phrase_spans(self.tokens, i))

    def spans(self, name: str) -> list[tuple[int, int]]:
        return self._spans[name]

    def indices(self, name: str) -> set[int]:
        return {i for start, end in self.spans(name) for i in range(start, end)}

    def words(self, spans: Sequence[tuple[int, int]]) -> list[str]:
        return sorted({" ".join(t.word for t in self.tokens[s:e]) for s, e in spans})

    def skin_descriptors(self) -> list[tuple[int, int]]:
        """Spans of colours that describe skin: 'donkere (jonge) man' (the colour), 'dark skinned'."""
        colours = self.indices("skin_colours")
        if not colours:
            return []
        persons = self.indices("persons")
        tokens, result = self.tokens, []
        for i in sorted(colours):
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is None or not _adjacent(self.text, tokens[i], nxt):
                continue
            if nxt.word in SKIN_NOUNS:
                result.append((i, i + 2))
            elif i + 1 in persons:
                result.append((i, i + 1))
            elif (i + 2 < len(tokens) and i + 2 in persons and nxt.word not in DETERMINERS
                  and _adjacent(self.text, nxt, tokens[i + 2])):
                result.append((i, i + 1))
        # A colour standing on its own right after a person ("Man, zwart, lang", "de jongen is
        # zwart", "man (black)") describes that person's skin. A colour followed at once by a
        # word ("zwart haar", "in het zwart gekleed") describes something else.
        for i in sorted(colours):
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is not None and _adjacent(self.text, tokens[i], nxt) and nxt.word not in CONJUNCTIONS:
                continue
            # Only a linking verb or adverb between the person and the colour ("is", "erg"):
            # in "man met jas, zwart" the colour goes with the coat.
            j = i - 1
            while j >= 0 and i - j <= 3 and tokens[j].word in LINKING_WORDS:
                j -= 1
            if j >= 0 and i - j <= 3 and j in persons and (i, i + 1) not in result:
                result.append((i, i + 1))
        return result


# ---------------------------------------------------------------------------- the check


def check_description(text: str, language: str = "nl") -> DescriptionCheck:
    reading = _Reading(text, language)
    ethnicity_spans = reading.spans("ethnicity")
    skin_spans = reading.skin_descriptors()
    origin_indices = {i for s, e in ethnicity_spans + skin_spans for i in range(s, e)}
    ethnicity = reading.words(ethnicity_spans + skin_spans)
    behaviour_spans = reading.spans("behaviour")
    # A colour that describes skin is not a detail; neither is any word of an origin term.
    detail_spans = [(s, e) for s, e in reading.spans("details") if not origin_indices & set(range(s, e))]
    details = reading.words(detail_spans)
    about_person = bool(ethnicity) or bool(reading.spans("persons"))
    reasons: list[Reason] = []
    if not behaviour_spans:
        reasons.append(Reason.NO_BEHAVIOUR)
    if len(details) < 2:
        reasons.append(Reason.ETHNICITY_ONLY if ethnicity else Reason.TOO_FEW_DETAILS)
    return DescriptionCheck(ok=not reasons, reasons=reasons, behaviour_found=reading.words(behaviour_spans),
                            details_found=details, mentions_ethnicity=bool(ethnicity),
                            ethnicity_terms=sorted(set(ethnicity)), about_person=about_person,
                            language=reading.language)


@functools.lru_cache(maxsize=2048)
def redact_ethnicity(text: str, language: str = "nl") -> str:
    """The group's version of a description: origin and skin-colour descriptors become '[…]'.

    Cached: the same description is rendered again for every group and every edit.
    """
    reading = _Reading(text, language)
    spans = reading.spans("ethnicity") + reading.skin_descriptors()
    if not spans:
        return text
    # Merge overlapping spans, then replace from the end so earlier offsets stay valid.
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    result = text
    for start, end in reversed(merged):
        first, last = reading.tokens[start], reading.tokens[end - 1]
        result = result[:first.start] + "[…]" + result[last.end:]
    return result


# ---------------------------------------------------------------------------- the rule per category


@dataclass(frozen=True, slots=True)
class Review:
    """Whether a description may go on to the group, and if not, why and what may help."""

    accepted: bool
    check: DescriptionCheck | None = None
    # "Geen persoon gezien" may accept it: only when the text names no origin or skin colour.
    no_person_possible: bool = False

    @property
    def reasons(self) -> list[Reason]:
        return list(self.check.reasons) if self.check and not self.accepted else []


@functools.lru_cache(maxsize=512)
def review_description(text: str, category: Category, language: str = "nl", *,
                       no_person: bool = False) -> Review:
    """The description rule as the report flow applies it.

    - Only categories that can be about a person are checked, and only when the text is about
      a person (a person word, an origin term or a skin-colour descriptor).
    - A burglary in progress is never held back: 112 and the neighbours need it now. The group
      reads it without origin or skin colour (``redact_ethnicity``); the officer as written.
    - Youth nuisance is about what a group does; it is only held to the full rule when it names
      origin or skin colour.
    - "Geen persoon gezien" (``no_person``) accepts a text that names no origin or skin colour.

    Pure, so remembered: a report's description is reviewed when typed, at the summary and on
    sending, the same text each time (the Review and its check are never changed afterwards).
    """
    if category not in PERSON_CATEGORIES or category in EMERGENCY_CATEGORIES:
        return Review(True)
    check = check_description(text, language)
    if not check.about_person or check.ok:
        return Review(True, check)
    if not check.mentions_ethnicity and (no_person or category is Category.YOUTH_NUISANCE):
        return Review(True, check)
    return Review(False, check, no_person_possible=not check.mentions_ethnicity)
