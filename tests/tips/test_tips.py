"""Tips and seasons with a controllable clock: DST, Donkere Dagen, sunset, quiet hours, restarts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.schedule import (
    Missed,
    QuietHours,
    decide_missed,
    defer_for_quiet_hours,
    next_weekly,
    pick_tip,
)
from bot.tips import buttons
from bot.tips.library import THEMES, load_library, validate_library
from bot.tips.seasons import active_seasons, dark_days_window, in_dark_days, last_sunday
from bot.tips.service import run_tips_tick
from bot.tips.sun import sunset
from storage import tips as store
from tests.conftest import BotHarness, FakeClock, make_harness
from tests.journeys import file_report

AMS = ZoneInfo("Europe/Amsterdam")
HELMOND = (51.4793, 5.6570)
GROUP = -1001000000010
COORDINATOR = 500001


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AMS)


def test_weekly_time_stays_local_across_dst() -> None:
    # Tuesday 19:00 before and after the October 2026 change (25 Oct) and the March 2027 one (28 Mar).
    first = next_weekly(local(2026, 10, 20, 20, 0), 1, dt.time(19), AMS)
    assert first == local(2026, 10, 27, 19, 0) and first.utcoffset() == dt.timedelta(hours=1)
    before = next_weekly(local(2026, 10, 13, 20, 0), 1, dt.time(19), AMS)
    assert before.utcoffset() == dt.timedelta(hours=2) and before.hour == 19
    spring = next_weekly(local(2027, 3, 27, 12, 0), 1, dt.time(19), AMS)
    assert spring == local(2027, 3, 30, 19, 0) and spring.utcoffset() == dt.timedelta(hours=2)
    # A time in the spring-forward gap (Sunday 28 March 2027, 02:30 does not exist) moves on.
    gap = next_weekly(local(2027, 3, 27, 12, 0), 6, dt.time(2, 30), AMS)
    assert gap.astimezone(AMS).hour == 3


@pytest.mark.parametrize(("year", "start", "end"), [
    (2024, dt.date(2024, 10, 27), dt.date(2025, 3, 30)),
    (2025, dt.date(2025, 10, 26), dt.date(2026, 3, 29)),
    (2026, dt.date(2026, 10, 25), dt.date(2027, 3, 28)),
    (2027, dt.date(2027, 10, 31), dt.date(2028, 3, 26)),
])
def test_dark_days_window_follows_the_clock_changes(year: int, start: dt.date, end: dt.date) -> None:
    assert dark_days_window(year) == (start, end)
    assert in_dark_days(start) and not in_dark_days(start - dt.timedelta(days=1))
    assert in_dark_days(end - dt.timedelta(days=1)) and not in_dark_days(end)
    assert last_sunday(year, 10).weekday() == 6


@pytest.mark.parametrize(("day", "expected"), [
    # astral's (NOAA's) sunset for Helmond, rounded to the minute; the hand-written formula this
    # replaced said 17:26 on 25 October 2026 and 17:16 on 30 October.
    (dt.date(2026, 3, 20), dt.time(18, 50)),  # the equinox
    (dt.date(2026, 3, 29), dt.time(20, 5)),  # the first evening of summer time
    (dt.date(2026, 6, 21), dt.time(21, 58)),
    (dt.date(2026, 10, 25), dt.time(17, 23)),  # the first evening of the dark days
    (dt.date(2026, 10, 30), dt.time(17, 14)),
    (dt.date(2026, 12, 21), dt.time(16, 30)),
])
def test_sunset_in_helmond(day: dt.date, expected: dt.time) -> None:
    value = sunset(day, *HELMOND, AMS)
    assert value is not None and value.utcoffset() == AMS.utcoffset(dt.datetime.combine(day, expected))
    target = dt.datetime.combine(day, expected, tzinfo=AMS)
    assert abs((value - target).total_seconds()) <= 30


def test_no_sunset_in_the_polar_night() -> None:
    assert sunset(dt.date(2026, 12, 21), 78.2, 15.6, AMS) is None  # Longyearbyen


async def test_dark_days_opening_arrives_before_sunset_on_the_first_day(config) -> None:  # type: ignore[no-untyped-def]
    first_day = dt.date(2026, 10, 25)
    set_at = sunset(first_day, *HELMOND, AMS)
    assert set_at is not None
    clock = FakeClock((set_at - dt.timedelta(minutes=45)).astimezone(dt.UTC))
    async with make_harness(config, clock) as h:
        await run_tips_tick(h.services)
        await h.deliver()
        assert not any("donkere dagen zijn begonnen" in t for t in h.request.texts(GROUP))  # not yet
        clock.now = (set_at - dt.timedelta(minutes=20)).astimezone(dt.UTC)  # still light
        await run_tips_tick(h.services)
        await h.deliver()
        assert sum("donkere dagen zijn begonnen" in t for t in h.request.texts(GROUP)) == 1


def test_quiet_hours_defer_tips_not_alerts() -> None:
    quiet = QuietHours()
    late = local(2026, 11, 24, 23, 15)
    assert quiet.contains(late, AMS) and not quiet.contains(local(2026, 11, 24, 19, 0), AMS)
    assert defer_for_quiet_hours(late, quiet, AMS) == local(2026, 11, 25, 8, 0)
    assert defer_for_quiet_hours(local(2026, 11, 25, 6, 0), quiet, AMS) == local(2026, 11, 25, 8, 0)
    assert defer_for_quiet_hours(late, quiet, AMS, urgent=True) == late


def test_missed_sends() -> None:
    due = local(2026, 11, 24, 19, 0)
    grace = dt.timedelta(hours=12)
    assert decide_missed(due, due - dt.timedelta(seconds=1), grace) is Missed.WAIT
    assert decide_missed(due, due + dt.timedelta(hours=12), grace) is Missed.SEND
    assert decide_missed(due, due + dt.timedelta(hours=12, seconds=1), grace) is Missed.SKIP


def test_library_is_complete_and_pick_respects_opt_outs() -> None:
    assert validate_library() == []
    tips = load_library("nl")
    assert len(tips) >= 20 and {t.theme for t in tips} >= {"woninginbraak", "babbeltruc", "brandveiligheid"}
    day = dt.date(2026, 11, 24)
    seasons = active_seasons(day)
    assert "dark_days" in seasons
    pick = pick_tip(tips, date=day, opted_out_themes={"woninginbraak"}, recently_sent_ids=[],
                    active_seasons=seasons, seed="x")
    assert pick is not None and pick.theme != "woninginbraak" and "dark_days" in pick.seasons
    assert pick_tip(tips, date=day, opted_out_themes=set(t.theme for t in tips), recently_sent_ids=[],
                    active_seasons=seasons, seed="x") is None


async def test_weekly_tip_once_even_after_restart(config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(local(2026, 11, 24, 18, 59).astimezone(dt.UTC))  # Tuesday, just before 19:00
    async with make_harness(config, clock) as h:
        assert (await run_tips_tick(h.services)).sent == 0
        clock.advance(minutes=2)
        result = await run_tips_tick(h.services)
        assert result.sent >= 1
        await h.deliver()
        assert "💡" in h.request.last_text(GROUP)
        assert (await run_tips_tick(h.services)).sent == 0  # a second tick in the same minute
    async with make_harness(config, clock) as restarted:  # same database, new process
        assert (await run_tips_tick(restarted.services)).sent == 0
        clock.advance(days=7)
        assert (await run_tips_tick(restarted.services)).sent >= 1


async def test_missed_tip_skipped_after_grace_and_clock_jump(config) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(local(2026, 11, 25, 9, 0).astimezone(dt.UTC))  # Wednesday: Tuesday's tip is 14 h late
    async with make_harness(config, clock) as h:
        result = await run_tips_tick(h.services)
        assert result.sent == 0 and result.skipped >= 1
        clock.now -= dt.timedelta(hours=3)  # the clock jumps back: still nothing twice
        assert (await run_tips_tick(h.services)).sent == 0


async def test_quiet_hours_make_a_tip_wait(harness: BotHarness) -> None:
    h = harness
    await store.ensure_schedules(h.services.db, h.clock())
    await store.update(h.services.db, GROUP, time="23:00")
    h.clock.now = local(2026, 11, 24, 23, 1).astimezone(dt.UTC)
    result = await run_tips_tick(h.services)
    assert result.sent == 0 and result.waiting >= 1
    h.clock.now = local(2026, 11, 25, 8, 1).astimezone(dt.UTC)
    assert (await run_tips_tick(h.services)).sent >= 1


async def test_dark_days_opening_and_sunset_reminder(config) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(local(2026, 10, 25, 18, 5).astimezone(dt.UTC))  # the first evening of the season
    async with make_harness(config, clock) as h:
        await run_tips_tick(h.services)
        await h.deliver()
        assert any("donkere dagen zijn begonnen" in t for t in h.request.texts(GROUP))
        clock.now = local(2026, 10, 30, 16, 50).astimezone(dt.UTC)  # Friday, ~30 min before sunset
        await run_tips_tick(h.services)
        await h.deliver()
        assert "zon om" in h.request.last_text(GROUP)
        before = len(h.request.texts(GROUP))
        await run_tips_tick(h.services)
        await h.deliver()
        assert len(h.request.texts(GROUP)) == before


async def test_pause_and_theme_opt_out_through_tips_command(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(100001, "/tips", chat_id=GROUP))
    assert "Alleen de coördinator" in h.request.last_text(GROUP)
    await h.send(h.updates.message(COORDINATOR, "/tips tijd 19:30", chat_id=GROUP))
    assert "19:30" in h.request.last_text(GROUP)
    await h.send(h.updates.callback(COORDINATOR, buttons.pause_data(False), chat_id=GROUP))
    schedule = await store.get(h.services.db, GROUP)
    assert schedule is not None and schedule.paused
    h.clock.now = local(2026, 11, 24, 19, 31).astimezone(dt.UTC)
    await run_tips_tick(h.services)
    await h.deliver()
    assert not [t for t in h.request.texts(GROUP) if t.startswith("💡")]  # paused: the other groups got theirs
    h.clock.advance(days=7)
    await h.send(h.updates.callback(COORDINATOR, buttons.pause_data(True), chat_id=GROUP))
    for theme in ("woninginbraak", "fiets_auto", "babbeltruc", "phishing", "brandveiligheid", "melden"):
        await h.send(h.updates.callback(COORDINATOR, buttons.theme_data(theme), chat_id=GROUP))
    schedule = await store.get(h.services.db, GROUP)
    assert schedule is not None and not schedule.paused and "babbeltruc" in schedule.opted_out
    await run_tips_tick(h.services)
    await h.deliver()
    sent = [t for t in h.request.texts(GROUP) if t.startswith("💡")]
    assert sent and all(word not in sent[-1] for word in ("Woninginbraak", "Brandveiligheid"))


async def test_resident_tips_in_private(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(100005, "/tips dag vrijdag"))
    reply = h.request.last_text(100005)
    assert "vrijdag" in reply and "19:00" in reply


async def test_long_quiet_hours_defer_a_tip_rather_than_skip_it(harness: BotHarness) -> None:
    h = harness
    await store.ensure_schedules(h.services.db, h.clock())
    # 15 quiet hours, longer than the 12 h grace: the 19:00 tip must wait for 09:00, not be lost.
    await store.update(h.services.db, GROUP, time="19:00", quiet_start="18:00", quiet_end="09:00")
    h.clock.now = local(2026, 11, 24, 19, 1).astimezone(dt.UTC)
    assert (await run_tips_tick(h.services)).waiting >= 1
    h.clock.now = local(2026, 11, 25, 9, 30).astimezone(dt.UTC)  # 14.5 h after the planned time
    await run_tips_tick(h.services)
    await h.deliver()
    assert [t for t in h.request.texts(GROUP) if t.startswith("💡")]


async def test_moving_the_time_after_this_weeks_tip_sends_no_second_one(harness: BotHarness) -> None:
    h = harness
    await store.ensure_schedules(h.services.db, h.clock())
    h.clock.now = local(2026, 11, 24, 19, 1).astimezone(dt.UTC)  # Tuesday, just after 19:00
    await run_tips_tick(h.services)
    await h.deliver()
    await h.send(h.updates.message(COORDINATOR, "/tips tijd 21:00", chat_id=GROUP))
    h.clock.now = local(2026, 11, 24, 21, 1).astimezone(dt.UTC)
    await run_tips_tick(h.services)
    await h.send(h.updates.message(COORDINATOR, "/tips dag donderdag", chat_id=GROUP))
    h.clock.now = local(2026, 11, 26, 21, 1).astimezone(dt.UTC)
    await run_tips_tick(h.services)
    await h.deliver()
    assert len([t for t in h.request.texts(GROUP) if t.startswith("💡")]) == 1
    h.clock.now = local(2026, 12, 3, 21, 1).astimezone(dt.UTC)  # next week's Thursday
    await run_tips_tick(h.services)
    await h.deliver()
    assert len([t for t in h.request.texts(GROUP) if t.startswith("💡")]) == 2


async def test_an_admins_own_tip_reaches_groups_and_followers_of_the_gemeente(harness: BotHarness) -> None:
    from bot.core.domain import Role
    from storage import subscriptions, users

    h = harness
    admin, follower, outsider = 700001, 100061, 100062
    async with h.services.db.transaction() as tx:
        await users.grant_role(tx, admin, Role.ADMIN, "GM0794", granted_by=None)
    await h.send(h.updates.message(100063, "/tip nieuw babbeltruc Laat nooit zomaar iemand binnen."))
    assert "Alleen coördinatoren en de gemeente" in h.request.last_text(100063)
    await h.send(h.updates.message(admin, "/tip nieuw babbeltruc Gemeente Helmond: laat nooit zomaar iemand binnen."))
    assert "in je gebied" in h.request.last_text(admin)
    await subscriptions.subscribe(h.services.db, follower, "BU07941100", address=None, now=h.clock())
    await subscriptions.subscribe(h.services.db, outsider, "BU08610002", address=None, now=h.clock())  # Veldhoven
    await store.ensure_schedules(h.services.db, h.clock())
    for chat in (GROUP, follower, outsider):
        # Everything but the theme of the gemeente's tip is switched off, so the pick is forced.
        await store.update(h.services.db, chat, opted_out=" ".join(t for t in THEMES if t != "babbeltruc"))
    h.clock.now = local(2026, 11, 24, 19, 1).astimezone(dt.UTC)
    await run_tips_tick(h.services)
    await h.deliver()
    assert "Gemeente Helmond" in h.request.last_text(GROUP)
    assert "Gemeente Helmond" in h.request.last_text(follower)
    assert "Gemeente Helmond" not in h.request.last_text(outsider)


@pytest.mark.parametrize("text", ["\u200b\u200b\u200b", "\u200b\u2060\ufeff\u200d", "\u202e\u200f\u0007",
                                  "Let op!", "🚪🔒 🔑"])
async def test_an_empty_or_too_short_own_tip_is_refused(harness: BotHarness, text: str) -> None:
    h = harness
    await h.send(h.updates.message(COORDINATOR, f"/tip nieuw babbeltruc {text}"))
    assert h.request.last_text(COORDINATOR) == "Je tip is te kort. Schrijf minstens 10 letters of cijfers."
    assert await h.services.db.fetchall("SELECT * FROM custom_tips") == []


async def test_a_coordinators_own_tip_reaches_their_teams_group_only_in_their_language(harness: BotHarness) -> None:
    from bot.core.domain import Role
    from storage import subscriptions, teams, users

    h = harness
    other_groups = (-1001000000021, -1001000000061)  # Brandevoort (Helmond), Zeelst (Veldhoven)
    english_group, follower = -1001000000012, 100081  # a second group of the same team; a follower of its buurt
    assert (Role.COORDINATOR, "team:1") in await users.roles_of(h.services.db, COORDINATOR)
    async with h.services.db.transaction() as tx:
        await teams.link_group(tx, english_group, 1, title="BPT Binnenstad (English)", language="en", linked_by=None)
    await subscriptions.subscribe(h.services.db, follower, "BU07941000", address=None, now=h.clock())
    await h.send(h.updates.message(COORDINATOR, "/tip nieuw babbeltruc Team Binnenstad: vraag altijd om een pasje."))
    assert h.request.last_text(COORDINATOR) == (
        "Je tip is toegevoegd. Hij gaat naar de groepen van je team die Nederlands lezen.")
    await store.ensure_schedules(h.services.db, h.clock())
    for chat in (GROUP, english_group, follower, *other_groups):
        await store.update(h.services.db, chat, opted_out=" ".join(t for t in THEMES if t != "babbeltruc"))
    h.clock.now = local(2026, 11, 24, 19, 1).astimezone(dt.UTC)
    await run_tips_tick(h.services)
    await h.deliver()
    assert "Team Binnenstad: vraag altijd om een pasje." in h.request.last_text(GROUP)
    for chat in (english_group, follower, *other_groups):
        texts = h.request.texts(chat)
        assert texts, chat  # each got a tip of the theme, from the library
        assert "Team Binnenstad" not in texts[-1], chat


async def test_seasonal_campaigns_go_out_once_on_their_first_day(config) -> None:  # type: ignore[no-untyped-def]
    from storage import subscriptions

    follower = 100091
    for day, needle in ((dt.date(2026, 7, 1), "☀️ De zomervakantie begint"),
                        (dt.date(2026, 12, 27), "🎆 De jaarwisseling komt eraan")):
        clock = FakeClock(local(day.year, day.month, day.day, 17, 59).astimezone(dt.UTC))
        async with make_harness(config, clock) as h:
            await subscriptions.subscribe(h.services.db, follower, "BU07941000", address=None, now=clock())

            async def campaign_messages(chat: int, h: BotHarness = h, needle: str = needle) -> int:
                await run_tips_tick(h.services)
                await h.deliver()
                return len([t for t in h.request.texts(chat) if t.startswith(needle)])

            assert await campaign_messages(GROUP) == 0  # before the opening time (18:00)
            clock.advance(minutes=2)
            assert await campaign_messages(GROUP) == 1 and await campaign_messages(follower) == 1
            clock.advance(hours=2)  # later that evening: not again
            assert await campaign_messages(GROUP) == 1 and await campaign_messages(follower) == 1
        async with make_harness(config, clock) as restarted:  # a restart the same evening: not again
            assert await campaign_messages(GROUP, restarted) == 0
            clock.advance(days=1)  # the second day of the campaign: no new opening message
            assert await campaign_messages(GROUP, restarted) == 0


async def test_alerts_never_wait_for_quiet_hours(harness: BotHarness) -> None:
    """Quiet hours hold tips back; an alert at 23:30 reaches a follower (with default quiet
    hours 22:00-08:00) at once."""
    from storage import subscriptions

    h = harness
    follower = 100071
    await subscriptions.subscribe(h.services.db, follower, "BU07941000", address=None, now=h.clock())
    await store.ensure_schedules(h.services.db, h.clock())
    await h.services.refresh_directory()
    h.clock.now = local(2026, 11, 24, 23, 30).astimezone(dt.UTC)
    await file_report(h, reporter=100072)
    await h.deliver()
    assert "deurklinken" in h.request.last_text(follower)
    assert (await run_tips_tick(h.services)).sent == 0  # while tips still wait
