"""bot.teams.service without Telegram: who may make, change, rename and show teams, link and
unlink groups, and make, list, revoke and claim invites (the handlers only render these)."""

from __future__ import annotations

from bot.core.domain import Role
from bot.core.i18n import translator
from bot.teams import service as teaming
from bot.teams.invites import create_invite
from bot.teams.service import InviteRefusal, Revocation, TeamRefusal
from storage import invites, teams, users
from tests.conftest import BotHarness

ADMIN = 900001
AREA_COORDINATOR = 900002
RESIDENT = 100001
COORDINATOR = 500001  # BPT Binnenstad (config)
BINNENSTAD_GROUP = -1001000000010
NEW_GROUP = -1002000000077
NL = translator("nl")


async def grant(h: BotHarness, user: int, role: Role, scope: str) -> None:
    async with h.services.db.transaction() as tx:
        await users.grant_role(tx, user, role, scope, granted_by=None)


async def binnenstad(h: BotHarness) -> teams.Team:
    team = await teams.team_by_name(h.services.db, "BPT Binnenstad")
    assert team is not None
    return team


async def test_resolve_buurten_by_code_and_name(harness: BotHarness) -> None:
    codes, unknown = teaming.resolve_buurten(harness.services, ["bu07941102", " Beisterveld ", "", "Nergenshuizen"])
    assert codes == ["BU07941100", "BU07941102"] and unknown == ["Nergenshuizen"]
    # Looked up in another gemeente, the name matches nothing there.
    assert teaming.resolve_buurten(harness.services, ["Beisterveld"], "GM0861") == ([], ["Beisterveld"])


async def test_new_team_in_own_area_under_a_free_name(harness: BotHarness) -> None:
    h = harness
    assert await teaming.new_team(h.services, RESIDENT, "BPT Oost", ["BU07941100"]) is TeamRefusal.NOT_IN_AREA
    await grant(h, AREA_COORDINATOR, Role.COORDINATOR, "WK079411")
    assert await teaming.new_team(h.services, AREA_COORDINATOR, "BPT Binnenstad", ["BU07941100"]) \
        is TeamRefusal.NAME_TAKEN
    made = await teaming.new_team(h.services, AREA_COORDINATOR, "BPT Oost", ["BU07941100"])
    assert isinstance(made, teaming.NewTeam) and made.name == "BPT Oost"
    assert (Role.COORDINATOR, f"team:{made.id}") in await users.roles_of(h.services.db, AREA_COORDINATOR)


async def test_changing_a_teams_buurten(harness: BotHarness) -> None:
    h = harness
    team = await binnenstad(h)
    change = await teaming.change_team_buurten(h.services, RESIDENT, team.id, ["BU07941000"])
    assert change.refusal is TeamRefusal.NOT_MANAGED and change.team is None
    await grant(h, ADMIN, Role.ADMIN, "GM0794")
    change = await teaming.change_team_buurten(h.services, ADMIN, team.id, ["Centrum", "Nergens"])
    assert change.refusal is TeamRefusal.BAD_BUURTEN and change.unknown == ("Nergens",)
    change = await teaming.change_team_buurten(h.services, ADMIN, team.id, ["BU08610002"])  # Veldhoven
    assert change.refusal is TeamRefusal.BAD_BUURTEN
    change = await teaming.change_team_buurten(h.services, ADMIN, team.id, ["BU07941000"])
    assert change.refusal is TeamRefusal.FROM_CONFIG
    assert (await binnenstad(h)).buurten == team.buurten
    # A team made in the bot: its own coordinator may not change its reach, an admin may.
    await grant(h, AREA_COORDINATOR, Role.COORDINATOR, "WK079411")
    made = await teaming.new_team(h.services, AREA_COORDINATOR, "BPT Oost", ["BU07941100"])
    assert isinstance(made, teaming.NewTeam)
    await grant(h, RESIDENT, Role.COORDINATOR, f"team:{made.id}")
    change = await teaming.change_team_buurten(h.services, RESIDENT, made.id, ["BU07941100", "BU07941102"])
    assert change.refusal is TeamRefusal.GEMEENTE_DECIDES
    change = await teaming.change_team_buurten(h.services, ADMIN, made.id, ["BU07941100", "BU07941102"])
    assert change.refusal is None and change.team is not None
    assert change.team.buurten == ("BU07941100", "BU07941102")
    stored = await teams.get_team(h.services.db, made.id)
    assert stored is not None and stored.buurten == ("BU07941100", "BU07941102")


