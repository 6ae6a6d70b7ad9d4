"""The receipt names who really got the report, in routing order."""


from __future__ import annotations

import dataclasses

import pytest

from bot.core.domain import RecipientKind
from bot.core.i18n import translator
from bot.reports import texts as render
from tests.conftest import BotHarness
from tests.journeys import (
    RESIDENT,
    file_report,
)

CARE_DESK = 400003
FALLBACK_DESK = 400001


async def count(h: BotHarness, sql: str) -> int:
    row = await h.services.db.fetchone(sql)
    assert row is not None
    return int(row[0])


async def report(h: BotHarness, reporter: int, *, category: str = "suspicious_person", description: str,
                 photo: str | None = None, when: str = "now") -> str:
    return await file_report(h, reporter=reporter, category=category, description=description, photo=photo, when=when)


@pytest.mark.parametrize(("category", "description", "named", "not_named"), [
    ("suspicious_person", "Man in grijze jas probeert deurklinken, liep richting station",
     "Doorgestuurd naar: de buurtpreventiegroep, de wijkagent.", ["Zorg", "BOA"]),
    ("confused_person", "Oudere man in pyjama loopt verward op straat, lijkt de weg kwijt",
     "Doorgestuurd naar: het Zorg- en Veiligheidshuis (zorg), de wijkagent.", ["buurtpreventiegroep"]),
    ("nuisance", "Harde muziek uit de tuin op nummer 14, al twee uur",
     "Doorgestuurd naar: de wijkagent, de BOA.", ["buurtpreventiegroep", "Zorg"]),
])
async def test_the_receipt_names_who_really_got_the_report(harness: BotHarness, category: str, description: str,
                                                           named: str, not_named: list[str]) -> None:
    h = harness
    await report(h, RESIDENT, category=category, description=description)
    receipt = h.request.last_text(RESIDENT)
    assert named in receipt
    assert "naar de buurt en de wijkagent" not in receipt
    for word in not_named:
        assert word not in receipt.split("Doorgestuurd naar:")[1].split("\n")[0]
    assert "het Zorg- en Veiligheidshuis" in receipt.split("ziet wie meldde")[0]  # the summary line


async def test_the_receipt_names_the_gemeente_desk_where_the_wijk_has_no_officer(harness: BotHarness) -> None:
    h = harness
    h.services.directory = dataclasses.replace(h.services.directory, officers={})
    await report(h, RESIDENT, category="nuisance", description="Harde muziek uit de tuin op nummer 14, al twee uur")
    assert "Doorgestuurd naar: het meldpunt van de gemeente." in h.request.last_text(RESIDENT)
    await h.deliver()
    assert h.request.sent(FALLBACK_DESK, "sendMessage")


def test_the_recipient_sentence_in_english_and_in_routing_order() -> None:
    en = translator("en")
    kinds = [RecipientKind.CARE_DESK, RecipientKind.WIJKAGENT, RecipientKind.CARE_DESK]
    sentence = render.forwarded_to(en, kinds)
    assert sentence.startswith("Forwarded to: ") and sentence.index("care") < sentence.index("community officer")
    assert sentence.count("care") == 1
    assert render.forwarded_to(translator("nl"), [RecipientKind.FALLBACK_DESK]) == \
        "Doorgestuurd naar: het meldpunt van de gemeente."
