"""The wijkagenda survey: rounds in a configurable window, one ballot per person per wijk,
top 3 with ties, results to the wijk's officers and coordinators, and /overzicht."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.config.schema import (
    SURVEY_OPTIONS,
    Config,
    ConfigError,
    SurveyConfig,
    SurveyOption,
    parse_config,
)
from bot.survey.rules import (
    SurveyWindow,
    ballot_data,
    chosen,
    options_for,
    parse_press,
    toggle,
    top_three,
)
from bot.survey.service import run_survey_tick
from storage import privacy, subscriptions, users
from tests.conftest import EXAMPLE_CONFIG, BotHarness, FakeClock, make_harness, test_config

OPENING = dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)  # 11:00 in Helmond: outside quiet hours
AFTER = dt.datetime(2027, 4, 1, 10, tzinfo=dt.UTC)
OPTIONS = tuple(SURVEY_OPTIONS)


def idx(key: str) -> int:
    return OPTIONS.index(key)


def mask(*keys: str) -> int:
    return sum(1 << idx(k) for k in keys)


def test_top_three_with_ties() -> None:
    ballots = [["a", "b"], ["a", "c"], ["b", "c"], ["d"], ["a"]]
    assert top_three(ballots) == [(1, "a", 3), (2, "b", 2), (2, "c", 2)]
    # Ties share a rank and the next rank skips (1, 2, 2, 2); a tie for third shows all of them.
    assert top_three([["x", "y", "z"], ["x"], ["w"]]) == [(1, "x", 2), (2, "w", 1), (2, "y", 1), (2, "z", 1)]
    assert top_three([["a"], ["b"], ["c"], ["d"]]) == [(1, "a", 1), (1, "b", 1), (1, "c", 1), (1, "d", 1)]
    assert top_three([["a", "b"], ["a", "c"], ["a", "d"], ["b"]]) == [(1, "a", 3), (2, "b", 2), (3, "c", 1),
                                                                      (3, "d", 1)]
    assert top_three([]) == []
    assert top_three([["a", "a"]]) == [(1, "a", 1)]  # a ballot counts an option once


def test_window_and_ballot_rules() -> None:
    window = SurveyWindow((3, 1), (3, 31))
    assert window.state(dt.date(2027, 2, 28)) == "before"
    assert window.state(dt.date(2027, 3, 1)) == "open"
    assert window.state(dt.date(2027, 3, 31)) == "open"
    assert window.state(dt.date(2027, 4, 1)) == "closed"
    options = ("a", "b", "c", "d")
    assert toggle(0, 1, options) == 0b10
    assert toggle(0b111, 3, options) is None  # a fourth choice
    assert toggle(0b111, 2, options) == 0b011  # un-choosing is always allowed
    assert toggle(0, 4, options) is None  # no such option
    assert chosen(0b101, options) == ["a", "c"]
    assert chosen(0b10000, options) is None
    assert parse_press("sv:7:WK079410:5:d") is not None and parse_press("sv:7:WK079410:5:d").option is None  # type: ignore[union-attr]
    assert parse_press("sv:7:WK079410:5:3").option == 3  # type: ignore[union-attr]
    for forged in ("sv:7:WK0794:5:d", "sv:x:WK079410:5:d", "sv:7:WK079410:99999:1", "sv:7:WK079410:1:100", ""):
        assert parse_press(forged) is None


async def subscribe(h: BotHarness, *residents: tuple[int, str]) -> None:
    for resident, buurt in residents:
        await users.ensure(h.services.db, resident, language="nl", display_name="x", username=None)
        await subscriptions.subscribe(h.services.db, resident, buurt, address=None, now=h.clock())


def press(h: BotHarness, resident: int, survey_id: int, wijk: str, selected: int, action: str | int) -> Any:
    option = None if action == "d" else int(action)
    return h.send(h.updates.callback(resident, ballot_data(survey_id, wijk, selected, option)))


def survey_id_of(invitation: dict[str, Any]) -> int:
    pressed = parse_press(invitation["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    assert pressed is not None
    return pressed.survey_id


def answers(h: BotHarness) -> list[str]:
    return [p.get("text", "") for e, p in h.request.calls if e == "answerCallbackQuery"]


async def test_round_invites_counts_one_ballot_per_person_and_reports(harness: BotHarness) -> None:
    h = harness
    assert isinstance(h.clock, FakeClock)
    # Three residents in Binnenstad (WK079410), one in Helmond-Oost, one following a buurt in both.
    await subscribe(h, (100011, "BU07941000"), (100012, "BU07941002"), (100013, "BU07941000"),
                    (100014, "BU07941100"), (100015, "BU07941000"), (100015, "BU07941100"))
    h.clock.now = dt.datetime(2027, 2, 28, 10, tzinfo=dt.UTC)
    assert (await run_survey_tick(h.services)).opened == 0  # before the window
    h.clock.now = OPENING
    tick = await run_survey_tick(h.services)
    gemeenten = len(h.services.config.gemeenten)
    assert (tick.opened, tick.invited) == (gemeenten, 6)  # every gemeente opens; 6 (person, wijk) pairs
    again = await run_survey_tick(h.services)
    assert (again.opened, again.invited) == (0, 0)  # opened once, invited once
    await h.deliver()
    invitation = h.request.sent(100011)[-1]
    assert "Wijkagenda Binnenstad" in invitation["text"]
    assert [b[0]["text"] for b in invitation["reply_markup"]["inline_keyboard"]][:2] == ["▫️ Hondenpoep",
                                                                                       "▫️ Te hard rijden"]
    assert len(h.request.sent(100015)) == 2  # one ballot per wijk they follow
    sid = survey_id_of(invitation)

    # Choosing edits the buttons in place; a fourth choice is refused.
    await press(h, 100011, sid, "WK079410", 0, idx("hondenpoep"))
    edit = h.request.sent(100011, "editMessageReplyMarkup")[-1]
    assert edit["reply_markup"]["inline_keyboard"][idx("hondenpoep")][0]["text"] == "✅ Hondenpoep"
    await press(h, 100011, sid, "WK079410", mask("hondenpoep", "zwerfafval", "inbraak"), idx("fout_parkeren"))
    assert "hoogstens 3" in answers(h)[-1]
    await press(h, 100011, sid, "WK079410", 0, "d")
    assert "minstens één" in answers(h)[-1]

    for resident, selected in ((100011, mask("hondenpoep", "fout_parkeren")),
                               (100012, mask("hondenpoep", "zwerfafval")),
                               (100013, mask("hondenpoep", "zwerfafval")),
                               (100015, mask("te_hard_rijden"))):
        await press(h, resident, sid, "WK079410", selected, "d")
        assert "je stem is geteld" in h.request.last_text(resident)
    await press(h, 100011, sid, "WK079410", mask("inbraak"), "d")  # a second ballot
    assert "eerste stem telt" in h.request.last_text(100011)
    await press(h, 100014, sid, "WK079410", mask("inbraak"), "d")  # not invited for this wijk
    assert "niet voor jou" in answers(h)[-1]
    await press(h, 100014, sid, "WK079411", mask("drugsoverlast"), "d")
    await press(h, 100011, sid + 100, "WK079410", 1, "d")  # forged survey id
    assert "niet geldig" in answers(h)[-1]
    await press(h, 100011, sid, "WK079410", 1 << 11, "d")  # names an option the ballot lacks
    assert "niet geldig" in answers(h)[-1]

    h.request.clear()
    h.clock.now = AFTER
    tick = await run_survey_tick(h.services)
    assert tick.closed == gemeenten and tick.reports > 0
    assert (await run_survey_tick(h.services)).closed == 0  # results go out once
    await h.deliver()
    binnenstad = h.request.last_text(200010)  # the wijkagent of Binnenstad
    assert "4 van de 4 uitgenodigde bewoners hebben gestemd" in binnenstad
    # Counts below 3 are shown as <3 (the small-cell rule of /overzicht), the ranks stay.
    assert "1. Hondenpoep — 3 stemmen" in binnenstad and "2. Zwerfafval — <3 stemmen" in binnenstad
    assert "3. Fout parkeren — <3 stemmen" in binnenstad and "3. Te hard rijden — <3 stemmen" in binnenstad
    assert "Hondenpoep — 3 stemmen" in h.request.last_text(300010)  # the BOA of Binnenstad
    assert "Hondenpoep — 3 stemmen" in h.request.last_text(500001)  # coordinator of BPT Binnenstad
    oost = h.request.last_text(200011)
    # One voter: a ranking would show how they voted, so there is none.
    assert "1 van de 2 uitgenodigde bewoners heeft gestemd" in oost and "Te weinig stemmen" in oost
    assert "Drugsoverlast" not in oost
    # Counted and kept: who voted what, and who was asked, is gone.
    assert await h.services.db.fetchall("SELECT * FROM survey_ballots") == []
    assert await h.services.db.fetchall("SELECT * FROM survey_invitations") == []
    assert "Hondenpoep" not in oost  # nobody sees another wijk's result
    assert h.request.texts(500002) == [] or all("Binnenstad" not in t for t in h.request.texts(500002))
    # The round is closed: a late press is refused.
    await press(h, 100012, sid, "WK079410", mask("inbraak"), "d")
    assert "gesloten" in answers(h)[-1]


async def test_invitations_wait_for_quiet_hours_and_reach_late_followers(harness: BotHarness) -> None:
    h = harness
    assert isinstance(h.clock, FakeClock)
    await subscribe(h, (100021, "BU07941000"))
    h.clock.now = dt.datetime(2027, 3, 1, 0, 5, tzinfo=dt.UTC)  # 01:05 local: quiet hours
    tick = await run_survey_tick(h.services)
    assert (tick.opened, tick.invited) == (len(h.services.config.gemeenten), 0)
    h.clock.now = OPENING
    assert (await run_survey_tick(h.services)).invited == 1
    await subscribe(h, (100022, "BU07941002"))  # starts following while the round is open
    h.clock.now = OPENING + dt.timedelta(days=3)
    assert (await run_survey_tick(h.services)).invited == 1
    await h.deliver()
    assert "Wijkagenda Binnenstad" in h.request.last_text(100022)


async def test_results_in_overview_and_in_the_officers_language(harness: BotHarness) -> None:
    h = harness
    assert isinstance(h.clock, FakeClock)
    await users.ensure(h.services.db, 200010, language="en", display_name="Wijkagent", username=None)
    binnenstad = (100031, 100033, 100034)
    await subscribe(h, *((r, "BU07941000") for r in binnenstad), (100032, "BU07941100"))
    h.clock.now = OPENING
    await run_survey_tick(h.services)
    await h.deliver()
    sid = survey_id_of(h.request.sent(100031)[-1])
    for resident in binnenstad:
        await press(h, resident, sid, "WK079410", mask("verlichting"), "d")
    await press(h, 100032, sid, "WK079411", mask("fietsendiefstal"), "d")
    h.clock.now = AFTER
    await run_survey_tick(h.services)
    await h.deliver()
    assert "1. Poor street lighting — 3 votes" in h.request.last_text(200010)
    h.request.clear()
    await h.send(h.updates.message(200011, "/overzicht 30d"))
    shown = h.request.last_text(200011)
    assert "Wijkagenda" in shown and "te weinig stemmen" in shown and "Fietsendiefstal" not in shown
    assert "Slechte straatverlichting" not in shown  # Binnenstad is not this wijkagent's wijk
    await h.send(h.updates.message(500001, "/overzicht 30d"))  # the coordinator of BPT Binnenstad
    assert "Slechte straatverlichting (3)" in h.request.last_text(500001)
    assert "Helmond-Oost" not in h.request.last_text(500001)


async def test_forget_me_removes_invitations_and_ballots(harness: BotHarness) -> None:
    h = harness
    assert isinstance(h.clock, FakeClock)
    await subscribe(h, (100041, "BU07941000"))
    h.clock.now = OPENING
    await run_survey_tick(h.services)
    await h.deliver()
    sid = survey_id_of(h.request.sent(100041)[-1])
    await press(h, 100041, sid, "WK079410", mask("hondenpoep"), "d")
    exported = await privacy.export_person(h.services.db, 100041)
    assert exported["survey_ballots"][0]["choices"] == "hondenpoep"
    assert len(exported["survey_invitations"]) == 1
    await privacy.erase_person(h.services.db, 100041, now=h.clock())
    exported = await privacy.export_person(h.services.db, 100041)
    assert exported["survey_ballots"] == [] and exported["survey_invitations"] == []


async def test_gemeente_with_its_own_options_and_disabled_survey(tmp_path: Path) -> None:
    base = test_config(tmp_path)
    helmond = dataclasses.replace(base.gemeente("GM0794"), survey_options=("hondenpoep", "scootmobiel"))  # type: ignore[arg-type]
    config = dataclasses.replace(
        base, gemeenten=tuple(helmond if g.code == "GM0794" else g for g in base.gemeenten),
        survey=SurveyConfig(opens=(9, 1), closes=(9, 30), options=(
            SurveyOption("scootmobiel", {"nl": "Scootmobielen op de stoep", "en": "Mobility scooters"}),)))
    assert options_for(config, "GM0794") == ("hondenpoep", "scootmobiel")
    assert options_for(config, "GM0861")[-1] == "scootmobiel"  # the built-in list plus the own option
    clock = FakeClock(dt.datetime(2027, 9, 1, 10, tzinfo=dt.UTC))
    async with make_harness(config, clock) as h:
        await subscribe(h, (100051, "BU07941000"))
        assert (await run_survey_tick(h.services)).invited == 1
        await h.deliver()
        buttons = [b[0]["text"] for b in h.request.sent(100051)[-1]["reply_markup"]["inline_keyboard"]]
        assert buttons == ["▫️ Hondenpoep", "▫️ Scootmobielen op de stoep", "✔️ Klaar"]
    off = dataclasses.replace(config, survey=dataclasses.replace(config.survey, enabled=False))
    async with make_harness(off, FakeClock(dt.datetime(2027, 9, 2, 10, tzinfo=dt.UTC))) as h:
        assert (await run_survey_tick(h.services)).opened == 0


def example(**sections: Any) -> Config:
    import tomllib

    data = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    data.update(sections)
    return parse_config(data, base=EXAMPLE_CONFIG.parent, env={})


def test_survey_seasons_and_tips_config() -> None:
    config = example(
        survey={"opens": "09-15", "closes": "10-15",
                "options": [{"key": "scootmobiel", "nl": "Scootmobielen", "en": "Mobility scooters"}]},
        seasons={"dark_days_end_month": 4, "reminder_weekdays": ["thursday"], "minutes_before_sunset": 45,
                 "campaigns": {"summer": {"start": "07-10", "end": "08-20"}, "new_year": {"enabled": False}}},
        tips={"weekday": "wednesday", "time": "18:30", "quiet_start": "21:00"})
    assert (config.survey.opens, config.survey.closes) == ((9, 15), (10, 15))
    assert config.survey.option("scootmobiel").labels["en"] == "Mobility scooters"  # type: ignore[union-attr]
    assert config.seasons.dark_days.end_month == 4 and config.seasons.reminder_weekdays == (3,)
    assert [(c.key, c.start, c.end) for c in config.seasons.campaigns] == [("summer", (7, 10), (8, 20))]
    assert (config.tips.weekday, config.tips.time, config.tips.quiet_start) == (2, dt.time(18, 30), dt.time(21, 0))


@pytest.mark.parametrize(("sections", "message"), [
    ({"survey": {"opens": "31-02"}}, 'survey.opens: expected a date like 03-01 (month-day), got "31-02"'),
    ({"survey": {"opens": "05-01", "closes": "04-01"}}, "survey.closes: expected a date after survey.opens"),
    ({"survey": {"options": [{"key": "x y", "nl": "a"}]}}, "survey.options[0].key: expected an option key"),
    ({"survey": {"options": [{"key": "xy"}]}}, "survey.options[0].nl: missing"),
    ({"survey": {"start": "03-01"}}, "survey.start: unknown key"),
    ({"seasons": {"reminder_weekdays": ["vrijdag"]}}, "seasons.reminder_weekdays[0]: expected a weekday"),
    ({"seasons": {"campaigns": {"carnaval": {}}}}, "seasons.campaigns.carnaval: unknown key"),
    ({"seasons": {"dark_days_start_month": 13}}, "seasons.dark_days_start_month: expected a month 1-12, got 13"),
    ({"tips": {"time": "7pm"}}, 'tips.time: expected a time like 19:00, got "7pm"'),
    ({"tips": {"weekday": "dinsdag"}}, 'tips.weekday: expected a weekday'),
])
def test_bad_survey_seasons_and_tips_config(sections: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        example(**sections)
    assert str(error.value).startswith(message)


def test_gemeente_survey_options_must_be_known() -> None:
    import tomllib

    data = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["areas"]["helmond"]["survey_options"] = ["hondenpoep", "onbekend"]
    with pytest.raises(ConfigError) as error:
        parse_config(data, base=EXAMPLE_CONFIG.parent, env={})
    assert str(error.value).startswith('areas.helmond.survey_options[1]: unknown option "onbekend"')


async def test_a_round_up_to_31_december_closes_in_the_new_year(tmp_path: Path) -> None:
    base = test_config(tmp_path)
    config = dataclasses.replace(base, survey=SurveyConfig(opens=(12, 1), closes=(12, 31)))
    clock = FakeClock(dt.datetime(2027, 12, 1, 10, tzinfo=dt.UTC))
    async with make_harness(config, clock) as h:
        await subscribe(h, (100081, "BU07941000"))
        assert (await run_survey_tick(h.services)).invited == 1
        clock.now = dt.datetime(2028, 1, 1, 10, tzinfo=dt.UTC)  # "before" this year's window
        tick = await run_survey_tick(h.services)
        assert tick.closed == len(config.gemeenten) and tick.reports > 0
        assert (await run_survey_tick(h.services)).closed == 0
