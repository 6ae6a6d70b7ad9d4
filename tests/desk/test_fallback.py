"""Nothing silently lost: a delivery Telegram refuses to an officer goes to the gemeente's desk,
the admins hear once per broken id, and the reporter hears who really has the report."""

from __future__ import annotations

from bot.core.domain import Role
from storage import desk as desk_store
from storage import users
from tests.conftest import BotHarness
from tests.desk.test_desk import FALLBACK_DESK, RESIDENT, WIJKAGENT_BINNENSTAD, incident_of, report

BACKUP_DESK = 400002
ADMIN = 600001
CHAT_NOT_FOUND = (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
BLOCKED = (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})


async def make_admin(h: BotHarness) -> None:
    async with h.services.db.transaction() as tx:
        await users.grant_role(tx, ADMIN, Role.ADMIN, "GM0794", granted_by=None)


async def test_a_refused_delivery_goes_to_the_desk_and_admins_hear_once(harness: BotHarness) -> None:
    h = harness
    await make_admin(h)
    h.request.failures[WIJKAGENT_BINNENSTAD] = CHAT_NOT_FOUND
    # Not urgent: the gemeente's fallback desk gets it.
    reference = await report(h, RESIDENT, category="nuisance", description="Harde muziek uit een auto, al een uur")
    assert "de wijkagent" in h.request.last_text(RESIDENT)  # nothing was known to be broken yet
    await h.deliver()
    desk_copies = h.request.sent(FALLBACK_DESK, "sendMessage")
    assert len(desk_copies) == 1 and reference in desk_copies[0]["text"]
    assert any(d["callback_data"].startswith("ack:") for row in desk_copies[0]["reply_markup"]["inline_keyboard"]
               for d in row)
    notice = h.request.texts(ADMIN)
    assert len(notice) == 1 and "200010" in notice[0] and "Chat not found" in notice[0]
    assert "Wijkagent 10 (voorbeeld)" in notice[0]
    correction = h.request.last_text(RESIDENT)
    assert reference in correction and "de wijkagent was niet bereikbaar" in correction
    assert "het meldpunt van de gemeente" in correction
    incident = await incident_of(h, reference)
    assert "rerouted" in [e.action for e in await desk_store.events(h.services.db, incident)]
    # The desk can act on it: the copy is a delivery like any other.
    await h.send(h.updates.callback(FALLBACK_DESK, f"ack:{incident}:take"))
    await h.deliver()
    assert "wordt opgepakt" in h.request.last_text(RESIDENT)

    # The next report: routing passes the broken id by, the receipt names only the desk, and
    # the admins are not told again.
    h.request.clear()
    second = await report(h, RESIDENT + 1, category="nuisance", description="Brommers scheuren door de straat")
    receipt = h.request.last_text(RESIDENT + 1)
    assert "het meldpunt van de gemeente" in receipt and "de wijkagent" not in receipt
    await h.deliver()
    assert h.request.sent(WIJKAGENT_BINNENSTAD) == []
    assert any(second in t for t in h.request.texts(FALLBACK_DESK))
    assert h.request.texts(ADMIN) == []


async def test_an_urgent_report_refused_by_a_blocked_officer_goes_to_the_backup_desk(harness: BotHarness) -> None:
    h = harness
    await make_admin(h)
    h.request.failures[WIJKAGENT_BINNENSTAD] = BLOCKED
    reference = await report(h, RESIDENT)  # "Verdachte persoon": urgent
    await h.deliver()
    assert any(reference in t for t in h.request.texts(BACKUP_DESK))
    assert len(h.request.texts(ADMIN)) == 1
    # A refused group or resident is not re-routed to a desk.
    assert h.request.sent(FALLBACK_DESK) == []
