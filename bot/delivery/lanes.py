"""What a queued message is, for the sender: its lane (how urgent) and its job (whom it shares with).

Pure rules, no storage and no Telegram. The sender sends the first lane before the second and
so on; inside a lane the jobs in flight (one broadcast, one report's deliveries, the tips)
take turns, so a new job's first message goes out within about one send however long the
others are.
"""

from __future__ import annotations

from enum import IntEnum

from bot.core.domain import OFFICER_KIND_VALUES, RELAY_KIND, RecipientKind

# Outbox priorities (storage.outbox keeps the numbers; repeated here as plain values so the
# rules stay free of storage): 0 urgent, 5 normal, 9 low.
URGENT_PRIORITY = 0
LOW_PRIORITY = 9


class Lane(IntEnum):
    """Most urgent first."""

    REPORT = 0  # reports to officers and desks, urgent alerts to groups
    ALERT = 1  # group alerts and broadcasts (a coordinator's /alarm, an officer's area alert)
    FOLLOWER = 2  # messages to followers: subscribers, walkers, reporters' status, notices
    BULK = 3  # tips, surveys and other campaign messages


GROUP_KINDS = frozenset({RecipientKind.TEAM_GROUP.value, RELAY_KIND})
BROADCAST_KINDS = frozenset({"broadcast"})
BULK_KINDS = frozenset({"tip", "survey", "campaign"})


def lane_of(kind: str, priority: int) -> Lane:
    """The lane of a message by what it is (its outbox kind) and how urgent its cause was."""
    if kind in OFFICER_KIND_VALUES:
        return Lane.REPORT
    if kind in GROUP_KINDS:
        return Lane.REPORT if priority <= URGENT_PRIORITY else Lane.ALERT
    if kind in BROADCAST_KINDS:
        return Lane.ALERT
    if kind in BULK_KINDS or priority >= LOW_PRIORITY:
        return Lane.BULK
    return Lane.FOLLOWER


Job = tuple[str, int | str]


def job_of(kind: str, broadcast_id: int | None, sighting_id: int | None, incident_id: int | None) -> Job:
    """The job a message belongs to: one broadcast, one report (or the incident its edits are
    about), or else everything of one kind (all tips are one job)."""
    if broadcast_id is not None:
        return ("broadcast", broadcast_id)
    if sighting_id is not None:
        return ("sighting", sighting_id)
    if incident_id is not None:
        return ("incident", incident_id)
    return ("kind", kind)
