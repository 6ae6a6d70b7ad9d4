"""Patrol rounds (issue 10): planning, sign-up, shortage warning, reminder, duty routing, walk report."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.domain import Category, RecipientKind
from bot.patrol import buttons
from bot.patrol.rules import (
    PatrolRules,
    PlanError,
    PlanProblem,
    PlanRequest,
    Round,
    RoundStatus,
    SendKind,
    WalkOutcome,
    WalkStep,
    needs_routing,
    parse_plan,
    planned_sends,
    round_buurt,
    shortage_due,
    step_after,
)
from bot.patrol.service import run_patrol_tick
from bot.reports.routing import walkers_on_duty, with_walkers_on_duty
from bot.runtime.directory import Directory
from storage import patrol as store
from storage import sightings, teams
from tests.conftest import BotHarness, FakeClock, make_harness
from tests.journeys import report_until_confirm

AMS = ZoneInfo("Europe/Amsterdam")
COORDINATOR = 500001  # BPT Binnenstad (config): Centrum, Leonardus, Heipoort
OTHER_COORDINATOR = 500002  # Buurtpreventie Brandevoort
GROUP = -1001000000010
OTHER_GROUP = -1001000000021
WIJKAGENT = 200010  # Binnenstad
RESIDENT = 100001
WALKERS = (600001, 600002, 600003)
STRANGER = 700009


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AMS)


def utc(*args: int) -> dt.datetime:
    return local(*args).astimezone(dt.UTC)


TUESDAY_NOON = utc(2026, 11, 24, 12, 0)
SATURDAY_8PM = local(2026, 11, 28, 20, 0)


def answers(h: BotHarness) -> list[dict[str, Any]]:
    return [params for endpoint, params in h.request.calls if endpoint == "answerCallbackQuery"]


async def open_private_chat(h: BotHarness, user: int) -> None:
    await h.send(h.updates.message(user, "/start"))


async def plan_saturday(h: BotHarness, extra: str = "Centrum en Kerkstraat") -> Round:
    await h.send(h.updates.message(COORDINATOR, f"/ronde nieuw za 20:00 {extra}"))
    row = await h.services.db.fetchone("SELECT MAX(id) FROM patrol_rounds")
    assert row is not None and row[0] is not None, h.request.last_text(COORDINATOR)
    round_ = await store.get_round(h.services.db, row[0])
    assert round_ is not None
    return round_


async def sign_up_in_group(h: BotHarness, *people: int, round_id: int) -> None:
    for person in people:
        await h.send(h.updates.callback(person, buttons.sign_up_data(round_id, join=True), chat_id=GROUP))


def round_of(**changes: Any) -> Round:
    values: dict[str, Any] = dict(
        id=7, team_id=1, starts_at=SATURDAY_8PM, ends_at=SATURDAY_8PM + dt.timedelta(hours=2), route="Centrum",
        buurt_code="BU07941000", min_walkers=2, status=RoundStatus.PLANNED, created_at=local(2026, 11, 20, 12, 0),
        walkers=(), buurten=("BU07941000", "BU07941002"))
    values.update(changes)
    return Round(**values)


# --- pure rules ----------------------------------------------------------------------------------

NOW = local(2026, 11, 24, 21, 0)  # Tuesday evening


@pytest.mark.parametrize(("typed", "start", "minimum", "route"), [
    ("za 20:00 Centrum", local(2026, 11, 28, 20, 0), 2, "Centrum"),
    ("zaterdag om 20.00 Centrum", local(2026, 11, 28, 20, 0), 2, "Centrum"),
    ("sat 8:15 3 Park", local(2026, 11, 28, 8, 15), 3, "Park"),
    ("di 20:00 Centrum", local(2026, 12, 1, 20, 0), 2, "Centrum"),  # Tuesday 20:00 has passed: next week
    ("di 22:00 Centrum", local(2026, 11, 24, 22, 0), 2, "Centrum"),  # later today
    ("2026-12-05 20:00 4 Heipoort en station", local(2026, 12, 5, 20, 0), 4, "Heipoort en station"),
    ("5-12 20u Centrum", local(2026, 12, 5, 20, 0), 2, "Centrum"),
    ("5/12/2026 20u30 Centrum", local(2026, 12, 5, 20, 30), 2, "Centrum"),
    ("za 5 dec 20h Centrum", local(2026, 12, 5, 20, 0), 2, "Centrum"),
    ("morgen 19:30 Centrum", local(2026, 11, 25, 19, 30), 2, "Centrum"),
    ("vandaag 23:00 Centrum", local(2026, 11, 24, 23, 0), 2, "Centrum"),
    ("5-11 20:00 Centrum", local(2027, 11, 5, 20, 0), 2, "Centrum"),  # passed this year: next year
    ("2027-04-03 20:00 Centrum", local(2027, 4, 3, 20, 0), 2, "Centrum"),  # summer time, still 20:00 local
])
def test_plans_are_read_leniently_in_local_time(typed: str, start: dt.datetime, minimum: int, route: str) -> None:
    parsed = parse_plan(typed.split(), now=NOW, tz=AMS, rules=PatrolRules())
    assert parsed == PlanRequest(start, minimum, route)
    assert parsed.starts_at.astimezone(AMS).hour == start.hour


@pytest.mark.parametrize(("typed", "problem"), [
    ("20:00 Centrum", PlanProblem.PAST),  # today 20:00, it is 21:00
    ("2025-12-05 20:00 Centrum", PlanProblem.PAST),
    ("vr 5-12 20:00 Centrum", PlanProblem.WEEKDAY_MISMATCH),  # 5 December 2026 is a Saturday
    ("31-2 20:00 Centrum", PlanProblem.NO_SUCH_DATE),
    ("za 25:00 Centrum", PlanProblem.UNREADABLE_TIME),
    ("zaterdag Centrum", PlanProblem.UNREADABLE_TIME),
    ("binnenkort 20:00 Centrum", PlanProblem.UNREADABLE_DATE),
    ("", PlanProblem.UNREADABLE_DATE),
    ("za 20:00", PlanProblem.NO_ROUTE),
    ("za 20:00 0 Centrum", PlanProblem.BAD_MINIMUM),
    ("2028-06-01 20:00 Centrum", PlanProblem.TOO_FAR),
])
def test_bad_plans_say_what_is_wrong(typed: str, problem: PlanProblem) -> None:
    parsed = parse_plan(typed.split(), now=NOW, tz=AMS, rules=PatrolRules())
    assert isinstance(parsed, PlanError) and parsed.problem is problem


def test_who_is_on_duty_when() -> None:
    round_ = round_of(walkers=(600001, 600002))
    assert walkers_on_duty([round_], SATURDAY_8PM - dt.timedelta(seconds=1)) == {}
    assert walkers_on_duty([round_], SATURDAY_8PM) == {"BU07941000": (600001, 600002), "BU07941002": (600001, 600002)}
    assert walkers_on_duty([round_], SATURDAY_8PM + dt.timedelta(hours=2)) == {}  # the end is exclusive
    assert walkers_on_duty([round_of(status=RoundStatus.CANCELLED, walkers=(1,))], SATURDAY_8PM) == {}
    directory = Directory(routing={})
    on_duty = with_walkers_on_duty(directory, [round_], SATURDAY_8PM + dt.timedelta(minutes=5))
    assert on_duty.walkers_by_buurt["BU07941000"] == (600001, 600002)
    assert directory.walkers_by_buurt == {}  # the shared snapshot is not changed


def test_what_is_due_for_a_round() -> None:
    rules = PatrolRules()
    short = round_of(walkers=(600001,))
    sends = {(s.kind, s.chat_id): s for s in planned_sends(short, [COORDINATOR], rules)}
    warning = sends[(SendKind.SHORTAGE, COORDINATOR)]
    assert warning.due == SATURDAY_8PM - dt.timedelta(hours=24) and warning.deadline == SATURDAY_8PM
    assert sends[(SendKind.REMINDER, 600001)].due == SATURDAY_8PM - dt.timedelta(hours=1)
    assert sends[(SendKind.REPORT, 600001)].due == SATURDAY_8PM + dt.timedelta(hours=2)
    assert (SendKind.REPORT, COORDINATOR) not in sends
    full = planned_sends(round_of(walkers=(1, 2)), [COORDINATOR], rules)
    assert not [s for s in full if s.kind is SendKind.SHORTAGE]
    nobody = planned_sends(round_of(), [COORDINATOR], rules)
    assert [s.chat_id for s in nobody if s.kind is SendKind.REPORT] == [COORDINATOR]  # the coordinator reports
    assert planned_sends(round_of(status=RoundStatus.CANCELLED, walkers=(1,)), [COORDINATOR], rules) == []
    # Planned at short notice: the warning waits half of the time that was left.
    late = round_of(created_at=SATURDAY_8PM - dt.timedelta(hours=6))
    assert shortage_due(late, rules) == SATURDAY_8PM - dt.timedelta(hours=3)


def test_walk_report_outcomes_and_round_area() -> None:
    assert step_after(WalkOutcome.NOTHING) is WalkStep.DONE
    assert step_after(WalkOutcome.OBSERVATIONS) is WalkStep.ASK_TEXT
    assert step_after(WalkOutcome.FOLLOW_UP) is WalkStep.ASK_TEXT
    assert [o for o in WalkOutcome if needs_routing(o)] == [WalkOutcome.FOLLOW_UP]
    names = {"BU07941000": "Centrum", "BU07941002": "Leonardus", "BU07941003": "Heipoort"}
    team = ("BU07941000", "BU07941002", "BU07941003")
    assert round_buurt("Rondje HEIPOORT en station", team, names) == "BU07941003"
    assert round_buurt("leonardus, kerk", team, names) == "BU07941002"
    assert round_buurt("Langs het kanaal", team, names) == "BU07941000"  # the team's first buurt


# --- planning through /ronde -----------------------------------------------------------------------

async def test_coordinator_plans_and_the_group_gets_the_announcement(harness: BotHarness) -> None:
    h = harness
    h.clock.now = TUESDAY_NOON
    round_ = await plan_saturday(h, "3 Heipoort en Kerkstraat")
    assert round_.starts_at == SATURDAY_8PM and round_.ends_at == SATURDAY_8PM + dt.timedelta(hours=2)
    assert round_.min_walkers == 3 and round_.buurt_code == "BU07941003"
    replies = h.request.texts(COORDINATOR)
    assert f"Ronde {round_.id} is gepland" in replies[-2] and "Aangekondigd in 1 groep" in replies[-2]
    await h.deliver()
    announcement = h.request.sent(GROUP, "sendMessage")[-1]
    assert "Loopronde BPT Binnenstad" in announcement["text"] and "zaterdag 28-11-2026, 20:00–22:00" in announcement[
        "text"]
    assert "0 van minimaal 3 lopers" in announcement["text"]
    buttons = [b["text"] for row in announcement["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["✅ Ik loop mee", "↩️ Afmelden"]
    audit = await h.services.db.fetchone("SELECT actor_id FROM audit_log WHERE action = 'patrol.plan'")
    assert audit is not None and audit[0] == COORDINATOR


async def test_planning_in_the_group_and_refusals(harness: BotHarness) -> None:
    h = harness
    h.clock.now = TUESDAY_NOON
    await h.send(h.updates.message(COORDINATOR, "/ronde nieuw morgen 19:30 Leonardus", chat_id=GROUP))
    await h.deliver()
    assert "Loopronde BPT Binnenstad" in h.request.last_text(GROUP)
    assert (await store.get_round(h.services.db, 1)).buurt_code == "BU07941002"  # type: ignore[union-attr]
    await h.send(h.updates.message(RESIDENT, "/ronde nieuw za 20:00 Centrum"))
    assert "Alleen de coördinator" in h.request.last_text(RESIDENT)
    await h.send(h.updates.message(RESIDENT, "/ronde nieuw za 20:00 Centrum", chat_id=GROUP))
    await h.send(h.updates.message(OTHER_COORDINATOR, "/ronde nieuw za 20:00 Centrum", chat_id=GROUP))
    binnenstad = await teams.team_by_name(h.services.db, "BPT Binnenstad")
    assert binnenstad is not None
    await h.send(h.updates.message(OTHER_COORDINATOR, f"/ronde nieuw #{binnenstad.id} za 20:00 Centrum"))
    assert "Alleen de coördinator" in h.request.last_text(OTHER_COORDINATOR)
    await h.send(h.updates.message(COORDINATOR, "/ronde nieuw vandaag 09:00 Centrum"))
    assert "al voorbij" in h.request.last_text(COORDINATOR)
    await h.send(h.updates.message(COORDINATOR, "/ronde nieuw ooit 20:00 Centrum"))
    assert "datum kan ik niet lezen" in h.request.last_text(COORDINATOR)
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM patrol_rounds")
    assert row is not None and row[0] == 1  # only the coordinator's round in the group
    refusals = await h.services.db.fetchone("SELECT COUNT(*) FROM audit_log WHERE action = 'patrol.plan'")
    assert refusals is not None and refusals[0] == 1


# --- signing up ------------------------------------------------------------------------------------

async def test_sign_up_and_afmelden_edit_the_count_in_place(harness: BotHarness) -> None:
    h = harness
    h.clock.now = TUESDAY_NOON
    round_ = await plan_saturday(h)
    await h.deliver()
    announcement_id = (await h.services.db.fetchone(
        "SELECT o.message_id FROM patrol_messages m JOIN outbox o ON o.id = m.outbox_id"))[0]  # type: ignore[index]
    await open_private_chat(h, WALKERS[1])
    h.request.clear()
    await sign_up_in_group(h, WALKERS[0], round_id=round_.id)  # never wrote to the bot in private
    first = answers(h)[-1]
    assert "privégesprek" in first["text"] and first["url"] == "https://t.me/buurtwacht_test_bot?start=ronde"
    await sign_up_in_group(h, WALKERS[1], round_id=round_.id)
    assert "herinnering" in answers(h)[-1]["text"] and "url" not in answers(h)[-1]
    await h.deliver()
    edits = h.request.sent(GROUP, "editMessageText")
    assert edits and all(int(e["message_id"]) == announcement_id for e in edits)
    assert "2 van minimaal 2 lopers" in edits[-1]["text"] and "inline_keyboard" in edits[-1]["reply_markup"]
    await sign_up_in_group(h, WALKERS[1], round_id=round_.id)
    assert "al aangemeld" in answers(h)[-1]["text"]
    await h.send(h.updates.callback(WALKERS[0], buttons.sign_up_data(round_.id, join=False), chat_id=GROUP))
    assert "afgemeld" in answers(h)[-1]["text"]
    await h.deliver()
    assert "1 van minimaal 2 lopers" in h.request.sent(GROUP, "editMessageText")[-1]["text"]
    assert "Nog 1 loper nodig" in h.request.sent(GROUP, "editMessageText")[-1]["text"]
    assert (await store.get_round(h.services.db, round_.id)).walkers == (WALKERS[1],)  # type: ignore[union-attr]


async def test_rondes_lists_the_persons_teams_and_signs_up_in_private(harness: BotHarness) -> None:
    h = harness
    h.clock.now = TUESDAY_NOON
    round_ = await plan_saturday(h)
    await h.send(h.updates.message(STRANGER, "/rondes"))
    assert "geen team" in h.request.last_text(STRANGER)
    await h.send(h.updates.callback(WALKERS[0], buttons.sign_up_data(round_.id, join=False), chat_id=GROUP))  # joins the team
    await h.send(h.updates.message(WALKERS[0], "/rondes"))
    card = h.request.sent(WALKERS[0], "sendMessage")[-1]
    assert "Loopronde BPT Binnenstad" in card["text"] and card["reply_markup"]["inline_keyboard"]
    await h.send(h.updates.callback(WALKERS[0], buttons.sign_up_data(round_.id, join=True), message_id=77))
    edited = h.request.sent(WALKERS[0], "editMessageText")[-1]
    assert int(edited["message_id"]) == 77 and "Jij loopt mee" in edited["text"]
    assert "1 van minimaal 2" in edited["text"]
    # A resident who follows one of the team's buurten counts as a member too.
    async with h.services.db.transaction() as tx:
        await tx.execute("INSERT INTO subscriptions (telegram_id, buurt_code, created_at) VALUES (?, ?, ?)",
                         (WALKERS[2], "BU07941002", "2026-11-01T00:00:00+00:00"))
    await h.send(h.updates.message(WALKERS[2], "/rondes"))
    assert "Loopronde" in h.request.last_text(WALKERS[2])


async def test_forged_and_foreign_buttons_are_refused(harness: BotHarness) -> None:
    h = harness
    h.clock.now = TUESDAY_NOON
    round_ = await plan_saturday(h)
    for user, data, chat in [
        (WALKERS[0], buttons.sign_up_data(999999, join=True), GROUP),  # no such round
        (WALKERS[0], buttons.sign_up_data(round_.id, join=True), OTHER_GROUP),  # another team's group
        (STRANGER, buttons.sign_up_data(round_.id, join=True), None),  # private, not a member of the team
        (WALKERS[0], buttons.report_data(round_.id, WalkOutcome.NOTHING), None),  # never asked for a walk report
        (WALKERS[0], f"pr:rep:{round_.id}:everything", None),
        (WALKERS[0], "pr:in:abc", GROUP),
    ]:
        await h.send(h.updates.callback(user, data, chat_id=chat))
        answer = answers(h)[-1]
        assert answer["text"] == "Deze knop is niet geldig." and answer["show_alert"] in (True, "true"), data
    assert (await store.get_round(h.services.db, round_.id)).walkers == ()  # type: ignore[union-attr]
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM patrol_members")
    assert row is not None and row[0] == 0


async def test_cancel_edits_the_announcement_and_tells_the_walkers(harness: BotHarness) -> None:
    h = harness
    h.clock.now = TUESDAY_NOON
    round_ = await plan_saturday(h)
    await open_private_chat(h, WALKERS[1])
    await sign_up_in_group(h, WALKERS[1], round_id=round_.id)
    await h.send(h.updates.message(OTHER_COORDINATOR, f"/ronde annuleer {round_.id}"))
    assert "Alleen de coördinator" in h.request.last_text(OTHER_COORDINATOR)
    await h.send(h.updates.message(COORDINATOR, f"/ronde annuleer {round_.id}"))
    assert "is geannuleerd" in h.request.last_text(COORDINATOR)
    await h.deliver()
    edit = h.request.sent(GROUP, "editMessageText")[-1]
    assert "Geannuleerd" in edit["text"] and "reply_markup" not in edit
    assert "is geannuleerd" in h.request.last_text(WALKERS[1])
    await sign_up_in_group(h, WALKERS[0], round_id=round_.id)
    assert "Aanmelden kan niet meer" in answers(h)[-1]["text"]
    h.clock.now = utc(2026, 11, 27, 20, 1)
    assert (await run_patrol_tick(h.services)).sent == 0  # no warning for a cancelled round


# --- shortage warning and reminder, once, across restarts -----------------------------------------

async def test_shortage_warning_and_reminder_are_sent_once_also_after_a_restart(config) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(TUESDAY_NOON)
    async with make_harness(config, clock) as h:
        round_ = await plan_saturday(h)
        await open_private_chat(h, WALKERS[1])
        await sign_up_in_group(h, WALKERS[1], round_id=round_.id)  # 1 of 2: short
        clock.now = utc(2026, 11, 27, 19, 59)  # Friday, just before 24 h ahead
        assert (await run_patrol_tick(h.services)).sent == 0
        clock.now = utc(2026, 11, 27, 20, 1)
        assert (await run_patrol_tick(h.services)).sent == 1
        assert (await run_patrol_tick(h.services)).sent == 0  # a second tick in the same minute
        await h.deliver()
        warnings = [t for t in h.request.texts(COORDINATOR) if t.startswith("⚠️")]
        assert len(warnings) == 1 and "1 loper, minimaal 2 nodig" in warnings[0]
        assert f"/ronde annuleer {round_.id}" in warnings[0]
    async with make_harness(config, clock) as restarted:  # same database, new process
        clock.advance(minutes=30)
        assert (await run_patrol_tick(restarted.services)).sent == 0
        clock.now = utc(2026, 11, 28, 18, 59)  # Saturday, just before an hour ahead
        assert (await run_patrol_tick(restarted.services)).sent == 0
        clock.now = utc(2026, 11, 28, 19, 0, 30)
        assert (await run_patrol_tick(restarted.services)).sent == 1
        await restarted.deliver()
        reminder = restarted.request.last_text(WALKERS[1])
        assert reminder.startswith("⏰ Herinnering") and "begint om 20:00" in reminder
        assert (await run_patrol_tick(restarted.services)).sent == 0
    async with make_harness(config, clock) as again:
        clock.advance(minutes=10)
        assert (await run_patrol_tick(again.services)).sent == 0
        sent = await again.services.db.fetchall("SELECT kind, status FROM patrol_sends ORDER BY kind")
        assert [tuple(r) for r in sent] == [("reminder", "sent"), ("shortage", "sent")]


async def test_full_round_gets_no_warning_and_a_missed_reminder_is_skipped(harness: BotHarness) -> None:
    h = harness
    h.clock.now = TUESDAY_NOON
    round_ = await plan_saturday(h)
    for walker in WALKERS[:2]:
        await open_private_chat(h, walker)
    await sign_up_in_group(h, *WALKERS[:2], round_id=round_.id)
    h.clock.now = utc(2026, 11, 27, 20, 1)
    assert (await run_patrol_tick(h.services)).sent == 0
    h.clock.now = utc(2026, 11, 28, 20, 30)  # the bot was down for the whole hour before the start
    result = await run_patrol_tick(h.services)
    assert result.sent == 0 and result.skipped == 2
    await h.deliver()
    assert not [t for t in h.request.texts(WALKERS[0]) if "Herinnering" in t]


# --- duty routing ----------------------------------------------------------------------------------

async def report_now(h: BotHarness, description: str) -> None:
    await report_until_confirm(h, description=description)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    assert "Ontvangen" in h.request.last_text(RESIDENT)
    await h.deliver()


async def test_alerts_reach_the_walkers_on_duty_only_during_the_round(harness: BotHarness) -> None:
    h = harness
    h.clock.now = TUESDAY_NOON
    round_ = await plan_saturday(h)
    await open_private_chat(h, WALKERS[1])
    await sign_up_in_group(h, WALKERS[1], round_id=round_.id)
    h.clock.now = utc(2026, 11, 28, 19, 30)  # before the round
    await report_now(h, "Man in rode jas voor de bakker trekt aan fietssloten, liep richting de kerk")
    assert not [t for t in h.request.texts(WALKERS[1]) if "rode jas" in t]
    h.clock.now = utc(2026, 11, 28, 20, 30)  # during the round
    await report_now(h, "Man in blauwe jas kijkt bij auto's naar binnen, fiets met mand, richting station")
    walker_texts = [t for t in h.request.texts(WALKERS[1]) if "blauwe jas" in t]
    assert len(walker_texts) == 1 and "Verdachte persoon" in walker_texts[0]
    assert "Melder" not in walker_texts[0]  # walkers read what the group reads
    kinds = await h.services.db.fetchall(
        "SELECT kind FROM outbox WHERE chat_id = ? AND method = 'sendMessage' AND sighting_id IS NOT NULL",
        (WALKERS[1],))
    assert [r[0] for r in kinds] == [RecipientKind.WALKER.value]
    h.clock.now = utc(2026, 11, 28, 22, 30)  # after the round
    await report_now(h, "Man in groene jas met rugzak probeert deurklinken, liep richting park")
    assert not [t for t in h.request.texts(WALKERS[1]) if "groene jas" in t]
    assert h.services.directory.walkers_by_buurt == {}  # duty is worked out per report, not stored


async def test_team_alarm_during_the_round_reaches_the_walkers(harness: BotHarness) -> None:
    h = harness
    h.clock.now = TUESDAY_NOON
    round_ = await plan_saturday(h)
    await open_private_chat(h, WALKERS[1])
    await sign_up_in_group(h, WALKERS[1], round_id=round_.id)
    h.clock.now = utc(2026, 11, 28, 20, 15)
    await h.send(h.updates.message(COORDINATOR, "/alarm Witte bestelbus rijdt rondjes door Centrum"))
    broadcast_id = (await h.services.db.fetchone("SELECT MAX(id) FROM broadcasts"))[0]  # type: ignore[index]
    await h.send(h.updates.callback(COORDINATOR, f"bc:send:{broadcast_id}", message_id=55))
    await h.deliver()
    assert any("bestelbus" in t for t in h.request.texts(WALKERS[1]))


# --- walk reports ----------------------------------------------------------------------------------

async def test_walk_report_each_answer_and_follow_up_to_the_wijkagent(config) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(TUESDAY_NOON)
    async with make_harness(config, clock) as h:
        round_ = await plan_saturday(h)
        for walker in WALKERS:
            await open_private_chat(h, walker)
        await sign_up_in_group(h, *WALKERS, round_id=round_.id)
        clock.now = utc(2026, 11, 28, 21, 59)
        await run_patrol_tick(h.services)
        await h.deliver()
        assert not [t for t in h.request.texts(WALKERS[0]) if "Hoe ging het" in t]
        clock.now = utc(2026, 11, 28, 22, 1)
        assert (await run_patrol_tick(h.services)).sent == 3
        await h.deliver()
        question = h.request.sent(WALKERS[0], "sendMessage")[-1]
        assert "Hoe ging het?" in question["text"]
        labels = [b["text"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["Niets bijzonders", "Waarnemingen", "Opvolging nodig"]
        assert (await run_patrol_tick(h.services)).sent == 0

        # Niets bijzonders: stored with the press.
        await h.send(h.updates.callback(WALKERS[0], buttons.report_data(round_.id, WalkOutcome.NOTHING)))
        assert "Opgeslagen: Niets bijzonders" in h.request.sent(WALKERS[0], "editMessageText")[-1]["text"]
        await h.send(h.updates.callback(WALKERS[0], buttons.report_data(round_.id, WalkOutcome.FOLLOW_UP)))
        assert "al opgeslagen" in answers(h)[-1]["text"]

        # Waarnemingen: one message completes it, also after a restart in between.
        await h.send(h.updates.callback(WALKERS[1], buttons.report_data(round_.id, WalkOutcome.OBSERVATIONS)))
        assert "Beschrijf in één bericht" in h.request.last_text(WALKERS[1])

        # Opvolging nodig: the message becomes a sighting routed to the wijkagent.
        await h.send(h.updates.callback(WALKERS[2], buttons.report_data(round_.id, WalkOutcome.FOLLOW_UP)))
        assert "naar de wijkagent" in h.request.last_text(WALKERS[2])

    async with make_harness(config, clock) as h:
        await h.send(h.updates.message(WALKERS[1], "Groepje jongeren bij de speeltuin, verder rustig"))
        assert "waarnemingen zijn opgeslagen" in h.request.last_text(WALKERS[1])
        await h.send(h.updates.message(WALKERS[2], "Straatlantaarn kapot en een open kelderraam aan de Kerkstraat"))
        reply = h.request.last_text(WALKERS[2])
        assert "doorgestuurd" in reply
        reference = reply.split("melding ")[1].split(" ")[0]
        sighting = await sightings.by_reference(h.services.db, reference)
        assert sighting is not None and sighting.category is Category.OTHER
        assert sighting.area.buurt_code == round_.buurt_code and sighting.reporter_id == WALKERS[2]
        await h.deliver()
        officer = h.request.last_text(WIJKAGENT)
        assert "open kelderraam" in officer and reference in officer and "Loopronde" in officer
        assert not [t for t in h.request.texts(GROUP) if "kelderraam" in t]  # OTHER is not for the group

        reports = {r.telegram_id: r for r in await store.reports_of_round(h.services.db, round_.id)}
        assert reports[WALKERS[0]].outcome is WalkOutcome.NOTHING and reports[WALKERS[0]].text is None
        assert reports[WALKERS[1]].outcome is WalkOutcome.OBSERVATIONS and "speeltuin" in (reports[WALKERS[1]].text or "")
        assert reports[WALKERS[2]].outcome is WalkOutcome.FOLLOW_UP and reports[WALKERS[2]].sighting_id == sighting.id
        assert {r.state for r in reports.values()} == {"done"}

        # Once done, the next message is the walker's own again: the report flow answers it.
        await h.send(h.updates.message(WALKERS[2], "Nog een vraag"))
        assert "Wat wil je melden" in h.request.last_text(WALKERS[2])  # a message starts a report
        rows = await h.services.db.fetchone("SELECT COUNT(*) FROM sightings")
        assert rows is not None and rows[0] == 1

        # The coordinator sees who walked and what they reported.
        await h.send(h.updates.message(COORDINATOR, f"/ronde {round_.id}"))
        details = h.request.last_text(COORDINATOR)
        assert "Bewoner600002" in details and "speeltuin" in details and "Opvolging nodig" in details
        await h.send(h.updates.message(WALKERS[0], f"/ronde {round_.id}"))
        assert "niet de coördinator" in h.request.last_text(WALKERS[0])


async def test_round_nobody_walked_asks_the_coordinator(harness: BotHarness) -> None:
    h = harness
    h.clock.now = TUESDAY_NOON
    round_ = await plan_saturday(h)
    await open_private_chat(h, COORDINATOR)
    h.clock.now = utc(2026, 11, 28, 22, 5)
    await run_patrol_tick(h.services)
    await h.deliver()
    assert "Hoe ging het?" in h.request.last_text(COORDINATOR)
    await h.send(h.updates.callback(COORDINATOR, buttons.report_data(round_.id, WalkOutcome.NOTHING)))
    report = await store.get_report(h.services.db, round_.id, COORDINATOR)
    assert report is not None and report.outcome is WalkOutcome.NOTHING and report.state == "done"


async def test_forget_me_takes_a_walker_out_of_every_patrol_table(config) -> None:  # type: ignore[no-untyped-def]
    from storage import privacy

    clock = FakeClock(TUESDAY_NOON)
    walker = WALKERS[0]
    async with make_harness(config, clock) as h:
        round_ = await plan_saturday(h)
        await open_private_chat(h, walker)
        await sign_up_in_group(h, walker, round_id=round_.id)
        clock.now = utc(2026, 11, 28, 19, 0, 30)  # the reminder hour
        await run_patrol_tick(h.services)
        exported = await privacy.export_person(h.services.db, walker)
        assert exported["patrol_walkers"] and exported["patrol_members"] and exported["patrol_messages_sent"]
        planned = await privacy.export_person(h.services.db, COORDINATOR)
        assert planned["patrol_rounds_planned"][0]["route"] == round_.route
        await privacy.erase_person(h.services.db, walker, now=clock())
        after = await privacy.export_person(h.services.db, walker)
        assert not any(after.get(k) for k in ("patrol_walkers", "patrol_members", "patrol_reports",
                                               "patrol_messages_sent"))
        await privacy.erase_person(h.services.db, COORDINATOR, now=clock())
        kept = await store.get_round(h.services.db, round_.id)
        assert kept is not None  # the round stays for the team, without who planned it
