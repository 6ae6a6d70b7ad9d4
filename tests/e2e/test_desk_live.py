"""The wijkagent's desk over HTTP against the emulator: /meldingen with its scope, the full
report, a question and its answer relayed, a hand-over, and a refused delivery re-routed."""

from __future__ import annotations

from tests.e2e.conftest import RESIDENT, WIJKAGENT, Live
from tests.e2e.test_live import report

BOA = 300010  # Binnenstad's BOA
OTHER_WIJKAGENT = 200011  # Helmond-Oost
BACKUP_DESK = 400002


def texts(live: Live, chat: int) -> list[str]:
    return [m.text or m.caption or "" for m in live.world.sent_to(chat)]


async def test_desk_question_answer_and_hand_over_over_http(live: Live) -> None:
    world = live.world
    world.add_user(BOA, "BOA")
    world.add_user(OTHER_WIJKAGENT, "Andere wijkagent")
    await report(live)
    await world.wait_for_messages(WIJKAGENT, 2)
    reference = next(t for t in texts(live, RESIDENT) if "Ontvangen" in t).split("referentie is ")[1].split(".")[0]
    # /meldingen: the wijkagent sees it, another wijk's does not.
    world.send_text(WIJKAGENT, "/meldingen")
    await world.wait_for(lambda: any("Meldingen: Open" in t for t in texts(live, WIJKAGENT)))
    assert any(reference in t for t in texts(live, WIJKAGENT) if "Meldingen: Open" in t)
    world.send_text(OTHER_WIJKAGENT, "/meldingen")
    await world.wait_for(lambda: any("Meldingen: Open" in t for t in texts(live, OTHER_WIJKAGENT)))
    assert not any(reference in t for t in texts(live, OTHER_WIJKAGENT))
    # The full report, then a question to the reporter.
    world.press(WIJKAGENT, WIJKAGENT, reference)
    await world.wait_for(lambda: any("Verloop" in t or "Melder:" in t for t in texts(live, WIJKAGENT)[-1:]))
    world.press(WIJKAGENT, WIJKAGENT, "Vraag aan melder")
    await world.wait_for(lambda: "Typ je vraag" in texts(live, WIJKAGENT)[-1])
    world.send_text(WIJKAGENT, "Had hij een tas bij zich?")
    await world.wait_for(lambda: any("Had hij een tas" in t for t in texts(live, RESIDENT)))
    question = next(t for t in texts(live, RESIDENT) if "Had hij een tas" in t)
    assert reference in question and "Wijkagent" not in question
    world.press(RESIDENT, RESIDENT, "Antwoorden")
    await world.wait_for(lambda: "Typ je antwoord" in texts(live, RESIDENT)[-1])
    world.send_text(RESIDENT, "Ja, een zwarte rugzak")
    await world.wait_for(lambda: any("zwarte rugzak" in t for t in texts(live, WIJKAGENT)))
    answer = next(t for t in texts(live, WIJKAGENT) if "zwarte rugzak" in t)
    assert "Ria" not in answer and "@ria" not in answer
    # Hand-over to the BOA with a note.
    world.press(WIJKAGENT, WIJKAGENT, "Overdragen")
    await world.wait_for(lambda: "Aan wie" in texts(live, WIJKAGENT)[-1])
    world.press(WIJKAGENT, WIJKAGENT, "BOA 10")
    await world.wait_for(lambda: "notitie" in texts(live, WIJKAGENT)[-1])
    world.send_text(WIJKAGENT, "Graag vanavond langs de Markt")
    await world.wait_for(lambda: any("vanavond langs de Markt" in t for t in texts(live, BOA)))
    assert any(reference in t and "Melder:" in t for t in texts(live, BOA))


async def test_a_refused_delivery_is_re_routed_over_http(live: Live) -> None:
    world = live.world
    world.add_user(BACKUP_DESK, "Wachtcommandant")
    world.block(WIJKAGENT)
    await report(live)  # a suspicious person: urgent, so the backup desk gets it
    await world.wait_for(lambda: any("Verdachte persoon" in t for t in texts(live, BACKUP_DESK)))
    await world.wait_for(lambda: any("niet bereikbaar" in t for t in texts(live, RESIDENT)))
