"""Killed right after a report is stored (issue 18, item 9): the resident still gets the
"Ontvangen" receipt once the bot runs again, and *Versturen* pressed again answers with it
(it was lost 1-3 times in 7 kills, and the second press said "verlopen").

The kill is exact: the emulator SIGKILLs the bot when it answers the Versturen press, which the
handler does after the report's transaction has committed and before it edits the summary."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from tests.faults.process import RESIDENT, healthy, running, start_bot, until, world, write_config

DESCRIPTION = "Man in grijze jas probeert deurklinken, liep richting station"


async def reply(w: Any, count: int, words: str) -> None:
    """Wait for the bot's ``count``-th message to the resident, which says ``words``."""
    await w.wait_for(lambda: len(w.texts(RESIDENT)) >= count, within=30)
    assert words in w.texts(RESIDENT)[count - 1], w.texts(RESIDENT)


async def test_killed_after_the_report_is_stored_the_receipt_still_arrives(tmp_path: Path) -> None:
    emulator = await world()
    w = emulator.world
    config = write_config(tmp_path, emulator)
    try:
        with running(start_bot(config, emulator)) as first:
            await healthy(first)
            w.send_text(RESIDENT, "/melding")
            await reply(w, 1, "Wat wil je melden")
            w.press(RESIDENT, RESIDENT, "rep:cat:suspicious_person")
            await reply(w, 2, "112")
            w.press(RESIDENT, RESIDENT, "rep:112:yes")
            await reply(w, 3, "Waar was het")
            w.send_text(RESIDENT, "5701 AB 12")
            await reply(w, 4, "Wanneer was het")
            w.press(RESIDENT, RESIDENT, "rep:when:now")
            await reply(w, 5, "Beschrijf")
            w.send_text(RESIDENT, DESCRIPTION)
            await reply(w, 6, "foto")
            w.press(RESIDENT, RESIDENT, "rep:nophoto")
            await reply(w, 7, "Controleer je melding")
            summary = w.sent_to(RESIDENT)[-1]
            killed: list[float] = []

            def kill_on_answer(method: str, params: dict[str, Any]) -> None:
                if method.lower() == "answercallbackquery" and params.get("callback_query_id") == confirm and not killed:
                    os.kill(first.pid, signal.SIGKILL)
                    first.process.wait(timeout=10)  # dead before this answer goes back
                    killed.append(time.monotonic())

            w.on_call.append(kill_on_answer)
            confirm = w.press_button(RESIDENT, RESIDENT, summary.message_id, "rep:confirm")
            await until(lambda: killed, within=30, what="the kill at the answer to Versturen")
            w.on_call.remove(kill_on_answer)
        assert "Ontvangen" not in (summary.text or "")  # the kill came before the receipt
        with running(start_bot(config, emulator)) as second:
            await healthy(second)
            await w.wait_for(lambda: "Ontvangen" in (summary.text or ""), within=60)
            waited = time.monotonic() - killed[0]
            assert "referentie is M-" in (summary.text or "")
            assert summary.buttons == []  # Versturen is gone with the edit
            assert sum("Ontvangen" in t for t in w.texts(RESIDENT)) == 1  # one message, no second receipt
            # Pressed again anyway (an old client still shows the button): the receipt, not "verlopen".
            again = w.press_button(RESIDENT, RESIDENT, summary.message_id, "rep:confirm")
            await until(lambda: again in w.answered_callbacks, within=30, what="the answer to the second press")
            assert w.answered_callbacks[again].get("text") == "Je melding is al verstuurd."
            assert sum("Ontvangen" in t for t in w.texts(RESIDENT)) == 1
            print(f"\nkilled after the report was stored: receipt on the summary {waited:.1f} s after the kill "
                  f"(restart included), 1 receipt, second press answered 'al verstuurd'")
    finally:
        await emulator.stop()

