"""Hostile input: numbers that overflow, Unicode that hides or turns text, markup in names and
descriptions. Everything goes through the real handlers; what others read is checked as
Telegram would parse it."""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser
from typing import Any

import pytest
from telegram.ext import ContextTypes

from bot.core.textsafety import (
    BIDI_CONTROLS,
    TELEGRAM_ID_MAX,
    ZERO_WIDTH,
    escape_markdown_v2,
    parse_bounded_int,
    parse_user_id,
)
from storage import privacy
from tests.conftest import BotHarness, UpdateFactory
from tests.journeys import report_until_confirm

WIJKAGENT = 200010
GROUP = -1001000000010
COORDINATOR = 500001  # coordinates the team of GROUP in the example config
HOSTILE_NAMES = {
    100031: ("<b>Jan</b>\u202e", "&amp; <a href=\"tg://user?id=1\">x</a>\u200b"),
    100032: ("\u202e\u2066\u200b\u200d", None),  # nothing visible left
}


class NamedUpdates(UpdateFactory):
    """Users with the names a hostile person can set in Telegram."""

    def _user(self, user_id: int, language: str = "nl") -> dict[str, Any]:
        user = super()._user(user_id, language)
        if user_id in HOSTILE_NAMES:
            first, last = HOSTILE_NAMES[user_id]
            user["first_name"] = first
            if last is not None:
                user["last_name"] = last
        return user


def recorded_errors(h: BotHarness) -> list[BaseException]:
    errors: list[BaseException] = []

    async def record(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    h.app.add_error_handler(record)
    return errors


# --- numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("12", 12), ("0", 0), ("000012", 12), ("999999999999", 999999999999),
    ("9999999999999", None),  # 13 digits
    ("99999999999999999999999", None), ("²", None), ("١٢", None), ("１２", None), ("-5", None), ("+5", None),
    ("1e3", None), (" 12", None), ("12 ", None), ("1_000", None), ("", None), (None, None), ("12\n", None),
])
def test_parse_bounded_int(text: str | None, expected: int | None) -> None:
    assert parse_bounded_int(text, 0, 10**12) == expected


def test_parse_bounded_int_keeps_to_its_bounds() -> None:
    assert parse_bounded_int("8760", 0, 8760) == 8760
    assert parse_bounded_int("8761", 0, 8760) is None
    assert parse_bounded_int("3", 5, 9) is None


def test_parse_user_id_fits_52_bits() -> None:
    assert parse_user_id(str(TELEGRAM_ID_MAX)) == TELEGRAM_ID_MAX
    assert parse_user_id(str(TELEGRAM_ID_MAX + 1)) is None
    assert parse_user_id("0") is None
    assert parse_user_id("7123456789") == 7123456789
    assert "²".isdigit() and parse_user_id("²") is None  # why isdigit() is not enough


@pytest.mark.parametrize("args", [
    "99999999999999999999999", "²", "١٠٠٠٠٢", "１００００２", "-100002", "1e5", "0",
    str(TELEGRAM_ID_MAX + 1), "100002 99999999999999999999", "100002 -1", "100002 ²", "100002 8761",
    "100002 24 extra", "@user100002",
])
async def test_mute_with_hostile_numbers_answers_usage(harness: BotHarness, args: str) -> None:
    h = harness
    errors = recorded_errors(h)
    await h.send(h.updates.message(WIJKAGENT, f"/demp {args}"))
    assert errors == []
    assert "Gebruik: /demp" in h.request.last_text(WIJKAGENT)
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM users WHERE muted_until IS NOT NULL")
    assert row is not None and row[0] == 0, "nothing half-written"


async def test_mute_at_the_bounds_works(harness: BotHarness) -> None:
    h = harness
    await report_until_confirm(h, reporter=TELEGRAM_ID_MAX)  # /demp reaches who reported in the wijk
    await h.send(h.updates.callback(TELEGRAM_ID_MAX, "rep:confirm"))
    assert "Ontvangen" in h.request.last_text(TELEGRAM_ID_MAX)
    errors = recorded_errors(h)
    await h.send(h.updates.message(WIJKAGENT, f"/demp {TELEGRAM_ID_MAX} 8760"))
    assert "Gedempt tot" in h.request.last_text(WIJKAGENT)
    await h.send(h.updates.message(WIJKAGENT, f"/demp {TELEGRAM_ID_MAX} 0"))
    assert "opgeheven" in h.request.last_text(WIJKAGENT)
    assert errors == []


# --- what others read ------------------------------------------------------------------------

