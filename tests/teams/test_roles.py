"""Who may do what with teams and roles: the pure rules, and the same rules through the handlers,
with hostile input and the audit log (issue 5)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from telegram import Update

from bot.core import permissions
from bot.core.domain import RecipientKind, Role
from handlers.common import parse_coordinate, parse_id
from storage import teams, users
from tests.conftest import BotHarness

ADMIN = 900001
AREA_COORDINATOR = 900002  # coordinator scope WK079411 (Helmond-Oost)
COORDINATOR = 500001  # BPT Binnenstad, team 1 (config)
OTHER_COORDINATOR = 500002  # Brandevoort (config)
RESIDENT = 100001
GROUP = -1001000000010
NEW_GROUP = -1002000000088


async def grant(h: BotHarness, user: int, role: Role, scope: str) -> None:
    async with h.services.db.transaction() as tx:
        await users.grant_role(tx, user, role, scope, granted_by=None)
    await h.services.refresh_directory()


async def make_team(h: BotHarness, name: str = "BPT Oost", buurten: str = "Beisterveld",
                    stored_name: str | None = None) -> teams.Team:
    await grant(h, AREA_COORDINATOR, Role.COORDINATOR, "WK079411")
    await h.send(h.updates.message(AREA_COORDINATOR, f"/team nieuw {name}; {buurten}"))
    assert "is gemaakt" in h.request.last_text(AREA_COORDINATOR)
    team = await teams.team_by_name(h.services.db, stored_name or name)
    assert team is not None
    return team


async def audit_rows(h: BotHarness, action: str) -> list[tuple[Any, ...]]:
    rows = await h.services.db.fetchall(
        "SELECT actor_id, subject, detail FROM audit_log WHERE action = ? ORDER BY at", (action,))
    return [tuple(r) for r in rows]


def no_errors(caplog: pytest.LogCaptureFixture) -> bool:
    return not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- pure rules ------------------------------------------------------------------------------------

HELMOND_TEAM = ("BU07941000", "BU07941002")


@pytest.mark.parametrize(("grants", "wanted", "allowed"), [
    ([(Role.COORDINATOR, "team:1")], ["BU07941000"], False),  # its own coordinator: not even narrowing
    ([(Role.COORDINATOR, "team:1")], ["BU07941000", "BU07941002", "BU07942100"], False),  # nor widening
    ([(Role.ADMIN, "GM0794")], ["BU07941000", "BU07942100"], True),
    ([(Role.ADMIN, "GM0861")], ["BU07941000"], False),  # admin of another gemeente
    ([(Role.ADMIN, "GM0794")], ["BU08610002"], False),  # a buurt outside the team's gemeente
    ([(Role.COORDINATOR, "WK079410")], ["BU07941003"], True),  # area scope holds old and new buurten
    ([(Role.COORDINATOR, "WK079410")], ["BU07941100"], False),  # ... but not this one
    ([(Role.COORDINATOR, "WK079411")], ["BU07941100"], False),  # nor the team's current ones
    ([(Role.WIJKAGENT, "GM0794")], ["BU07941000"], False),
    ([(Role.ADMIN, "GM0794")], [], False),
])
def test_who_may_change_a_teams_buurten(grants: list[permissions.Grant], wanted: list[str], allowed: bool) -> None:
    assert permissions.can_change_team_buurten(grants, "GM0794", HELMOND_TEAM, wanted) is allowed


def test_who_may_rename_a_team_or_revoke_an_invite() -> None:
    assert permissions.can_rename_team([(Role.COORDINATOR, "team:4")], 4, "GM0794")
    assert not permissions.can_rename_team([(Role.COORDINATOR, "team:4")], 5, "GM0794")
    assert permissions.can_rename_team([(Role.ADMIN, "GM0794")], 5, "GM0794")
    assert permissions.can_revoke_invite([], 7, created_by=7, scope="WK079410", team_gemeente=None)
    assert not permissions.can_revoke_invite([], 8, created_by=7, scope="WK079410", team_gemeente=None)
    assert permissions.can_revoke_invite([(Role.ADMIN, "GM0794")], 8, created_by=7, scope="WK079410",
                                         team_gemeente=None)
    assert permissions.can_revoke_invite([(Role.ADMIN, "GM0794")], 8, created_by=7, scope="team:3",
                                         team_gemeente="GM0794")
    assert not permissions.can_revoke_invite([(Role.ADMIN, "GM0861")], 8, created_by=7, scope="team:3",
                                             team_gemeente="GM0794")
    assert not permissions.can_revoke_invite([(Role.ADMIN, "GM0794")], 8, created_by=None, scope="team:3",
                                             team_gemeente=None)


def test_who_may_act_on_a_routed_report() -> None:
    deliveries = [(-100, RecipientKind.TEAM_GROUP.value), (200, RecipientKind.WIJKAGENT.value),
                  (300, RecipientKind.FALLBACK_DESK.value), (600, RecipientKind.SUBSCRIBER.value)]
    assert permissions.may_act_on_incident(200, deliveries)
    assert permissions.may_act_on_incident(300, deliveries)  # the escalation desk
    assert not permissions.may_act_on_incident(600, deliveries)  # a follower got it, but is no officer
    assert not permissions.may_act_on_incident(-100, deliveries)
    assert not permissions.may_act_on_incident(200, [])
    assert permissions.may_respond_in_group(-100, deliveries)
    assert not permissions.may_respond_in_group(-101, deliveries)
    assert not permissions.may_respond_in_group(200, deliveries)  # a private chat is no group
    assert permissions.may_see_responses([-101, -100], deliveries)
    assert not permissions.may_see_responses([-101], deliveries)
    assert not permissions.may_see_responses([], deliveries)


@pytest.mark.parametrize(("actor", "target", "allowed"), [
    ({Role.COORDINATOR}, set(), True),
    ({Role.WIJKAGENT}, {Role.RESIDENT}, True),
    ({Role.BOA}, set(), True),
    ({Role.ADMIN}, {Role.WIJKAGENT}, True),
    ({Role.ADMIN}, {Role.ADMIN}, True),
    ({Role.COORDINATOR}, {Role.WIJKAGENT}, False),
    ({Role.WIJKAGENT}, {Role.COORDINATOR}, False),
    ({Role.BOA}, {Role.ADMIN}, False),
    ({Role.COORDINATOR}, {Role.COORDINATOR}, False),
    ({Role.WIJKAGENT}, {Role.CARE_DESK}, False),
    ({Role.CARE_DESK}, set(), False),
    (set(), set(), False),
    ({Role.RESIDENT}, set(), False),
])
def test_who_may_mute_whom(actor: set[Role], target: set[Role], allowed: bool) -> None:
    assert permissions.may_mute(actor, target) is allowed


@pytest.mark.parametrize(("text", "value"), [
    ("7", 7), ("123456789", 123456789), ("1234567890", None), ("99999999999999999999", None), ("²", None),
    ("٣", None), ("-3", None), ("3.0", None), (" 3", None), ("3\n", None), ("", None), (None, None),
])
def test_parse_id(text: str | None, value: int | None) -> None:
    assert parse_id(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("51.48", 51.48), ("51,48", 51.48), ("-5.5", -5.5), ("nan", None), ("inf", None), ("1e3", None),
    ("95", None), ("٥١.٤", None), ("51.4.8", None),
])
def test_parse_coordinate(text: str, value: float | None) -> None:
    assert parse_coordinate(text, 90) == value


# --- a team's buurten --------------------------------------------------------------------------------

async def test_a_coordinator_cannot_widen_their_own_team(harness: BotHarness,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    h = harness
    caplog.set_level(logging.INFO)
    team = await teams.team_by_name(h.services.db, "BPT Binnenstad")
    assert team is not None
    helmond = " ".join(b for b in h.services.catalog.buurt_codes() if b.startswith("BU0794"))
    await h.send(h.updates.message(COORDINATOR, f"/team buurten {team.id} {helmond}"))
    assert "bepaalt de gemeente" in h.request.last_text(COORDINATOR)
    after = await teams.get_team(h.services.db, team.id)
    assert after is not None and after.buurten == team.buurten
    assert {g.chat_id for g in h.services.directory.groups_by_buurt.get("BU07942100", ())} == {-1001000000021}
    assert await audit_rows(h, "team.buurten") == []
    assert any("refused /team buurten" in r.getMessage() for r in caplog.records)
    # A coordinator of another team gets nowhere either.
    await h.send(h.updates.message(OTHER_COORDINATOR, f"/team buurten {team.id} BU07941000"))
    assert "Dit team beheer je niet" in h.request.last_text(OTHER_COORDINATOR)


async def test_an_admin_changes_a_teams_buurten_and_it_is_audited(harness: BotHarness) -> None:
    h = harness
    team = await make_team(h)
    await grant(h, ADMIN, Role.ADMIN, "GM0794")
    h.request.member_status[(NEW_GROUP, AREA_COORDINATOR)] = "administrator"
    await h.send(h.updates.message(AREA_COORDINATOR, f"/koppel {team.id}", chat_id=NEW_GROUP))
    await h.send(h.updates.message(ADMIN, f"/team buurten {team.id} Beisterveld BU07941101 Centrum"))
    assert "zijn bijgewerkt" in h.request.last_text(ADMIN)
    after = await teams.get_team(h.services.db, team.id)
    assert after is not None and after.buurten == ("BU07941000", "BU07941100", "BU07941101")
    assert NEW_GROUP in {g.chat_id for g in h.services.directory.groups_by_buurt["BU07941000"]}
    assert await audit_rows(h, "team.buurten") == [(ADMIN, f"team:{team.id}", "BU07941000 BU07941100 BU07941101")]
    # The area coordinator may change it within their wijk, not towards the Binnenstad.
    await h.send(h.updates.message(AREA_COORDINATOR, f"/team buurten {team.id} BU07941100 BU07941102"))
    assert "bepaalt de gemeente" in h.request.last_text(AREA_COORDINATOR)  # Centrum is not theirs
    async with h.services.db.transaction() as tx:
        await teams.set_buurten(tx, team.id, ["BU07941100"], by=ADMIN)
    await h.send(h.updates.message(AREA_COORDINATOR, f"/team buurten {team.id} BU07941100 BU07941102"))
    assert "zijn bijgewerkt" in h.request.last_text(AREA_COORDINATOR)
    assert (await audit_rows(h, "team.buurten"))[-1][0] == AREA_COORDINATOR


async def test_a_team_from_the_config_file_is_changed_there(harness: BotHarness) -> None:
    h = harness
    await grant(h, ADMIN, Role.ADMIN, "GM0794")
    await h.send(h.updates.message(ADMIN, "/team buurten 1 BU07941000"))
    assert "configuratiebestand" in h.request.last_text(ADMIN)
    await h.send(h.updates.message(ADMIN, "/team naam 1 Binnenstad Noord"))
    assert "configuratiebestand" in h.request.last_text(ADMIN)
    assert (await teams.get_team(h.services.db, 1)).name == "BPT Binnenstad"  # type: ignore[union-attr]


# --- renaming and the overview -------------------------------------------------------------------------

async def test_rename_by_the_coordinator_or_an_admin_only_and_audited(harness: BotHarness) -> None:
    h = harness
    team = await make_team(h)
    await h.send(h.updates.message(OTHER_COORDINATOR, f"/team naam {team.id} Overgenomen"))
    assert "Dit team beheer je niet" in h.request.last_text(OTHER_COORDINATOR)
    await h.send(h.updates.message(AREA_COORDINATOR, f"/team naam {team.id} Buurtpreventie Brandevoort"))
    assert "al een team met die naam" in h.request.last_text(AREA_COORDINATOR)
    await h.send(h.updates.message(AREA_COORDINATOR, f"/team naam {team.id} BPT \u202eOost\u202c en Straakven"))
    assert "heet nu BPT Oost en Straakven" in h.request.last_text(AREA_COORDINATOR)
    assert (await teams.get_team(h.services.db, team.id)).name == "BPT Oost en Straakven"  # type: ignore[union-attr]
    assert await audit_rows(h, "team.rename") == [
        (AREA_COORDINATOR, f"team:{team.id}", "BPT Oost -> BPT Oost en Straakven")]
    await grant(h, ADMIN, Role.ADMIN, "GM0794")
    await h.send(h.updates.message(ADMIN, f"/team naam {team.id} BPT Helmond-Oost"))
    assert "heet nu BPT Helmond-Oost" in h.request.last_text(ADMIN)


async def test_new_team_names_are_cleaned_and_unique(harness: BotHarness) -> None:
    h = harness
    team = await make_team(h, name="BPT\u200b Straak\u202even", buurten="Straakven", stored_name="BPT Straakven")
    assert team.name == "BPT Straakven"
    await h.send(h.updates.message(AREA_COORDINATOR, "/team nieuw BPT Straakven; Beisterveld"))
    assert "al een team met die naam" in h.request.last_text(AREA_COORDINATOR)


async def test_team_overview_lists_coordinators_and_groups(harness: BotHarness) -> None:
    h = harness
    team = await make_team(h)
    h.request.member_status[(NEW_GROUP, AREA_COORDINATOR)] = "administrator"
    await h.send(h.updates.message(AREA_COORDINATOR, f"/koppel {team.id}", chat_id=NEW_GROUP))
    await h.send(h.updates.message(AREA_COORDINATOR, "/team"))
    overview = h.request.last_text(AREA_COORDINATOR)
    assert "BPT Oost" in overview and "Beisterveld" in overview
    assert "Coördinator (1):\n• Bewoner900002" in overview
    assert "Groep (1):\n• Buurtgroep — actief" in overview
    # An admin of the gemeente may look at any team there; a coordinator of another team may not.
    await grant(h, ADMIN, Role.ADMIN, "GM0794")
    await h.send(h.updates.message(ADMIN, "/team 1"))
    admin_view = h.request.last_text(ADMIN)
    assert "BPT Binnenstad" in admin_view and "Coördinator (1):" in admin_view and "BPT Binnenstad — actief" in admin_view
    await h.send(h.updates.message(OTHER_COORDINATOR, "/team 1"))
    assert "Dit team beheer je niet" in h.request.last_text(OTHER_COORDINATOR)


# --- hostile input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "/team buurten 99999999999999999999 BU07941000",
    "/team buurten ² BU07941000",
    "/team buurten ٣ BU07941000",
    "/team naam 99999999999999999999 Nieuw",
    "/team ²",
    "/team 99999999999999999999",
    "/uitnodigen coordinator 99999999999999999999",
    "/uitnodigen coordinator ²",
    "/uitnodigen coordinator ٣",
    "/intrekken 99999999999999999999",
    "/intrekken '; DROP TABLE invites; --",
])
async def test_hostile_ids_get_an_answer_not_an_exception(harness: BotHarness, caplog: pytest.LogCaptureFixture,
                                                          command: str) -> None:
    h = harness
    await grant(h, ADMIN, Role.ADMIN, "GM0794")
    await h.send(h.updates.message(ADMIN, command))
    assert h.request.last_text(ADMIN)
    assert no_errors(caplog)
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM invites")
    assert row is not None and row[0] == 0


@pytest.mark.parametrize("argument", ["²", "99999999999999999999", "٣", "-1", "1.0"])
async def test_hostile_koppel_is_refused(harness: BotHarness, caplog: pytest.LogCaptureFixture,
                                         argument: str) -> None:
    h = harness
    h.request.member_status[(NEW_GROUP, COORDINATOR)] = "administrator"
    await h.send(h.updates.message(COORDINATOR, f"/koppel {argument}", chat_id=NEW_GROUP))
    assert "Alleen de coördinator" in h.request.last_text(NEW_GROUP)
    assert await teams.get_group(h.services.db, NEW_GROUP) is None
    assert no_errors(caplog)


# --- revoking a role -------------------------------------------------------------------------------

async def test_intrekken_on_a_used_invite_takes_the_role_back_and_audits_it(harness: BotHarness) -> None:
    h = harness
    boa = 700011
    await grant(h, ADMIN, Role.ADMIN, "GM0794")
    await h.send(h.updates.message(ADMIN, "/uitnodigen boa WK079413 BOA Mierlo-Hout"))
    reply = h.request.last_text(ADMIN)
    code = reply.split()[1]
    token = reply.rsplit("start=", 1)[1].strip()
    await h.send(h.updates.message(boa, f"/start {token}"))
    assert boa in h.services.directory.officers[(RecipientKind.BOA, "WK079413")]
    # Someone else may not take it back.
    await h.send(h.updates.message(COORDINATOR, f"/intrekken {code}"))
    assert "mag hem niet intrekken" in h.request.last_text(COORDINATOR)
    assert (Role.BOA, "WK079413") in await users.roles_of(h.services.db, boa)
    await h.send(h.updates.message(ADMIN, f"/intrekken {code}"))
    assert "is ingetrokken" in h.request.last_text(ADMIN) and "wijk-BOA" in h.request.last_text(ADMIN)
    assert (Role.BOA, "WK079413") not in await users.roles_of(h.services.db, boa)
    assert boa not in h.services.directory.officers.get((RecipientKind.BOA, "WK079413"), ())
    assert await audit_rows(h, "role.revoke") == [(ADMIN, f"user:{boa}", "boa WK079413")]
    await h.deliver()
    assert "is ingetrokken" in h.request.last_text(boa)
    await h.send(h.updates.message(ADMIN, f"/intrekken {code}"))  # twice: nothing more to take back
    assert "al gebruikt of ingetrokken" in h.request.last_text(ADMIN)
    assert len(await audit_rows(h, "role.revoke")) == 1


# --- names people give themselves -------------------------------------------------------------------

def watch_press(h: BotHarness, user_id: int, first_name: str, data: str, chat_id: int) -> Update:
    update = h.updates.callback(user_id, data, chat_id=chat_id).to_dict()
    update["callback_query"]["from"]["first_name"] = first_name
    return Update.de_json(update, h.app.bot)


async def test_watch_responder_names_are_cleaned(harness: BotHarness) -> None:
    from tests.journeys import report_until_confirm

    h = harness
    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    incident = (await h.services.db.fetchone("SELECT id FROM incidents"))[0]  # type: ignore[index]
    await h.send(watch_press(h, 600011, "Jan\u202e\u200bnaj\u0007", f"watch:{incident}:look", GROUP))
    row = await h.services.db.fetchone("SELECT first_name FROM watch_responses WHERE user_id = 600011")
    assert row is not None and row[0] == "Jannaj"
