"""Roles by invite, teams and alert groups, broadcasts, and Telegram's realities (issue 5)."""

from __future__ import annotations

import pytest

from bot.alerts.broadcasts import progress_tick
from bot.core import permissions
from bot.core.domain import RecipientKind, Role
from bot.teams.invites import create_invite
from storage import broadcasts, outbox, teams, users
from tests.conftest import BotHarness
from tests.journeys import report_until_confirm

ADMIN = 900001
AREA_COORDINATOR = 900002
RESIDENT = 100001
WIJKAGENT = 200010
COORDINATOR = 500001  # BPT Binnenstad (config)
GROUP = -1001000000010
NEW_GROUP = -1002000000077


async def grant(h: BotHarness, user: int, role: Role, scope: str) -> None:
    async with h.services.db.transaction() as tx:
        await users.grant_role(tx, user, role, scope, granted_by=None)
    await h.services.refresh_directory()


async def claim(h: BotHarness, user: int, role: Role, scope: str) -> str:
    invite = await create_invite(h.services, role, scope, created_by=ADMIN)
    await h.send(h.updates.message(user, f"/start {invite.token}"))
    return invite.token


# --- pure permission rules ---------------------------------------------------------------------

@pytest.mark.parametrize(("grants", "role", "scope", "gemeente", "allowed"), [
    ([(Role.ADMIN, "GM0794")], Role.WIJKAGENT, "WK079410", None, True),
    ([(Role.ADMIN, "GM0794")], Role.ADMIN, "GM0794", None, True),
    ([(Role.ADMIN, "GM0794")], Role.WIJKAGENT, "WK086100", None, False),
    ([(Role.ADMIN, "GM0794")], Role.COORDINATOR, "team:3", "GM0794", True),
    ([(Role.COORDINATOR, "team:3")], Role.COORDINATOR, "team:3", "GM0794", True),
    ([(Role.COORDINATOR, "team:3")], Role.COORDINATOR, "team:4", "GM0794", False),
    ([(Role.COORDINATOR, "team:3")], Role.WIJKAGENT, "WK079410", None, False),
    ([(Role.WIJKAGENT, "WK079410")], Role.WIJKAGENT, "WK079410", None, False),
    ([], Role.ADMIN, "GM0794", None, False),
    ([(Role.ADMIN, "GM0794")], Role.RESIDENT, "GM0794", None, False),
])
def test_who_may_invite(grants: list, role: Role, scope: str, gemeente: str | None, allowed: bool) -> None:  # type: ignore[type-arg]
    assert permissions.can_invite(grants, role, scope, team_gemeente=gemeente) is allowed


def test_alert_areas_and_team_creation() -> None:
    agent = [(Role.WIJKAGENT, "WK079410")]
    assert permissions.can_alert_area(agent, "BU07941000")
    assert not permissions.can_alert_area(agent, "BU07941100")
    assert permissions.can_alert_area([(Role.ADMIN, "GM0794")], "WK079421")
    assert not permissions.can_alert_area([(Role.COORDINATOR, "team:1")], "BU07941000")
    assert permissions.can_create_team([(Role.COORDINATOR, "WK079410")], ["BU07941000", "BU07941002"])
    assert not permissions.can_create_team([(Role.COORDINATOR, "WK079410")], ["BU07941100"])
    assert not permissions.can_create_team([(Role.COORDINATOR, "team:1")], ["BU07941000"])


# --- invites -------------------------------------------------------------------------------------

async def test_invite_claimed_once_and_audited(harness: BotHarness) -> None:
    h = harness
    token = await claim(h, 700001, Role.WIJKAGENT, "WK079411")
    assert "Je bent nu wijkagent" in h.request.last_text(700001)
    assert (Role.WIJKAGENT, "WK079411") in await users.roles_of(h.services.db, 700001)
    assert 700001 in h.services.directory.officers[(RecipientKind.WIJKAGENT, "WK079411")]
    await h.send(h.updates.message(700002, f"/start {token}"))
    assert "al gebruikt" in h.request.last_text(700002)
    assert await users.roles_of(h.services.db, 700002) == []
    audit = await h.services.db.fetchall("SELECT action FROM audit_log WHERE subject = 'user:700001'")
    assert [r[0] for r in audit] == ["role.grant"]


