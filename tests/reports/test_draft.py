"""The report journey without Telegram: the draft's order of questions, its transitions, the
buttons' data, typed answers, the category guessed from words and addresses found in a message."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.domain import Category, LocationSource
from bot.core.i18n import translator
from bot.geo.address import find_address, without_address
from bot.reports import buttons
from bot.reports.buttons import Act, Action, parse, typed_answer
from bot.reports.draft import (
    Call112,
    Field,
    Place,
    ReportDraft,
    Step,
    WhenMode,
    advance,
    answer_112,
    change,
    choose_category,
    choose_when,
    next_step,
    set_description,
    set_photo,
    set_place,
    set_time,
    set_urgent,
)
from bot.reports.rules import guess_category

NOW = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)
CENTRUM = Place("BU07941000", LocationSource.PDOK, 51.479, 5.662, "Markt", "12", "5701RK", "Markt, Centrum, Helmond")
NL = translator("nl")


def test_the_step_by_step_order_is_read_from_next_step() -> None:
    draft = advance(ReportDraft())
    steps = [draft.step]
    choose_category(draft, Category.SUSPICIOUS_PERSON)
    steps.append(draft.step)
    answer_112(draft, Call112.CALLED)
    steps.append(draft.step)
    set_place(draft, CENTRUM)
    steps.append(draft.step)
    choose_when(draft, WhenMode.EARLIER, now=NOW)
    steps.append(draft.step)
    set_time(draft, NOW - dt.timedelta(hours=1))
    steps.append(draft.step)
    set_description(draft, "Man in grijze jas probeert deurklinken", no_person=False, sounds_urgent=False)
    steps.append(draft.step)
    set_photo(draft, None)
    steps.append(draft.step)
    assert steps == [Step.CATEGORY, Step.CALLED_112, Step.LOCATION, Step.WHEN, Step.WHEN_TIME, Step.DESCRIPTION,
                     Step.PHOTO, Step.CONFIRM]


def test_a_category_without_police_need_skips_the_112_question() -> None:
    draft = choose_category(ReportDraft(), Category.NEGLECT)
    assert draft.step is Step.LOCATION and draft.called_112 is None


def test_danger_now_asks_112_before_anything_else() -> None:
    draft = set_urgent(ReportDraft())
    assert draft.step is Step.CALLED_112 and draft.emergency
    answer_112(draft, Call112.NOT_CALLED)
    assert draft.step is Step.CATEGORY


def test_a_message_that_says_everything_goes_straight_to_the_summary() -> None:
    draft = ReportDraft(category=Category.NUISANCE, place=CENTRUM, when_mode=WhenMode.NOW, occurred_at=NOW,
                        description="Harde muziek en geschreeuw", photo_asked=True)
    assert next_step(draft) is Step.CONFIRM


def test_changing_one_answer_asks_only_that_and_returns_to_the_summary() -> None:
    draft = ReportDraft(category=Category.NUISANCE, place=CENTRUM, when_mode=WhenMode.NOW, occurred_at=NOW,
                        description="Harde muziek", photo_asked=True, step=Step.CONFIRM)
    change(draft, Field.WHEN)
    assert draft.step is Step.WHEN
    choose_when(draft, WhenMode.EARLIER, now=NOW)
    assert draft.step is Step.WHEN_TIME
    set_time(draft, NOW - dt.timedelta(hours=2))
    assert draft.step is Step.CONFIRM and draft.description == "Harde muziek"


def test_112_as_the_group_reads_it() -> None:
    draft = ReportDraft(category=Category.SUSPICIOUS_PERSON, when_mode=WhenMode.NOW)
    assert answer_112(draft, Call112.CALLED).called_112 is True
    assert answer_112(draft, Call112.NOT_NEEDED).called_112 is None  # nothing at all
    assert answer_112(draft, Call112.NOT_CALLED).called_112 is False  # happening now
    draft.when_mode = WhenMode.EARLIER
    assert draft.called_112 is None  # not a now-situation: nothing about 112


def test_earlier_takes_back_urgency_that_came_only_from_the_description() -> None:
    draft = ReportDraft(category=Category.NUISANCE, place=CENTRUM, call_112=Call112.CALLED)
    assert set_description(draft, "Er is een vechtpartij", no_person=False, sounds_urgent=True)
    assert draft.urgent
    choose_when(draft, WhenMode.EARLIER, now=NOW)
    assert not draft.urgent


def test_not_needed_before_it_turned_urgent_is_asked_again() -> None:
    draft = ReportDraft(category=Category.SUSPICIOUS_PERSON, call_112=Call112.NOT_NEEDED, place=CENTRUM,
                        when_mode=WhenMode.NOW, occurred_at=NOW)
    set_description(draft, "Hij heeft een mes", no_person=False, sounds_urgent=True)
    assert draft.step is Step.CALLED_112 and draft.emergency


def test_drafts_survive_storage_and_old_drafts_still_load() -> None:
    draft = ReportDraft(category=Category.SUSPICIOUS_VEHICLE, category_guessed=True, call_112=Call112.NOT_CALLED,
                        place=CENTRUM, place_candidates=[CENTRUM], when_mode=WhenMode.NOW, occurred_at=NOW,
                        description="Witte bus", photo="F", photo_asked=True, step=Step.CONFIRM)
    again = ReportDraft.from_json(draft.step.value, draft.to_json())
    assert again == draft
    old = {"category": "nuisance", "called_112": True, "when_mode": "now", "occurred_at": NOW.isoformat(),
           "location": {"buurt": "BU07941000", "source": "gps", "lat": 51.4, "lon": 5.6, "street": None,
                        "label": "Centrum, Helmond"}, "description": "x", "photo": None}
    loaded = ReportDraft.from_json("confirm", old)
    assert loaded.call_112 is Call112.CALLED and loaded.photo_asked and loaded.place is not None
    assert next_step(loaded) is Step.CONFIRM


@pytest.mark.parametrize("action", [
    Action(Act.CATEGORY, "nuisance"), Action(Act.CALL_112, "notnow"), Action(Act.WHEN, "now"), Action(Act.CONFIRM),
    Action(Act.EDIT, "called_112"), Action(Act.PLACE, "2"), Action(Act.CANCEL),
])
def test_button_data_is_built_and_parsed_in_one_place(action: Action) -> None:
    assert parse(action.data) == action
    assert len(action.data.encode()) <= 64


@pytest.mark.parametrize("data", ["ack:1:take", "rep:", "rep:bogus", "rep:cat:" + "x" * 80, None, ""])
def test_forged_or_foreign_data_is_no_report_button(data: str | None) -> None:
    assert parse(data) is None


def test_a_forged_value_parses_but_means_nothing() -> None:
    action = parse("rep:cat:stolen_bike")
    assert action is not None and action.category is None
    assert parse("rep:place:99x") is not None and parse("rep:place:99x").place_index is None  # type: ignore[union-attr]


@pytest.mark.parametrize(("step", "typed", "expected"), [
    (Step.CONFIRM, "JA", Action(Act.CONFIRM)),
    (Step.CONFIRM, "Versturen!", Action(Act.CONFIRM)),
    (Step.CONFIRM, "wijzigen", Action(Act.CHANGE)),
    (Step.WHEN, "Nú", Action(Act.WHEN, "now")),
    (Step.WHEN, "eerder", Action(Act.WHEN, "earlier")),
    (Step.WHEN, "şimdi", Action(Act.WHEN, "now")),
    (Step.CALLED_112, "Ja", Action(Act.CALL_112, "yes")),
    (Step.CALLED_112, "nee", Action(Act.CALL_112, "no")),
    (Step.CALLED_112, "evet", Action(Act.CALL_112, "yes")),
    (Step.PHOTO, "Geen foto", Action(Act.NO_PHOTO)),
    (Step.PHOTO, "hayır", Action(Act.NO_PHOTO)),
    (Step.PHOTO, "klaar", Action(Act.NO_PHOTO)),
    (Step.CATEGORY, "verdachte persoon", Action(Act.CATEGORY, "suspicious_person")),
    (Step.CATEGORY, "Overlast", Action(Act.CATEGORY, "nuisance")),
    (Step.CATEGORY, "nu gevaar", Action(Act.URGENT)),
    (Step.CHANGE, "Waar", Action(Act.EDIT, "location")),
    (Step.CHANGE, "112", Action(Act.EDIT, "called_112")),
    (Step.WHEN, "STOP", Action(Act.CANCEL)),
    (Step.CONFIRM, "annuleer", Action(Act.CANCEL)),
    (Step.CONFIRM, "iptal", Action(Act.CANCEL)),
])
def test_typed_answers(step: Step, typed: str, expected: Action) -> None:
    assert typed_answer(step, typed, NL) == expected


def test_typed_answers_in_english_and_an_emergency() -> None:
    en = translator("en")
    assert typed_answer(Step.CONFIRM, "send", en) == Action(Act.CONFIRM)
    assert typed_answer(Step.WHEN, "Now", en) == Action(Act.WHEN, "now")
    assert typed_answer(Step.CALLED_112, "no", NL, emergency=True) == Action(Act.CALL_112, "notnow")
    assert typed_answer(Step.CALLED_112, "ik kan nu niet bellen", NL, emergency=True) == Action(Act.CALL_112, "notnow")
    assert typed_answer(Step.PLACE_CHOICE, "2", NL, candidates=[CENTRUM, CENTRUM]) == Action(Act.PLACE, "1")
    assert typed_answer(Step.PLACE_CHOICE, "7", NL, candidates=[CENTRUM]) is None


@pytest.mark.parametrize("typed", ["misschien", "blauw", "", "🙂"])
def test_anything_else_is_no_answer(typed: str) -> None:
    for step in (Step.CONFIRM, Step.WHEN, Step.PHOTO, Step.CALLED_112):
        assert typed_answer(step, typed, NL) is None


@pytest.mark.parametrize(("text", "language", "category"), [
    ("Grijze bestelbus zonder kenteken rijdt rondjes", "nl", Category.SUSPICIOUS_VEHICLE),
    ("verdachte man bij de achterom", "nl", Category.SUSPICIOUS_PERSON),
    ("Harde muziek en geschreeuw bij de buren", "nl", Category.NUISANCE),
    ("er wordt nu ingebroken bij de buren", "nl", Category.BURGLARY_IN_PROGRESS),
    ("Kapotte lantaarnpaal", "nl", Category.NEGLECT),
    ("Suspicious car driving slowly", "en", Category.SUSPICIOUS_VEHICLE),
    ("Loud music and shouting", "en", Category.NUISANCE),
    ("Şüpheli adam kapıları deniyor", "tr", Category.SUSPICIOUS_PERSON),
    ("Gürültü ve müzik", "tr", Category.NUISANCE),
    ("Er is iets", "nl", None),
])
def test_category_guessed_from_words(text: str, language: str, category: Category | None) -> None:
    assert guess_category(text, language) is category


def test_the_dutch_van_in_an_english_chat_is_no_vehicle() -> None:
    assert guess_category("verdachte man bij de achterom van de Kerkstraat", "en") is Category.SUSPICIOUS_PERSON


@pytest.mark.parametrize(("text", "query", "street", "number", "postcode"), [
    ("verdachte man bij de achterom van de Kerkstraat 12", "Kerkstraat 12", "Kerkstraat", 12, None),
    ("Kerkstraat bij 12 Helmond", "Kerkstraat 12 Helmond", "Kerkstraat", 12, None),
    ("5701 AB 12", "5701AB 12", None, 12, "5701AB"),
    ("man bij 5701ab 12a", "5701AB 12A", None, 12, "5701AB"),
    ("Grijze bus op de Markt. Er zit iemand in", "Markt", "Markt", None, None),
    ("man op Brandevoortse Dreef 3 in Helmond", "Brandevoortse Dreef 3 Helmond", "Brandevoortse Dreef", 3, None),
])
def test_addresses_found_in_a_message(text: str, query: str, street: str | None, number: int | None,
                                      postcode: str | None) -> None:
    mention = find_address(text)
    assert mention is not None
    assert (mention.query, mention.street, mention.house_number, mention.postcode) == (query, street, number, postcode)


def test_no_address_in_a_message_without_one() -> None:
    assert find_address("Er loopt iemand rond bij de school") is None
    assert find_address("0123 AB 5") is None  # not a Dutch postcode


def test_the_neighbours_text_keeps_the_street_and_loses_the_number() -> None:
    text = "verdachte man bij de achterom van de Kerkstraat 12, loopt richting park"
    mention = find_address(text)
    assert mention is not None
    assert without_address(text, mention, "Kerkstraat") == "verdachte man bij de achterom van de Kerkstraat, loopt richting park"


def test_the_place_step_buttons_list_each_candidate_and_none() -> None:
    rows = buttons.place_buttons(NL, [CENTRUM, CENTRUM])
    assert [parse(data) for row in rows for _, data in row] == [
        Action(Act.PLACE, "0"), Action(Act.PLACE, "1"), Action(Act.PLACE, buttons.NO_PLACE)]
