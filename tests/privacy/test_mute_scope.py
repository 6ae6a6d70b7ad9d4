"""/demp reaches only residents who reported in the muter's area (issue 18, item 8): a
wijkagent or BOA their wijk (or gemeente), a coordinator their teams' buurten, a gemeente admin
their gemeente. It used to reach anyone anywhere, for up to a year. Outside the area the answer
is the same whether the person exists or not."""

from __future__ import annotations

import pytest

from bot.core.domain import Role
from bot.privacy.rules import is_muted
from storage import users
from tests.conftest import BotHarness
from tests.journeys import file_report

BINNENSTAD_REPORTER = 100001  # reports in Centrum (Binnenstad, team 1's buurt)
OOST_REPORTER = 100002  # reports in Helmond-Oost
NOBODY = 100099  # never used the bot
WIJKAGENT_BINNENSTAD, WIJKAGENT_OOST = 200010, 200011
BOA_BINNENSTAD = 300010
COORDINATOR_BINNENSTAD, COORDINATOR_BRANDEVOORT = 500001, 500002
ADMIN_HELMOND, ADMIN_VELDHOVEN, ADMIN_OOST = 700001, 700002, 700003
OUT_OF_REACH = "Je kunt alleen iemand dempen die in jouw gebied een melding heeft gedaan."


async def muted(h: BotHarness, telegram_id: int) -> bool:
    user = await users.get(h.services.db, telegram_id)
    return user is not None and is_muted(user.muted_until, h.clock())


@pytest.fixture
async def reported(harness: BotHarness) -> BotHarness:
    h = harness
    await file_report(h, reporter=BINNENSTAD_REPORTER, where="5701 AB 12")
    await file_report(h, reporter=OOST_REPORTER, where="5708 AB 3", category="nuisance",
                      description="Harde muziek uit een auto, al een uur")
    async with h.services.db.transaction() as tx:
        await users.grant_role(tx, ADMIN_HELMOND, Role.ADMIN, "GM0794", granted_by=None)
        await users.grant_role(tx, ADMIN_VELDHOVEN, Role.ADMIN, "GM0861", granted_by=None)
        await users.grant_role(tx, ADMIN_OOST, Role.ADMIN, "WK079411", granted_by=None)
    return h


async def demp(h: BotHarness, muter: int, target: int, hours: int = 24) -> str:
    await h.send(h.updates.message(muter, f"/demp {target} {hours}"))
    return h.request.last_text(muter)


@pytest.mark.parametrize(("muter", "target", "allowed"), [
    (WIJKAGENT_BINNENSTAD, BINNENSTAD_REPORTER, True),  # an officer: their wijk
    (WIJKAGENT_BINNENSTAD, OOST_REPORTER, False),
    (WIJKAGENT_OOST, OOST_REPORTER, True),
    (WIJKAGENT_OOST, BINNENSTAD_REPORTER, False),
    (BOA_BINNENSTAD, BINNENSTAD_REPORTER, True),
    (BOA_BINNENSTAD, OOST_REPORTER, False),
    (COORDINATOR_BINNENSTAD, BINNENSTAD_REPORTER, True),  # a coordinator: their team's buurten
    (COORDINATOR_BINNENSTAD, OOST_REPORTER, False),
    (COORDINATOR_BRANDEVOORT, BINNENSTAD_REPORTER, False),
    (ADMIN_HELMOND, BINNENSTAD_REPORTER, True),  # a gemeente admin: the whole gemeente
    (ADMIN_HELMOND, OOST_REPORTER, True),
    (ADMIN_VELDHOVEN, BINNENSTAD_REPORTER, False),  # another gemeente's admin
    (ADMIN_OOST, OOST_REPORTER, True),  # an admin of one wijk: that wijk
    (ADMIN_OOST, BINNENSTAD_REPORTER, False),
])
async def test_demp_reaches_only_the_muters_area(reported: BotHarness, muter: int, target: int,
                                                 allowed: bool) -> None:
    h = reported
    answer = await demp(h, muter, target)
    assert ("Gedempt tot" in answer) is allowed, answer
    assert await muted(h, target) is allowed
    if not allowed:
        assert answer == OUT_OF_REACH


async def test_outside_the_area_an_unknown_person_and_a_known_one_get_the_same_answer(reported: BotHarness) -> None:
    h = reported
    answers = {await demp(h, WIJKAGENT_BINNENSTAD, target) for target in (OOST_REPORTER, NOBODY, 7_123_456_789)}
    assert answers == {OUT_OF_REACH}
    assert not await muted(h, OOST_REPORTER)
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM users WHERE telegram_id IN (?, ?)",
                                       (NOBODY, 7_123_456_789))
    assert row is not None and row[0] == 0  # nothing stored about who was asked for
    audit = await h.services.db.fetchone("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'user.%mute'")
    assert audit is not None and audit[0] == 0


async def test_lifting_a_mute_is_scoped_too(reported: BotHarness) -> None:
    h = reported
    assert "Gedempt tot" in await demp(h, WIJKAGENT_OOST, OOST_REPORTER)
    assert await demp(h, WIJKAGENT_BINNENSTAD, OOST_REPORTER, 0) == OUT_OF_REACH
    assert await muted(h, OOST_REPORTER)
    assert "opgeheven" in await demp(h, WIJKAGENT_OOST, OOST_REPORTER, 0)
    assert not await muted(h, OOST_REPORTER)


async def test_a_person_with_a_duty_in_the_area_is_muted_by_its_admin_only(reported: BotHarness) -> None:
    """A coordinator or officer need not have reported: an admin of the area they hold reaches
    them; another gemeente's admin does not, and a colleague never does."""
    h = reported
    assert await demp(h, ADMIN_VELDHOVEN, COORDINATOR_BINNENSTAD) == OUT_OF_REACH
    assert await demp(h, ADMIN_VELDHOVEN, WIJKAGENT_BINNENSTAD) == OUT_OF_REACH
    assert "alleen door een beheerder" in await demp(h, WIJKAGENT_BINNENSTAD, COORDINATOR_BINNENSTAD)
    assert not await muted(h, COORDINATOR_BINNENSTAD)
    assert "Gedempt tot" in await demp(h, ADMIN_HELMOND, COORDINATOR_BINNENSTAD)
    assert "Gedempt tot" in await demp(h, ADMIN_HELMOND, WIJKAGENT_OOST)
