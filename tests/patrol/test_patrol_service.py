"""Patrol: the button data, and the service functions under /ronde, /rondes and the buttons."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.domain import WalkOutcome
from bot.patrol import buttons
from bot.patrol.buttons import ReportPress, SignUpPress
from bot.patrol.rules import PlanError, PlanProblem, Round, split_team
from bot.patrol.service import (
    CancelOutcome,
    Choice,
    DetailsRefusal,
    Planned,
    PlanRefusal,
    PlanRefused,
    ReportChoice,
    SignUp,
    cancel_as_coordinator,
    my_rounds,
    plan_from_command,
    press_report,
    press_sign_up,
    round_details,
)
from storage import patrol as store
from tests.conftest import BotHarness
from tests.patrol.test_patrol import (
    COORDINATOR,
    GROUP,
    OTHER_COORDINATOR,
    OTHER_GROUP,
    STRANGER,
    TUESDAY_NOON,
    WALKERS,
)

SATURDAY = ["za", "20:00", "Centrum"]

# ---------------------------------------------------------------------------- button data


@given(round_id=st.integers(0, 10**12 - 1), join=st.booleans(), outcome=st.sampled_from(WalkOutcome))
def test_every_patrol_button_parses_back_to_its_press(round_id: int, join: bool, outcome: WalkOutcome) -> None:
    sign = buttons.sign_up_data(round_id, join=join)
    report = buttons.report_data(round_id, outcome)
    assert max(len(sign.encode()), len(report.encode())) <= 64
    assert buttons.parse(sign) == SignUpPress(round_id, join)
    assert buttons.parse(report) == ReportPress(round_id, outcome)


def test_the_keyboards_carry_only_data_the_parser_takes() -> None:
    sign = [d for row in buttons.sign_up_buttons("nl", 12) for _, d in row]
    assert [buttons.parse(d) for d in sign] == [SignUpPress(12, True), SignUpPress(12, False)]
    report = [d for row in buttons.report_buttons("en", 12) for _, d in row]
    assert [buttons.parse(d) for d in report] == [ReportPress(12, o) for o in WalkOutcome]


def test_forged_patrol_data_is_refused() -> None:
    for forged in (None, "", "pr:", "pr:in:", "pr:in:abc", "pr:in:-1", "pr:in:1234567890123", "pr:maybe:1",
                   "pr:in:1\n", " pr:in:1", "pr:in:1:2", "pr:in:٣", "pr:rep:1", "pr:rep:1:everything",
                   "pr:rep:1:NOTHING", "pr:rep:1:nothing:x", "pr:rep:x:nothing", "tips:pause"):
        assert buttons.parse(forged) is None, forged


@given(st.text(max_size=30))
def test_garbage_is_no_press(data: str) -> None:
    press = buttons.parse(data)
    if isinstance(press, SignUpPress):
        assert data == buttons.sign_up_data(press.round_id, join=press.join)
    elif isinstance(press, ReportPress):
        assert data == buttons.report_data(press.round_id, press.outcome)


def test_split_team() -> None:
    assert split_team(["#3", "za"]) == (3, ["za"])
    assert split_team(["Team:12", "za"]) == (12, ["za"])
    assert split_team(["team3"]) == (3, [])
    assert split_team(["za", "#3"]) == (None, ["za", "#3"])
    assert split_team([]) == (None, [])


# ---------------------------------------------------------------------------- the service


async def plan(h: BotHarness) -> Round:
    h.clock.now = TUESDAY_NOON
    planned = await plan_from_command(h.services, COORDINATOR, SATURDAY, group_chat=None)
    assert isinstance(planned, Planned), planned
    return planned.round


async def test_plan_from_command_checks_the_coordinator_and_the_chat(harness: BotHarness) -> None:
    h = harness
    h.clock.now = TUESDAY_NOON
    services = h.services

    async def refusal(person: int, words: list[str], group_chat: int | None = None) -> PlanRefusal:
        result = await plan_from_command(services, person, words, group_chat=group_chat)
        assert isinstance(result, PlanRefused), result
        return result.reason

    assert await refusal(STRANGER, SATURDAY) is PlanRefusal.NOT_COORDINATOR
    assert await refusal(COORDINATOR, ["#2", *SATURDAY]) is PlanRefusal.NOT_COORDINATOR  # not their team
    assert await refusal(COORDINATOR, SATURDAY, OTHER_GROUP) is PlanRefusal.NOT_COORDINATOR  # another team's group
    assert await refusal(COORDINATOR, SATURDAY, -1009999999999) is PlanRefusal.GROUP_NOT_LINKED
    assert await store.upcoming_for_teams(services.db, [1, 2], services.now()) == []
    problem = await plan_from_command(services, COORDINATOR, ["za", "Centrum"], group_chat=None)
    assert problem == PlanError(PlanProblem.UNREADABLE_TIME)
    planned = await plan_from_command(services, COORDINATOR, ["#1", *SATURDAY], group_chat=None)
    assert isinstance(planned, Planned) and planned.team_name == "BPT Binnenstad" and planned.groups >= 1
    in_group = await plan_from_command(services, COORDINATOR, SATURDAY, group_chat=GROUP)
    assert isinstance(in_group, Planned) and in_group.round.team_id == 1
    stored = await store.get_round(services.db, planned.round.id)
    assert stored is not None and stored.route == "Centrum"


async def test_cancel_as_coordinator(harness: BotHarness) -> None:
    h = harness
    round_ = await plan(h)
    services = h.services
    assert await cancel_as_coordinator(services, None, COORDINATOR) is CancelOutcome.UNKNOWN
    assert await cancel_as_coordinator(services, 999999, COORDINATOR) is CancelOutcome.UNKNOWN
    assert await cancel_as_coordinator(services, round_.id, OTHER_COORDINATOR) is CancelOutcome.NOT_COORDINATOR
    assert await cancel_as_coordinator(services, round_.id, WALKERS[0]) is CancelOutcome.NOT_COORDINATOR
    assert await cancel_as_coordinator(services, round_.id, COORDINATOR) is CancelOutcome.CANCELLED
    assert await cancel_as_coordinator(services, round_.id, COORDINATOR) is CancelOutcome.ALREADY


async def test_round_details_are_for_the_coordinator_in_private(harness: BotHarness) -> None:
    h = harness
    round_ = await plan(h)
    services = h.services
    await press_sign_up(services, round_.id, WALKERS[0], chat_id=GROUP, private=False, join=True)
    assert await round_details(services, round_.id, OTHER_COORDINATOR, "nl", private=True) is DetailsRefusal.UNKNOWN
    assert await round_details(services, 999999, COORDINATOR, "nl", private=True) is DetailsRefusal.UNKNOWN
    assert await round_details(services, round_.id, COORDINATOR, "nl", private=False) is DetailsRefusal.NOT_IN_PRIVATE
    details = await round_details(services, round_.id, COORDINATOR, "nl", private=True)
    assert isinstance(details, str) and "Lopers" in details and f"Ronde {round_.id}" in details


async def test_sign_up_presses_are_checked_against_chat_and_team(harness: BotHarness) -> None:
    h = harness
    round_ = await plan(h)
    services = h.services

    async def press(person: int, chat_id: int, *, join: bool = True) -> SignUp:
        private = chat_id > 0
        return (await press_sign_up(services, round_.id, person, chat_id=chat_id, private=private, join=join)).outcome

    assert await press(WALKERS[0], OTHER_GROUP) is SignUp.INVALID  # another team's group
    assert await press(STRANGER, STRANGER) is SignUp.INVALID  # private, not a member
    assert await press(WALKERS[0], WALKERS[1]) is SignUp.INVALID  # not their own chat
    assert (await press_sign_up(services, 999999, WALKERS[0], chat_id=GROUP, private=False, join=True)).outcome \
        is SignUp.INVALID
    answer = await press_sign_up(services, round_.id, WALKERS[0], chat_id=GROUP, private=False, join=True)
    assert answer.outcome is SignUp.SIGNED_UP and not answer.private_chat_open  # never opened a private chat
    assert answer.round is not None and answer.round.walkers == (WALKERS[0],)
    assert answer.team_name == ""  # in a group there is no private card to edit
    assert await press(WALKERS[0], GROUP) is SignUp.ALREADY
    # Pressing in the team's group made them a member: their own chat works now, and shows the card.
    private = await press_sign_up(services, round_.id, WALKERS[0], chat_id=WALKERS[0], private=True, join=False)
    assert private.outcome is SignUp.SIGNED_OFF and private.team_name == "BPT Binnenstad"
    assert private.round is not None and private.round.walkers == ()
    assert await press(WALKERS[0], WALKERS[0], join=False) is SignUp.NOT_SIGNED_UP
    await cancel_as_coordinator(services, round_.id, COORDINATOR)
    assert await press(WALKERS[0], GROUP) is SignUp.CLOSED


async def test_report_presses_only_from_who_was_asked_in_their_own_chat(harness: BotHarness) -> None:
    h = harness
    round_ = await plan(h)
    services = h.services
    walker = WALKERS[0]
    await press_sign_up(services, round_.id, walker, chat_id=GROUP, private=False, join=True)
    assert (await press_report(services, round_.id, walker, WalkOutcome.NOTHING, chat_id=walker,
                               language="nl")).choice is Choice.INVALID  # not asked yet
    async with services.db.transaction() as tx:
        await store.ask_report(tx, round_.id, walker, services.now())
    assert (await press_report(services, round_.id, walker, WalkOutcome.NOTHING, chat_id=GROUP,
                               language="nl")).choice is Choice.INVALID  # pressed outside their own chat
    assert (await press_report(services, round_.id, STRANGER, WalkOutcome.NOTHING, chat_id=STRANGER,
                               language="nl")).choice is Choice.INVALID
    asked = await press_report(services, round_.id, walker, WalkOutcome.OBSERVATIONS, chat_id=walker, language="nl")
    assert asked.choice is Choice.ASK_TEXT and "Hoe ging het?" in asked.question
    # Until the text is in, the walker may still change their mind; once stored, that is it.
    stored = await press_report(services, round_.id, walker, WalkOutcome.NOTHING, chat_id=walker, language="nl")
    assert stored.choice is Choice.STORED and stored.question == asked.question
    again = await press_report(services, round_.id, walker, WalkOutcome.FOLLOW_UP, chat_id=walker, language="nl")
    assert again == ReportChoice(Choice.ALREADY)


async def test_my_rounds(harness: BotHarness) -> None:
    h = harness
    services = h.services
    assert await my_rounds(services, WALKERS[0]) is None  # no team
    round_ = await plan(h)
    await press_sign_up(services, round_.id, WALKERS[0], chat_id=GROUP, private=False, join=True)
    cards = await my_rounds(services, WALKERS[0])
    assert cards is not None and [c.round.id for c in cards] == [round_.id]
    assert cards[0].team_name == "BPT Binnenstad" and cards[0].open_for_sign_up
    await cancel_as_coordinator(services, round_.id, COORDINATOR)
    assert await my_rounds(services, WALKERS[0]) == []  # a member, nothing planned
