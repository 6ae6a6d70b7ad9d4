"""Privacy over time: what the retention tick anonymises, reduces and deletes."""

from __future__ import annotations

import logging

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
