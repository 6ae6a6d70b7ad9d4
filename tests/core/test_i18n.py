"""Languages: catalogs complete, placeholders intact, plurals, locale formatting, /taal."""

from __future__ import annotations

import datetime as dt
import re
import sys
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from bot.core.i18n import clear_cache, translator
from tests.conftest import ROOT, BotHarness

sys.path.insert(0, str(ROOT / "locale" / "tools"))
from build import extracted

PLACEHOLDER = re.compile(r"\{(\w+)\}")
CORE_JOURNEY = ("handlers/report.py", "bot/reports/texts.py", "bot/reports/questions.py", "bot/reports/buttons.py",
                "bot/reports/service.py")


def catalog(language: str) -> dict[object, object]:
    with (ROOT / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


@pytest.fixture(scope="module")
def used() -> dict[object, set[str]]:
    return extracted()


def placeholders(text: object) -> set[str]:
    texts = text if isinstance(text, tuple | list) else (text,)
    return {p for t in texts for p in PLACEHOLDER.findall(str(t))}


def test_english_catalog_has_every_message_used_in_code(used: dict[object, set[str]]) -> None:
    en = catalog("en")
    missing = [m for m in used if not en.get(m) or (isinstance(en[m], tuple) and not all(en[m]))]
    assert missing == [], "run python locale/tools/build.py and translate these"


@pytest.mark.parametrize("language", ["en", "tr"])
def test_placeholders_match(language: str) -> None:
    for msgid, msgstr in catalog(language).items():
        if msgstr and (not isinstance(msgstr, tuple) or all(msgstr)):
            assert placeholders(msgstr) == placeholders(msgid), msgid


def test_turkish_covers_the_core_journey(used: dict[object, set[str]]) -> None:
    tr = catalog("tr")
    core = [m for m, files in used.items() if any(f.replace("\\", "/").endswith(CORE_JOURNEY) for f in files)]
    assert len(core) > 40
    missing = [m for m in core if not tr.get(m) or (isinstance(tr[m], tuple) and not all(tr[m]))]
    assert missing == []


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
    assert {"lang:nl", "lang:en", "lang:tr"} <= set(buttons)
    await h.send(h.updates.callback(100001, "lang:en"))
    await h.send(h.updates.message(100001, "/melding"))
    assert "What do you want to report?" in h.request.last_text(100001)
    await h.send(h.updates.message(100002, "/start", language="en-GB"))  # Telegram says English
    assert "Welcome to Buurtwacht" in h.request.last_text(100002)
    await h.send(h.updates.message(100003, "/start", language="fr"))  # not supported: Dutch
    assert "Welkom bij Buurtwacht" in h.request.last_text(100003)
    await h.send(h.updates.message(100004, "/start", language="tr"))
    assert "hoş geldin" in h.request.last_text(100004)


async def test_officer_reads_the_report_in_their_own_language(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(200010, "/start"))
    await h.send(h.updates.callback(200010, "lang:en"))
    from tests.reports.test_report_journey import RESIDENT, report_until_confirm

    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    officer = h.request.last_text(200010)
    assert "Suspicious person" in officer and "Reference:" in officer
    assert "Verdachte persoon" in h.request.last_text(-1001000000010)


def test_catalog_files_exist_for_the_languages_offered() -> None:
    for language in ("en", "tr"):
        assert (ROOT / "locale" / language / "LC_MESSAGES" / "messages.po").exists()
