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


# ---------------------------------------------------------------------------- hand-over


async def test_hand_over_to_the_adjacent_wijk_with_a_note(harness: BotHarness) -> None:
    h = harness
    reference = await report(h, RESIDENT)
    incident = await incident_of(h, reference)
    await h.deliver()
    await press(h, WIJKAGENT_BINNENSTAD, f"ack:{incident}:take")
    h.request.clear()
    await press(h, WIJKAGENT_BINNENSTAD, f"dk:h:{incident}")
    choice = h.request.sent(WIJKAGENT_BINNENSTAD, "sendMessage")[-1]
    people = dict((data, text) for text, data in buttons(choice))
    # Colleagues of the wijk and of the adjacent Helmond-Oost; not the one handing over, nor a far wijk.
    assert f"dk:t:{incident}:{BOA_BINNENSTAD}" in people and f"dk:t:{incident}:{WIJKAGENT_OOST}" in people
    assert f"dk:t:{incident}:{WIJKAGENT_BINNENSTAD}" not in people
    assert people[f"dk:t:{incident}:{WIJKAGENT_OOST}"] == "Wijkagent 11 (voorbeeld)"
    # A forged target far away is refused.
    await press(h, WIJKAGENT_BINNENSTAD, f"dk:t:{incident}:200099")
    assert "niet worden overgedragen" in answers(h)[-1]
    await press(h, WIJKAGENT_BINNENSTAD, f"dk:t:{incident}:{WIJKAGENT_OOST}")
    assert "Zonder notitie" in [t for t, _ in buttons(h.request.sent(WIJKAGENT_BINNENSTAD, "editMessageText")[-1])]
    await h.send(h.updates.message(WIJKAGENT_BINNENSTAD, "Loopt door in jouw wijk, graag even langsrijden"))
    assert "Overgedragen" in h.request.last_text(WIJKAGENT_BINNENSTAD)
    await h.deliver()
    received = h.request.sent(WIJKAGENT_OOST, "sendMessage")
    assert reference in received[0]["text"] and "Melder:" in received[0]["text"]
    assert any(d.startswith("ack:") for _, d in buttons(received[0]))
    assert "Wijkagent 10 (voorbeeld) heeft melding" in received[1]["text"]
    assert "graag even langsrijden" in received[1]["text"]
    # It is theirs now: on the desk, in the history, and they may act on it.
    listed = await desk(h, WIJKAGENT_BINNENSTAD)
    assert "Wordt opgepakt — Wijkagent 11 (voorbeeld)" in listed["text"]
    await press(h, WIJKAGENT_OOST, f"dk:o:{incident}")
    detail = h.request.sent(WIJKAGENT_OOST, "sendMessage")[-1]["text"]
    assert "overgedragen aan Wijkagent 11 (voorbeeld) (Wijkagent 10 (voorbeeld))" in detail
    assert "graag even langsrijden" in detail
    await press(h, WIJKAGENT_OOST, f"ack:{incident}:done")
    stored = await sightings.get_incident(h.services.db, incident)
    assert stored is not None and stored.status.value == "resolved"


# ---------------------------------------------------------------------------- a line to the reporter


async def test_question_and_answer_relayed_without_names_and_stored(harness: BotHarness) -> None:
    h = harness
    reference = await report(h, RESIDENT, language="en")
    incident = await incident_of(h, reference)
    await h.deliver()
    await press(h, WIJKAGENT_BINNENSTAD, f"dk:q:{incident}")
    assert "ziet je naam niet" in h.request.last_text(WIJKAGENT_BINNENSTAD)
    await h.send(h.updates.message(WIJKAGENT_BINNENSTAD, "Welke kant liep hij op na het station?"))
    assert "doorgestuurd" in h.request.last_text(WIJKAGENT_BINNENSTAD)
    await h.deliver()
    asked = h.request.sent(RESIDENT, "sendMessage")[-1]
    assert reference in asked["text"] and "Welke kant liep hij op" in asked["text"]
    assert asked["text"].startswith("❓ <b>A question about your report")
    for hidden in ("Wijkagent", "200010", "user200010"):
        assert hidden not in json.dumps(asked, ensure_ascii=False)
    answer_button = [d for _, d in buttons(asked) if d.startswith("dk:a:")]
    assert len(answer_button) == 1
    # Someone else cannot answer it.
    await press(h, RESIDENT + 7, answer_button[0])
    assert "niet geldig" in answers(h)[-1]
    await press(h, RESIDENT, answer_button[0])
    await h.send(h.updates.message(RESIDENT, "Richting de Markt, met een fiets aan de hand"))
    assert "Thank you" in h.request.last_text(RESIDENT)
    await h.deliver()
    relayed = h.request.last_text(WIJKAGENT_BINNENSTAD)
    assert reference in relayed and "Richting de Markt" in relayed
    assert "Bewoner" not in relayed and "user100001" not in relayed
    # Once only.
    await press(h, RESIDENT, answer_button[0])
    assert "already been answered" in answers(h)[-1]
    # Stored with the incident, shown on the desk.
    await press(h, WIJKAGENT_BINNENSTAD, f"dk:o:{incident}")
    detail = h.request.sent(WIJKAGENT_BINNENSTAD, "sendMessage")[-1]["text"]
    assert "Welke kant liep hij op" in detail and "Richting de Markt" in detail
    # /mijngegevens has it; /vergeetmij takes the answer out; retention the question too.
    from storage.privacy import apply_retention, erase_person, export_person

    exported = await export_person(h.services.db, RESIDENT)
    assert any("Richting de Markt" in json.dumps(q, ensure_ascii=False) for q in exported["questions_answered"])
    await erase_person(h.services.db, RESIDENT, now=h.clock.now)
    stored = await desk_store.questions_of(h.services.db, incident)
    assert stored[0].answer is None and stored[0].reporter_id is None
    rows = await h.services.db.fetchall("SELECT payload FROM outbox WHERE kind = 'desk_answer'")
    assert all("Richting de Markt" not in r[0] for r in rows)
    h.clock.advance(days=h.services.config.retention_days + 1)
    await apply_retention(h.services.db, now=h.clock.now, retention_days=h.services.config.retention_days)
    stored = await desk_store.questions_of(h.services.db, incident)
    assert stored[0].question is None
    notes = await h.services.db.fetchall("SELECT note FROM incident_events WHERE note IS NOT NULL")
    assert notes == []


async def test_a_typed_line_is_only_taken_while_the_desk_waits(harness: BotHarness) -> None:
    h = harness
    reference = await report(h, RESIDENT)
    incident = await incident_of(h, reference)
    await press(h, WIJKAGENT_BINNENSTAD, f"dk:q:{incident}")
    await press(h, WIJKAGENT_BINNENSTAD, "dk:x")
    assert "Geannuleerd" in answers(h)[-1]
    h.request.clear()
    await h.send(h.updates.message(WIJKAGENT_BINNENSTAD, "Dit is geen vraag"))
    await h.deliver()
    assert h.request.sent(RESIDENT) == []
    # After half an hour the waiting line is forgotten too.
    await press(h, WIJKAGENT_BINNENSTAD, f"dk:q:{incident}")
    h.clock.advance(minutes=31)
    await h.send(h.updates.message(WIJKAGENT_BINNENSTAD, "Te laat"))
    await h.deliver()
    assert h.request.sent(RESIDENT) == []
    # Someone who may not act on it cannot ask.
    await press(h, WIJKAGENT_NOORD, f"dk:q:{incident}")
    assert "niet aan jou" in answers(h)[-1]
