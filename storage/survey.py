"""The wijkagenda survey: rounds, invitations, ballots and the results kept at closing."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from storage.db import Database, Transaction, to_db_time
from storage.privacy import register_personal_table

register_personal_table("survey_invitations", "telegram_id")
register_personal_table("survey_ballots", "telegram_id")


@dataclass(frozen=True, slots=True)
class SurveyRound:
    id: int
    gemeente_code: str
    year: int
    options: tuple[str, ...]
    state: str  # open | closed


@dataclass(frozen=True, slots=True)
class WijkResult:
    year: int
    wijk_code: str
    invited: int
    voted: int
    ranking: tuple[tuple[int, str, int], ...]  # (rank, option, votes)


def _round(row: object) -> SurveyRound:
    return SurveyRound(row["id"], row["gemeente_code"], row["year"], tuple(row["options"].split()),  # type: ignore[index]
                       row["state"])  # type: ignore[index]


async def open_round(tx: Transaction, gemeente_code: str, year: int, options: tuple[str, ...],
                     now: dt.datetime) -> SurveyRound | None:
    """Open this year's round once; None when it already existed."""
    cursor = await tx.execute(
        "INSERT OR IGNORE INTO surveys (gemeente_code, year, options, opened_at) VALUES (?, ?, ?, ?)",
        (gemeente_code, year, " ".join(options), to_db_time(now)))
    if cursor.rowcount == 0:
        return None
    row = await tx.fetchone("SELECT * FROM surveys WHERE gemeente_code = ? AND year = ?", (gemeente_code, year))
    return _round(row) if row else None


async def round_of(db: Database | Transaction, gemeente_code: str, year: int) -> SurveyRound | None:
    row = await db.fetchone("SELECT * FROM surveys WHERE gemeente_code = ? AND year = ?", (gemeente_code, year))
    return _round(row) if row else None


async def get(db: Database | Transaction, survey_id: int) -> SurveyRound | None:
    row = await db.fetchone("SELECT * FROM surveys WHERE id = ?", (survey_id,))
    return _round(row) if row else None


async def invite(tx: Transaction, survey_id: int, wijk_code: str, telegram_id: int, now: dt.datetime) -> bool:
    """Record an invitation; False when this person was already invited for this wijk."""
    cursor = await tx.execute(
        "INSERT OR IGNORE INTO survey_invitations (survey_id, wijk_code, telegram_id, invited_at) VALUES (?, ?, ?, ?)",
        (survey_id, wijk_code, telegram_id, to_db_time(now)))
    return cursor.rowcount > 0


async def was_invited(db: Database, survey_id: int, wijk_code: str, telegram_id: int) -> bool:
    row = await db.fetchone(
        "SELECT 1 FROM survey_invitations WHERE survey_id = ? AND wijk_code = ? AND telegram_id = ?",
        (survey_id, wijk_code, telegram_id))
    return row is not None


async def cast(db: Database, survey_id: int, wijk_code: str, telegram_id: int, choices: list[str],
               now: dt.datetime) -> bool:
    """One ballot per person per wijk: a second one changes nothing (False)."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT OR IGNORE INTO survey_ballots (survey_id, wijk_code, telegram_id, choices, cast_at)"
            " SELECT ?, ?, ?, ?, ? FROM surveys WHERE id = ? AND state = 'open'",
            (survey_id, wijk_code, telegram_id, " ".join(choices), to_db_time(now), survey_id))
        return cursor.rowcount > 0


async def ballots(db: Database | Transaction, survey_id: int) -> dict[str, list[list[str]]]:
    """wijkcode → the choices of each ballot."""
    rows = await db.fetchall("SELECT wijk_code, choices FROM survey_ballots WHERE survey_id = ?", (survey_id,))
    result: dict[str, list[list[str]]] = {}
    for wijk, choices in rows:
        result.setdefault(wijk, []).append(choices.split())
    return result


async def invited_counts(db: Database | Transaction, survey_id: int) -> dict[str, int]:
    rows = await db.fetchall(
        "SELECT wijk_code, COUNT(*) FROM survey_invitations WHERE survey_id = ? GROUP BY wijk_code", (survey_id,))
    return {r[0]: int(r[1]) for r in rows}


async def close_round(tx: Transaction, survey_id: int, now: dt.datetime,
                      results: dict[str, tuple[int, int, list[tuple[int, str, int]]]]) -> bool:
    """Close the round and keep its results (wijk → invited, voted, ranking); once only."""
    cursor = await tx.execute("UPDATE surveys SET state = 'closed', closed_at = ? WHERE id = ? AND state = 'open'",
                              (to_db_time(now), survey_id))
    if cursor.rowcount == 0:
        return False
    await tx.executemany(
        "INSERT INTO survey_results (survey_id, wijk_code, invited, voted, ranking) VALUES (?, ?, ?, ?, ?)",
        [(survey_id, wijk, invited, voted, json.dumps(ranking)) for wijk, (invited, voted, ranking) in results.items()])
    # Counted and kept per wijk: who voted what, and who was asked, is no longer needed.
    await tx.execute("DELETE FROM survey_ballots WHERE survey_id = ?", (survey_id,))
    await tx.execute("DELETE FROM survey_invitations WHERE survey_id = ?", (survey_id,))
    return True


async def open_rounds_before(db: Database, gemeente_code: str, year: int) -> list[SurveyRound]:
    """Rounds of earlier years still open (the bot was down when they should have closed)."""
    rows = await db.fetchall("SELECT * FROM surveys WHERE gemeente_code = ? AND year < ? AND state = 'open'",
                             (gemeente_code, year))
    return [_round(r) for r in rows]


async def latest_results(db: Database, wijk_prefixes: list[str]) -> list[WijkResult]:
    """The newest closed round's results for the wijken whose code starts with one of the prefixes."""
    if not wijk_prefixes:
        return []
    where = " OR ".join("r.wijk_code LIKE ?" for _ in wijk_prefixes)
    rows = await db.fetchall(
        "SELECT r.*, s.year FROM survey_results r JOIN surveys s ON s.id = r.survey_id"
        f" WHERE ({where}) AND s.year = (SELECT MAX(s2.year) FROM surveys s2 JOIN survey_results r2"
        "   ON r2.survey_id = s2.id WHERE r2.wijk_code = r.wijk_code)"
        " ORDER BY r.wijk_code", [p + "%" for p in wijk_prefixes])
    return [WijkResult(r["year"], r["wijk_code"], r["invited"], r["voted"],
                       tuple((int(a), str(b), int(c)) for a, b, c in json.loads(r["ranking"]))) for r in rows]


async def audience(db: Database, survey_id: int, gemeente_code: str) -> list[tuple[int, str, str]]:
    """(telegram id, language, wijkcode) of residents following a buurt in the gemeente who were
    not yet invited to this round for that wijk."""
    rows = await db.fetchall(
        "SELECT DISTINCT s.telegram_id, COALESCE(u.language, 'nl'), 'WK' || substr(s.buurt_code, 3, 6) AS wijk"
        " FROM subscriptions s LEFT JOIN users u ON u.telegram_id = s.telegram_id"
        " WHERE s.buurt_code LIKE ? AND COALESCE(u.active, 1) = 1"
        " AND NOT EXISTS (SELECT 1 FROM survey_invitations i WHERE i.survey_id = ? AND i.telegram_id = s.telegram_id"
        "                 AND i.wijk_code = 'WK' || substr(s.buurt_code, 3, 6))"
        " ORDER BY s.telegram_id",
        (f"BU{gemeente_code[2:]}%", survey_id))
    return [(r[0], r[1], r[2]) for r in rows]
