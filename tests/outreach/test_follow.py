"""Follow a buurt in one tap (issue 20): t.me/<bot>?start=volg_<buurtcode> or volg_team<nr>,
the language asked once, the 18+/live-or-work-here statement confirmed, then the buurt's
alerts and tips."""

from __future__ import annotations

import pytest

from bot.outreach import follow as rules
from bot.outreach.follow import FollowTarget
from storage import subscriptions, teams
from tests.conftest import BOT_USERNAME, BotHarness

NEWCOMER = 777001
RESIDENT = 100001
GROUP = -1001000000010


def buttons(params: dict) -> list[tuple[str, str]]:
    markup = params.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]


async def followed(h: BotHarness, user: int) -> list[str]:
    return await subscriptions.of_user(h.services.db, user)


# --- pure: links and buttons -----------------------------------------------------------------

def test_links_and_buttons_round_trip() -> None:
    buurt, team = FollowTarget.buurt("BU08660001"), FollowTarget.team(12)
    assert rules.follow_link("WaalreBot", buurt) == "https://t.me/WaalreBot?start=volg_BU08660001"
    assert rules.follow_link("WaalreBot", team) == "https://t.me/WaalreBot?start=volg_team12"
    for target in (buurt, team):
        assert rules.parse_payload(rules.payload(target)) == target
        assert rules.parse_button(rules.confirm_data(target)) == rules.FollowButton(rules.Step.CONFIRM, target)
        assert rules.parse_button(rules.language_data("en", target)) == rules.FollowButton(
            rules.Step.LANGUAGE, target, "en")
        assert len(rules.payload(target)) <= 64 and len(rules.language_data("en", target).encode()) <= 64
    assert rules.parse_button(rules.cancel_data()) == rules.FollowButton(rules.Step.CANCEL)


@pytest.mark.parametrize("payload", ["volg_", "volg_BU0866000", "volg_BU086600011", "volg_team0", "volg_team",
                                     "volg_team1234567890", "volg_WK086600", "volg_bu08660001", "volg_BU0866000١",
                                     "BU08660001"])
def test_forged_payloads_are_refused(payload: str) -> None:
    assert rules.parse_payload(payload) is None


@pytest.mark.parametrize("data", ["volg:ja", "volg:ja:BU1", "volg:taal:xx:BU08660001", "volg:taal:en",
                                  "volg:nee:x", "volg:ja:team0", "lang:en", "volg:ja:BU08660001:extra"])
def test_forged_buttons_are_refused(data: str) -> None:
    assert rules.parse_button(data) is None


# --- the conversation ------------------------------------------------------------------------

async def test_a_newcomer_picks_a_language_confirms_and_follows_the_buurt(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(NEWCOMER, "/start volg_BU07941000", language="tr"))
    first = h.request.sent(NEWCOMER, "sendMessage")[-1]
    assert "Centrum (Helmond)" in first["text"]
    pressed = dict((data, text) for text, data in buttons(first))
    assert "volg:taal:en:BU07941000" in pressed and pressed["volg:taal:nl:BU07941000"] == "Nederlands"
    assert await followed(h, NEWCOMER) == []  # nothing before the statement is confirmed

    await h.send(h.updates.callback(NEWCOMER, "volg:taal:en:BU07941000"))
    asked = h.request.sent(NEWCOMER, "editMessageText")[-1]
    assert "Follow Centrum (Helmond)" in asked["text"] and "18" in asked["text"] and "112" in asked["text"]
    assert [data for _, data in buttons(asked)] == ["volg:ja:BU07941000", "volg:nee"]
    assert await followed(h, NEWCOMER) == []

    await h.send(h.updates.callback(NEWCOMER, "volg:ja:BU07941000"))
    done = h.request.sent(NEWCOMER, "editMessageText")[-1]["text"]
    assert "You now follow" in done and "Centrum (Helmond)" in done
    assert await followed(h, NEWCOMER) == ["BU07941000"]
    # The alerts reach them at once (the routing directory), and so does the weekly tip.
    assert NEWCOMER in h.services.directory.subscribers_by_buurt.get("BU07941000", [])
    from storage import tips as tip_store

    await tip_store.ensure_schedules(h.services.db, h.services.now(), h.services.config.tips)
    assert any(s.chat_id == NEWCOMER and buurt == "BU07941000" for s, _, buurt in await tip_store.active(h.services.db))

    # Asked once: the next link goes straight to the statement, in the language chosen.
    await h.send(h.updates.message(NEWCOMER, "/start volg_BU07941002"))
    again = h.request.sent(NEWCOMER, "sendMessage")[-1]
    assert "Follow" in again["text"] and [d for _, d in buttons(again)] == ["volg:ja:BU07941002", "volg:nee"]


