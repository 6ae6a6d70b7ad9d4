"""Pure scheduling rules for tips: weekly times across DST, quiet hours, missed sends, choice."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar


def local_at(day: dt.date, time: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """``time`` on ``day`` in ``tz``. A time in the spring-forward gap moves to after the gap;
    an ambiguous time in the autumn fall-back hour is the first of the two (fold=0)."""
    naive = dt.datetime.combine(day, time)
    aware = naive.replace(tzinfo=tz, fold=0)
    # Round-trip through UTC: a non-existent local time comes back shifted by the gap.
    back = aware.astimezone(dt.UTC).astimezone(tz)
    if back.replace(tzinfo=None) != naive:
        return back  # in the gap: the wall clock jumped past it
    return aware


def occurrences(after: dt.datetime, weekday: int, time: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The first weekly occurrence strictly after ``after``."""
    local_day = after.astimezone(tz).date()
    for offset in range(0, 15):
        day = local_day + dt.timedelta(days=offset)
        if day.weekday() != weekday:
            continue
        candidate = local_at(day, time, tz)
        if candidate > after:
            return candidate
    raise AssertionError("a weekday occurs within two weeks")


def next_weekly(after: dt.datetime, weekday: int, time: dt.time, tz: dt.tzinfo) -> dt.datetime:
    return occurrences(after, weekday, time, tz)


def previous_weekly(at_or_before: dt.datetime, weekday: int, time: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The latest weekly occurrence at or before the given moment."""
    local_day = at_or_before.astimezone(tz).date()
    for offset in range(0, 15):
        day = local_day - dt.timedelta(days=offset)
        if day.weekday() != weekday:
            continue
        candidate = local_at(day, time, tz)
        if candidate <= at_or_before:
            return candidate
    raise AssertionError("a weekday occurs within two weeks")


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: dt.time = dt.time(22, 0)
    end: dt.time = dt.time(8, 0)

    def contains(self, moment: dt.datetime, tz: dt.tzinfo) -> bool:
        local = moment.astimezone(tz).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # spans midnight


def defer_for_quiet_hours(when: dt.datetime, quiet: QuietHours, tz: dt.tzinfo, *, urgent: bool = False) -> dt.datetime:
    """Tips wait until quiet hours end; alerts (urgent) never wait."""
    if urgent or not quiet.contains(when, tz):
        return when
    local = when.astimezone(tz)
    day = local.date() if local.time() < quiet.end else local.date() + dt.timedelta(days=1)
    return local_at(day, quiet.end, tz)


class Missed(StrEnum):
    SEND = "send"
    SKIP = "skip"
    WAIT = "wait"


def decide_missed(scheduled_for: dt.datetime, now: dt.datetime, grace: dt.timedelta) -> Missed:
    """A due time in the past within the grace window is sent (once); older is skipped."""
    if scheduled_for > now:
        return Missed.WAIT
    if now - scheduled_for <= grace:
        return Missed.SEND
    return Missed.SKIP


def weekly_key(schedule_id: str | int, scheduled_for: dt.datetime, tz: dt.tzinfo) -> str:
    """Idempotency key of a weekly send: one per ISO week, so moving the day or time after this
    week's tip went out does not send a second one."""
    year, week, _ = scheduled_for.astimezone(tz).date().isocalendar()
    return f"{schedule_id}@{year}-W{week:02d}"


class TipLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def theme(self) -> str: ...
    @property
    def seasons(self) -> tuple[str, ...]: ...


AnyTip = TypeVar("AnyTip", bound=TipLike)


def pick_tip(tips: Sequence[AnyTip], *, date: dt.date, opted_out_themes: Iterable[str],
             recently_sent_ids: Iterable[str], active_seasons: set[str], seed: str) -> AnyTip | None:
    """Deterministic choice: in-season tips first, never an opted-out theme, no recent repeats."""
    out = set(opted_out_themes)
    recent = set(recently_sent_ids)
    allowed = [t for t in tips if t.theme not in out]
    if not allowed:
        return None
    fresh = [t for t in allowed if t.id not in recent] or allowed
    seasonal = [t for t in fresh if set(t.seasons) & (active_seasons - {"all_year"})]
    pool = seasonal or [t for t in fresh if "all_year" in t.seasons] or fresh
    digest = hashlib.sha256(f"{seed}:{date.isoformat()}".encode()).digest()
    return random.Random(digest).choice(sorted(pool, key=lambda t: t.id))
