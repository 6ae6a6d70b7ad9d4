"""The wijkagent's desk through the real handlers: /meldingen with scoping, paging and filters,
the full report with its pin, outcomes with a closing note, reopen, hand-over, and the
question-and-answer line to the reporter."""

from __future__ import annotations

import json
from typing import Any

from storage import desk as desk_store
from storage import sightings
from storage.db import Database
from tests.conftest import BotHarness

RESIDENT = 100001
WIJKAGENT_BINNENSTAD = 200010
WIJKAGENT_OOST = 200011  # Helmond-Oost, adjacent to Binnenstad
WIJKAGENT_NOORD = 200012
BOA_BINNENSTAD = 300010
COORDINATOR = 500001  # BPT Binnenstad: Centrum, Leonardus, Heipoort
FALLBACK_DESK = 400001
CARE_DESK = 400003
GROUP_BINNENSTAD = -1001000000010


async def report(h: BotHarness, reporter: int, *, where: str | tuple[float, float] = "5701 AB 12",
                 category: str = "suspicious_person", description: str = "Man in grijze jas probeert deurklinken, liep richting station",
                 language: str = "nl") -> str:
    u = h.updates
    await h.send(u.message(reporter, "/melding", language=language))
    await h.send(u.callback(reporter, f"rep:cat:{category}"))
    if category in ("suspicious_person", "suspicious_vehicle", "fire_hazard"):
        await h.send(u.callback(reporter, "rep:112:yes"))
    if isinstance(where, tuple):
        await h.send(u.location(reporter, *where))
    else:
        await h.send(u.message(reporter, where))
    await h.send(u.callback(reporter, "rep:when:now"))
    await h.send(u.message(reporter, description))
    await h.send(u.callback(reporter, "rep:nophoto"))
    await h.send(u.callback(reporter, "rep:confirm"))
    receipt = h.request.last_text(reporter)
    assert "Ontvangen" in receipt or "Received" in receipt, receipt
    return receipt.split("referentie is " if "referentie" in receipt else "reference is ")[1].split(".")[0]


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    markup = params.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]


async def desk(h: BotHarness, user: int, command: str = "/meldingen") -> dict[str, Any]:
    await h.send(h.updates.message(user, command))
    return h.request.sent(user, "sendMessage")[-1]


async def press(h: BotHarness, user: int, data: str) -> None:
    await h.send(h.updates.callback(user, data))


async def incident_of(h: BotHarness, reference: str) -> int:
    sighting = await sightings.by_reference(h.services.db, reference)
    assert sighting is not None and sighting.incident_id is not None
    return sighting.incident_id


def answers(h: BotHarness) -> list[str]:
    return [p.get("text") or "" for e, p in h.request.calls if e == "answerCallbackQuery"]


# ---------------------------------------------------------------------------- /meldingen


async def test_meldingen_is_scoped_to_the_officers_own_area(harness: BotHarness) -> None:
    h = harness
    centrum = await report(h, RESIDENT, where="5701 AB 12")  # Binnenstad
    oost = await report(h, RESIDENT + 1, where="5708 AB 3", category="nuisance",
                        description="Harde muziek uit een auto, al een uur")  # Helmond-Oost
    await h.deliver()
    own = await desk(h, WIJKAGENT_BINNENSTAD)
    assert centrum in own["text"] and oost not in own["text"]
    assert "Verdachte persoon" in own["text"] and "Nieuw" in own["text"]
    other = await desk(h, WIJKAGENT_OOST)
    assert oost in other["text"] and centrum not in other["text"]
    # Another wijk's officer cannot open it with a forged button either.
    binnenstad_incident = await incident_of(h, centrum)
    h.request.clear()
    await press(h, WIJKAGENT_NOORD, f"dk:o:{binnenstad_incident}")
    assert h.request.sent(WIJKAGENT_NOORD) == []
    assert "niet aan jou" in answers(h)[-1]
    # The gemeente's desk sees the whole gemeente; a coordinator only the team's buurten.
    gemeente = await desk(h, FALLBACK_DESK)
    assert centrum in gemeente["text"] and oost in gemeente["text"]
    coordinator = await desk(h, COORDINATOR)
    assert centrum in coordinator["text"] and oost not in coordinator["text"]
    # A resident has no desk.
    await h.send(h.updates.message(RESIDENT + 5, "/meldingen"))
    assert "voor wijkagenten" in h.request.last_text(RESIDENT + 5)


async def test_care_desk_sees_only_the_care_categories(harness: BotHarness) -> None:
    h = harness
    care = await report(h, RESIDENT, category="confused_person",
                        description="Oudere man loopt verward rond zonder jas, zoekt zijn huis")
    suspicious = await report(h, RESIDENT + 1)
    text = (await desk(h, CARE_DESK))["text"]
    assert care in text and suspicious not in text


