"""Pure rules for privacy and abuse: report limits, mutes, and what erasure takes out."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

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