class TelegramHtml(HTMLParser):
    """Reads a message the way Telegram's HTML parse mode does: tags and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def parsed(text: str) -> TelegramHtml:
    parser = TelegramHtml()
    parser.feed(text)
    parser.close()
    return parser


HOSTILE_DESCRIPTION = (
    "Man in grijze jas <b>probeert</b> deurklinken & liep richting station "
    "\u202egnp.exe\u202c <a href=\"tg://user?id=1\">klik</a>\u200b *vet* _schuin_ [x](http://e.nl) `code`"
)


async def report(h: BotHarness, reporter: int, description: str) -> str:
    await report_until_confirm(h, reporter=reporter, description=description)
    summary = h.request.last_text(reporter)
    await h.send(h.updates.callback(reporter, "rep:confirm"))
    assert "Ontvangen" in h.request.last_text(reporter)
    return summary


def no_hidden_characters(text: str) -> bool:
    return not any(ch in BIDI_CONTROLS or ch in ZERO_WIDTH for ch in text)


async def test_markup_and_hidden_characters_are_neutralised_for_group_and_officer(harness: BotHarness) -> None:
    h = harness
    h.updates = NamedUpdates(h.app.bot)
    errors = recorded_errors(h)
    summary = await report(h, 100031, HOSTILE_DESCRIPTION)
    await h.deliver()
    group = h.request.sent(GROUP, "sendMessage")[-1]
    officer = h.request.sent(WIJKAGENT, "sendMessage")[-1]
    assert group["parse_mode"] == officer["parse_mode"] == "HTML"
    for text in (summary, group["text"], officer["text"]):
        shown = parsed(text)
        # Only the bot's own bold category label is markup; the resident's tags are text.
        assert set(shown.tags) <= {"b"} and shown.tags.count("b") <= 2
        assert "<b>probeert</b> deurklinken & liep" in shown.text
        assert '<a href="tg://user?id=1">klik</a>' in shown.text
        assert "gnp.exe" in shown.text and no_hidden_characters(text)
        assert "*vet* _schuin_ [x](http://e.nl) `code`" in shown.text  # HTML mode: no Markdown
    # The group never sees the reporter; the officer sees the name, as text, without the override.
    assert "Jan" not in group["text"] and "user100031" not in group["text"]
    officer_view = parsed(officer["text"]).text
    assert "<b>Jan</b> &amp; <a href=\"tg://user?id=1\">x</a> (@user100031)" in officer_view
    assert no_hidden_characters(officer["text"])
    assert errors == []


async def test_a_name_of_only_hidden_characters_still_gives_a_readable_reporter_line(harness: BotHarness) -> None:
    h = harness
    h.updates = NamedUpdates(h.app.bot)
    await report(h, 100032, "Man in grijze jas probeert deurklinken, liep richting station")
    await h.deliver()
    officer = h.request.sent(WIJKAGENT, "sendMessage")[-1]["text"]
    assert no_hidden_characters(officer) and "@user100032" in officer


async def test_watchers_names_are_neutralised(harness: BotHarness) -> None:
    h = harness
    h.updates = NamedUpdates(h.app.bot)
    await report(h, 100001, "Man in grijze jas probeert deurklinken, liep richting station")
    await h.deliver()
    incident = await h.services.db.fetchone("SELECT incident_id FROM outbox WHERE chat_id = ? LIMIT 1", (GROUP,))
    assert incident is not None
    await h.send(h.updates.callback(100031, f"watch:{incident[0]}:look", chat_id=GROUP))
    row = await h.services.db.fetchone("SELECT first_name FROM watch_responses WHERE user_id = 100031")
    assert row is not None and row[0] == "<b>Jan</b>"  # the override is gone; the tags are just text
    reference = await h.services.db.fetchone("SELECT reference FROM sightings WHERE incident_id = ?", (incident[0],))
    assert reference is not None
    await h.send(h.updates.message(COORDINATOR, f"/reacties {reference[0]}"))
    answer = h.request.sent(COORDINATOR, "sendMessage")[-1]
    assert "<b>Jan</b>: kijkt" in answer["text"] and "parse_mode" not in answer  # plain text: shown as typed
    exported = await privacy.export_person(h.services.db, 100031)
    assert json.dumps(exported, default=str)


async def test_overlong_description_is_refused_not_cut(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    await h.send(u.message(100001, "/melding"))
    await h.send(u.callback(100001, "rep:cat:nuisance"))
    await h.send(u.message(100001, "5701 AB 12"))
    await h.send(u.callback(100001, "rep:when:now"))
    await h.send(u.message(100001, "x" * 4000))
    assert "te lang" in h.request.last_text(100001)
    # Zero-width padding does not count: what is left is what the limit is checked on.
    await h.send(u.message(100001, "Harde muziek" + "\u200b" * 3000))
    assert "Controleer je melding" in h.request.last_text(100001) or "foto" in h.request.last_text(100001)


def test_markdown_v2_escapes_every_special_character() -> None:
    special = "_*[]()~`>#+-=|{}.!\\"
    escaped = escape_markdown_v2(special)
    assert escaped == "".join("\\" + ch for ch in special)
    assert escape_markdown_v2("Dam 1, 1012 JS") == "Dam 1, 1012 JS"


def test_escape_html_round_trips() -> None:
    from bot.core.textsafety import escape_html

    hostile = "<script>&amp;\"'"
    assert html.unescape(escape_html(hostile)) == hostile and "<" not in escape_html(hostile)
