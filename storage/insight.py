"""Aggregates for /overzicht: reports per area and category, acknowledgement times, outcomes."""

from __future__ import annotations

import datetime as dt

from storage.db import Database, from_db_time, to_db_time


def _area_filter(prefixes: list[str]) -> tuple[str, list[str]]:
    """SQL matching buurtcodes that start with any of the BU prefixes."""
    clauses = " OR ".join("buurt_code LIKE ?" for _ in prefixes)
    return f"({clauses})", [p + "%" for p in prefixes]


async def counts(db: Database, prefixes: list[str], since: dt.datetime, until: dt.datetime,
                 *, by: str) -> dict[tuple[str, str], int]:
    """(area code, category) → number of sightings; ``by`` is 'wijk_code' or 'buurt_code'."""
    assert by in ("wijk_code", "buurt_code", "gemeente_code")
    where, params = _area_filter(prefixes)
    rows = await db.fetchall(
        f"SELECT {by}, category, COUNT(*) FROM sightings WHERE {where} AND created_at >= ? AND created_at < ?"
        f" GROUP BY {by}, category", [*params, to_db_time(since), to_db_time(until)])
    return {(r[0], r[1]): r[2] for r in rows}


async def acknowledgement_minutes(db: Database, prefixes: list[str], since: dt.datetime,
                                  until: dt.datetime) -> list[float]:
    where, params = _area_filter(prefixes)
    rows = await db.fetchall(
        f"SELECT first_at, acknowledged_at FROM incidents WHERE {where} AND first_at >= ? AND first_at < ?"
        f" AND acknowledged_at IS NOT NULL", [*params, to_db_time(since), to_db_time(until)])
    result = []
    for first, acknowledged in rows:
        a, b = from_db_time(first), from_db_time(acknowledged)
        if a and b:
            result.append((b - a).total_seconds() / 60)
    return result


async def outcomes(db: Database, prefixes: list[str], since: dt.datetime, until: dt.datetime) -> dict[str, int]:
    where, params = _area_filter(prefixes)
    rows = await db.fetchall(
        f"SELECT status, COUNT(*) FROM incidents WHERE {where} AND first_at >= ? AND first_at < ? GROUP BY status",
        [*params, to_db_time(since), to_db_time(until)])
    return {r[0]: r[1] for r in rows}


async def monthly(db: Database, prefixes: list[str], since: dt.datetime,
                  until: dt.datetime) -> list[tuple[str, str, str, str, str, int]]:
    """(gemeente, wijk, buurt, category, YYYY-MM, count) for the CSV export."""
    where, params = _area_filter(prefixes)
    rows = await db.fetchall(
        f"SELECT gemeente_code, wijk_code, buurt_code, category, substr(created_at, 1, 7), COUNT(*)"
        f" FROM sightings WHERE {where} AND created_at >= ? AND created_at < ?"
        f" GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 5, 4", [*params, to_db_time(since), to_db_time(until)])
    return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


OUTCOME_STATUSES = ("resolved", "false_alarm", "expired", "no_action")


async def outcomes_by_area(db: Database, prefixes: list[str], since: dt.datetime, until: dt.datetime,
                           *, by: str) -> dict[tuple[str, str], int]:
    """(area code, outcome status) → number of ended alerts (incidents) that started in the period."""
    assert by in ("wijk_code", "buurt_code", "gemeente_code")
    where, params = _area_filter(prefixes)
    marks = ",".join("?" * len(OUTCOME_STATUSES))
    rows = await db.fetchall(
        f"SELECT {by}, status, COUNT(*) FROM incidents WHERE {where} AND first_at >= ? AND first_at < ?"
        f" AND status IN ({marks}) GROUP BY 1, 2",
        [*params, to_db_time(since), to_db_time(until), *OUTCOME_STATUSES])
    return {(r[0], r[1]): r[2] for r in rows}


async def monthly_outcomes(db: Database, prefixes: list[str], since: dt.datetime,
                           until: dt.datetime) -> dict[tuple[str, str, str, str, str], dict[str, int]]:
    """(gemeente, wijk, buurt, category, YYYY-MM) → {outcome status: ended alerts} for the CSV.

    An alert counts in the month it started, as its reports do (``monthly``)."""
    where, params = _area_filter(prefixes)
    marks = ",".join("?" * len(OUTCOME_STATUSES))
    rows = await db.fetchall(
        f"SELECT gemeente_code, wijk_code, buurt_code, category, substr(first_at, 1, 7), status, COUNT(*)"
        f" FROM incidents WHERE {where} AND first_at >= ? AND first_at < ? AND status IN ({marks})"
        f" GROUP BY 1, 2, 3, 4, 5, 6", [*params, to_db_time(since), to_db_time(until), *OUTCOME_STATUSES])
    result: dict[tuple[str, str, str, str, str], dict[str, int]] = {}
    for r in rows:
        result.setdefault((r[0], r[1], r[2], r[3], r[4]), {})[r[5]] = r[6]
    return result