async def test_paging_and_filters(harness: BotHarness) -> None:
    h = harness
    categories = ["suspicious_person", "suspicious_vehicle", "nuisance", "youth_nuisance", "neglect", "other",
                  "fire_hazard"]
    descriptions = {"suspicious_person": "Man in grijze jas probeert deurklinken, liep richting station",
                    "suspicious_vehicle": "Busje rijdt langzaam rond, kijkt bij ramen",
                    "nuisance": "Harde muziek uit een auto, al een uur",
                    "youth_nuisance": "Groep op de stoep gooit met vuurwerk",
                    "neglect": "Kapotte lantaarnpaal bij het speeltuintje",
                    "other": "Losse stoeptegels, iemand struikelde",
                    "fire_hazard": "Rook uit een container achter de winkels"}
    references = []
    for n, category in enumerate(categories):
        references.append(await report(h, RESIDENT + n, category=category, description=descriptions[category]))
        h.clock.advance(minutes=1)
    first = await desk(h, WIJKAGENT_BINNENSTAD)
    assert "7 in totaal" in first["text"] and "pagina 1 van 2" in first["text"]
    opened = [data for _, data in buttons(first) if data.startswith("dk:o:")]
    assert len(opened) == 5
    # Urgent first (fire, the two suspicious ones), then the newest.
    lines = [line for line in first["text"].split("\n\n") if "M-2026-" in line]
    assert "🚨" in lines[0] and "Brandgevaar" in lines[0]
    assert [d for _, d in buttons(first) if d.startswith("dk:l:")][-1] == "dk:l:open:1"
    await press(h, WIJKAGENT_BINNENSTAD, "dk:l:open:1")
    second = h.request.sent(WIJKAGENT_BINNENSTAD, "editMessageText")[-1]
    assert "pagina 2 van 2" in second["text"]
    assert len([d for _, d in buttons(second) if d.startswith("dk:o:")]) == 2
    assert ("◀️ Vorige", "dk:l:open:0") in buttons(second)
    # Pick one up: it leaves "Nieuw" and shows under "Opgepakt" with who picked it up.
    taken = await incident_of(h, references[0])
    await press(h, WIJKAGENT_BINNENSTAD, f"ack:{taken}:take")
    await press(h, WIJKAGENT_BINNENSTAD, "dk:l:taken:0")
    only_taken = h.request.sent(WIJKAGENT_BINNENSTAD, "editMessageText")[-1]["text"]
    assert references[0] in only_taken and "1 in totaal" in only_taken
    assert "Wijkagent 10 (voorbeeld)" in only_taken
    await press(h, WIJKAGENT_BINNENSTAD, "dk:l:new:0")
    assert references[0] not in h.request.sent(WIJKAGENT_BINNENSTAD, "editMessageText")[-1]["text"]
    # A page past the end shows the last one.
    await press(h, WIJKAGENT_BINNENSTAD, "dk:l:open:9")
    assert "pagina 2 van 2" in h.request.sent(WIJKAGENT_BINNENSTAD, "editMessageText")[-1]["text"]


async def test_detail_has_the_pin_the_buttons_and_the_history(harness: BotHarness) -> None:
    h = harness
    centre = h.services.locator.index.centroid("BU07941000")
    assert centre is not None
    reference = await report(h, RESIDENT, where=(centre.lat, centre.lon))
    incident = await incident_of(h, reference)
    await press(h, WIJKAGENT_BINNENSTAD, f"ack:{incident}:take")
    h.request.clear()
    await press(h, WIJKAGENT_BINNENSTAD, f"dk:o:{incident}")
    pin = h.request.sent(WIJKAGENT_BINNENSTAD, "sendLocation")
    assert len(pin) == 1 and abs(float(pin[0]["latitude"]) - centre.lat) < 1e-6
    full = h.request.sent(WIJKAGENT_BINNENSTAD, "sendMessage")[-1]
    assert reference in full["text"] and "Melder:" in full["text"] and "Verloop" in full["text"]
    assert "Wordt opgepakt (Wijkagent 10 (voorbeeld))" in full["text"]
    assert (f"dk:q:{incident}") in [d for _, d in buttons(full)]
    # A coordinator sees it as the group does: no reporter, no pin, no buttons.
    h.request.clear()
    await press(h, COORDINATOR, f"dk:o:{incident}")
    assert h.request.sent(COORDINATOR, "sendLocation") == []
    seen = h.request.sent(COORDINATOR, "sendMessage")[-1]
    assert reference in seen["text"] and "Melder" not in seen["text"] and buttons(seen) == []
    # ... and may not act on it.
    await press(h, COORDINATOR, f"ack:{incident}:done")
    assert "niet behandelen" in answers(h)[-1]