async def test_a_team_link_follows_every_buurt_of_the_team(harness: BotHarness) -> None:
    h = harness
    team = await teams.team_by_name(h.services.db, "BPT Binnenstad")
    assert team is not None
    await h.send(h.updates.message(RESIDENT, "/start"))  # known before: no language question
    await h.send(h.updates.message(RESIDENT, f"/start volg_team{team.id}"))
    asked = h.request.sent(RESIDENT, "sendMessage")[-1]
    assert "Volg BPT Binnenstad (Centrum" in asked["text"] and "18 jaar of ouder" in asked["text"]
    await h.send(h.updates.callback(RESIDENT, f"volg:ja:team{team.id}"))
    assert sorted(await followed(h, RESIDENT)) == sorted(team.buurten)
    assert "Je volgt nu" in h.request.sent(RESIDENT, "editMessageText")[-1]["text"]
    # A second tap changes nothing and says so.
    await h.send(h.updates.callback(RESIDENT, f"volg:ja:team{team.id}"))
    assert "al" in h.request.sent(RESIDENT, "editMessageText")[-1]["text"]
    assert sorted(await followed(h, RESIDENT)) == sorted(team.buurten)


async def test_cancel_follows_nothing_and_an_address_kept_earlier_stays(harness: BotHarness) -> None:
    h = harness
    await subscriptions.subscribe(h.services.db, RESIDENT, "BU07941000", address="5701 AB 12", now=h.services.now())
    await h.send(h.updates.message(RESIDENT, "/start volg_BU07941002"))
    await h.send(h.updates.callback(RESIDENT, "volg:nee"))
    assert await followed(h, RESIDENT) == ["BU07941000"]
    assert "niet" in h.request.sent(RESIDENT, "editMessageText")[-1]["text"]
    await h.send(h.updates.message(RESIDENT, "/start volg_BU07941000"))
    await h.send(h.updates.callback(RESIDENT, "volg:ja:BU07941000"))
    row = await h.services.db.fetchone("SELECT address FROM subscriptions WHERE telegram_id = ?", (RESIDENT,))
    assert row is not None and row[0] == "5701 AB 12"


async def test_links_and_buttons_that_lead_nowhere(harness: BotHarness) -> None:
    h = harness
    for payload in ("volg_BU99999999", "volg_team999", "volg_nonsense"):
        await h.send(h.updates.message(RESIDENT, f"/start {payload}"))
        assert "werkt niet" in h.request.last_text(RESIDENT)
        assert "uitnodiging" not in h.request.last_text(RESIDENT)  # not mistaken for an invite
    await h.send(h.updates.callback(RESIDENT, "volg:ja:BU99999999"))
    answers = [p for e, p in h.request.calls if e == "answerCallbackQuery"]
    assert answers[-1].get("text") == "Deze knop is verlopen."
    # A follow button pressed in a group (forged into a group message) follows nothing.
    await h.send(h.updates.callback(RESIDENT, "volg:ja:BU07941000", chat_id=GROUP))
    assert await followed(h, RESIDENT) == []
    # The general /start and invites still work.
    await h.send(h.updates.message(RESIDENT, "/start"))
    assert "Welkom bij Buurtwacht" in h.request.last_text(RESIDENT)
    assert BOT_USERNAME  # the harness bot has a username for links
