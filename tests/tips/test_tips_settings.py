"""/tips settings and own tips: the button data, what people type, and the service under the handlers."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.domain import Role
from bot.core.i18n import translator
from bot.tips import buttons
from bot.tips.buttons import Action, TipsPress
from bot.tips.library import MAX_TEXT, THEMES
from bot.tips.rules import ScheduleChange, SettingsProblem, long_enough, parse_settings
from bot.tips.service import (
    OwnTipOutcome,
    add_own_tip,
    may_configure,
    open_settings,
    press_settings_button,
    settings_buttons,
)
from storage import tips as store
from storage import users
from tests.conftest import BotHarness

GROUP = -1001000000010  # team 1's group in the test config
OTHER_GROUP = -1001000000021  # another team's group
COORDINATOR = 500001  # coordinates team 1
RESIDENT = 100071


# ---------------------------------------------------------------------------- button data


def test_every_settings_button_parses_back_to_its_press() -> None:
    assert buttons.parse(buttons.pause_data(False)) == TipsPress(Action.PAUSE)
    assert buttons.parse(buttons.pause_data(True)) == TipsPress(Action.RESUME)
    for theme in THEMES:
        data = buttons.theme_data(theme)
        assert len(data.encode()) <= 64
        assert buttons.parse(data) == TipsPress(Action.THEME, theme)


def test_the_settings_keyboard_carries_only_data_the_parser_takes() -> None:
    t = translator("nl")
    schedule = store.TipSchedule(GROUP, "group", 1, dt.time(19), True, ("phishing",), dt.time(22), dt.time(8), 1)
    data = [d for row in settings_buttons(t, schedule) for _, d in row]
    assert len(data) == 1 + len(THEMES)
    assert all(buttons.parse(d) is not None for d in data)
    assert buttons.parse(data[0]) == TipsPress(Action.RESUME)  # paused: the button resumes


@given(st.text(max_size=40))
def test_garbage_is_no_press(data: str) -> None:
    press = buttons.parse(data)
    assert press is None or data in {buttons.pause_data(False), buttons.pause_data(True)} | {
        buttons.theme_data(theme) for theme in THEMES}


def test_forged_settings_data_is_refused() -> None:
    for forged in (None, "", "tips:", "tips:theme:", "tips:theme:nope", "tips:theme:phishing:x", "tips:PAUSE",
                   "tips:pause ", "tips:pause\n", "tips:theme:phishing\n", "pr:in:1", "sv:1:WK079410:0:d"):
        assert buttons.parse(forged) is None, forged


# ---------------------------------------------------------------------------- what people type


@pytest.mark.parametrize(("args", "expected"), [
    ([], None),
    (["dag"], None),
    (["iets", "anders"], None),
    (["dag", "Vrijdag"], ScheduleChange(weekday=4)),
    (["day", "sunday"], ScheduleChange(weekday=6)),
    (["dag", "vrij"], SettingsProblem.DAY),
    (["tijd", "7.05"], ScheduleChange(time=dt.time(7, 5))),
    (["time", "24:00"], SettingsProblem.TIME),
    (["tijd", "19"], SettingsProblem.TIME),
    (["stil", "22:00-08:00"], ScheduleChange(quiet=(dt.time(22), dt.time(8)))),
    (["quiet", "22:00"], SettingsProblem.QUIET),
    (["stil", "22:00-08:00-09:00"], SettingsProblem.QUIET),
    (["stil", "22:00-8"], SettingsProblem.QUIET),
])
def test_parse_settings(args: list[str], expected: ScheduleChange | SettingsProblem | None) -> None:
    assert parse_settings(args) == expected


def test_an_own_tip_needs_ten_letters_or_digits() -> None:
    assert long_enough("Sluit je deur")
    assert not long_enough("\u200b" * 20)
    assert not long_enough("🚪🔒 🔑 !!! ???")


# ---------------------------------------------------------------------------- the service


async def test_who_may_set_a_chats_tips(harness: BotHarness) -> None:
    services = harness.services
    assert await may_configure(services, RESIDENT, RESIDENT, private=True)
    assert await may_configure(services, GROUP, COORDINATOR, private=False)
    assert not await may_configure(services, GROUP, RESIDENT, private=False)
    assert not await may_configure(services, OTHER_GROUP, COORDINATOR, private=False)  # not their team's group
    assert not await may_configure(services, -1009999999999, COORDINATOR, private=False)  # no linked group


async def test_open_settings_makes_the_schedule_and_applies_a_change(harness: BotHarness) -> None:
    services = harness.services
    assert await open_settings(services, GROUP, RESIDENT, private=False) is None
    assert await store.get(services.db, GROUP) is None  # a refused person leaves nothing behind
    schedule = await open_settings(services, RESIDENT, RESIDENT, private=True)
    assert schedule is not None and schedule.kind == "resident"
    assert (schedule.weekday, schedule.time) == (services.config.tips.weekday, services.config.tips.time)
    changed = await open_settings(services, RESIDENT, RESIDENT, private=True,
                                  change=ScheduleChange(weekday=4, quiet=(dt.time(23), dt.time(7, 30))))
    assert changed is not None and changed.weekday == 4
    assert (changed.quiet_start, changed.quiet_end) == (dt.time(23), dt.time(7, 30))
    assert changed.time == schedule.time  # what the change leaves out stays
    group = await open_settings(services, GROUP, COORDINATOR, private=False, change=ScheduleChange(time=dt.time(7)))
    assert group is not None and group.kind == "group" and group.time == dt.time(7)


async def test_a_settings_button_changes_only_what_the_presser_may_change(harness: BotHarness) -> None:
    services = harness.services
    pause = buttons.parse(buttons.pause_data(False))
    assert await press_settings_button(services, GROUP, COORDINATOR, private=False, press=pause) is None  # no schedule yet
    await open_settings(services, GROUP, COORDINATOR, private=False)
    assert await press_settings_button(services, GROUP, RESIDENT, private=False, press=pause) is None
    assert await press_settings_button(services, GROUP, COORDINATOR, private=False, press=None) is None
    schedule = await store.get(services.db, GROUP)
    assert schedule is not None and not schedule.paused
    paused = await press_settings_button(services, GROUP, COORDINATOR, private=False, press=pause)
    assert paused is not None and paused.paused
    theme = TipsPress(Action.THEME, "phishing")
    out = await press_settings_button(services, GROUP, COORDINATOR, private=False, press=theme)
    assert out is not None and out.opted_out == ("phishing",)
    back = await press_settings_button(services, GROUP, COORDINATOR, private=False, press=theme)
    assert back is not None and back.opted_out == () and back.paused


async def test_add_own_tip(harness: BotHarness) -> None:
    services = harness.services
    text = "Vraag altijd om een pasje."
    assert (await add_own_tip(services, RESIDENT, "babbeltruc", "nl", text)).outcome is OwnTipOutcome.NOT_ALLOWED
    short = await add_own_tip(services, COORDINATOR, "babbeltruc", "nl", "\u200bLet op!\u200b")
    assert short.outcome is OwnTipOutcome.TOO_SHORT
    assert await services.db.fetchall("SELECT * FROM custom_tips") == []
    added = await add_own_tip(services, COORDINATOR, "babbeltruc", "nl", text + "x" * 1000)
    assert added.outcome is OwnTipOutcome.ADDED and added.scopes == ("team:1",) and not added.area_wide
    rows = await services.db.fetchall("SELECT scope, theme, language, text FROM custom_tips")
    assert [(r["scope"], r["theme"], r["language"], len(r["text"])) for r in rows] == [
        ("team:1", "babbeltruc", "nl", MAX_TEXT)]
    admin = 700002
    async with services.db.transaction() as tx:
        await users.grant_role(tx, admin, Role.ADMIN, "GM0794", granted_by=None)
    wide = await add_own_tip(services, admin, "phishing", "en", "Never share your bank codes.")
    assert wide.outcome is OwnTipOutcome.ADDED and wide.scopes == ("GM0794",) and wide.area_wide
