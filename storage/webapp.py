"""What the Mini App's map reads: open incidents by who got their messages, urgency per incident."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.domain import OFFICER_KIND_VALUES, RecipientKind
from storage.db import Database
from storage.sightings import Incident, _incident

_OPEN = "i.status IN ('new', 'acknowledged') AND i.closed_at IS NULL"
_ORIGINAL = "o.edit_of IS NULL AND o.method IN ('sendMessage', 'sendPhoto')"


async def open_incidents_for(db: Database, officer_id: int | None, group_chats: Iterable[int]) -> list[Incident]:
    """Open incidents whose report went to ``officer_id`` in private as an officer, or to one of
    ``group_chats`` as the team's alert group (the same deliveries bot.core.permissions reads)."""
    clauses: list[str] = []
    params: list[object] = []
    if officer_id is not None:
        kinds = sorted(OFFICER_KIND_VALUES)
        clauses.append(f"(o.chat_id = ? AND o.kind IN ({','.join('?' * len(kinds))}))")
        params += [officer_id, *kinds]
    groups = sorted(set(group_chats))
    if groups:
        clauses.append(f"(o.chat_id IN ({','.join('?' * len(groups))}) AND o.kind = ?)")
        params += [*groups, RecipientKind.TEAM_GROUP.value]
    if not clauses:
        return []
    rows = await db.fetchall(
        f"SELECT DISTINCT i.* FROM incidents i JOIN outbox o ON o.incident_id = i.id"
        f" WHERE {_OPEN} AND {_ORIGINAL} AND ({' OR '.join(clauses)}) ORDER BY i.first_at DESC LIMIT 500",
        params)
    return [_incident(r) for r in rows]
