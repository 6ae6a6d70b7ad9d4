"""/overzicht: each scope sees only its own area, small cells hidden, year on year, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

from bot.core.domain import AreaRef, Category, LocationSource, Role, Sighting
from bot.insight.chart import Series, bar_chart_png
from bot.insight.rules import cell, period, scope_of, to_csv, year_earlier
from storage import sightings, users
from tests.conftest import BotHarness

NOW = dt.datetime(2026, 11, 24, 20, tzinfo=dt.UTC)


async def seed(h: BotHarness, buurt: str, category: Category, count: int, at: dt.datetime) -> None:
    area = AreaRef("GM" + buurt[2:6], "WK" + buurt[2:8], buurt)
    async with h.services.db.transaction() as tx:
        for _ in range(count):
            s = Sighting(category=category, reporter_id=1, area=area, occurred_at=at, description="x",
                         location_source=LocationSource.GPS, created_at=at)
            s.incident_id = await sightings.create_incident(tx, s)
            await sightings.create(tx, s, local_year=at.year)


async def grant(h: BotHarness, user: int, role: Role, scope: str) -> None:
    async with h.services.db.transaction() as tx:
        await users.grant_role(tx, user, role, scope, granted_by=None)


def test_scopes_and_cells() -> None:
    agent = scope_of([(Role.WIJKAGENT, "WK079410")], {})
    assert agent is not None and agent.prefixes == ("BU079410",) and agent.group_by == "wijk_code"
    coordinator = scope_of([(Role.COORDINATOR, "team:1")], {1: ("BU07941000",)})
    assert coordinator is not None and coordinator.prefixes == ("BU07941000",) and not coordinator.may_export
    admin = scope_of([(Role.ADMIN, "GM0794"), (Role.WIJKAGENT, "WK079410")], {})
    assert admin is not None and admin.prefixes == ("BU0794",)
    assert scope_of([(Role.RESIDENT, "")], {}) is None
    assert [cell(n) for n in (0, 1, 2, 3, 10)] == ["0", "<3", "<3", "3", "10"]
    assert period("7d", dt.date(2026, 11, 24)) == (dt.date(2026, 11, 18), dt.date(2026, 11, 25))
    assert year_earlier(dt.date(2024, 2, 29), dt.date(2024, 3, 1)) == (dt.date(2023, 2, 28), dt.date(2023, 3, 1))


def test_csv_and_chart() -> None:
    data = to_csv([("GM0794", "WK079410", "BU07941000", "nuisance", "2026-11", 2),
                   ("GM0794", "WK079410", "BU07941000", "other", "2026-11", 7)])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["gemeente", "wijk", "buurt", "categorie", "maand", "meldingen",
                       "opgelost", "vals_alarm", "verlopen", "geen_actie"]
    assert rows[1][5] == "<3" and rows[2][5] == "7"
    # Outcomes per row, small cells hidden like the reports; "afgehandeld" counts as opgelost.
    data = to_csv([("GM0794", "WK079410", "BU07941000", "nuisance", "2026-11", 9)],
                  {("GM0794", "WK079410", "BU07941000", "nuisance", "2026-11"): {"resolved": 4,
                                                                                 "false_alarm": 1}})
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][5:] == ["9", "4", "<3", "0", "0"]
    png = bar_chart_png("Meldingen per categorie · Binnenstad · 1-11 – 30-11", ["Overlast", "Brandgevaar"],
                        [Series("deze periode", [3, None]), Series("vorig jaar", [0, 4])])
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n") and b"IHDR" in png and b"IEND" in png
    # Every cell hidden or empty: no chart at all.
    assert bar_chart_png("t", ["Overlast"], [Series("deze periode", [None]), Series("vorig jaar", [0])]) is None


async def test_each_scope_sees_only_its_own_area(harness: BotHarness) -> None:
    h = harness
    await seed(h, "BU07941000", Category.NUISANCE, 5, NOW - dt.timedelta(days=2))  # Binnenstad
    await seed(h, "BU07941100", Category.NUISANCE, 7, NOW - dt.timedelta(days=2))  # Helmond-Oost
    await seed(h, "BU08610002", Category.NUISANCE, 9, NOW - dt.timedelta(days=2))  # Veldhoven
    await seed(h, "BU07941000", Category.NUISANCE, 4, NOW - dt.timedelta(days=367))  # a year earlier
    await seed(h, "BU07941000", Category.FIRE_HAZARD, 1, NOW - dt.timedelta(days=2))  # a small cell
    await h.send(h.updates.message(200010, "/overzicht 7d"))  # wijkagent Binnenstad
    text = h.request.sent(200010, "sendMessage")[-1]["text"]
    # 5 + a hidden 1: the exact total 6 would give the hidden cell back, so it is rounded.
    assert "Overlast" in text and ": 5 (4)" in text and "Binnenstad: ≈5" in text and "afgerond op 5" in text
    assert "Helmond-Oost" not in text and "Veldhoven" not in text and "<3" in text
    assert h.request.sent(200010, "sendPhoto")
    await grant(h, 900001, Role.ADMIN, "GM0794")
    await h.send(h.updates.message(900001, "/overzicht 7d"))
    text = h.request.sent(900001, "sendMessage")[-1]["text"]
    assert ": 12 (4)" in text and "Helmond-Oost: 7" in text and "Veldhoven" not in text
    await h.send(h.updates.message(500001, "/overzicht 7d"))  # coordinator BPT Binnenstad
    text = h.request.sent(500001, "sendMessage")[-1]["text"]
    assert "Per buurt" in text and "Centrum: ≈5" in text and "Helmond-Oost" not in text
    await h.send(h.updates.message(100001, "/overzicht"))
    assert "voor wijkagenten" in h.request.last_text(100001)


async def test_csv_export_for_officers_not_coordinators(harness: BotHarness) -> None:
    h = harness
    await seed(h, "BU07941000", Category.NUISANCE, 5, NOW - dt.timedelta(days=2))
    await seed(h, "BU07941002", Category.OTHER, 1, NOW - dt.timedelta(days=2))
    await h.send(h.updates.message(200010, "/overzicht csv"))
    documents = h.request.sent(200010, "sendDocument")
    assert documents
    await h.send(h.updates.message(500001, "/overzicht csv"))
    assert "CSV-export is voor" in h.request.last_text(500001)


async def test_false_alarm_shows_in_overview_per_wijk_and_in_the_csv(harness: BotHarness) -> None:
    from tests.journeys import (
        RESIDENT,
        WIJKAGENT_BINNENSTAD,
        report_until_confirm,
    )

    h = harness
    # Two alerts (different categories never merge): one false alarm, one resolved.
    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await report_until_confirm(h, category="nuisance", description="Harde muziek en geschreeuw")
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    incidents = [r[0] for r in await h.services.db.fetchall("SELECT id FROM incidents ORDER BY id")]
    assert len(incidents) == 2
    await h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incidents[0]}:false"))
    await h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incidents[1]}:resolved"))
    await h.send(h.updates.message(WIJKAGENT_BINNENSTAD, "/overzicht 7d"))
    text = h.request.sent(WIJKAGENT_BINNENSTAD, "sendMessage")[-1]["text"]
    # Per wijk, with small numbers as "<3" (one false alarm, one resolved).
    assert "Binnenstad: <3 — opgelost <3 · vals alarm <3 · verlopen 0" in text

    captured: list[dict] = []  # type: ignore[type-arg]
    record = h.request.do_request

    async def capture(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        if request_data is not None and request_data.multipart_data:
            captured.append(request_data.multipart_data)
        return await record(url, method, request_data, **kwargs)

    h.request.do_request = capture  # type: ignore[method-assign]
    await h.send(h.updates.message(WIJKAGENT_BINNENSTAD, "/overzicht csv 30d"))
    assert captured, "the CSV went out as a document"
    _, content, _ = next(iter(captured[-1].values()))
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    by_category = {row[header.index("categorie")]: row for row in rows[1:]}
    person = by_category["suspicious_person"]
    assert person[header.index("vals_alarm")] == "<3" and person[header.index("opgelost")] == "0"
    assert by_category["nuisance"][header.index("opgelost")] == "<3"


async def test_an_overview_button_in_a_group_shows_nothing_there(harness: BotHarness) -> None:
    h = harness
    group = -1001000000010
    await seed(h, "BU07941000", Category.NUISANCE, 5, NOW - dt.timedelta(days=2))
    await h.send(h.updates.callback(200010, "ovz:7d", chat_id=group))  # a forged press in the group
    assert h.request.sent(group) == []
    answers = [p for e, p in h.request.calls if e == "answerCallbackQuery"]
    assert answers and "niet geldig" in answers[-1]["text"]
