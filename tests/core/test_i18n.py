"""Languages: the catalogs are current and complete, placeholders and plurals agree, locale
formatting, /taal. The pybabel commands come from docs/translating.md, which is their one
definition."""

from __future__ import annotations

import datetime as dt
import html
import re
import shlex
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.core.i18n import LANGUAGES, SOURCE_LANGUAGE, clear_cache, translator
from tests.conftest import ROOT, BotHarness

PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Where the texts live (a path ending in "/" is a folder): the report journey and its receipts,
# and everything residents read.
CORE_JOURNEY = ("handlers/report.py", "bot/reports/")
RESIDENT_FILES = (*CORE_JOURNEY, "handlers/start.py", "bot/tips/", "handlers/tips.py", "bot/alerts/",
                  "handlers/lifecycle.py", "bot/app/application.py", "handlers/privacy.py", "bot/privacy/",
                  "bot/outreach/")
RESIDENT_HELP_END = "Bij gevaar: bel 112."
DOC = ROOT / "docs" / "translating.md"
TEMPLATE = ROOT / "locale" / "messages.pot"
TRANSLATED = [language for language in LANGUAGES if language != SOURCE_LANGUAGE
              and (ROOT / "locale" / language / "LC_MESSAGES" / "messages.po").exists()]


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def po_path(language: str, base: Path = ROOT / "locale") -> Path:
    return base / language / "LC_MESSAGES" / "messages.po"


def messages(language: str) -> dict[object, Message]:
    """The active (not obsolete) messages of a committed catalog, by msgid."""
    return {m.id: m for m in read(po_path(language), language) if m.id}



def documented(command: str) -> list[str]:
    """The arguments of `pybabel <command>` as docs/translating.md gives them."""
    lines = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith(f"pybabel {command} ")]
    assert len(lines) == 1, f"docs/translating.md should give one `pybabel {command}` line"
    return shlex.split(lines[0])[1:]


def replaced(args: list[str], option: str, value: str) -> list[str]:
    index = args.index(option)
    return [*args[: index + 1], value, *args[index + 2 :]]


