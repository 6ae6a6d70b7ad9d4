"""/help by role (bot.core.help) and the command menu, in every language with a catalog."""

from __future__ import annotations

import re

import pytest

from bot.core.domain import Role
from bot.core.help import help_lines
from bot.core.i18n import translator
from tests.conftest import BotHarness

COORDINATOR_COMMANDS = ("/team", "/koppel", "/alarm", "/ronde", "/rondes", "/tip nieuw", "/overzicht",
                        "/uitnodigen")
ADMIN_COMMANDS = ("/uitnodigen", "/uitnodigingen", "/intrekken")


def commands(lines: list[str]) -> list[str]:
    """The command each line starts with (two words for '/tip nieuw')."""
    found = []
    for line in lines:
        if match := re.match(r"(/tip nieuw|/[a-z]+)", line):
            found.append(match[1])
    return found


def test_a_resident_sees_only_the_residents_commands() -> None:
    lines = help_lines(translator("nl"), [])
    assert commands(lines) == ["/melding", "/annuleer", "/abonneer", "/opzeggen", "/tips", "/taal", "/mijngegevens",
                               "/vergeetmij"]
    assert lines[-1] == "🚨 Bij gevaar: bel 112."
    assert not any(line.startswith("Als ") for line in lines)


def test_each_role_gets_its_own_part_and_nothing_twice() -> None:
    t = translator("nl")
    coordinator = help_lines(t, [Role.COORDINATOR])
    assert "Als coördinator:" in coordinator
    assert set(COORDINATOR_COMMANDS) <= set(commands(coordinator))
    assert "/gebiedsalarm" not in commands(coordinator) and "/intrekken" not in commands(coordinator)

    agent = help_lines(t, [Role.WIJKAGENT])
    assert {"/gebiedsalarm", "/overzicht", "/demp"} <= set(commands(agent)) and "/alarm" not in commands(agent)
    assert any(line.startswith("Knoppen onder een melding: 🙋 Ik pak dit op") for line in agent)

    # The care desk may not send area alerts nor mute (bot.core.permissions): its help does not offer them.
    care = help_lines(t, [Role.CARE_DESK])
    assert "/overzicht" in commands(care) and not {"/gebiedsalarm", "/demp"} & set(commands(care))

    admin = help_lines(t, [Role.ADMIN])
    assert "Als beheerder:" in admin and set(ADMIN_COMMANDS) | {"/gebiedsalarm"} <= set(commands(admin))

    everything = help_lines(t, [Role.ADMIN, Role.COORDINATOR, Role.WIJKAGENT, Role.BOA, Role.CARE_DESK])
    listed = [line for line in everything if line.startswith("/")]
    assert len(listed) == len(set(listed))  # shared commands once
    assert everything.index("Als coördinator:") < everything.index("Als wijkagent, BOA of zorgloket:") \
        < everything.index("Als beheerder:")


def test_help_is_translated() -> None:
    lines = help_lines(translator("en"), [Role.COORDINATOR, Role.WIJKAGENT, Role.ADMIN])
    assert "As coordinator:" in lines and "As administrator:" in lines
    assert "/subscribe <postcode> <house number> — follow your neighbourhood's alerts" in lines
    assert not [line for line in lines if "je " in line or " de " in line]  # no Dutch left over


def menus(h: BotHarness) -> dict[str | None, list[tuple[str, str]]]:
    return {params.get("language_code"): [(c["command"], c["description"]) for c in params["commands"]]
            for endpoint, params in h.request.calls if endpoint == "setMyCommands"}


async def test_the_command_menu_comes_from_the_catalogs(harness: BotHarness) -> None:
    found = menus(harness)
    assert set(found) == {None, "en", "tr", "pl", "ar"}  # Dutch is the default; every other catalog its own
    assert [c for c, _ in found[None]] == ["melding", "annuleer", "taal", "help", "tips", "abonneer"]
    assert [c for c, _ in found["en"]] == ["report", "cancel", "language", "help", "tips", "subscribe"]
    assert [c for c, _ in found["tr"]] == [c for c, _ in found["pl"]] == [c for c, _ in found["ar"]] \
        == [c for c, _ in found["en"]]
    assert dict(found[None])["melding"] == "Iets melden in je buurt"
    assert dict(found["en"])["report"] == "Report something in your neighbourhood"
    assert dict(found["tr"])["report"] == "Mahallende bir şey bildir"
    for menu in found.values():
        for command, description in menu:
            assert re.fullmatch(r"[a-z0-9_]{1,32}", command) and 1 <= len(description) <= 256


@pytest.mark.parametrize("command", ["melding", "annuleer", "taal", "help", "tips", "abonneer",
                                     "report", "cancel", "language", "subscribe"])
async def test_every_menu_command_is_answered(harness: BotHarness, command: str) -> None:
    h = harness
    before = len(h.request.texts(100301))
    await h.send(h.updates.message(100301, f"/{command}"))
    assert len(h.request.texts(100301)) > before


async def test_help_command_shows_what_this_person_may_do(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(100091, "/help"))
    resident = h.request.last_text(100091)
    assert "/melding" in resident and "/abonneer" in resident and "/gebiedsalarm" not in resident
    await h.send(h.updates.message(200010, "/help"))  # the wijkagent of Binnenstad (config)
    agent = h.request.last_text(200010)
    assert "/gebiedsalarm" in agent and "/overzicht" in agent and "112" in agent.splitlines()[-1]
    await h.send(h.updates.message(500001, "/help"))  # a coordinator (config)
    assert "/koppel" in h.request.last_text(500001)