# ---------------------------------------------------------------------------- outcomes, note, reopen


async def test_outcomes_closing_note_in_the_reporters_language_and_reopen(harness: BotHarness) -> None:
    h = harness
    reference = await report(h, RESIDENT, language="en")
    incident = await incident_of(h, reference)
    await h.deliver()
    copy = h.request.sent(WIJKAGENT_BINNENSTAD, "sendMessage")[0]
    labels = [text for text, _ in buttons(copy)]
    assert labels == ["🙋 Ik pak dit op", "❓ Vraag aan melder", "✅ Afgerond", "➖ Geen actie nodig",
                      "⚠️ Vals alarm", "🔁 Overdragen"]
    await press(h, WIJKAGENT_BINNENSTAD, f"ack:{incident}:none")
    await h.deliver()
    assert "no action" in h.request.last_text(RESIDENT)
    edit = h.request.sent(WIJKAGENT_BINNENSTAD, "editMessageText")[-1]
    assert "Geen actie nodig" in edit["text"]
    assert [d for _, d in buttons(edit)] == [f"dk:r:{incident}", f"dk:n:{incident}"]
    # The optional closing note: one line, relayed with the reference, framed in English.
    await press(h, WIJKAGENT_BINNENSTAD, f"dk:n:{incident}")
    assert "notitie" in h.request.last_text(WIJKAGENT_BINNENSTAD)
    await h.send(h.updates.message(WIJKAGENT_BINNENSTAD, "Buurman bleek zijn sleutels kwijt.\nNiets aan de hand."))
    assert "naar de melder gestuurd" in h.request.last_text(WIJKAGENT_BINNENSTAD)
    await h.deliver()
    note = h.request.last_text(RESIDENT)
    assert reference in note and "Buurman bleek zijn sleutels kwijt. Niets aan de hand." in note
    assert note.startswith("✍️ Note")
    assert "Wijkagent" not in note and "200010" not in note
    # Reopen: open again, picked up by whoever reopened it, in the audit trail.
    await press(h, WIJKAGENT_BINNENSTAD, f"dk:r:{incident}")
    assert "Heropend" in answers(h)[-1]
    stored = await sightings.get_incident(h.services.db, incident)
    assert stored is not None and stored.status.value == "acknowledged"
    await h.deliver()
    assert "✅ Afgerond" in [t for t, _ in buttons(h.request.sent(WIJKAGENT_BINNENSTAD, "editMessageText")[-1])]
    actions = [e.action for e in await desk_store.events(h.services.db, incident)]
    assert actions == ["no_action", "note", "reopened"]
    await press(h, WIJKAGENT_BINNENSTAD, f"dk:r:{incident}")
    assert "nog open" in answers(h)[-1]


async def test_old_handled_status_migrates_to_afgerond(tmp_path: Any) -> None:
    from storage.db import load_migrations

    migrations = load_migrations()
    db = await Database.open(tmp_path / "old.db", migrate=False)
    try:
        await db.migrate([m for m in migrations if m.name != "desk"])
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO incidents (id, category, buurt_code, wijk_code, gemeente_code, first_at, last_at, status,"
                " acknowledged_by, acknowledged_at, closed_at) VALUES (1, 'nuisance', 'BU07941000', 'WK079410',"
                " 'GM0794', '2026-01-01T10:00:00+00:00', '2026-01-01T10:00:00+00:00', 'handled', 200010,"
                " '2026-01-01T10:05:00+00:00', '2026-01-01T11:00:00+00:00')")
            await tx.execute(
                "INSERT INTO sightings (reference, incident_id, category, gemeente_code, wijk_code, buurt_code,"
                " location_source, occurred_at, status, created_at) VALUES ('M-2026-00001', 1, 'nuisance', 'GM0794',"
                " 'WK079410', 'BU07941000', 'pdok', '2026-01-01T10:00:00+00:00', 'handled',"
                " '2026-01-01T10:00:00+00:00')")
        await db.migrate(migrations)
        incident = await sightings.get_incident(db, 1)
        assert incident is not None and incident.status.value == "resolved"
        assert [(e.action, e.actor_id) for e in await desk_store.events(db, 1)] == [
            ("acknowledged", 200010), ("resolved", None)]
    finally:
        await db.close()


def payload_texts(h: BotHarness, chat: int) -> list[str]:
    return [json.dumps(p, ensure_ascii=False) for p in h.request.sent(chat)]