def pybabel(args: list[str]) -> None:
    assert CommandLineInterface().run(["pybabel", "--quiet", *args]) in (0, None)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh extract of the code, and copies of the committed .po files updated from it,
    exactly as docs/translating.md says (run from the repository root)."""
    out = tmp_path_factory.mktemp("locale")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        pybabel(replaced(documented("extract"), "-o", str(out / "messages.pot")))
        for language in TRANSLATED:
            po_path(language, out).parent.mkdir(parents=True)
            shutil.copy(po_path(language), po_path(language, out))
        update = replaced(documented("update"), "-i", str(out / "messages.pot"))
        pybabel(replaced(update, "-d", str(out)))
    return out


@pytest.fixture(scope="module")
def used(regenerated: Path) -> dict[object, set[str]]:
    """msgid → the files that use it, from a fresh extract."""
    return {m.id: {filename for filename, _line in m.locations} for m in read(regenerated / "messages.pot") if m.id}


def placeholders(text: object) -> set[str]:
    texts = text if isinstance(text, tuple | list) else (text,)
    return {p for t in texts for p in PLACEHOLDER.findall(str(t))}


def translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(strings) and not message.fuzzy


def test_committed_template_is_current(regenerated: Path) -> None:
    """Compares texts, translator comments and flags, not line numbers or dates."""
    def content(path: Path) -> set[tuple[object, tuple[str, ...], frozenset[str]]]:
        return {(m.id, tuple(m.auto_comments), frozenset(m.flags)) for m in read(path) if m.id}

    fresh, committed = content(regenerated / "messages.pot"), content(TEMPLATE)
    assert {m[0] for m in fresh - committed} == set() and {m[0] for m in committed - fresh} == set(), (
        "run the two pybabel commands in docs/translating.md")
    assert [m.id for m in read(TEMPLATE)] == [m.id for m in read(regenerated / "messages.pot")]


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_is_updated_from_the_template(language: str, regenerated: Path) -> None:
    def content(path: Path) -> dict[object, tuple[object, bool]]:
        return {m.id: (m.string, m.fuzzy) for m in read(path, language) if m.id}

    fresh, committed = content(po_path(language, regenerated)), content(po_path(language))
    assert sorted(set(fresh) ^ set(committed), key=str) == [], "run `pybabel update` (docs/translating.md)"
    assert fresh == committed
    # In the template's order (sorted by the Dutch text), so branches touch different places.
    assert list(fresh) == list(committed), "run `pybabel update` (docs/translating.md) to restore the order"


def test_translator_comments_reach_the_catalogs() -> None:
    notes = [m for m in read(TEMPLATE) if any(c.startswith("Translators:") for c in m.auto_comments)]
    assert notes
    assert all(notes[0].auto_comments == messages(language)[notes[0].id].auto_comments for language in TRANSLATED)


def test_english_is_complete_and_nothing_is_fuzzy(used: dict[object, set[str]]) -> None:
    en = messages("en")
    missing = [m for m in used if m not in en or not translated(en[m])]
    assert missing == [], "translate these in locale/en/LC_MESSAGES/messages.po (docs/translating.md)"
    assert [m.id for m in en.values() if m.fuzzy] == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_match(language: str) -> None:
    for msgid, message in messages(language).items():
        if translated(message):
            strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
            for string in strings:  # every plural form names the same placeholders as the source
                assert placeholders(string) <= placeholders(msgid), (msgid, string)
                if not isinstance(msgid, tuple):
                    assert placeholders(string) == placeholders(msgid), (msgid, string)


@pytest.mark.parametrize("language", TRANSLATED)
def test_plural_forms_agree_with_the_language(language: str) -> None:
    catalog_ = read(po_path(language), language)
    assert catalog_.num_plurals == get_plural(language).num_plurals
    assert catalog_.plural_expr.replace(" ", "") == get_plural(language).plural_expr.replace(" ", "")
    for message in catalog_:
        if message.id and isinstance(message.id, tuple):
            assert len(message.string) == catalog_.num_plurals, message.id
            assert all(message.string) or not any(message.string), ("partly translated plural", message.id)
            if all(message.string):  # {n} appears in the forms (an Arabic form may say "two" instead)
                assert placeholders(message.string) == placeholders(message.id), message.id


def test_turkish_covers_the_core_journey(used: dict[object, set[str]]) -> None:
    tr = messages("tr")
    core = [m for m, files in used.items() if any(in_files(f, CORE_JOURNEY) for f in files)]
    assert len(core) > 40
    missing = [m for m in core if m not in tr or not translated(tr[m])]
    assert missing == []


def resident_messages(used: dict[object, set[str]]) -> list[object]:
    """What residents read: the start, their /help, the report journey and its receipts, tips and alerts."""
    from bot.core.help import RESIDENT_LINES

    return [m for m, files in used.items()
            if m in RESIDENT_LINES or m == RESIDENT_HELP_END or any(in_files(f, RESIDENT_FILES) for f in files)]


def in_files(filename: str, places: tuple[str, ...]) -> bool:
    filename = filename.replace("\\", "/")
    return any(filename.startswith(place) if place.endswith("/") else filename == place for place in places)


def coverage(language: str, wanted: list[object]) -> tuple[float, list[object]]:
    catalog_ = messages(language)
    missing = [m for m in wanted if m not in catalog_ or not translated(catalog_[m])]
    return 1 - len(missing) / len(wanted), missing


# Turkish is kept complete and Polish and Arabic cover what residents read; the floors below
# leave room for a message added since the last translation round (the floors are checked,
# the rounds fill the gaps), except where a gap would leave a resident without a way in.
@pytest.mark.parametrize(("language", "floor"), [("tr", 0.95), ("pl", 0.9), ("ar", 0.9)])
def test_residents_read_their_language(language: str, floor: float, used: dict[object, set[str]]) -> None:
    wanted = resident_messages(used)
    assert len(wanted) > 200
    share, missing = coverage(language, wanted)
    assert share >= floor, missing
    start_and_help = [m for m in wanted if m in used and ("handlers/start.py" in used[m] or "bot/core/help.py" in used[m])]
    assert coverage(language, start_and_help)[1] == []


def test_turkish_is_nearly_complete(used: dict[object, set[str]]) -> None:
    share, missing = coverage("tr", list(used))
    assert share >= 0.95, missing


def test_arabic_command_lines_read_right_to_left() -> None:
    """Telegram lays a paragraph out by its first strong character: an Arabic line that starts
    with a Latin /command would be laid out left-to-right, so it starts with U+200F."""
    starts_latin = [m.id for m in messages("ar").values()
                    if isinstance(m.string, str) and m.string[:1] == "/"]
    assert starts_latin == []
    help_text = "\n".join(line for line in __import__("bot.core.help", fromlist=["help_lines"]).help_lines(
        translator("ar"), []) if line)
    assert all(line.startswith("\u200f/") for line in help_text.splitlines() if "/" in line[:3])


def test_plural_forms() -> None:
    clear_cache()
    nl, en = translator("nl"), translator("en")
    assert nl.ngettext("{n} melding", "{n} meldingen", 1).format(n=1) == "1 melding"
    assert nl.ngettext("{n} melding", "{n} meldingen", 3).format(n=3) == "3 meldingen"
    assert en.ngettext("{n} melding", "{n} meldingen", 1).format(n=1) == "1 report"
    assert en.ngettext("{n} melding", "{n} meldingen", 3).format(n=3) == "3 reports"


def test_dates_times_weekdays_and_numbers_per_locale() -> None:
    moment = dt.datetime(2026, 11, 24, 19, 5, tzinfo=dt.UTC)
    tz = ZoneInfo("Europe/Amsterdam")
    assert translator("nl").datetime(moment, tz) == "24-11-2026, 20:05"
    assert "11/24/26" in translator("en").datetime(moment, tz)
    assert translator("nl").weekday(1) == "dinsdag" and translator("en").weekday(1) == "Tuesday"
    assert translator("nl").number(1234.5) == "1.234,5" and translator("en").number(1234.5) == "1,234.5"
    assert translator("nl").time(moment, tz) == "20:05"


async def test_taal_switches_and_new_users_get_their_language(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(100001, "/start"))
    assert "Welkom bij Buurtwacht" in h.request.last_text(100001)
    buttons = [b["callback_data"] for row in h.request.sent(100001)[-1]["reply_markup"]["inline_keyboard"] for b in row]
    assert {"lang:nl", "lang:en", "lang:tr", "lang:pl", "lang:ar"} <= set(buttons)
    await h.send(h.updates.callback(100001, "lang:en"))
    await h.send(h.updates.message(100001, "/melding"))
    assert "What do you want to report?" in h.request.last_text(100001)
    await h.send(h.updates.message(100002, "/start", language="en-GB"))  # Telegram says English
    assert "Welcome to Buurtwacht" in h.request.last_text(100002)
    await h.send(h.updates.message(100003, "/start", language="fr"))  # not supported: Dutch
    assert "Welkom bij Buurtwacht" in h.request.last_text(100003)
    await h.send(h.updates.message(100004, "/start", language="tr"))
    assert "hoş geldin" in h.request.last_text(100004)
    await h.send(h.updates.message(100005, "/start", language="pl"))
    assert "Witaj w Buurtwacht" in h.request.last_text(100005)
    await h.send(h.updates.message(100006, "/start", language="ar"))
    assert "مرحبًا بك في Buurtwacht" in h.request.last_text(100006)
    await h.send(h.updates.message(100006, "/help"))
    assert "\u200f/report — أبلغ عن شيء في حيّك" in h.request.last_text(100006)


async def test_officer_reads_the_report_in_their_own_language(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(200010, "/start"))
    await h.send(h.updates.callback(200010, "lang:en"))
    from tests.journeys import RESIDENT, report_until_confirm

    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    officer = h.request.last_text(200010)
    assert "Suspicious person" in officer and "Reference:" in officer
    assert "Verdachte persoon" in h.request.last_text(-1001000000010)


def test_catalog_files_exist_for_the_languages_offered() -> None:
    assert set(TRANSLATED) == set(LANGUAGES) - {SOURCE_LANGUAGE}


@pytest.mark.parametrize("language", TRANSLATED)
def test_review_status_in_the_header_and_the_readme(language: str) -> None:
    """Each catalog's header says whether a native speaker reviewed it; README.md agrees."""
    header = read(po_path(language), language).header_comment
    (status,) = [line.removeprefix("# Review:").strip() for line in header.splitlines() if line.startswith("# Review:")]
    needs_review = status.startswith("needs a native speaker")
    assert needs_review or status.startswith("done")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (listed,) = [line for line in readme.splitlines() if line.startswith("Needs review by a native speaker:")]
    assert (f"`{language}`" in listed) == needs_review


@pytest.mark.parametrize("language", LANGUAGES)
def test_prevention_tips_exist_in_every_language(language: str) -> None:
    from bot.tips.library import DATA, load_library, validate_library
    from bot.tips.service import tip_text

    assert (DATA / f"{language}.toml").exists() and validate_library() == []
    dutch = {tip.id: tip.text for tip in load_library("nl")}
    tips = load_library(language)
    assert language == "nl" or all(tip.text != dutch[tip.id] for tip in tips)  # translated, not copied
    assert html.escape(tips[0].text) in tip_text(language, tips[0])
