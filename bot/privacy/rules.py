"""Pure rules for privacy and abuse: report limits, mutes, and what erasure takes out."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from bot.core.i18n import LANGUAGES, translator

REPORT_WINDOW = dt.timedelta(hours=1)


def minutes_until_allowed(
    recent: Sequence[dt.datetime], *, now: dt.datetime, limit: int, window: dt.timedelta = REPORT_WINDOW
) -> int | None:
    """None when another report is allowed now; else whole minutes to wait (rounded up)."""
    in_window = sorted(t for t in recent if now - t < window)
    if len(in_window) < limit:
        return None
    # The oldest report that must leave the window before one more fits.
    frees_at = in_window[len(in_window) - limit] + window
    return max(1, math.ceil((frees_at - now).total_seconds() / 60))


def is_muted(muted_until: dt.datetime | None, now: dt.datetime) -> bool:
    return muted_until is not None and muted_until > now


# --- erasure: the reporter line in officers' copies of a report -------------------------------

def _prefix(template: str) -> str:
    """The fixed start of a translated "Label: {value}" line."""
    return template.partition("{")[0]


def strip_reporter_line(text: str, language: str) -> str:
    """The officer's copy of a report without its "Melder: …" line (bot/render.py writes it).

    Only lines after the reference line count, so a description that happens to start with
    the same word stays whole. Every supported language's label is tried, as the stored
    language may not be the one the message was written in.
    """
    order = [language, *(lang for lang in LANGUAGES if lang != language)]
    reporter = {_prefix(translator(lang).gettext("Melder: {reporter}")) for lang in order}
    reference = {_prefix(translator(lang).gettext("Referentie: {reference}")) for lang in order}
    lines = text.split("\n")
    start = 0
    for index, line in enumerate(lines):
        if any(line.startswith(p) for p in reference):
            start = index + 1
    kept = lines[:start] + [line for line in lines[start:] if not any(line.startswith(p) for p in reporter)]
    return "\n".join(kept)
