"""The one way tests file a report step by step (/melding), so the journey is typed once.

`report_until_confirm` stops at the summary; `submit_report` presses Versturen and returns the
receipt; `file_report` returns the report's reference.
"""

from __future__ import annotations

from bot.core.domain import POLICE_NOW_CATEGORIES
from tests.conftest import BotHarness

POLICE_NOW = {c.value for c in POLICE_NOW_CATEGORIES}
RESIDENT = 100001
WIJKAGENT_BINNENSTAD = 200010
GROUP_BINNENSTAD = -1001000000010
DESCRIPTION = "Man in grijze jas probeert deurklinken, liep richting station"


async def report_until_confirm(h: BotHarness, *, reporter: int = RESIDENT, category: str = "suspicious_person",
                               where: str = "5701 AB 12", description: str | None = None,
                               photo: str | None = None, when: str = "now",
                               earlier: str = "gisteren 22:15") -> None:
    """/melding, category (and "112 gebeld" where the category asks), place, time, description,
    photo or not: the resident is at the summary."""
    u = h.updates
    await h.send(u.message(reporter, "/melding"))
    await h.send(u.callback(reporter, f"rep:cat:{category}"))
    if category in POLICE_NOW:
        await h.send(u.callback(reporter, "rep:112:yes"))
    await h.send(u.message(reporter, where))
    await h.send(u.callback(reporter, f"rep:when:{when}"))
    if when == "earlier":
        await h.send(u.message(reporter, earlier))
    await h.send(u.message(reporter, description or DESCRIPTION))
    await h.send(u.photo(reporter, photo) if photo else u.callback(reporter, "rep:nophoto"))


async def submit_report(h: BotHarness, **journey: object) -> str:
    """The whole journey and Versturen; the resident's receipt."""
    reporter = journey.get("reporter", RESIDENT)
    assert isinstance(reporter, int)
    await report_until_confirm(h, **journey)  # type: ignore[arg-type]
    await h.send(h.updates.callback(reporter, "rep:confirm"))
    return h.request.last_text(reporter)


async def file_report(h: BotHarness, **journey: object) -> str:
    """The whole journey; the reference of the stored report."""
    receipt = await submit_report(h, **journey)
    assert "Ontvangen" in receipt, receipt
    return receipt.split("referentie is ")[1].split(".")[0]
