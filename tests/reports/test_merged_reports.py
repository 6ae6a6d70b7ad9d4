"""A report merged into an incident reaches the officers in full, as a reply to their first message."""


from __future__ import annotations

from tests.conftest import BotHarness
from tests.journeys import (
    GROUP_BINNENSTAD,
    RESIDENT,
    WIJKAGENT_BINNENSTAD,
    file_report,
)

SECOND = RESIDENT + 1


async def report(h: BotHarness, reporter: int, *, category: str = "suspicious_person", description: str,
                 photo: str | None = None, when: str = "now") -> str:
    return await file_report(h, reporter=reporter, category=category, description=description, photo=photo, when=when)


async def test_a_merged_report_reaches_the_wijkagent_as_a_reply_with_text_photo_and_name(harness: BotHarness) -> None:
    h = harness
    first = await report(h, RESIDENT, description="Man in grijze jas bij de achterdeuren, liep richting kerk")
    # The second report comes before the first message is even out: the reply waits for it.
    second = await report(h, SECOND, description="Tweede man met rode pet en blauwe jas stond op de uitkijk bij de kerk",
                          photo="SECOND-PHOTO")
    await h.deliver()
    agent = h.request.sent(WIJKAGENT_BINNENSTAD)
    originals = [p for p in agent if "reply_parameters" not in p and "message_id" not in p]
    assert len(originals) == 1 and first in originals[0]["text"]
    first_message_id = next(int(p["message_id"]) for e, p in h.request.calls
                            if e == "editMessageText" and int(p["chat_id"]) == WIJKAGENT_BINNENSTAD)
    replies = [p for p in agent if "reply_parameters" in p]
    assert [int(r["reply_parameters"]["message_id"]) for r in replies] == [first_message_id, first_message_id]
    text = next(r["text"] for r in replies if "text" in r)
    assert f"Aanvulling op {first}" in text and second in text
    assert "rode pet en blauwe jas stond op de uitkijk" in text and "Bewoner100002" in text
    photo = next(r for r in replies if "photo" in r)
    assert photo["photo"] == "SECOND-PHOTO" and second in photo["caption"]
    # The edit of the first message still counts both reports.
    edits = h.request.sent(WIJKAGENT_BINNENSTAD, "editMessageText")
    assert "2 meldingen" in edits[-1]["text"] and second in edits[-1]["text"]
    # The group gets only the edited count: no second message, no name, no photo.
    group = h.request.sent(GROUP_BINNENSTAD)
    assert len(h.request.sent(GROUP_BINNENSTAD, "sendMessage")) == 1
    assert not h.request.sent(GROUP_BINNENSTAD, "sendPhoto")
    assert "2 meldingen" in group[-1]["text"]
    assert not any("Bewoner100002" in (p.get("text") or "") for p in group)


async def test_a_merged_report_after_the_first_was_delivered_also_replies(harness: BotHarness) -> None:
    h = harness
    await report(h, RESIDENT, description="Man in grijze jas bij de achterdeuren, liep richting kerk")
    await h.deliver()
    assert len(h.request.sent(WIJKAGENT_BINNENSTAD, "sendMessage")) == 1
    row = await h.services.db.fetchone(
        "SELECT message_id FROM outbox WHERE chat_id = ? AND method = 'sendMessage'", (WIJKAGENT_BINNENSTAD,))
    assert row is not None and row[0] is not None
    await report(h, SECOND, description="Tweede man met rode pet en blauwe jas stond op de uitkijk bij de kerk")
    await h.deliver()
    reply = h.request.sent(WIJKAGENT_BINNENSTAD, "sendMessage")[-1]
    assert "rode pet" in reply["text"]
    assert int(reply["reply_parameters"]["message_id"]) == row[0]
    # Only officers get the addition: the group and the first reporter do not.
    assert len(h.request.sent(GROUP_BINNENSTAD, "sendMessage")) == 1
    assert not any("rode pet" in t for t in h.request.texts(RESIDENT))


async def test_the_addition_to_an_officer_loses_the_reporter_name_after_vergeetmij(harness: BotHarness) -> None:
    h = harness
    await report(h, RESIDENT, description="Man in grijze jas bij de achterdeuren, liep richting kerk")
    await report(h, SECOND, description="Tweede man met rode pet en blauwe jas stond op de uitkijk bij de kerk")
    from storage.privacy import erase_person

    await erase_person(h.services.db, SECOND, now=h.clock())
    rows = await h.services.db.fetchall(
        "SELECT payload FROM outbox WHERE chat_id = ? AND method = 'sendMessage' AND reply_to IS NOT NULL",
        (WIJKAGENT_BINNENSTAD,))
    assert rows and all("Bewoner100002" not in r[0] for r in rows)
