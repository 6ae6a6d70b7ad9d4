"""Privacy over time: what the retention tick anonymises, reduces and deletes."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from bot.runtime.services import Services
from storage import privacy as privacy_store

log = logging.getLogger(__name__)


async def run_retention(services: Services) -> dict[str, int]:
    """One pass of retention ([privacy] retention_days, exact_point_hours); counts per kind."""
    config = services.config
    counts = await privacy_store.apply_retention(services.db, now=services.now(), retention_days=config.retention_days,
                                                 point_hours=config.exact_point_hours)
    if any(counts.values()):
        log.info("retention: anonymised %s", ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


async def export_person(services: Services, user_id: int) -> dict[str, Any]:
    """/mijngegevens: everything stored about this person."""
    return await privacy_store.export_person(services.db, user_id)


async def forget_person(services: Services, user_id: int) -> None:
    """/vergeetmij: erase the person (their reports stay, anonymous); nothing of them stays in
    memory either, and routing no longer names them."""
    await privacy_store.erase_person(services.db, user_id, now=services.now())
    services.draft_cache.pop(user_id, None)
    await services.refresh_directory()


async def set_muted(services: Services, target: int, until: dt.datetime | None, *, by: int) -> None:
    """/demp: mute ``target`` until ``until`` (None lifts the mute)."""
    await privacy_store.set_muted(services.db, target, until, by=by, now=services.now())
