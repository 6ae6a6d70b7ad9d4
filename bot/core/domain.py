"""Domain vocabulary shared by every part of Buurtwacht.

Plain data, no I/O: handlers, storage and the routing rules all speak these types.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Category(StrEnum):
    """What a resident saw. The values are stable identifiers stored in SQLite."""

    SUSPICIOUS_PERSON = "suspicious_person"
    SUSPICIOUS_VEHICLE = "suspicious_vehicle"
    BURGLARY_IN_PROGRESS = "burglary_in_progress"
    NUISANCE = "nuisance"
    CONFUSED_PERSON = "confused_person"
    YOUTH_NUISANCE = "youth_nuisance"
    FIRE_HAZARD = "fire_hazard"
    NEGLECT = "neglect"  # verloedering: broken, dirty, dumped
    OTHER = "other"


# Crime in progress: the resident must call 112 before anything else (SAAR).
EMERGENCY_CATEGORIES: frozenset[Category] = frozenset({Category.BURGLARY_IN_PROGRESS})

# Categories that could need the police right now: the flow asks "Heb je 112 gebeld?".
POLICE_NOW_CATEGORIES: frozenset[Category] = frozenset(
    {
        Category.SUSPICIOUS_PERSON,
        Category.SUSPICIOUS_VEHICLE,
        Category.BURGLARY_IN_PROGRESS,
        Category.FIRE_HAZARD,
    }
)

# Categories whose description may be about a person: when the text is (a person word, an origin
# or skin-colour term) it gets the profiling check (bot/profiling.review_description). An emergency
# category is never held back by it; its group copy only loses origin and skin colour.
PERSON_CATEGORIES: frozenset[Category] = frozenset(
    {Category.SUSPICIOUS_PERSON, Category.BURGLARY_IN_PROGRESS, Category.YOUTH_NUISANCE}
)

# Categories whose unacknowledged reports escalate quickly.
URGENT_CATEGORIES: frozenset[Category] = frozenset(
    {
        Category.BURGLARY_IN_PROGRESS,
        Category.SUSPICIOUS_PERSON,
        Category.SUSPICIOUS_VEHICLE,
        Category.FIRE_HAZARD,
        Category.CONFUSED_PERSON,
    }
)


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    WIJKAGENT = "wijkagent"
    BOA = "boa"
    CARE_DESK = "care_desk"
    RESIDENT = "resident"


# The officers: they hold a wijk or gemeente and act on the reports routed there.
OFFICER_ROLES: frozenset[Role] = frozenset({Role.WIJKAGENT, Role.BOA, Role.CARE_DESK})


class RecipientKind(StrEnum):
    TEAM_GROUP = "team_group"  # a linked Telegram alert group of the buurt's team
    WIJKAGENT = "wijkagent"
    BOA = "boa"
    CARE_DESK = "care_desk"
    FALLBACK_DESK = "fallback_desk"  # gemeente desk when a wijk has no officer
    BACKUP_DESK = "backup_desk"  # an urgent report nobody picked up in time (bot.alerts.escalation)
    SUBSCRIBER = "subscriber"  # a resident subscribed in private to their buurt
    WALKER = "walker"  # a patrol walker on duty


# The routing table's officers, one kind per officer role (Role.WIJKAGENT, BOA, CARE_DESK).
AREA_OFFICER_KINDS: frozenset[RecipientKind] = frozenset(
    {RecipientKind.WIJKAGENT, RecipientKind.BOA, RecipientKind.CARE_DESK}
)
# Their copies and the gemeente's fallback desk's carry the officer buttons and name the reporter.
OFFICER_KINDS: frozenset[RecipientKind] = AREA_OFFICER_KINDS | {RecipientKind.FALLBACK_DESK, RecipientKind.BACKUP_DESK}
OFFICER_KIND_VALUES: frozenset[str] = frozenset(k.value for k in OFFICER_KINDS)
# The delivery kind of an alert relayed to a group in a neighbouring buurt (bot.alerts.lifecycle.relay).
RELAY_KIND = "relay"
# The outbox kind of a resident's "Ontvangen" (bot.reports.service): queued with the report.
RECEIPT_KIND = "receipt"


class DeliveryStatus(StrEnum):
    """An outbox row's state (storage/outbox.py, bot/delivery/sender.py)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # Telegram refused it for good
    DROPPED = "dropped"  # never sent: the chat blocked the bot, or the person was erased
    SUPERSEDED = "superseded"  # an edit that a later edit or a lost original made pointless
    EXPIRED = "expired"  # given up at its deadline while Telegram was unreachable (bot.delivery.rules)


# Rows that never reached their chat.
UNDELIVERED: frozenset[DeliveryStatus] = frozenset({DeliveryStatus.FAILED, DeliveryStatus.DROPPED})


