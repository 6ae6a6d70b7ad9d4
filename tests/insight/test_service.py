"""bot.insight.service without Telegram: who sees which area, and the figures of a period."""

from __future__ import annotations

import csv
import datetime as dt
import io

from bot.core.domain import Category, Role
from bot.insight import service as figures
from bot.insight.rules import Scope
from bot.webapp.initdata import WebAppUser
from bot.webapp.service import WebApp
from tests.conftest import BotHarness
from tests.insight.test_insight import NOW, grant, seed

WIJKAGENT = 200010  # Binnenstad
COORDINATOR = 500001  # BPT Binnenstad


async def test_scope_for_each_role(harness: BotHarness) -> None:
    h = harness
    assert await figures.scope_for(h.services, 100001) is None  # a resident
    officer = await figures.scope_for(h.services, WIJKAGENT)
    assert officer == Scope(("BU079410",), "wijk_code", True)
    coordinator = await figures.scope_for(h.services, COORDINATOR)
    assert coordinator is not None and not coordinator.may_export and coordinator.group_by == "buurt_code"
    assert set(coordinator.prefixes) == {"BU07941000", "BU07941002", "BU07941003"}
    await grant(h, 900001, Role.ADMIN, "GM0794")
    assert await figures.scope_for(h.services, 900001) == Scope(("BU0794",), "wijk_code", True)


async def test_overview_counts_this_period_and_a_year_earlier(harness: BotHarness) -> None:
    h = harness
    await seed(h, "BU07941000", Category.NUISANCE, 5, NOW - dt.timedelta(days=2))
    await seed(h, "BU07941000", Category.FIRE_HAZARD, 1, NOW - dt.timedelta(days=2))  # a small cell
    await seed(h, "BU07941100", Category.NUISANCE, 7, NOW - dt.timedelta(days=2))  # another wijk
    await seed(h, "BU07941000", Category.NUISANCE, 4, NOW - dt.timedelta(days=367))
    await grant(h, 900001, Role.ADMIN, "GM0794")
    scope = await figures.scope_for(h.services, 900001)
    assert scope is not None
    seen = await figures.overview(h.services, scope, "7d")
    assert (seen.start, seen.end) == (dt.date(2026, 11, 18), dt.date(2026, 11, 25))
    assert seen.by_category[Category.NUISANCE] == 12 and seen.by_category[Category.FIRE_HAZARD] == 1
    assert seen.by_category_year_earlier[Category.NUISANCE] == 4
    assert seen.area_totals == {"WK079410": 6, "WK079411": 7}
    assert seen.hidden_in == {"WK079410"}
    assert seen.area_names["WK079411"] == "Helmond-Oost"
    assert seen.area_label == "Helmond" and seen.ack_minutes is None


async def test_monthly_csv(harness: BotHarness) -> None:
    h = harness
    await seed(h, "BU07941000", Category.NUISANCE, 5, NOW - dt.timedelta(days=2))
    scope = await figures.scope_for(h.services, WIJKAGENT)
    assert scope is not None
    export = await figures.monthly_csv(h.services, scope, "30d")
    assert (export.start, export.end) == (dt.date(2026, 10, 26), dt.date(2026, 11, 25))
    rows = list(csv.reader(io.StringIO(export.csv.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert [row[header.index("meldingen")] for row in rows[1:]] == ["5"]


async def test_the_mini_app_sees_what_overzicht_shows_each_role(harness: BotHarness) -> None:
    h = harness
    await grant(h, 900001, Role.ADMIN, "GM0794")
    app = WebApp(h.services)
    for person in (100001, WIJKAGENT, COORDINATOR, 900001):
        viewer = await app.viewer(WebAppUser(id=person))
        assert viewer.scope == await figures.scope_for(h.services, person), person
