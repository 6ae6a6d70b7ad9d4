"""Issue 18, item 6: report and ballot buttons forged into a group change nothing there.

Callback data can be sent by any client for any message the bot wrote. A resident's report
buttons (`rep:`) and the wijkagenda ballot (`sv:`) exist only in private chats; pressed on a
group message (an alert, say) they must not post the presser's draft into the group nor edit
the group's message.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.survey.rules import ballot_data, parse_press
from bot.survey.service import run_survey_tick
from storage import subscriptions, users
from tests.conftest import BotHarness, FakeClock
from tests.journeys import GROUP_BINNENSTAD, RESIDENT, report_until_confirm

GROUP_CHAT_CALLS = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto", "sendLocation")


def group_calls(h: BotHarness) -> list[str]:
    return [e for e, p in h.request.calls if e in GROUP_CHAT_CALLS and str(p.get("chat_id")) == str(GROUP_BINNENSTAD)]


@pytest.mark.parametrize("data", ["rep:confirm", "rep:edit", "rep:cancel"])
async def test_report_buttons_pressed_in_a_group_post_nothing_there(harness: BotHarness, data: str) -> None:
    h = harness
    await report_until_confirm(h)  # the presser has a draft at its summary
    before = group_calls(h)
    await h.send(h.updates.callback(RESIDENT, data, chat_id=GROUP_BINNENSTAD, message_id=77))
    assert group_calls(h) == before
    # The draft is untouched: Versturen in private still files it.
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    assert "Ontvangen" in h.request.last_text(RESIDENT)


async def test_a_ballot_button_pressed_in_a_group_edits_nothing_there(harness: BotHarness) -> None:
    h = harness
    assert isinstance(h.clock, FakeClock)
    # An invited resident of an open round, with a valid ballot press (their own survey and wijk).
    await users.ensure(h.services.db, RESIDENT, language="nl", display_name="x", username=None)
    await subscriptions.subscribe(h.services.db, RESIDENT, "BU07941000", address=None, now=h.clock())
    h.clock.now = dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)
    assert (await run_survey_tick(h.services)).invited >= 1
    await h.deliver()
    invitation = h.request.sent(RESIDENT)[-1]
    press = parse_press(invitation["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    assert press is not None
    before = group_calls(h)
    for option in (0, None):  # choosing, and "Klaar"
        await h.send(h.updates.callback(RESIDENT, ballot_data(press.survey_id, press.wijk_code, 0, option),
                                        chat_id=GROUP_BINNENSTAD, message_id=77))
    assert group_calls(h) == before
    # In private the same ballot still works.
    await h.send(h.updates.callback(RESIDENT, ballot_data(press.survey_id, press.wijk_code, 0, 0)))
    assert h.request.sent(RESIDENT, "editMessageReplyMarkup")