class BroadcastStatus(StrEnum):
    """A coordinator's alarm or an officer's area alert (storage/broadcasts.py)."""

    DRAFT = "draft"  # shown to its sender for confirmation
    SENDING = "sending"
    SENT = "sent"  # every message left the outbox
    ENDED = "ended"  # resolved or expired
    CANCELLED = "cancelled"


class SightingStatus(StrEnum):
    """An incident's state. The officers' outcomes are *Ik pak dit op*, *Afgerond*, *Geen actie
    nodig* and *Vals alarm*; the old "handled" ("afgehandeld", the same as "opgelost") was
    migrated to RESOLVED (storage/migrations/0015_desk.sql)."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"  # "ik pak dit op"
    NO_ACTION = "no_action"  # "geen actie nodig"
    RESOLVED = "resolved"  # "afgerond" (an alert: opgelost)
    FALSE_ALARM = "false_alarm"
    EXPIRED = "expired"


# Still open: on the desk, with the officer buttons. Everything else is closed.
OPEN_STATUSES: frozenset[SightingStatus] = frozenset({SightingStatus.NEW, SightingStatus.ACKNOWLEDGED})
CLOSED_STATUSES: frozenset[SightingStatus] = frozenset(set(SightingStatus) - OPEN_STATUSES)


class IncidentAction(StrEnum):
    """What the incident's audit trail records (storage incident_events.action), besides the
    statuses it was set to."""

    HANDED_OVER = "handed_over"
    REOPENED = "reopened"
    QUESTION = "question"
    ANSWER = "answer"
    NOTE = "note"
    REROUTED = "rerouted"  # a refused delivery went to the gemeente's desk instead


class LocationSource(StrEnum):
    GPS = "gps"  # a shared Telegram location, matched to a buurt polygon
    PDOK = "pdok"  # geocoded through PDOK Locatieserver
    POSTCODE_FALLBACK = "postcode_fallback"  # config postcode mapping (PDOK unreachable)
    PATROL = "patrol"  # the buurt of a patrol round, from a walk report that needs follow-up


@dataclass(frozen=True, slots=True)
class Point:
    """A WGS84 point."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class AreaRef:
    """Where a sighting is, resolved to CBS codes (gemeente → wijk → buurt)."""

    gemeente_code: str  # GM0794
    wijk_code: str  # WK079410
    buurt_code: str  # BU07941000
    gemeente_name: str = ""
    wijk_name: str = ""
    buurt_name: str = ""


@dataclass(frozen=True, slots=True)
class ResolvedLocation:
    """The outcome of turning a shared location or typed address into an area."""

    area: AreaRef
    source: LocationSource
    point: Point | None = None
    street: str | None = None  # street-level place for alerts ("Kerkstraat"), never a house number
    postcode: str | None = None  # PC6 as typed/geocoded; kept only as long as routing needs it
    house_number: str | None = None


@dataclass(slots=True)
class Sighting:
    """One resident's report."""

    category: Category
    reporter_id: int | None
    area: AreaRef
    occurred_at: dt.datetime
    description: str
    location_source: LocationSource
    point: Point | None = None
    street: str | None = None  # what the group reads; never a house number
    photo_file_id: str | None = None
    urgent: bool = False
    called_112: bool | None = None  # None: not asked (category does not need police now)
    language: str = "nl"
    id: int | None = None
    reference: str | None = None
    status: SightingStatus = SightingStatus.NEW
    incident_id: int | None = None
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    # The exact address, for officers only (reduced with the point after exact_point_hours).
    house_number: str | None = None
    postcode: str | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a routed sighting goes to. ``chat_id`` is a Telegram chat (user or group)."""

    kind: RecipientKind
    chat_id: int
    label: str = ""


# --- patrol rounds (bot/patrol): records storage reads and writes


class RoundStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    team_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    route: str
    buurt_code: str  # where a follow-up from a walk report is placed
    min_walkers: int
    status: RoundStatus
    created_at: dt.datetime
    created_by: int | None = None
    walkers: tuple[int, ...] = ()  # signed up, in order of signing up
    buurten: tuple[str, ...] = ()  # the team's buurten, when read for duty routing

    @property
    def short(self) -> bool:
        return len(self.walkers) < self.min_walkers

    @property
    def missing(self) -> int:
        return max(0, self.min_walkers - len(self.walkers))

    def running(self, at: dt.datetime) -> bool:
        return self.status is RoundStatus.PLANNED and self.starts_at <= at < self.ends_at

    def open_for_sign_up(self, at: dt.datetime) -> bool:
        """Signing up and off is possible until the round starts."""
        return self.status is RoundStatus.PLANNED and at < self.starts_at


class WalkOutcome(StrEnum):
    NOTHING = "nothing"  # niets bijzonders
    OBSERVATIONS = "observations"  # waarnemingen: stored for the team
    FOLLOW_UP = "follow_up"  # opvolging nodig: stored and routed like a sighting
