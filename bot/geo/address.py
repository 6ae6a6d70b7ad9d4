"""Lenient parsing of typed Dutch addresses, with precise hints for bad ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class AddressHint(StrEnum):
    """Why an address could not be read; the UI turns these into sentences."""

    POSTCODE_LETTERS = "postcode_letters"  # only the four digits were given
    HOUSE_NUMBER = "house_number"  # postcode without a house number
    POSTCODE_INVALID = "postcode_invalid"  # not a Dutch postcode (starts with 0, SA/SD/SS)
    HOUSE_NUMBER_INVALID = "house_number_invalid"  # 0 or more than 5 digits
    UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    postcode: str | None = None  # "5701AB"
    house_number: int | None = None
    addition: str | None = None  # huisletter / toevoeging, e.g. "A", "3", "BIS"
    free_text: str | None = None  # "Kerkstraat 3 Helmond" for PDOK's free-text search
    hint: AddressHint | None = None

    @property
    def ok(self) -> bool:
        return self.hint is None


_FORBIDDEN_LETTERS = {"SA", "SD", "SS"}  # never issued by PostNL
_POSTCODE = re.compile(r"\b(\d{4})\s*([A-Za-z]{2})\b")
_PC_THEN_NUMBER = re.compile(
    r"^\s*(\d{4})\s*([A-Za-z]{2})\s*[,.;-]?\s*(\d{1,6})\s*(?:[-\s/]*\s*([A-Za-z]{1,4}|\d{1,4}))?\s*$"
)
_STREET_NUMBER = re.compile(r"^\s*([A-Za-zÀ-ÿ'.\- ]{2,}?)\s+(\d{1,5})\s*([A-Za-z]{0,4})\b(.*)$")


def normalise_postcode(text: str) -> str | None:
    match = _POSTCODE.search(text)
    return (match[1] + match[2]).upper() if match else None


def pc4(postcode: str) -> str:
    return postcode[:4]


def postcode_problem(digits: str, letters: str) -> AddressHint | None:
    if digits.startswith("0") or letters.upper() in _FORBIDDEN_LETTERS:
        return AddressHint.POSTCODE_INVALID
    return None


def parse_address(text: str) -> ParsedAddress:
    """'5701 AB 12', '5701ab, 12a', '5701AB12', '5701 ab 12-3', 'Kerkstraat 3 Helmond'."""
    cleaned = " ".join(text.replace("\n", " ").split())[:200]
    match = _PC_THEN_NUMBER.match(cleaned)
    if match:
        digits, letters, number, addition = match[1], match[2], match[3], match[4]
        if (problem := postcode_problem(digits, letters)) is not None:
            return ParsedAddress(hint=problem)
        if len(number) > 5 or int(number) == 0:
            return ParsedAddress(hint=AddressHint.HOUSE_NUMBER_INVALID)
        return ParsedAddress(postcode=(digits + letters).upper(), house_number=int(number),
                             addition=addition.upper() if addition else None)
    postcode = _POSTCODE.search(cleaned)
    if postcode and not re.search(r"\d", cleaned[postcode.end():]) and not _STREET_NUMBER.match(cleaned):
        if (problem := postcode_problem(postcode[1], postcode[2])) is not None:
            return ParsedAddress(hint=problem)
        return ParsedAddress(hint=AddressHint.HOUSE_NUMBER)
    if re.fullmatch(r"\s*\d{4}\s*(\d{1,5})?\s*", cleaned):
        return ParsedAddress(hint=AddressHint.POSTCODE_LETTERS)
    street = _STREET_NUMBER.match(cleaned)
    if street and re.search(r"[A-Za-zÀ-ÿ]{3,}", street[1]):
        # A street and number, maybe a place: PDOK's free-text search finds it.
        return ParsedAddress(free_text=cleaned, house_number=int(street[2]))
    return ParsedAddress(hint=AddressHint.UNREADABLE)


# ---------------------------------------------------------------------------- addresses in a message

# A Dutch street name: one word ending in a usual street suffix ("Kerkstraat", "Mierloseweg"),
# or two words of which the second is one ("Brandevoortse Dreef", "Oude Aa").
_SUFFIXES = ("straat", "laan", "weg", "plein", "dreef", "singel", "gracht", "kade", "hof", "pad", "steeg",
             "park", "dijk", "baan", "ring", "markt", "wal", "erf", "hoek", "veld", "boulevard", "passage",
             "straatje", "dreefje", "plantsoen", "akker", "donk", "eind", "heuvel", "berg", "burg")
_STREET_WORD = (r"(?:[A-ZÀ-Ý][a-zà-ÿ'\-]*(?:" + "|".join(_SUFFIXES) + r")|(?:"
                + "|".join(s.capitalize() for s in _SUFFIXES) + r"))(?![\w])")
_STREET = rf"(?:(?:[A-ZÀ-Ý][a-zà-ÿ'\-]+\s)?{_STREET_WORD}|(?i:Markt))"
# "Kerkstraat 12", "Kerkstraat 12a", "Kerkstraat bij 12", "Kerkstraat nr. 12", "Kerkstraat t.h.v. 12",
# then maybe a place: "Kerkstraat bij 12 Helmond", "Kerkstraat 12, Helmond".
_NEAR_WORDS = r"(?:\s+(?:bij|nr\.?|nummer|no\.?|t\.h\.v\.?|thv|ter hoogte van|near|at))?"
_STREET_MENTION = re.compile(
    rf"(?<![\w])(?P<street>{_STREET})(?:{_NEAR_WORDS}\s+(?P<number>\d{{1,5}})(?P<letter>[a-zA-Z](?![a-zA-Z]))?)?"
    r"(?:,?\s+(?:in\s+)?(?P<place>[A-Z][a-z]{2,}(?:[- ][A-Z][a-z]+)?))?"
)
_PC_MENTION = re.compile(r"(?<!\d)(?P<digits>[1-9]\d{3})\s?(?P<letters>[A-Za-z]{2})(?![A-Za-z])[\s,]*"
                         r"(?:nr\.?\s*)?(?P<number>\d{1,5})(?P<letter>[a-zA-Z](?![a-zA-Z]))?(?!\d)")
# Capitalised words after a street that are not a place: the start of the next sentence.
_NOT_PLACES = {"Er", "Hij", "Zij", "Ze", "Het", "De", "Een", "En", "Nu", "Ik", "Wij", "We", "Die", "Dat", "Deze",
               "The", "He", "She", "They", "It", "A", "An", "And", "Now", "I", "Bir", "Ve"}


@dataclass(frozen=True, slots=True)
class AddressMention:
    """An address found inside a longer message, and where it stood."""

    query: str  # for PDOK's free-text search: "Kerkstraat 12 Helmond", "5701AB 12"
    start: int
    end: int
    street: str | None = None
    house_number: int | None = None
    postcode: str | None = None
    addition: str | None = None


def find_address(text: str) -> AddressMention | None:
    """'… bij de Kerkstraat 12', 'Kerkstraat bij 12 Helmond', '5701 AB 12' in a message, or None.

    A postcode with a house number wins; otherwise the first street name (with its number
    and place when given). The span lets the caller keep the house number out of the text the
    neighbours read.
    """
    text = text[:1000]
    if (pc := _PC_MENTION.search(text)) is not None and postcode_problem(pc["digits"], pc["letters"]) is None:
        postcode = (pc["digits"] + pc["letters"]).upper()
        number = int(pc["number"])
        if 0 < number:
            letter = pc["letter"].upper() if pc["letter"] else None
            return AddressMention(f"{postcode} {number}{letter or ''}", pc.start(), pc.end(), postcode=postcode,
                                  house_number=number, addition=letter)
    for match in _STREET_MENTION.finditer(text):
        street = match["street"]
        street_number: int | None = int(match["number"]) if match["number"] else None
        if street_number == 0:
            street_number = None
        place = match["place"]
        end = match.end()
        if place is not None and place.split()[0].split("-")[0] in _NOT_PLACES:
            place = None
            end = match.end("letter") if match["letter"] else match.end("number") if match["number"] else match.end("street")
        parts = [street] + ([f"{street_number}{match['letter'] or ''}"] if street_number else []) + ([place] if place else [])
        return AddressMention(" ".join(parts), match.start(), end, street=street, house_number=street_number,
                              addition=match["letter"].upper() if street_number and match["letter"] else None)
    return None


def without_address(text: str, mention: AddressMention, street: str | None) -> str:
    """The message with the address replaced by the street alone (no house number, no postcode),
    as the neighbours may read it."""
    replacement = street or ""
    cleaned = text[:mention.start] + replacement + text[mention.end:]
    cleaned = re.sub(r"\s+([,.;:!?])", r"\1", " ".join(cleaned.split()))
    return cleaned.strip(" ,;:-")
