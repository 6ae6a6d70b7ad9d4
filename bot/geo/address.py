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