async def test_renaming_a_team(harness: BotHarness) -> None:
    h = harness
    team = await binnenstad(h)
    assert await teaming.rename_managed_team(h.services, RESIDENT, team.id, "X") is TeamRefusal.NOT_MANAGED
    assert await teaming.rename_managed_team(h.services, COORDINATOR, team.id, "X") is TeamRefusal.FROM_CONFIG
    await grant(h, AREA_COORDINATOR, Role.COORDINATOR, "WK079411")
    made = await teaming.new_team(h.services, AREA_COORDINATOR, "BPT Oost", ["BU07941100"])
    assert isinstance(made, teaming.NewTeam)
    assert await teaming.rename_managed_team(h.services, AREA_COORDINATOR, made.id, "BPT Binnenstad") \
        is TeamRefusal.NAME_TAKEN
    renamed = await teaming.rename_managed_team(h.services, AREA_COORDINATOR, made.id, "BPT Beisterveld")
    assert renamed == teaming.Renamed(made.id, "BPT Oost", "BPT Beisterveld")
    stored = await teams.get_team(h.services.db, made.id)
    assert stored is not None and stored.name == "BPT Beisterveld"


async def test_team_views(harness: BotHarness) -> None:
    h = harness
    team = await binnenstad(h)
    assert await teaming.own_team_views(h.services, RESIDENT) is None
    assert await teaming.managed_team_view(h.services, RESIDENT, team.id) is None
    assert await teaming.managed_team_view(h.services, COORDINATOR, None) is None
    assert await teaming.managed_team_view(h.services, COORDINATOR, 999_999) is None
    views = await teaming.own_team_views(h.services, COORDINATOR)
    assert views is not None and [v.name for v in views] == ["BPT Binnenstad"]
    view = views[0]
    assert view == await teaming.managed_team_view(h.services, COORDINATOR, team.id)
    assert "Centrum" in view.buurt_names and len(view.buurt_names) == len(team.buurten)
    assert len(view.coordinators) == 1 and [g.active for g in view.groups] == [True]


async def test_which_team_koppel_links(harness: BotHarness) -> None:
    h = harness
    team = await binnenstad(h)
    assert await teaming.team_to_link(h.services, COORDINATOR, None) == team.id  # their only team
    assert await teaming.team_to_link(h.services, COORDINATOR, str(team.id)) == team.id
    assert await teaming.team_to_link(h.services, COORDINATOR, "drie") is None  # not their only team then
    assert await teaming.team_to_link(h.services, COORDINATOR, str(team.id + 1)) is None
    assert await teaming.team_to_link(h.services, RESIDENT, None) is None


async def test_linking_and_unlinking_a_group(harness: BotHarness) -> None:
    h = harness
    team = await binnenstad(h)
    brandevoort_coordinator = 500002
    other = await teams.team_by_name(h.services.db, "Buurtpreventie Brandevoort")
    assert other is not None
    taken = await teaming.link_group_by(h.services, brandevoort_coordinator, BINNENSTAD_GROUP, other.id,
                                        title="Binnenstad", language="nl")
    assert taken.team is None and taken.other_team is not None and taken.other_team.id == team.id
    linked = await teaming.link_group_by(h.services, COORDINATOR, NEW_GROUP, team.id, title="Nieuw", language="nl")
    assert linked.team is not None and linked.team.id == team.id
    group = await teams.get_group(h.services.db, NEW_GROUP)
    assert group is not None and group.team_id == team.id and group.active
    assert not await teaming.unlink_group_by(h.services, brandevoort_coordinator, NEW_GROUP)
    assert await teaming.unlink_group_by(h.services, COORDINATOR, NEW_GROUP)
    group = await teams.get_group(h.services.db, NEW_GROUP)
    assert group is not None and not group.active


