"""AVG/GDPR: export, erase, retention; abuse: report limits and mute."""

from __future__ import annotations

import datetime as dt
import json

from bot.privacy import minutes_until_allowed
from storage import privacy, sightings
from tests.conftest import BotHarness
from tests.test_report_journey import RESIDENT

T0 = dt.datetime(2026, 11, 24, 20, tzinfo=dt.UTC)


async def file_report(h: BotHarness, reporter: int = RESIDENT, description: str | None = None) -> str:
    u = h.updates
    await h.send(u.message(reporter, "/melding"))
    await h.send(u.callback(reporter, "rep:cat:nuisance"))
    await h.send(u.message(reporter, "5701 AB 12"))
    await h.send(u.callback(reporter, "rep:when:now"))
    await h.send(u.message(reporter, description or "Harde muziek uit nummer 14, al twee uur"))
    await h.send(u.callback(reporter, "rep:nophoto"))
    await h.send(u.callback(reporter, "rep:confirm"))
    return h.request.last_text(reporter)


def test_minutes_until_allowed() -> None:
    recent = [T0 - dt.timedelta(minutes=m) for m in (50, 40, 30)]
    assert minutes_until_allowed(recent, now=T0, limit=4) is None
    assert minutes_until_allowed(recent, now=T0, limit=3) == 10
    assert minutes_until_allowed(recent, now=T0, limit=1) == 30
    assert minutes_until_allowed([T0 - dt.timedelta(minutes=61)], now=T0, limit=1) is None


async def test_export_contains_everything_about_the_person(harness: BotHarness) -> None:
    h = harness
    await file_report(h)
    await h.send(h.updates.message(RESIDENT, "/mijngegevens"))
    documents = h.request.sent(RESIDENT, "sendDocument")
    assert documents, "an export document is sent"
    data = await privacy.export_person(h.services.db, RESIDENT)
    assert data["users"][0]["telegram_id"] == RESIDENT
    assert data["sightings"][0]["description"].startswith("Harde muziek")
    assert json.dumps(data, default=str)


async def test_forget_me_erases_but_keeps_anonymous_reports(harness: BotHarness) -> None:
    h = harness
    confirmation = await file_report(h)
    reference = confirmation.split("referentie is ")[1].split(".")[0]
    await h.send(h.updates.message(RESIDENT, "/vergeetmij"))
    assert "Weet je het zeker" in h.request.last_text(RESIDENT)
    await h.send(h.updates.callback(RESIDENT, "forget:yes"))
    assert "gewist" in h.request.last_text(RESIDENT)
    data = await privacy.export_person(h.services.db, RESIDENT)
    assert data["users"] == [] and data["sightings"] == []
    kept = await sightings.by_reference(h.services.db, reference)
    assert kept is not None and kept.reporter_id is None
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM audit_log WHERE subject = ?", (f"user:{RESIDENT}",))
    assert row is not None and row[0] == 0


async def test_forget_me_needs_confirmation(harness: BotHarness) -> None:
    h = harness
    await file_report(h)
    await h.send(h.updates.message(RESIDENT, "/vergeetmij"))
    await h.send(h.updates.callback(RESIDENT, "forget:no"))
    assert "niets gewist" in h.request.last_text(RESIDENT)
    assert (await privacy.export_person(h.services.db, RESIDENT))["users"]


async def test_retention_erases_personal_data_and_keeps_counts(harness: BotHarness) -> None:
    h = harness
    confirmation = await file_report(h)
    reference = confirmation.split("referentie is ")[1].split(".")[0]
    await h.deliver()
    counts = await privacy.apply_retention(h.services.db, now=h.clock() + dt.timedelta(days=89), retention_days=90)
    assert counts["sightings"] == 0
    counts = await privacy.apply_retention(h.services.db, now=h.clock() + dt.timedelta(days=91), retention_days=90)
    assert counts["sightings"] == 1
    kept = await sightings.by_reference(h.services.db, reference)
    assert kept is not None
    assert kept.reporter_id is None and kept.description == "" and kept.point is None
    assert kept.category.value == "nuisance" and kept.area.buurt_code == "BU07941000"
    leftover = await h.services.db.fetchone("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%muziek%'")
    assert leftover is not None and leftover[0] == 0


async def test_report_limit_says_when_to_try_again(harness: BotHarness, config, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.config import Config, LimitsConfig
    from tests.conftest import make_harness

    limited = Config(**{**{f: getattr(config, f) for f in config.__dataclass_fields__},
                        "limits": LimitsConfig(reports_per_hour=2)})
    async with make_harness(limited, clock) as h:
        for _ in range(2):
            assert "Ontvangen" in await file_report(h)
            h.clock.advance(minutes=10)
        await h.send(h.updates.message(RESIDENT, "/melding"))
        assert "over 40 minuten opnieuw" in h.request.last_text(RESIDENT)
        h.clock.advance(minutes=41)
        assert "Ontvangen" in await file_report(h)


async def test_muted_user_gets_a_neutral_answer(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/demp 100002 24"))  # a resident may not mute
    assert "alleen" in h.request.last_text(RESIDENT)
    await h.send(h.updates.message(200010, "/demp 100002 24"))  # the wijkagent may
    assert "Gedempt" in h.request.last_text(200010)
    await h.send(h.updates.message(100002, "/melding"))
    reply = h.request.last_text(100002)
    assert "geen melding maken" in reply and "112" in reply
    h.clock.advance(hours=25)
    await h.send(h.updates.message(100002, "/melding"))
    assert "Wat wil je melden" in h.request.last_text(100002)
