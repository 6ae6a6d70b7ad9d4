"""What the AVG/GDPR asks of storage: export, erase, retention, mute and report limits."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

from bot.core.domain import OFFICER_KIND_VALUES, RECEIPT_KIND
from bot.core.textsafety import strip_reporter_line
from storage.db import Database, Transaction, from_db_time, to_db_time
from storage.users import audit


@dataclass(frozen=True, slots=True)
class PersonalTable:
    """A table with a column that points at a person.

    ``erase="delete"`` removes the person's rows; ``erase="unlink"`` keeps the rows (other
    people's data or the area's history hangs on them) and sets the column, and ``also_null``,
    to NULL. ``export_columns`` limits what /mijngegevens shows where a row also holds data
    about others.
    """

    table: str
    column: str
    erase: Literal["delete", "unlink"] = "delete"
    key: str = ""
    export_columns: str = "*"
    also_null: tuple[str, ...] = ()

    @property
    def export_key(self) -> str:
        return self.key or self.table


# Other features add theirs with register_personal_table, so that export and erase cover them
# too. Erase deletes in reverse order, so "users" goes last.
PERSONAL_TABLES: list[PersonalTable] = [
    PersonalTable("users", "telegram_id"),
    PersonalTable("roles", "telegram_id"),
    PersonalTable("report_drafts", "telegram_id"),
    # Weekly tips to a resident are keyed by their private chat id, which is their user id.
    PersonalTable("tip_schedules", "chat_id"),
    PersonalTable("send_log", "chat_id"),
    PersonalTable("watch_responses", "user_id"),
    # An alert keeps going to the area's history; only the link to its sender goes.
    PersonalTable("broadcasts", "sender_id", "unlink", key="broadcasts_sent",
                  also_null=("progress_chat_id", "progress_message_id")),
    PersonalTable("invites", "used_by", "unlink", key="invites_used",
                  export_columns="code, role, scope, label, used_at"),
    PersonalTable("invites", "created_by", "unlink", key="invites_created",
                  export_columns="code, role, scope, label, created_at, expires_at, used_at, revoked_at"),
    # What they did for others: the rows stay, without their name on them.
    PersonalTable("roles", "granted_by", "unlink", key="roles_granted",
                  export_columns="role, scope, granted_at"),
    PersonalTable("teams", "created_by", "unlink", key="teams_created",
                  export_columns="id, name, gemeente_code, created_at"),
    PersonalTable("alert_groups", "linked_by", "unlink", key="groups_linked",
                  export_columns="chat_id, team_id, title, linked_at"),
    PersonalTable("custom_tips", "created_by", "unlink", key="tips_written"),
    PersonalTable("incidents", "acknowledged_by", "unlink", key="incidents_acknowledged",
                  export_columns="id, category, buurt_code, status, acknowledged_at"),
    # The desk (bot.desk): what an officer did on an incident stays in its history without their
    # name; a reporter's answers to "Vraag aan melder" go with the link to them.
    PersonalTable("incidents", "assigned_to", "unlink", key="incidents_handed_to_you",
                  export_columns="id, category, buurt_code, status"),
    PersonalTable("incident_events", "actor_id", "unlink", key="incident_history",
                  export_columns="incident_id, at, action, note"),
    PersonalTable("incident_events", "target_id", "unlink", key="incidents_handed_over_to_you",
                  export_columns="incident_id, at, action, note"),
    PersonalTable("reporter_questions", "reporter_id", "unlink", key="questions_answered", also_null=("answer",),
                  export_columns="incident_id, question, answer, asked_at, answered_at"),
    PersonalTable("reporter_questions", "officer_id", "unlink", key="questions_asked",
                  export_columns="incident_id, question, asked_at, answered_at"),
    PersonalTable("desk_inputs", "telegram_id"),
]

# The kinds of routed message whose text names the reporter (bot/render.py, officers only),
# in a fixed order for the query's parameters.
OFFICER_KINDS = tuple(sorted(OFFICER_KIND_VALUES))


def register_personal_table(table: str, column: str, *, erase: Literal["delete", "unlink"] = "delete",
                            key: str = "", export_columns: str = "*", also_null: tuple[str, ...] = ()) -> None:
    entry = PersonalTable(table, column, erase, key, export_columns, also_null)
    if all((t.table, t.column) != (table, column) for t in PERSONAL_TABLES):
        PERSONAL_TABLES.append(entry)


async def _existing_tables(db: Database | Transaction) -> set[str]:
    rows = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {r[0] for r in rows}


async def export_person(db: Database, telegram_id: int) -> dict[str, Any]:
    """Everything stored about one person, as plain JSON-able data."""
    result: dict[str, Any] = {}
    existing = await _existing_tables(db)
    for entry in PERSONAL_TABLES:
        if entry.table not in existing:
            continue
        rows = await db.fetchall(
            f"SELECT {entry.export_columns} FROM {entry.table} WHERE {entry.column} = ?", (telegram_id,)
        )
        result[entry.export_key] = [dict(r) for r in rows]
    sightings = await db.fetchall(
        "SELECT reference, category, gemeente_code, wijk_code, buurt_code, lat, lon, street, house_number,"
        " postcode, occurred_at, description, photo_file_id, status, called_112, created_at"
        " FROM sightings WHERE reporter_id = ? ORDER BY id",
        (telegram_id,),
    )
    result["sightings"] = [dict(r) for r in sightings]
    messages = await db.fetchall(
        "SELECT method, payload, status, created_at, sent_at FROM outbox WHERE chat_id = ? ORDER BY id",
        (telegram_id,),
    )
    result["messages_sent_to_you"] = [
        {**dict(r), "payload": json.loads(r["payload"])} for r in messages
    ]
    audit_rows = await db.fetchall(
        "SELECT at, action, detail FROM audit_log WHERE subject = ? OR actor_id = ? ORDER BY id",
        (f"user:{telegram_id}", telegram_id),
    )
    result["audit_log"] = [dict(r) for r in audit_rows]
    return result


async def erase_person(db: Database, telegram_id: int, *, now: dt.datetime) -> dict[str, int]:
    """Forget a person. Their reports stay for the area figures, without any link to them.

    A mute that is still running survives as a bare row (id and end of the mute, nothing
    else): erasing yourself must not be a way round a mute.
    """
    counts: dict[str, int] = {}
    async with db.transaction() as tx:
        # The officers' copies of their reports name them ("Melder: …"): that line goes, the
        # report itself stays, like the anonymised sighting.
        rows = await tx.fetchall(
            "SELECT o.id, o.payload, o.language FROM outbox o JOIN sightings s ON s.id = o.sighting_id"
            f" WHERE s.reporter_id = ? AND o.kind IN ({','.join('?' * len(OFFICER_KINDS))})"
            " AND o.payload != '{}'",
            (telegram_id, *OFFICER_KINDS),
        )
        stripped = 0
        for row in rows:
            payload = json.loads(row["payload"])
            for field in ("text", "caption"):
                if isinstance(payload.get(field), str):
                    payload[field] = strip_reporter_line(payload[field], row["language"])
            await tx.execute("UPDATE outbox SET payload = ? WHERE id = ?",
                             (json.dumps(payload, ensure_ascii=False, separators=(",", ":")), row["id"]))
            stripped += 1
        counts["reporter_names_removed"] = stripped
        # Their answers to an officer's question, as relayed to that officer (bot.desk).
        cursor = await tx.execute(
            "UPDATE outbox SET payload = '{}' WHERE kind = 'desk_answer' AND sighting_id IN"
            " (SELECT id FROM sightings WHERE reporter_id = ?)", (telegram_id,))
        counts["answers_relayed"] = cursor.rowcount
        cursor = await tx.execute(
            "UPDATE sightings SET reporter_id = NULL, anonymised_at = COALESCE(anonymised_at, ?)"
            " WHERE reporter_id = ?",
            (to_db_time(now), telegram_id),
        )
        counts["sightings_anonymised"] = cursor.rowcount
        # Messages to them: pending ones are not sent any more, sent ones lose their content.
        cursor = await tx.execute(
            "UPDATE outbox SET status = 'dropped', payload = '{}' WHERE chat_id = ? AND status = 'pending'",
            (telegram_id,),
        )
        counts["pending_messages_dropped"] = cursor.rowcount
        await tx.execute("UPDATE outbox SET payload = '{}' WHERE chat_id = ?", (telegram_id,))
        muted = await tx.fetchone(
            "SELECT muted_until FROM users WHERE telegram_id = ? AND muted_until > ?", (telegram_id, to_db_time(now))
        )
        existing = await _existing_tables(tx)
        for entry in reversed(PERSONAL_TABLES):
            if entry.table not in existing:
                continue
            if entry.erase == "delete":
                cursor = await tx.execute(f"DELETE FROM {entry.table} WHERE {entry.column} = ?", (telegram_id,))
            else:
                sets = ", ".join(f"{c} = NULL" for c in (entry.column, *entry.also_null))
                cursor = await tx.execute(f"UPDATE {entry.table} SET {sets} WHERE {entry.column} = ?",
                                          (telegram_id,))
            counts[entry.export_key] = cursor.rowcount
        if muted is not None:
            await tx.execute(
                "INSERT INTO users (telegram_id, language, created_at, muted_until) VALUES (?, 'nl', ?, ?)",
                (telegram_id, to_db_time(now), muted[0]),
            )
        await tx.execute("UPDATE audit_log SET subject = 'user:erased' WHERE subject = ?", (f"user:{telegram_id}",))
        await tx.execute("UPDATE audit_log SET actor_id = NULL WHERE actor_id = ?", (telegram_id,))
        await audit(tx, None, "person.erase", "user:erased", "")
    return counts


# A sighting that still holds something personal (after /vergeetmij the reporter link is gone,
# but text, photo and place stay until the retention period ends).
_HAS_PERSONAL = ("(reporter_id IS NOT NULL OR description IS NOT NULL OR photo_file_id IS NOT NULL"
                 " OR lat IS NOT NULL OR street IS NOT NULL OR house_number IS NOT NULL)")
# The exact place: the point, and the house number and postcode officers read.
_HAS_EXACT = "(lat IS NOT NULL OR house_number IS NOT NULL OR postcode IS NOT NULL)"


async def apply_retention(db: Database, *, now: dt.datetime, retention_days: int,
                          point_hours: int = 24) -> dict[str, int]:
    """Erase the personal data in sightings older than the retention period, and reduce exact
    points to the buurt once merging, relay and expiry no longer need them (``point_hours``).

    Category, area and times stay, so the figures per buurt, category and month remain.
    """
    cutoff = to_db_time(now - dt.timedelta(days=retention_days))
    point_cutoff = to_db_time(now - dt.timedelta(hours=point_hours))
    counts: dict[str, int] = {}
    async with db.transaction() as tx:
        # The messages about those reports carry their text too (and, for officers, the
        # reporter's name): found by the report they were about, whatever their own age.
        cursor = await tx.execute(
            "UPDATE outbox SET payload = '{}' WHERE payload != '{}' AND status != 'pending' AND ("
            f" sighting_id IN (SELECT id FROM sightings WHERE created_at < ? AND {_HAS_PERSONAL})"
            f" OR incident_id IN (SELECT incident_id FROM sightings WHERE created_at < ? AND {_HAS_PERSONAL}))",
            (cutoff, cutoff),
        )
        counts["report_messages"] = cursor.rowcount
        cursor = await tx.execute(
            "UPDATE sightings SET reporter_id = NULL, description = NULL, photo_file_id = NULL,"
            " lat = NULL, lon = NULL, street = NULL, house_number = NULL, postcode = NULL, anonymised_at = COALESCE(anonymised_at, ?)"
            f" WHERE created_at < ? AND {_HAS_PERSONAL}",
            (to_db_time(now), cutoff),
        )
        counts["sightings"] = cursor.rowcount
        # The exact point (a shared location, or the house PDOK found) is needed only while
        # reports may still merge or be relayed by radius; then the buurt is enough.
        # The officers' copies name the house (street, number, postcode, a location pin), and so
        # does the resident's receipt (the summary): those delivered messages lose their text with
        # it. The group's copies name the street only.
        exact_kinds = (*sorted(OFFICER_KIND_VALUES), RECEIPT_KIND)
        cursor = await tx.execute(
            "UPDATE outbox SET payload = '{}' WHERE payload != '{}' AND status != 'pending'"
            f" AND (method = 'sendLocation' OR kind IN ({', '.join('?' * len(exact_kinds))}))"
            f" AND sighting_id IN (SELECT id FROM sightings WHERE created_at < ? AND {_HAS_EXACT})",
            (*exact_kinds, point_cutoff))
        counts["exact_messages"] = cursor.rowcount
        cursor = await tx.execute(
            "UPDATE sightings SET lat = NULL, lon = NULL, house_number = NULL, postcode = NULL"
            f" WHERE created_at < ? AND {_HAS_EXACT}", (point_cutoff,))
        counts["points"] = cursor.rowcount
        cursor = await tx.execute(
            "UPDATE incidents SET lat = NULL, lon = NULL WHERE last_at < ? AND lat IS NOT NULL", (point_cutoff,))
        counts["incidents"] = cursor.rowcount
        # The desk's questions and answers and the notes in an incident's history (bot.desk).
        cursor = await tx.execute(
            "UPDATE reporter_questions SET question = NULL, answer = NULL, reporter_id = NULL"
            " WHERE (question IS NOT NULL OR answer IS NOT NULL OR reporter_id IS NOT NULL)"
            " AND incident_id IN (SELECT id FROM incidents WHERE last_at < ?)", (cutoff,))
        counts["questions"] = cursor.rowcount
        cursor = await tx.execute(
            "UPDATE incident_events SET note = NULL WHERE note IS NOT NULL"
            " AND incident_id IN (SELECT id FROM incidents WHERE last_at < ?)", (cutoff,))
        counts["notes"] = cursor.rowcount
        # Who went to look ("Ik kijk") is about a person too.
        cursor = await tx.execute(
            "DELETE FROM watch_responses WHERE incident_id IN (SELECT id FROM incidents WHERE last_at < ?)",
            (cutoff,))
        counts["watch_responses"] = cursor.rowcount
        # Delivered messages carry the report text (and, for officers, the reporter's name).
        cursor = await tx.execute(
            "UPDATE outbox SET payload = '{}' WHERE created_at < ? AND status != 'pending' AND payload != '{}'",
            (cutoff,),
        )
        counts["messages"] = cursor.rowcount
        cursor = await tx.execute("DELETE FROM report_drafts WHERE updated_at < ?", (cutoff,))
        counts["drafts"] = cursor.rowcount
        # A cached address looked up at the minute of a report would give its exact place back
        # after the report itself was reduced to the buurt: the cache keeps no longer than the point.
        cursor = await tx.execute("DELETE FROM geocache WHERE fetched_at < ?", (point_cutoff,))
        counts["geocache"] = cursor.rowcount
    return counts


async def report_limits(db: Database | Transaction, telegram_id: int, since: dt.datetime) -> tuple[dt.datetime | None, list[dt.datetime]]:
    """(muted until, times of their reports since ``since``, oldest first) in one query: what
    decides whether someone may file a report now. (None, []) for someone unknown."""
    rows = await db.fetchall(
        "SELECT u.muted_until, s.created_at FROM (SELECT ? AS id) AS me"
        " LEFT JOIN users AS u ON u.telegram_id = me.id"
        " LEFT JOIN sightings AS s ON s.reporter_id = me.id AND s.created_at >= ?"
        " ORDER BY s.created_at",
        (telegram_id, to_db_time(since)),
    )
    muted_until = from_db_time(rows[0][0]) if rows else None
    return muted_until, [from_db_time(r[1]) for r in rows if r[1] is not None]  # type: ignore[misc]


async def set_muted(db: Database, telegram_id: int, until: dt.datetime | None, *, by: int, now: dt.datetime) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO users (telegram_id, language, created_at, muted_until) VALUES (?, 'nl', ?, ?)"
            " ON CONFLICT(telegram_id) DO UPDATE SET muted_until = excluded.muted_until",
            (telegram_id, to_db_time(now), to_db_time(until)),
        )
        await audit(tx, by, "user.mute" if until else "user.unmute", f"user:{telegram_id}",
                    to_db_time(until) or "")
