"""Pure rules of the report journey: urgency, times, descriptions."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core.domain import Category
from bot.privacy.profiling import fold

# Words that mean "danger now" in what a resident types. Lower-case, without accents.
URGENT_WORDS = (
    "spoed", "nu bezig", "inbraak bezig", "wordt ingebroken", "ingebroken wordt", "wordt nu ingebroken",
    "inbreker", "inbrekers", "nu ingebroken", "brand", "help",
    "gevaar", "wapen", "mes", "vechtpartij", "overval", "112",
    "emergency", "burglary in progress", "fire", "weapon", "knife", "robbery", "danger",
)
_URGENT = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in URGENT_WORDS) + r")(?!\w)")


# Saying 112 was already called is not a sign of danger now: the resident did what we would
# ask, and "Bel nu 112" again (or an escalation) would be wrong. "112" up to five words away
# from "gebeld" / "called", either way round, is such a phrase; it is left out before the
# urgent words are looked for, so "112 is gebeld, er wordt nu ingebroken" is still urgent.
_CALLED = r"(?:gebeld|ingeschakeld|gewaarschuwd|called|phoned|rang)"
_NEAR = r"(?:[^\W\d]+\s+){0,5}?"  # up to five words in between, no numbers, no sentence end
_CALLED_112 = re.compile(
    rf"(?<!\w)112\s+{_NEAR}{_CALLED}(?!\w)"
    rf"|(?<!\w){_CALLED}\s+{_NEAR}112(?!\w)"
)


def is_urgent_text(text: str) -> bool:
    """Does free text the resident typed mark the situation as urgent (danger now)?"""
    folded = _CALLED_112.sub(" ", fold(text))
    return bool(_URGENT.search(folded)) or text.count("!") >= 3


def description_sounds_urgent(text: str, *, earlier: bool) -> bool:
    """Does the description make the report urgent? Not when the resident said it happened
    earlier ("Eerder"): "gisteren zag ik een inbreker" is a report, not danger now."""
    return not earlier and is_urgent_text(text)


class WhenProblem(StrEnum):
    UNREADABLE = "unreadable"
    FUTURE = "future"
    TOO_OLD = "too_old"


@dataclass(frozen=True, slots=True)
class WhenResult:
    at: dt.datetime | None
    problem: WhenProblem | None = None


_TIME = re.compile(r"(\d{1,2})[:.h](\d{2})")
_DATE = re.compile(r"(\d{1,2})[-/](\d{1,2})(?:[-/](\d{2,4}))?")
YESTERDAY_WORDS = ("gisteren", "yesterday", "dün", "wczoraj")
MAX_AGE = dt.timedelta(days=7)
# The receipt is queued in the outbox with the report and shown by the handler at once; the
# outbox sends it only when the handler did not get to it (the process was killed, Telegram
# failed) within this long.
RECEIPT_GRACE = dt.timedelta(seconds=10)


def parse_when(text: str, *, now: dt.datetime, tz: dt.tzinfo) -> WhenResult:
    """'21:30', '21.30', 'gisteren 22:15', '24-11 23:05' in local time → an aware UTC time.

    A bare time later than now means yesterday (people report at night what they saw before
    midnight). Older than a week is refused: that is an aangifte, not a neighbourhood alert.
    """
    folded = fold(text.strip())
    time_match = _TIME.search(folded)
    if not time_match:
        return WhenResult(None, WhenProblem.UNREADABLE)
    hour, minute = int(time_match[1]), int(time_match[2])
    if hour > 23 or minute > 59:
        return WhenResult(None, WhenProblem.UNREADABLE)
    local_now = now.astimezone(tz)
    day = local_now.date()
    date_match = _DATE.search(folded.replace(time_match[0], " "))
    explicit_day = False
    if date_match:
        year = int(date_match[3]) if date_match[3] else day.year
        year = year + 2000 if year < 100 else year
        try:
            day = dt.date(year, int(date_match[2]), int(date_match[1]))
        except ValueError:
            return WhenResult(None, WhenProblem.UNREADABLE)
        explicit_day = True
    elif any(word in folded for word in YESTERDAY_WORDS):
        day = day - dt.timedelta(days=1)
        explicit_day = True
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)
    if not explicit_day and local > local_now:
        local -= dt.timedelta(days=1)
    at = local.astimezone(dt.UTC)
    if at > now + dt.timedelta(minutes=5):
        return WhenResult(None, WhenProblem.FUTURE)
    if now - at > MAX_AGE:
        return WhenResult(None, WhenProblem.TOO_OLD)
    return WhenResult(at)


class DescriptionProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"


def description_problem(text: str, max_chars: int) -> DescriptionProblem | None:
    if not text.strip():
        return DescriptionProblem.EMPTY
    if len(text) > max_chars:
        return DescriptionProblem.TOO_LONG
    return None


# ---------------------------------------------------------------------------- category from words

# Words that point to a category, per language, folded (lower case, no accents; Turkish ı as i).
# A word counts when it stands on its own or starts a longer word ("bestelbus" matches "bus"
# only through its own entry; "inbreker" matches "inbrek"). The category with most hits wins;
# a tie or nothing at all is no guess: the resident picks.
CATEGORY_WORDS: dict[str, dict[Category, tuple[str, ...]]] = {
    "nl": {
        Category.SUSPICIOUS_VEHICLE: ("auto", "bus", "busje", "bestelbus", "bestelauto", "scooter", "kenteken",
                                      "voertuig", "wagen", "motor", "brommer", "bestelwagen", "vrachtwagen"),
        Category.BURGLARY_IN_PROGRESS: ("inbraak bezig", "wordt ingebroken", "wordt nu ingebroken",
                                        "inbreker", "inbrekers", "breekt in", "breken in"),
        Category.NUISANCE: ("overlast", "lawaai", "herrie", "muziek", "geluid", "geschreeuw", "ruzie", "feest"),
        Category.CONFUSED_PERSON: ("verward", "in de war", "dwaalt", "verdwaald", "gedesorienteerd"),
        Category.YOUTH_NUISANCE: ("jongeren", "jeugd", "hangjongeren", "tieners", "jongens", "pubers"),
        Category.FIRE_HAZARD: ("brand", "rook", "vuur", "brandgevaar", "vuurwerk", "brandt", "smeult"),
        Category.NEGLECT: ("zwerfafval", "afval", "kapot", "graffiti", "vuil", "gedumpt", "dumping",
                           "lantaarnpaal", "stoeptegel", "vernield"),
        Category.SUSPICIOUS_PERSON: ("verdachte man", "verdachte vrouw", "verdacht persoon", "verdachte persoon",
                                     "persoon", "man", "vrouw", "iemand", "gluurt", "deurklinken", "loert",
                                     "achterom", "verdacht"),
    },
    "en": {
        Category.SUSPICIOUS_VEHICLE: ("car", "vehicle", "scooter", "licence plate", "license plate",
                                      "number plate", "truck", "motorbike"),
        Category.BURGLARY_IN_PROGRESS: ("burglary in progress", "breaking in", "break-in", "burglar", "burglars"),
        Category.NUISANCE: ("noise", "loud", "music", "shouting", "party", "nuisance"),
        Category.CONFUSED_PERSON: ("confused", "disoriented", "wandering", "lost"),
        Category.YOUTH_NUISANCE: ("youths", "teenagers", "kids", "youngsters", "teens"),
        Category.FIRE_HAZARD: ("fire", "smoke", "fireworks", "burning"),
        Category.NEGLECT: ("litter", "rubbish", "broken", "graffiti", "dumped", "streetlight"),
        Category.SUSPICIOUS_PERSON: ("suspicious man", "suspicious woman", "suspicious person", "man", "woman",
                                     "person", "someone", "suspicious", "door handles", "lurking"),
    },
    "tr": {
        Category.SUSPICIOUS_VEHICLE: ("araba", "arac", "minibus", "plaka", "kamyonet", "motosiklet", "otomobil"),
        Category.BURGLARY_IN_PROGRESS: ("hirsiz", "hirsizlar", "eve giriyor", "soygun"),
        Category.NUISANCE: ("gurultu", "muzik", "bagirma", "kavga", "parti"),
        Category.CONFUSED_PERSON: ("kafasi karisik", "saskin", "kaybolmus"),
        Category.YOUTH_NUISANCE: ("gencler", "cocuklar", "ergenler"),
        Category.FIRE_HAZARD: ("yangin", "duman", "ates", "havai fisek"),
        Category.NEGLECT: ("cop", "kirik", "grafiti", "bozuk"),
        Category.SUSPICIOUS_PERSON: ("supheli", "adam", "kadin", "kisi", "biri", "birisi"),
    },
}


def fold_words(text: str) -> str:
    """Lower case, no accents, Turkish dotless ı as i, punctuation and emoji as spaces."""
    folded = fold(text).replace("ı", "i")
    return " ".join(re.sub(r"[^\w]+", " ", folded).split())


def guess_category(text: str, language: str) -> Category | None:
    """The category the words point to (the resident's language and Dutch), or None."""
    folded = " " + fold_words(text) + " "
    scores: dict[Category, int] = {}
    for lang in dict.fromkeys((language, "nl")):
        for category, words in CATEGORY_WORDS.get(lang, {}).items():
            hits = sum(1 for word in words if f" {word} " in folded)
            if hits:
                scores[category] = scores.get(category, 0) + hits
    if not scores:
        return None
    # A vehicle or a burglary named anywhere says more than the person in or near it.
    for decisive in (Category.BURGLARY_IN_PROGRESS, Category.SUSPICIOUS_VEHICLE):
        if decisive in scores:
            return decisive
    best = max(scores.values())
    winners = [c for c, n in scores.items() if n == best]
    return winners[0] if len(winners) == 1 else None


def says_earlier(text: str) -> bool:
    """Does the message say it happened before now ("gisteren", "vannacht", a time)?"""
    folded = " " + fold_words(text) + " "
    words = ("gisteren", "vannacht", "vanochtend", "eerder", "vorige week", "yesterday", "last night",
             "earlier", "this morning", "dun", "dun gece", "bu sabah")
    return any(f" {w} " in folded for w in words)
