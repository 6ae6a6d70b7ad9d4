"""A button press shows its outcome whatever Telegram answers the edit (issue 16, "Edits are
robust"): `true` instead of the Message, "message is not modified", "message to edit not found"
or "can't be edited" (the text is sent anew), and a chat that is gone. Each handler that edits
the message its button was on is driven through each answer."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from telegram import Update

from bot.tips import buttons as tip_buttons
from tests.conftest import BotHarness, FakeClock
from tests.patrol.test_patrol import TUESDAY_NOON, WALKERS, plan_saturday
from tests.patrol.test_patrol import buttons as patrol_buttons
from tests.survey.test_survey import OPENING, idx, subscribe, survey_id_of
from tests.survey.test_survey import ballot_data as survey_ballot

GROUP = -1001000000010  # BPT Binnenstad's group in the example config
COORDINATOR = 500001
RESIDENT = 100001
WIJKAGENT = 200010  # Binnenstad, in the example config

TRUE = (200, {"ok": True, "result": True})
NOT_MODIFIED = (400, {"ok": False, "error_code": 400,
                      "description": "Bad Request: message is not modified: specified new message content and "
                                     "reply markup are exactly the same"})
NOT_FOUND = (400, {"ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"})
TOO_OLD = (400, {"ok": False, "error_code": 400, "description": "Bad Request: message can't be edited"})
BLOCKED = (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})

# What happens to the press's outcome for each answer: "edited" (the edit stands), "sent anew".
ANSWERS = {"true": (TRUE, "edited"), "not modified": (NOT_MODIFIED, "edited"), "not found": (NOT_FOUND, "sent anew"),
           "too old": (TOO_OLD, "sent anew"), "blocked": (BLOCKED, "edited")}

Press = Callable[[BotHarness], Awaitable[tuple[int, Update]]]


# --- the presses: each sets its scene and returns (chat of the message, the press) -----------

async def follow_cancel(h: BotHarness) -> tuple[int, Update]:
    await h.send(h.updates.message(RESIDENT, "/start volg_BU07941002"))
    return RESIDENT, h.updates.callback(RESIDENT, "volg:nee")


async def tips_pause(h: BotHarness) -> tuple[int, Update]:
    await h.send(h.updates.message(COORDINATOR, "/tips", chat_id=GROUP))
    return GROUP, h.updates.callback(COORDINATOR, tip_buttons.pause_data(False), chat_id=GROUP)


async def broadcast_cancel(h: BotHarness) -> tuple[int, Update]:
    await h.send(h.updates.message(COORDINATOR, "/alarm Vermiste hond, bruine labrador, luistert naar Bas"))
    row = await h.services.db.fetchone("SELECT MAX(id) FROM broadcasts WHERE sender_id = ?", (COORDINATOR,))
    assert row is not None and row[0] is not None
    return COORDINATOR, h.updates.callback(COORDINATOR, f"bc:cancel:{row[0]}")


async def broadcast_send(h: BotHarness) -> tuple[int, Update]:
    chat, press = await broadcast_cancel(h)
    data = press.callback_query.data  # type: ignore[union-attr]  # built just above
    return chat, h.updates.callback(COORDINATOR, data.replace("cancel", "send"))  # type: ignore[union-attr]


async def patrol_sign_up_card(h: BotHarness) -> tuple[int, Update]:
    h.clock.now = TUESDAY_NOON  # type: ignore[attr-defined]  # the harness's FakeClock
    round_ = await plan_saturday(h)
    walker = WALKERS[0]
    await h.send(h.updates.callback(walker, patrol_buttons.sign_up_data(round_.id, join=False), chat_id=GROUP))
    await h.send(h.updates.message(walker, "/rondes"))
    return walker, h.updates.callback(walker, patrol_buttons.sign_up_data(round_.id, join=True), message_id=77)


async def survey_vote(h: BotHarness) -> tuple[int, Update]:
    from bot.survey.service import run_survey_tick

    assert isinstance(h.clock, FakeClock)
    await subscribe(h, (100011, "BU07941000"))
    h.clock.now = OPENING
    await run_survey_tick(h.services)
    await h.deliver()
    survey_id = survey_id_of(h.request.sent(100011)[-1])
    return 100011, h.updates.callback(100011, survey_ballot(survey_id, "WK079410", 1 << idx("hondenpoep"), None))


async def survey_choice(h: BotHarness) -> tuple[int, Update]:
    chat, press = await survey_vote(h)
    data = press.callback_query.data  # type: ignore[union-attr]  # built just above
    survey_id = int(data.split(":")[1])  # type: ignore[union-attr]
    return chat, h.updates.callback(100011, survey_ballot(survey_id, "WK079410", 0, idx("hondenpoep")))


async def desk_filter(h: BotHarness) -> tuple[int, Update]:
    from bot.reports import officer_buttons
    from tests.desk.test_desk import report

    await report(h, RESIDENT)
    await h.send(h.updates.message(WIJKAGENT, "/meldingen"))
    listing = h.request.sent(WIJKAGENT, "sendMessage")[-1]
    data = [button["callback_data"] for row in listing["reply_markup"]["inline_keyboard"] for button in row]
    pressed = [d for d in data if (p := officer_buttons.parse(d)) is not None and p.action is officer_buttons.Action.LIST]
    return WIJKAGENT, h.updates.callback(WIJKAGENT, pressed[0])


PRESSES: dict[str, Press] = {
    "follow: cancel": follow_cancel,
    "tips: pause": tips_pause,
    "broadcast: cancel": broadcast_cancel,
    "broadcast: send": broadcast_send,
    "patrol: sign-up card": patrol_sign_up_card,
    "survey: vote": survey_vote,
    "survey: choice (buttons only)": survey_choice,
    "desk: filter": desk_filter,
}


@pytest.mark.parametrize("answer", ANSWERS, ids=list(ANSWERS))
@pytest.mark.parametrize("press", PRESSES, ids=list(PRESSES))
async def test_a_press_shows_its_outcome_whatever_telegram_answers_the_edit(
        harness: BotHarness, caplog: pytest.LogCaptureFixture, press: str, answer: str) -> None:
    h = harness
    chat, update = await PRESSES[press](h)
    (status, body), fate = ANSWERS[answer]
    h.request.method_answers.update(editMessageText=(status, body), editMessageReplyMarkup=(status, body))
    before = len(h.request.calls)
    with caplog.at_level(logging.INFO):
        await h.send(update)
    after = h.request.calls[before:]
    edits = [params for method, params in after
             if method in ("editMessageText", "editMessageReplyMarkup") and int(params.get("chat_id", 0)) == chat]
    assert edits, f"{press} did not edit the message its button was on"
    edit = edits[0]
    # Nothing reached the error handler: no "refused" warning, no unhandled error.
    assert not [r for r in caplog.records if r.name == "bot.app.application" and r.levelno >= logging.WARNING]
    # The press was answered (the spinner stops).
    assert any(method == "answerCallbackQuery" for method, _ in after)
    anew = [params for method, params in after if method == "sendMessage" and int(params["chat_id"]) == chat
            and "text" in edit and params.get("text") == edit["text"]]
    if fate == "sent anew" and "text" in edit:
        assert len(anew) == 1, f"{press}: the outcome was not sent anew after {answer}"
        assert anew[0].get("reply_markup") == edit.get("reply_markup")
    else:
        assert anew == [], f"{press}: the outcome was sent twice after {answer}"


async def test_an_inaccessible_message_is_answered_with_a_new_one(harness: BotHarness) -> None:
    """A button on a message older than 48 hours arrives as an inaccessible message (date 0):
    PTB's shortcut would raise TypeError; the chat still gets the outcome."""
    h = harness
    await h.send(h.updates.message(RESIDENT, "/start volg_BU07941002"))
    press = h.updates.callback(RESIDENT, "volg:nee")
    raw: dict[str, Any] = press.to_dict()
    message = raw["callback_query"]["message"]
    raw["callback_query"]["message"] = {"chat": message["chat"], "message_id": message["message_id"], "date": 0}
    h.request.method_answers["editMessageText"] = TOO_OLD
    before = len(h.request.calls)
    await h.send(Update.de_json(raw, h.app.bot))
    sent = [p for m, p in h.request.calls[before:] if m == "sendMessage" and int(p["chat_id"]) == RESIDENT]
    assert len(sent) == 1 and "niet" in sent[0]["text"]


def test_the_press_table_covers_every_handler_that_edits_a_pressed_message() -> None:
    """A new handler that edits its button's message belongs in PRESSES above."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2] / "handlers"
    editing = {path.stem for path in root.glob("*.py") if re.search(r"\bedit_pressed\(", path.read_text())}
    covered = {name.split(":")[0].replace("desk", "officer") for name in PRESSES}
    assert editing - {"common"} <= covered | {"report"}, editing - covered
    assert not [path.name for path in root.glob("*.py")
                if re.search(r"\.edit_message_(text|reply_markup)\(", path.read_text()) and path.stem != "common"]



