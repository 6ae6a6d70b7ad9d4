"""Routing rules, incident merging and escalation."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.alerts.escalation import escalate_due
from bot.config.schema import DEFAULT_ROUTING
from bot.core.domain import AreaRef, Category, LocationSource, Point, RecipientKind, Sighting
from bot.reports.incidents import distance_m, find_merge_target
from bot.reports.routing import route_sighting
from bot.runtime.directory import Directory, GroupContact
from storage import sightings as sighting_store
from tests.conftest import BotHarness
from tests.journeys import RESIDENT, file_report, report_until_confirm

AREA = AreaRef("GM0794", "WK079410", "BU07941000", "Helmond", "Binnenstad", "Centrum")
GROUP, AGENT, BOA, CARE, FALLBACK, SUBSCRIBER = -100, 200, 300, 400, 500, 600


def directory(*, groups: bool = True, agent: bool = True, boa: bool = True, care: bool = True,
              fallback: bool = True, subscribers: bool = False) -> Directory:
    officers: dict[tuple[RecipientKind, str], tuple[int, ...]] = {}
    if agent:
        officers[(RecipientKind.WIJKAGENT, "WK079410")] = (AGENT,)
    if boa:
        officers[(RecipientKind.BOA, "WK079410")] = (BOA,)
    if care:
        officers[(RecipientKind.CARE_DESK, "GM0794")] = (CARE,)  # gemeente-wide care desk
    return Directory(
        routing=dict(DEFAULT_ROUTING),
        groups_by_buurt={"BU07941000": (GroupContact(GROUP, "nl"),)} if groups else {},
        officers=officers,
        fallback_desks={"GM0794": (FALLBACK,)} if fallback else {},
        subscribers_by_buurt={"BU07941000": (SUBSCRIBER,)} if subscribers else {},
    )


def sighting(category: Category, *, point: Point | None = None, at: dt.datetime | None = None,
             buurt: str = "BU07941000", reporter: int = 1) -> Sighting:
    area = AreaRef("GM0794", "WK" + buurt[2:8], buurt)
    return Sighting(category=category, reporter_id=reporter, area=area,
                    occurred_at=at or dt.datetime(2026, 11, 24, 20, tzinfo=dt.UTC), description="x",
                    location_source=LocationSource.GPS, point=point,
                    created_at=at or dt.datetime(2026, 11, 24, 20, tzinfo=dt.UTC))


def kinds(recipients: list) -> list[tuple[RecipientKind, int]]:  # type: ignore[type-arg]
    return [(r.kind, r.chat_id) for r in recipients]


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        (Category.SUSPICIOUS_PERSON, [(RecipientKind.TEAM_GROUP, GROUP), (RecipientKind.WIJKAGENT, AGENT)]),
        (Category.SUSPICIOUS_VEHICLE, [(RecipientKind.TEAM_GROUP, GROUP), (RecipientKind.WIJKAGENT, AGENT)]),
        (Category.BURGLARY_IN_PROGRESS, [(RecipientKind.TEAM_GROUP, GROUP), (RecipientKind.WIJKAGENT, AGENT)]),
        (Category.NUISANCE, [(RecipientKind.WIJKAGENT, AGENT), (RecipientKind.BOA, BOA)]),
        (Category.CONFUSED_PERSON, [(RecipientKind.CARE_DESK, CARE), (RecipientKind.WIJKAGENT, AGENT)]),
        (Category.YOUTH_NUISANCE, [(RecipientKind.BOA, BOA), (RecipientKind.WIJKAGENT, AGENT)]),
        (Category.FIRE_HAZARD, [(RecipientKind.TEAM_GROUP, GROUP), (RecipientKind.WIJKAGENT, AGENT)]),
        (Category.NEGLECT, [(RecipientKind.BOA, BOA)]),
        (Category.OTHER, [(RecipientKind.WIJKAGENT, AGENT)]),
    ],
)
def test_every_category_routes_by_the_default_table(category: Category, expected: list) -> None:  # type: ignore[type-arg]
    assert kinds(route_sighting(sighting(category), AREA, directory())) == expected


def test_confused_person_never_reaches_the_alert_group() -> None:
    recipients = route_sighting(sighting(Category.CONFUSED_PERSON), AREA, directory(subscribers=True))
    assert all(r.kind not in (RecipientKind.TEAM_GROUP, RecipientKind.SUBSCRIBER) for r in recipients)


@pytest.mark.parametrize(
    ("category", "missing", "expected"),
    [
        (Category.NUISANCE, {"boa": False}, [(RecipientKind.WIJKAGENT, AGENT), (RecipientKind.FALLBACK_DESK, FALLBACK)]),
        (Category.NEGLECT, {"boa": False}, [(RecipientKind.FALLBACK_DESK, FALLBACK)]),
        (Category.SUSPICIOUS_PERSON, {"agent": False}, [(RecipientKind.TEAM_GROUP, GROUP), (RecipientKind.FALLBACK_DESK, FALLBACK)]),
        (Category.SUSPICIOUS_PERSON, {"groups": False}, [(RecipientKind.WIJKAGENT, AGENT)]),
        (Category.CONFUSED_PERSON, {"care": False}, [(RecipientKind.WIJKAGENT, AGENT), (RecipientKind.FALLBACK_DESK, FALLBACK)]),
        (Category.OTHER, {"agent": False, "fallback": False}, []),
    ],
)
def test_missing_officers_and_teams(category: Category, missing: dict, expected: list) -> None:  # type: ignore[type-arg]
    assert kinds(route_sighting(sighting(category), AREA, directory(**missing))) == expected


def test_subscribers_get_what_the_group_gets_and_nobody_twice() -> None:
    d = directory(subscribers=True)
    d.officers[(RecipientKind.WIJKAGENT, "WK079410")] = (AGENT, AGENT)
    recipients = route_sighting(sighting(Category.SUSPICIOUS_PERSON), AREA, d)
    assert kinds(recipients) == [(RecipientKind.TEAM_GROUP, GROUP), (RecipientKind.WIJKAGENT, AGENT),
                                 (RecipientKind.SUBSCRIBER, SUBSCRIBER)]


def test_reporter_subscribed_to_their_buurt_does_not_get_their_own_report() -> None:
    recipients = route_sighting(sighting(Category.SUSPICIOUS_PERSON, reporter=SUBSCRIBER), AREA, directory(subscribers=True))
    assert SUBSCRIBER not in [r.chat_id for r in recipients]


class _Incident:
    def __init__(self, id: int, category: Category, point: Point | None, last_at: dt.datetime,
                 buurt: str = "BU07941000") -> None:
        self.id, self.category, self.point, self.last_at, self.buurt_code = id, category, point, last_at, buurt


T0 = dt.datetime(2026, 11, 24, 20, tzinfo=dt.UTC)
HERE = Point(51.4800, 5.6550)


def offset(point: Point, metres_north: float) -> Point:
    return Point(point.lat + metres_north / 111_195.0, point.lon)


@pytest.mark.parametrize(
    ("metres", "minutes", "merged"),
    [(0, 0, True), (240, 10, True), (260, 10, False), (100, 29, True), (100, 31, False)],
)
def test_merge_inside_and_outside_the_windows(metres: float, minutes: int, merged: bool) -> None:
    assert abs(distance_m(HERE, offset(HERE, 240)) - 240) < 1
    candidate = _Incident(7, Category.SUSPICIOUS_PERSON, HERE, T0)
    new = sighting(Category.SUSPICIOUS_PERSON, point=offset(HERE, metres), at=T0 + dt.timedelta(minutes=minutes))
    target = find_merge_target(new, [candidate], max_distance_m=250, window=dt.timedelta(minutes=30))
    assert (target == 7) is merged


def test_merge_needs_the_same_category_and_prefers_the_nearest() -> None:
    far = _Incident(1, Category.SUSPICIOUS_PERSON, offset(HERE, 200), T0)
    near = _Incident(2, Category.SUSPICIOUS_PERSON, offset(HERE, 50), T0)
    other = _Incident(3, Category.NUISANCE, HERE, T0)
    new = sighting(Category.SUSPICIOUS_PERSON, point=HERE, at=T0)
    assert find_merge_target(new, [far, near, other], max_distance_m=250, window=dt.timedelta(minutes=30)) == 2
    # Without points, only the same buurt counts as close.
    no_point = sighting(Category.NUISANCE, at=T0)
    assert find_merge_target(no_point, [_Incident(4, Category.NUISANCE, None, T0)], max_distance_m=250,
                             window=dt.timedelta(minutes=30)) == 4
    assert find_merge_target(no_point, [_Incident(5, Category.NUISANCE, None, T0, "BU07941002")], max_distance_m=250,
                             window=dt.timedelta(minutes=30)) is None


async def test_three_reports_one_incident_one_edited_message(harness: BotHarness) -> None:
    h = harness
    group = -1001000000010
    for reporter in (RESIDENT, RESIDENT + 1, RESIDENT + 2):
        await file_report(h, reporter=reporter, description="Man in grijze jas bij de achterdeuren, liep richting kerk")
        await h.deliver()
        h.clock.advance(minutes=5)
    assert len(h.request.sent(group, "sendMessage")) == 1
    edits = h.request.sent(group, "editMessageText")
    assert edits and "3 meldingen" in edits[-1]["text"]
    assert "samengevoegd (3 meldingen)" in h.request.last_text(RESIDENT + 2)
    # Every reporter hears the status change.
    incident = await h.services.db.fetchone("SELECT id FROM incidents")
    assert incident is not None
    await h.send(h.updates.callback(200010, f"ack:{incident[0]}:done"))
    await h.deliver()
    for reporter in (RESIDENT, RESIDENT + 1, RESIDENT + 2):
        assert "afgerond" in h.request.last_text(reporter)


async def test_unacknowledged_urgent_report_escalates_once(harness: BotHarness) -> None:
    h = harness
    backup_desk = 400002
    await report_until_confirm(h, category="suspicious_vehicle")
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    h.clock.advance(minutes=14)
    assert await escalate_due(h.services) == 0
    h.clock.advance(minutes=2)
    assert await escalate_due(h.services) == 1
    assert await escalate_due(h.services) == 0  # once
    await h.deliver()
    assert "Escalatie" in h.request.last_text(backup_desk)
    # The backup desk may now act on it.
    incident = await h.services.db.fetchone("SELECT id FROM incidents")
    assert incident is not None
    await h.send(h.updates.callback(backup_desk, f"ack:{incident[0]}:take"))
    stored = await sighting_store.get_incident(h.services.db, incident[0])
    assert stored is not None and stored.acknowledged_by == backup_desk


async def test_a_report_marked_nu_gevaar_escalates_whatever_its_category(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    await h.send(u.message(RESIDENT, "/melding"))
    await h.send(u.callback(RESIDENT, "rep:urgent"))  # "Nu gevaar": 112 first, then a category that is not urgent
    await h.send(u.callback(RESIDENT, "rep:112:yes"))
    await h.send(u.callback(RESIDENT, "rep:cat:nuisance"))
    await h.send(u.message(RESIDENT, "5701 AB 12"))
    await h.send(u.callback(RESIDENT, "rep:when:now"))
    await h.send(u.message(RESIDENT, "Ruzie op straat met geschreeuw, iemand slaat tegen ramen"))
    await h.send(u.callback(RESIDENT, "rep:nophoto"))
    await h.send(u.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    h.clock.advance(minutes=16)
    assert await escalate_due(h.services) == 1
    await h.deliver()
    assert "Escalatie" in h.request.last_text(400002)


async def test_a_plain_report_of_a_non_urgent_category_does_not_escalate(harness: BotHarness) -> None:
    h = harness
    await report_until_confirm(h, category="nuisance", description="Harde muziek uit de tuin op nummer 14")
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    h.clock.advance(minutes=60)
    assert await escalate_due(h.services) == 0


async def test_acknowledged_report_does_not_escalate(harness: BotHarness) -> None:
    h = harness
    await report_until_confirm(h, category="suspicious_vehicle")
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    incident = await h.services.db.fetchone("SELECT id FROM incidents")
    assert incident is not None
    await h.send(h.updates.callback(200010, f"ack:{incident[0]}:take"))
    h.clock.advance(minutes=30)
    assert await escalate_due(h.services) == 0


async def test_forged_callback_is_refused(harness: BotHarness) -> None:
    h = harness
    for data in ("ack:abc:take", "ack:1:delete", "ack:99999:take"):
        await h.send(h.updates.callback(200010, data))
    answers = [p for e, p in h.request.calls if e == "answerCallbackQuery"]
    assert len(answers) == 3 and all(a.get("show_alert") for a in answers)
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM incidents WHERE status != 'new'")
    assert row is not None and row[0] == 0


async def test_replayed_and_forged_officer_buttons_are_logged_without_personal_data(
        harness: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    h = harness
    agent, stranger = 200010, 200011  # the Binnenstad wijkagent; another wijk's wijkagent
    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    incident = (await h.services.db.fetchone("SELECT id FROM incidents"))[0]  # type: ignore[index]
    await h.send(h.updates.callback(agent, f"ack:{incident}:take"))
    caplog.clear()
    caplog.set_level(logging.INFO, logger="handlers.officer")
    caplog.set_level(logging.INFO, logger="bot.desk.service")
    presses = [(agent, "take"), (stranger, "done"), (agent, "done"), (agent, "false"), (agent, "take")]
    for presser, action in presses:
        await h.send(h.updates.callback(presser, f"ack:{incident}:{action}"))
    await h.send(h.updates.callback(agent, f"ack:{incident}:take\n"))
    refusals = [r.getMessage() for r in caplog.records if r.name in ("handlers.officer", "bot.desk.service")]
    assert refusals == [
        f"refused outcome on incident {incident}: already acknowledged (replayed or pressed twice)",
        f"refused a desk action on incident {incident} by someone it is not for",
        # (agent, done) went through: closed as "afgerond"
        f"refused outcome on incident {incident} (to false_alarm): already closed as resolved",
        f"refused outcome on incident {incident} (to acknowledged): already closed as resolved",
        "refused a malformed or misplaced desk button",
    ]
    stored = await sighting_store.get_incident(h.services.db, incident)
    assert stored is not None and stored.status.value == "resolved"
    logged = " ".join(refusals)
    for personal in (str(agent), str(stranger), str(RESIDENT), "Bewoner", "grijze jas", "5701"):
        assert personal not in logged
