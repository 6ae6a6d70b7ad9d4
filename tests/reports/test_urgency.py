"""What counts as urgent: "bel nu 112" only for what happens now."""


from __future__ import annotations

import pytest

from bot.reports.rules import description_sounds_urgent, is_urgent_text
from storage import sightings
from tests.conftest import BotHarness
from tests.journeys import (
    RESIDENT,
    file_report,
    report_until_confirm,
)


async def report(h: BotHarness, reporter: int, *, category: str = "suspicious_person", description: str,
                 photo: str | None = None, when: str = "now") -> str:
    return await file_report(h, reporter=reporter, category=category, description=description, photo=photo, when=when)


@pytest.mark.parametrize(("text", "urgent"), [
    ("Ik heb 112 al gebeld", False),
    ("112 is gebeld, de man loopt weg richting park", False),
    ("Heb net met 112 gebeld", False),
    ("112 heb ik al gebeld", False),
    ("I already called 112", False),
    ("We called 112 already", False),
    ("Ik heb 112 al gebeld, er wordt nu ingebroken", True),
    ("Er wordt ingebroken bij de buren", True),
    ("Gisteren zag ik een inbreker bij de buren", True),
    ("112!", True),
    ("Brand in de schuur", True),
    ("Harde muziek uit de tuin", False),
    ("Help!!!", True),
])
def test_what_text_counts_as_urgent(text: str, urgent: bool) -> None:
    assert is_urgent_text(text) is urgent


@pytest.mark.parametrize(("text", "earlier", "urgent"), [
    ("Gisteren zag ik een inbreker bij de buren", True, False),
    ("Er wordt ingebroken bij de buren", False, True),
    ("Er werd ingebroken, man had een mes", True, False),
    ("Ik heb 112 al gebeld", False, False),
    ("Harde muziek", False, False),
])
def test_a_description_of_something_earlier_is_not_urgent(text: str, earlier: bool, urgent: bool) -> None:
    assert description_sounds_urgent(text, earlier=earlier) is urgent


async def test_an_earlier_burglar_is_neither_call_112_nor_urgent(harness: BotHarness) -> None:
    h = harness
    reference = await report(h, RESIDENT, category="suspicious_person", when="earlier",
                             description="Gisteren zag ik een inbreker bij de buren, man in zwarte jas met rugzak")
    assert not any("Bel nu 112" in t for t in h.request.texts(RESIDENT))
    stored = await sightings.by_reference(h.services.db, reference)
    assert stored is not None and stored.urgent is False


async def test_having_called_112_does_not_bring_back_call_112(harness: BotHarness) -> None:
    h = harness
    reference = await report(h, RESIDENT, category="suspicious_person",
                             description="Ik heb 112 al gebeld. Man in zwarte jas kijkt door ramen, liep richting markt")
    assert not any("Bel nu 112" in t for t in h.request.texts(RESIDENT))
    stored = await sightings.by_reference(h.services.db, reference)
    assert stored is not None and stored.urgent is False


async def test_urgent_words_when_it_is_happening_now_still_say_call_112(harness: BotHarness) -> None:
    h = harness
    reference = await report(h, RESIDENT, category="suspicious_person",
                             description="Er wordt ingebroken bij de buren, man in zwarte jas met koevoet")
    assert any("Bel nu 112" in t for t in h.request.texts(RESIDENT))
    stored = await sightings.by_reference(h.services.db, reference)
    assert stored is not None and stored.urgent is True


async def test_changing_now_into_earlier_takes_back_urgency_from_the_description(harness: BotHarness) -> None:
    h = harness
    u = h.updates
    await report_until_confirm(h, description="Er wordt ingebroken bij de buren, man in zwarte jas met koevoet")
    await h.send(u.callback(RESIDENT, "rep:change"))
    await h.send(u.callback(RESIDENT, "rep:edit:when"))
    await h.send(u.callback(RESIDENT, "rep:when:earlier"))
    await h.send(u.message(RESIDENT, "gisteren 22:15"))
    assert "Controleer je melding" in h.request.last_text(RESIDENT)
    await h.send(u.callback(RESIDENT, "rep:confirm"))
    stored = await h.services.db.fetchone("SELECT urgent FROM sightings")
    assert stored is not None and stored[0] == 0