async def test_expired_revoked_and_forged_invites(harness: BotHarness) -> None:
    h = harness
    invite = await create_invite(h.services, Role.BOA, "WK079410", created_by=ADMIN)
    h.clock.advance(days=8)
    await h.send(h.updates.message(700003, f"/start {invite.token}"))
    assert "verlopen" in h.request.last_text(700003)
    revoked = await create_invite(h.services, Role.BOA, "WK079410", created_by=ADMIN)
    await grant(h, ADMIN, Role.ADMIN, "GM0794")
    await h.send(h.updates.message(ADMIN, f"/intrekken {revoked.code}"))
    assert "ingetrokken" in h.request.last_text(ADMIN)
    await h.send(h.updates.message(700004, f"/start {revoked.token}"))
    assert "ingetrokken" in h.request.last_text(700004)
    await h.send(h.updates.message(700005, "/start AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
    assert "bestaat niet" in h.request.last_text(700005)
    for user in (700003, 700004, 700005):
        assert await users.roles_of(h.services.db, user) == []
    await h.send(h.updates.message(ADMIN, "/uitnodigingen"))
    listing = h.request.last_text(ADMIN)
    assert "verlopen" in listing and "ingetrokken" in listing


async def test_admin_invites_in_chat_and_refusals(harness: BotHarness) -> None:
    h = harness
    await grant(h, ADMIN, Role.ADMIN, "GM0794")
    await h.send(h.updates.message(ADMIN, "/uitnodigen boa WK079413 BOA Mierlo-Hout"))
    reply = h.request.last_text(ADMIN)
    assert "https://t.me/buurtwacht_test_bot?start=" in reply
    await h.send(h.updates.message(ADMIN, "/uitnodigen wijkagent WK086100"))  # Veldhoven: not theirs
    assert "geen uitnodiging" in h.request.last_text(ADMIN)
    await h.send(h.updates.message(RESIDENT, "/uitnodigen wijkagent WK079410"))
    assert "geen uitnodiging" in h.request.last_text(RESIDENT)


async def test_team_invites_name_the_team_not_its_scope(harness: BotHarness) -> None:
    h = harness
    await grant(h, ADMIN, Role.ADMIN, "GM0794")
    team = await teams.team_by_name(h.services.db, "BPT Binnenstad")
    assert team is not None
    await h.send(h.updates.message(ADMIN, f"/uitnodigen coordinator {team.id} Tweede coördinator"))
    reply = h.request.last_text(ADMIN)
    assert "voor coördinator (team BPT Binnenstad), geldig tot" in reply and "team:" not in reply
    code, token = reply.split()[1], reply.rsplit("start=", 1)[1].strip()
    await h.send(h.updates.message(700021, f"/start {token}"))
    assert h.request.last_text(700021) == "Welkom! Je bent nu coördinator voor team BPT Binnenstad."
    await h.send(h.updates.message(ADMIN, "/uitnodigingen"))
    listing = h.request.last_text(ADMIN)
    assert f"• {code}: coördinator team BPT Binnenstad — gebruikt" in listing and "team:" not in listing
    await h.send(h.updates.message(ADMIN, f"/intrekken {code}"))
    assert "de rol coördinator (team BPT Binnenstad) die zij gaf" in h.request.last_text(ADMIN)
    # In English, too.
    english_admin = 900011
    await grant(h, english_admin, Role.ADMIN, "GM0794")
    await users.set_language(h.services.db, english_admin, "en")
    await h.send(h.updates.message(english_admin, f"/uitnodigen coordinator {team.id}", language="en"))
    assert "for coordinator (team BPT Binnenstad), valid until" in h.request.last_text(english_admin)


# --- teams and groups ----------------------------------------------------------------------------

async def test_area_coordinator_creates_team_and_links_group(harness: BotHarness) -> None:
    h = harness
    await claim(h, AREA_COORDINATOR, Role.COORDINATOR, "WK079411")
    await h.send(h.updates.message(AREA_COORDINATOR, "/team nieuw BPT Oost; Beisterveld, BU07941102"))
    assert "is gemaakt" in h.request.last_text(AREA_COORDINATOR)
    team = await teams.team_by_name(h.services.db, "BPT Oost")
    assert team is not None and team.buurten == ("BU07941100", "BU07941102")
    await h.send(h.updates.message(AREA_COORDINATOR, "/team nieuw Stiekem; BU07941000"))  # outside their wijk
    assert "eigen gebied" in h.request.last_text(AREA_COORDINATOR)
    # /koppel: the caller must coordinate the team AND be a group admin.
    await h.send(h.updates.message(RESIDENT, f"/koppel {team.id}", chat_id=NEW_GROUP))
    assert "Alleen de coördinator" in h.request.last_text(NEW_GROUP)
    await h.send(h.updates.message(AREA_COORDINATOR, f"/koppel {team.id}", chat_id=NEW_GROUP))
    assert "beheerder van deze groep" in h.request.last_text(NEW_GROUP)
    assert await teams.get_group(h.services.db, NEW_GROUP) is None
    h.request.member_status[(NEW_GROUP, AREA_COORDINATOR)] = "administrator"
    await h.send(h.updates.message(AREA_COORDINATOR, f"/koppel {team.id}", chat_id=NEW_GROUP))
    texts = h.request.texts(NEW_GROUP)
    assert any("Signaleer" in t and "112" in t for t in texts)
    assert any(e == "pinChatMessage" for e, _ in h.request.calls)
    assert "gekoppeld aan BPT Oost" in texts[-1]
    group = await teams.get_group(h.services.db, NEW_GROUP)
    assert group is not None and group.team_id == team.id
    # Reports from Beisterveld now reach the new group.
    await report_until_confirm(h, where="5708 AA 1")  # 5708AA-AZ is Beisterveld in the example config
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    assert "Verdachte persoon" in h.request.last_text(NEW_GROUP)
    await h.send(h.updates.message(AREA_COORDINATOR, "/team"))
    overview = h.request.last_text(AREA_COORDINATOR)
    assert "BPT Oost" in overview and "Beisterveld" in overview and "actief" in overview


async def test_watch_buttons_count_in_place_and_refuse_forgeries(harness: BotHarness) -> None:
    h = harness
    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    incident = (await h.services.db.fetchone("SELECT id FROM incidents"))[0]  # type: ignore[index]
    await h.send(h.updates.callback(600001, f"watch:{incident}:look", chat_id=GROUP))
    await h.send(h.updates.callback(600002, f"watch:{incident}:look", chat_id=GROUP))
    await h.send(h.updates.callback(600002, f"watch:{incident}:look", chat_id=GROUP))  # twice: once
    await h.send(h.updates.callback(600003, f"watch:{incident}:seen", chat_id=GROUP))
    await h.deliver()
    edits = h.request.sent(GROUP, "editMessageText")
    assert "Ik kijk: 2" in edits[-1]["text"] and "Gezien: 1" in edits[-1]["text"]
    await h.send(h.updates.callback(600004, f"watch:{incident}:look", chat_id=-100999))  # not sent there
    answers = [p for e, p in h.request.calls if e == "answerCallbackQuery"]
    assert answers[-1].get("show_alert")
    reference = (await h.services.db.fetchone("SELECT reference FROM sightings"))[0]  # type: ignore[index]
    await h.send(h.updates.message(COORDINATOR, f"/reacties {reference}"))
    assert "Bewoner600001: kijkt" in h.request.last_text(COORDINATOR)


async def test_subscriber_gets_alerts_and_only_buurt_is_stored(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(100009, "/abonneer 5701 AB 12"))
    assert "alleen je buurt" in h.request.last_text(100009)
    row = await h.services.db.fetchone("SELECT buurt_code, address FROM subscriptions WHERE telegram_id = 100009")
    assert row is not None and row[0] == "BU07941000" and row[1] is None
    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    assert "Verdachte persoon" in h.request.last_text(100009)
    await h.send(h.updates.message(100009, "/opzeggen"))
    assert "geen buurtalarmen meer" in h.request.last_text(100009)


# --- broadcasts ----------------------------------------------------------------------------------

async def test_resident_cannot_alarm(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/alarm Iedereen naar buiten"))
    assert "Alleen coördinatoren" in h.request.last_text(RESIDENT)
    await h.send(h.updates.message(RESIDENT, "/gebiedsalarm WK079410 test"))
    assert "wijkagent, BOA of de gemeente" in h.request.last_text(RESIDENT)
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM broadcasts")
    assert row is not None and row[0] == 0


async def test_coordinator_alarm_confirm_progress_and_end(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(COORDINATOR, "/alarm Verdachte bestelbus rijdt rondjes in de Binnenstad"))
    preview = h.request.last_text(COORDINATOR)
    assert "1 groep en 0 volgers in 3 buurten" in preview and "Versturen?" in preview
    broadcast_id = (await h.services.db.fetchone("SELECT id FROM broadcasts"))[0]  # type: ignore[index]
    assert await outbox.depth(h.services.db) == 0  # nothing goes out before the confirmation
    await h.send(h.updates.callback(RESIDENT, f"bc:send:{broadcast_id}"))  # not the sender
    assert await outbox.depth(h.services.db) == 0
    await h.send(h.updates.callback(COORDINATOR, f"bc:send:{broadcast_id}", message_id=55))
    assert "wordt verstuurd" in h.request.last_text(COORDINATOR)
    await h.deliver()
    assert "bestelbus" in h.request.last_text(GROUP)
    await progress_tick(h.services, h.app.bot)
    assert "Afgeleverd: 1 · mislukt: 0 · nog te gaan: 0" in h.request.last_text(COORDINATOR)
    assert (await broadcasts.get(h.services.db, broadcast_id)).status == "sent"  # type: ignore[union-attr]
    await h.send(h.updates.callback(COORDINATOR, f"bc:end:{broadcast_id}"))
    await h.deliver()
    edit = h.request.sent(GROUP, "editMessageText")[-1]
    assert "Opgelost" in edit["text"]


async def test_coordinator_never_broadcasts_outside_own_teams(harness: BotHarness) -> None:
    """Several teams with groups and followers; each coordinator's alarm reaches exactly their
    own groups and the followers of their own buurten: never another team's, never a buurt
    without a team (BU07941500 here), never a group of the same wijk that is not theirs."""
    from storage import subscriptions

    h = harness
    groups_of: dict[int, set[int]] = {}
    followers_of: dict[int, set[int]] = {}
    async with h.services.db.transaction() as tx:
        for n, (buurt, coordinator) in enumerate([("BU07941300", 510001), ("BU07941400", 510002),
                                                  ("BU08610002", 510003)]):
            team_id = await teams.create_team(tx, f"T{n}", "GM" + buurt[2:6], [buurt], created_by=None)
            await users.grant_role(tx, coordinator, Role.COORDINATOR, f"team:{team_id}", granted_by=None)
            chats = {-1003000000000 - n * 10 - k for k in range(2)}
            for chat in chats:
                await teams.link_group(tx, chat, team_id, title="g", language="nl", linked_by=None)
            groups_of[coordinator] = chats
            followers_of[coordinator] = {120000 + n * 10 + k for k in range(2)}
    for coordinator, people in followers_of.items():
        buurt = (await teams.get_team(h.services.db, permissions.coordinated_teams(
            await users.roles_of(h.services.db, coordinator)).pop())).buurten[0]  # type: ignore[union-attr]
        for person in people:
            await subscriptions.subscribe(h.services.db, person, buurt, address=None, now=h.clock())
    outsiders = {120091: "BU07941500", 120092: "BU07941000", 120093: "BU07942100"}  # no team / other teams
    for person, buurt in outsiders.items():
        await subscriptions.subscribe(h.services.db, person, buurt, address=None, now=h.clock())
    await h.services.refresh_directory()
    all_groups = set().union(*groups_of.values()) | {GROUP, -1001000000021, -1001000000061}
    everyone = all_groups | set().union(*followers_of.values()) | set(outsiders)
    for coordinator, own in groups_of.items():
        h.request.clear()
        await h.send(h.updates.message(coordinator, f"/alarm Let op {coordinator}"))
        broadcast_id = (await h.services.db.fetchone(
            "SELECT MAX(id) FROM broadcasts WHERE sender_id = ?", (coordinator,)))[0]  # type: ignore[index]
        await h.send(h.updates.callback(coordinator, f"bc:send:{broadcast_id}"))
        await h.deliver()
        reached = {chat for chat in everyone if any(str(coordinator) in t for t in h.request.texts(chat))}
        assert reached == own | followers_of[coordinator]


async def test_area_alert_by_wijkagent_within_area_only(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(WIJKAGENT, "/gebiedsalarm WK079411 vermist Man (82) met rollator, blauwe jas"))
    assert "buiten jouw werkgebied" in h.request.last_text(WIJKAGENT)
    await h.send(h.updates.message(WIJKAGENT, "/gebiedsalarm WK079410 vermist Man (82) met rollator, blauwe jas"))
    assert "Vermiste persoon" in h.request.last_text(WIJKAGENT)
    broadcast_id = (await h.services.db.fetchone("SELECT MAX(id) FROM broadcasts"))[0]  # type: ignore[index]
    await h.send(h.updates.callback(WIJKAGENT, f"bc:send:{broadcast_id}"))
    await h.deliver()
    assert "rollator" in h.request.last_text(GROUP)
    assert "wijkagent" in h.request.last_text(GROUP)
    # A radius alert around the Binnenstad reaching past it is clipped to the wijkagent's area;
    # one whose centre lies outside it is refused (tests/alerts/test_area_alerts_fit.py).
    await h.send(h.updates.message(WIJKAGENT, "/gebiedsalarm straal 51.4795 5.6560 3000 oplichting Nepagenten aan de deur"))
    assert "in 7 buurten" in h.request.last_text(WIJKAGENT)
    await h.send(h.updates.message(WIJKAGENT, "/gebiedsalarm straal 51.4745 5.6790 500 oplichting Nepagenten"))
    assert "buiten jouw werkgebied" in h.request.last_text(WIJKAGENT)


async def test_broadcast_limit_per_hour(harness: BotHarness) -> None:
    h = harness
    for n in range(5):
        await h.send(h.updates.message(COORDINATOR, f"/alarm bericht {n}"))
        broadcast_id = (await h.services.db.fetchone("SELECT MAX(id) FROM broadcasts"))[0]  # type: ignore[index]
        await h.send(h.updates.callback(COORDINATOR, f"bc:send:{broadcast_id}"))
    await h.send(h.updates.message(COORDINATOR, "/alarm nog een"))
    assert "Probeer het over" in h.request.last_text(COORDINATOR)


# --- Telegram realities --------------------------------------------------------------------------

async def test_bot_removed_from_group_and_added_back(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.my_chat_member(GROUP, COORDINATOR, "administrator", "left"))
    group = await teams.get_group(h.services.db, GROUP)
    assert group is not None and not group.active
    assert GROUP not in {g.chat_id for gs in h.services.directory.groups_by_buurt.values() for g in gs}
    await h.deliver()
    assert "uit de groep" in h.request.last_text(COORDINATOR)
    await h.send(h.updates.my_chat_member(GROUP, COORDINATOR, "left", "member"))
    group = await teams.get_group(h.services.db, GROUP)
    assert group is not None and group.active


async def test_resident_blocks_and_unblocks(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(100009, "/abonneer 5701 AB 12"))
    await h.send(h.updates.my_chat_member(100009, 100009, "member", "kicked"))
    user = await users.get(h.services.db, 100009)
    assert user is not None and not user.active
    assert 100009 not in h.services.directory.subscribers_by_buurt.get("BU07941000", ())
    await h.send(h.updates.my_chat_member(100009, 100009, "kicked", "member"))
    assert 100009 in h.services.directory.subscribers_by_buurt.get("BU07941000", ())


async def test_migration_service_message_moves_the_group(harness: BotHarness) -> None:
    h = harness
    new_id = -1009999999999
    await h.send(h.updates.message(COORDINATOR, None, chat_id=GROUP, migrate_to_chat_id=new_id))
    assert await teams.get_group(h.services.db, new_id) is not None
    assert await teams.get_group(h.services.db, GROUP) is None


async def test_migration_keeps_the_groups_tip_settings_and_sends_no_tip_twice(harness: BotHarness) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from bot.tips.service import run_tips_tick
    from storage import tips

    h = harness
    new_id = -1009999999998
    await h.send(h.updates.message(COORDINATOR, "/tips tijd 19:30", chat_id=GROUP))
    await tips.update(h.services.db, GROUP, opted_out="babbeltruc phishing", quiet_start="23:00")
    h.clock.now = dt.datetime(2026, 11, 24, 19, 31, tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(dt.UTC)
    await run_tips_tick(h.services)
    await h.deliver()
    assert [t for t in h.request.texts(GROUP) if t.startswith("💡")]
    before = await tips.get(h.services.db, GROUP)
    await h.send(h.updates.message(COORDINATOR, None, chat_id=GROUP, migrate_to_chat_id=new_id))
    after = await tips.get(h.services.db, new_id)
    assert before is not None and after is not None and await tips.get(h.services.db, GROUP) is None
    assert (after.time, after.opted_out, after.quiet_start) == (dt.time(19, 30), ("babbeltruc", "phishing"),
                                                                 dt.time(23, 0))
    log = await h.services.db.fetchall("SELECT key, chat_id FROM send_log WHERE kind = 'tip' AND chat_id IN (?, ?)",
                                       (GROUP, new_id))
    assert log and all(row[1] == new_id and str(new_id) in row[0] and str(GROUP) not in row[0] for row in log)
    h.clock.advance(minutes=5)
    await run_tips_tick(h.services)  # the same week's tip: already sent, also under the new id
    await h.deliver()
    assert not [t for t in h.request.texts(new_id) if t.startswith("💡")]


async def test_sender_403_and_migration_follow(harness: BotHarness) -> None:
    h = harness
    h.request.failures[GROUP] = (400, {"ok": False, "error_code": 400,
                                       "description": "Bad Request: group chat was upgraded to a supergroup chat",
                                       "parameters": {"migrate_to_chat_id": -1007777777777}})
    h.request.failures[WIJKAGENT] = (403, {"ok": False, "error_code": 403,
                                           "description": "Forbidden: bot was blocked by the user"})
    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    assert h.request.sent(-1007777777777, "sendMessage")
    assert await teams.get_group(h.services.db, -1007777777777) is not None
    agent = await users.get(h.services.db, WIJKAGENT)
    assert agent is not None and not agent.active




def test_cli_admin_invite_creates_a_claimable_link(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    from tests.conftest import EXAMPLE_CONFIG, ROOT

    config = tmp_path / "config.toml"
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('database = "buurtwacht.db"',
                                                              f'database = "{tmp_path / "cli.db"}"')
    text = text.replace('polygons = "bot/data/', f'polygons = "{ROOT}/bot/data/')
    config.write_text(text.replace("enabled = true", "enabled = false"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", "admin", "invite", "--config", str(config), "--role", "admin",
         "--scope", "GM0794", "--bot-username", "buurtwacht_bot"],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("https://t.me/buurtwacht_bot?start=")
    bad = subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", "admin", "invite", "--config", str(config), "--scope", "GM9999"],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=60,
    )
    assert bad.returncode == 2 and "--scope" in bad.stderr


async def test_an_admin_lists_only_their_own_gemeentes_invites(harness: BotHarness) -> None:
    """A gemeente admin's /uitnodigingen listed every gemeente's invites (code and role)."""
    h = harness
    veldhoven_admin = 900031
    await grant(h, ADMIN, Role.ADMIN, "GM0794")
    await grant(h, veldhoven_admin, Role.ADMIN, "GM0861")
    await h.send(h.updates.message(veldhoven_admin, "/uitnodigen wijkagent WK086100"))
    veldhoven_code = h.request.last_text(veldhoven_admin).split()[1]
    await h.send(h.updates.message(ADMIN, "/uitnodigen boa WK079413"))
    helmond_code = h.request.last_text(ADMIN).split()[1]
    await h.send(h.updates.message(ADMIN, "/uitnodigingen"))
    listing = h.request.last_text(ADMIN)
    assert helmond_code in listing and veldhoven_code not in listing
    await h.send(h.updates.message(veldhoven_admin, "/uitnodigingen"))
    listing = h.request.last_text(veldhoven_admin)
    assert veldhoven_code in listing and helmond_code not in listing


async def test_a_coordinator_cannot_take_over_another_teams_group(harness: BotHarness) -> None:
    """Brandevoort's coordinator, admin in Binnenstad's group, linked it to Brandevoort: Binnenstad's
    reports stopped reaching any group. Refused now, and the config's mapping wins at start-up."""
    from bot.runtime.services import seed_from_config

    h = harness
    binnenstad_group, brandevoort_coordinator = -1001000000010, 500002
    binnenstad = await teams.team_by_name(h.services.db, "BPT Binnenstad")
    brandevoort = await teams.team_by_name(h.services.db, "Buurtpreventie Brandevoort")
    assert binnenstad is not None and brandevoort is not None
    h.request.member_status[(binnenstad_group, brandevoort_coordinator)] = "administrator"
    await h.send(h.updates.message(brandevoort_coordinator, f"/koppel {brandevoort.id}", chat_id=binnenstad_group))
    assert "ander team" in h.request.last_text(binnenstad_group)
    group = await teams.get_group(h.services.db, binnenstad_group)
    assert group is not None and group.team_id == binnenstad.id
    # A link made behind the config's back is undone at the next start.
    async with h.services.db.transaction() as tx:
        await teams.link_group(tx, binnenstad_group, brandevoort.id, title=None, language="nl", linked_by=None)
    await seed_from_config(h.services.db, h.services.config)
    group = await teams.get_group(h.services.db, binnenstad_group)
    assert group is not None and group.team_id == binnenstad.id


async def test_reacties_with_80_responders_is_split_within_telegrams_limit(harness: BotHarness) -> None:
    """Issue 18, item 10: 80 responders with long names made one answer over 4 096 characters,
    which Telegram refuses, so the coordinator got nothing."""
    from storage import watch

    h = harness
    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    incident = (await h.services.db.fetchone("SELECT id FROM incidents"))[0]  # type: ignore[index]
    names = [f"Buurtbewoner met een heel erg lange voornaam en achternaam {n:02d}" for n in range(80)]
    for n, name in enumerate(names):
        await watch.record(h.services.db, incident, GROUP, 700000 + n, name, "look", h.clock())
    reference = (await h.services.db.fetchone("SELECT reference FROM sightings"))[0]  # type: ignore[index]
    before = len(h.request.sent(COORDINATOR))
    await h.send(h.updates.message(COORDINATOR, f"/reacties {reference}"))
    answers = [p["text"] for p in h.request.sent(COORDINATOR)[before:]]
    assert len(answers) >= 2 and all(len(text) <= 4096 for text in answers)
    shown = "\n".join(answers)
    assert all(f"{name}: kijkt" in shown for name in names)
