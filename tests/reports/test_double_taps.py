"""A double tap or two presses at once: one report, one status change, the reporter told once."""


from __future__ import annotations

import asyncio

from storage import drafts
from tests.conftest import BotHarness
from tests.journeys import (
    GROUP_BINNENSTAD,
    RESIDENT,
    WIJKAGENT_BINNENSTAD,
    file_report,
    report_until_confirm,
)


def answers(h: BotHarness) -> list[str]:
    return [p.get("text") or "" for e, p in h.request.calls if e == "answerCallbackQuery"]


async def count(h: BotHarness, sql: str) -> int:
    row = await h.services.db.fetchone(sql)
    assert row is not None
    return int(row[0])


async def report(h: BotHarness, reporter: int, *, category: str = "suspicious_person", description: str,
                 photo: str | None = None, when: str = "now") -> str:
    return await file_report(h, reporter=reporter, category=category, description=description, photo=photo, when=when)


async def test_a_double_tap_on_versturen_stores_one_report(harness: BotHarness) -> None:
    h = harness
    await report_until_confirm(h)
    h.request.clear()
    await asyncio.gather(h.send(h.updates.callback(RESIDENT, "rep:confirm")),
                         h.send(h.updates.callback(RESIDENT, "rep:confirm")))
    assert await count(h, "SELECT COUNT(*) FROM sightings") == 1
    assert await count(h, "SELECT report_count FROM incidents") == 1
    receipts = [t for t in h.request.texts(RESIDENT) if "Ontvangen" in t]
    assert len(receipts) == 1 and "meldingen" not in receipts[0]
    assert any("al verstuurd" in a for a in answers(h))
    assert await drafts.load(h.services.db, RESIDENT) is None
    await h.deliver()
    assert len(h.request.sent(GROUP_BINNENSTAD, "sendMessage")) == 1
    assert len(h.request.sent(WIJKAGENT_BINNENSTAD, "sendMessage")) == 1


async def test_two_presses_at_once_on_a_status_button_tell_the_reporter_once(harness: BotHarness) -> None:
    h = harness
    await report(h, RESIDENT, description="Man in grijze jas probeert deurklinken, liep richting station")
    await h.deliver()
    incident = await count(h, "SELECT id FROM incidents")
    h.request.clear()
    await asyncio.gather(h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident}:done")),
                         h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident}:done")))
    await h.deliver()
    told = [t for t in h.request.texts(RESIDENT) if "afgerond" in t]
    assert len(told) == 1
    assert sorted(answers(h)) == ["Dit was al zo ingesteld.", "Gedaan. De melder krijgt bericht."]


async def test_a_status_change_and_a_close_at_once_close_only_once(harness: BotHarness) -> None:
    h = harness
    await report(h, RESIDENT, description="Man in grijze jas probeert deurklinken, liep richting station")
    await h.deliver()
    incident = await count(h, "SELECT id FROM incidents")
    h.request.clear()
    await asyncio.gather(h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident}:resolved")),
                         h.send(h.updates.callback(WIJKAGENT_BINNENSTAD, f"ack:{incident}:false")))
    await h.deliver()
    # Whichever press comes first wins: "afgerond" (resolved) or "vals alarm", never both.
    closed = [t for t in h.request.texts(RESIDENT) if "afgerond" in t or "vals alarm" in t]
    assert len(closed) == 1
    assert "Deze melding is al afgesloten." in answers(h)