async def test_making_listing_and_revoking_invites(harness: BotHarness) -> None:
    h = harness
    team = await binnenstad(h)
    await grant(h, ADMIN, Role.ADMIN, "GM0794")
    assert await teaming.invite(h.services, ADMIN, Role.COORDINATOR, "999999", label=None) is InviteRefusal.UNKNOWN_TEAM
    assert await teaming.invite(h.services, ADMIN, Role.WIJKAGENT, "WK999999", label=None) is InviteRefusal.UNKNOWN_AREA
    assert await teaming.invite(h.services, ADMIN, Role.WIJKAGENT, "WK086100", label=None) is InviteRefusal.NOT_ALLOWED
    assert await teaming.invite(h.services, RESIDENT, Role.WIJKAGENT, "wk079410", label=None) \
        is InviteRefusal.NOT_ALLOWED
    made = await teaming.invite(h.services, ADMIN, Role.WIJKAGENT, "wk079410", label="Agent Jansen")
    assert isinstance(made, teaming.Invitation) and made.scope == "WK079410"
    for_team = await teaming.invite(h.services, ADMIN, Role.COORDINATOR, str(team.id), label=None)
    assert isinstance(for_team, teaming.Invitation) and for_team.scope == f"team:{team.id}"
    assert await teaming.visible_invites(h.services, RESIDENT) is None
    assert await teaming.visible_invites(h.services, COORDINATOR) == []  # they made none
    listed = await teaming.visible_invites(h.services, ADMIN)
    assert listed is not None and {i.code for i in listed} == {made.invite.code, for_team.invite.code}
    assert await teaming.revoke_by_code(h.services, RESIDENT, made.invite.code) == (Revocation.REFUSED, None)
    assert await teaming.revoke_by_code(h.services, ADMIN, "not-a-code") == (Revocation.REFUSED, None)
    revocation, revoked = await teaming.revoke_by_code(h.services, ADMIN, made.invite.code)
    assert revocation is Revocation.INVITE_REVOKED and revoked is not None and revoked.role is Role.WIJKAGENT
    stored = await invites.get_by_code(h.services.db, made.invite.code)
    assert stored is not None and stored.state(h.services.now()) == "revoked"
    assert (await teaming.revoke_by_code(h.services, ADMIN, made.invite.code))[0] is Revocation.ALREADY_GONE


async def test_claiming_an_invite_answers_with_role_and_scope(harness: BotHarness) -> None:
    h = harness
    team = await binnenstad(h)
    invite = await create_invite(h.services, Role.COORDINATOR, f"team:{team.id}", created_by=ADMIN)
    assert await teaming.claim(h.services, NL, invite.token, RESIDENT) == \
        "Welkom! Je bent nu coördinator voor team BPT Binnenstad."
    assert "al gebruikt" in await teaming.claim(h.services, NL, invite.token, 100002)
    assert "bestaat niet" in await teaming.claim(h.services, NL, "x" * 32, 100002)
    assert (Role.COORDINATOR, f"team:{team.id}") in await users.roles_of(h.services.db, RESIDENT)


async def test_scope_labels(harness: BotHarness) -> None:
    h = harness
    team = await binnenstad(h)
    assert await teaming.scope_label(h.services, NL, "GM0794") == "Helmond"
    assert await teaming.scope_label(h.services, NL, "WK079410") == h.services.catalog.wijk_names["WK079410"]
    assert await teaming.scope_label(h.services, NL, f"team:{team.id}") == "team BPT Binnenstad"
    assert await teaming.scope_label(h.services, NL, "team:999999") == "team 999999"  # a team that is gone
    assert await teaming.scope_label(h.services, NL, "team:²") == "team:²"
