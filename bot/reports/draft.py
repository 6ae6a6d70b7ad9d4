"""The report journey as data: a typed draft and its pure transitions.

The order of the questions is decided in one place, :func:`next_step`: the first thing the
draft still lacks is asked. Step-by-step ``/melding`` starts from an empty draft and so asks
everything in order; a report started from a message, photo or location starts from what that
message already said and asks only the rest. Changing one answer (*Wijzigen*) clears it, and
the same rule asks it again and then returns to the summary.

Nothing here touches storage or Telegram; ``bot.reports.service`` loads and saves drafts and
``handlers/report.py`` turns the answers into messages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from bot.core.domain import (
    EMERGENCY_CATEGORIES,
    POLICE_NOW_CATEGORIES,
    Category,
    LocationSource,
    Point,
)


class Step(StrEnum):
    """What the bot is waiting for. Stored with the draft (old drafts keep working)."""

    CALLED_112 = "called_112"
    CATEGORY = "category"
    LOCATION = "location"
    PLACE_CHOICE = "place_choice"  # several addresses fit the typed text: pick one
    WHEN = "when"
    WHEN_TIME = "when_time"
    DESCRIPTION = "description"
    PHOTO = "photo"
    CONFIRM = "confirm"
    CHANGE = "change"


class Call112(StrEnum):
    """The answer to "Heb je 112 gebeld?"."""

    CALLED = "called"  # "Ja, gebeld", "Ik heb gebeld", or "Bel 112" (calling now)
    NOT_CALLED = "not_called"  # "Ik kan nu niet bellen": the group should know nobody called
    NOT_NEEDED = "not_needed"  # "Niet nodig": nothing about 112 in the alert


class WhenMode(StrEnum):
    NOW = "now"
    EARLIER = "earlier"


class Field(StrEnum):
    """What *Wijzigen* can change."""

    CATEGORY = "category"
    CALLED_112 = "called_112"
    LOCATION = "location"
    WHEN = "when"
    DESCRIPTION = "description"
    PHOTO = "photo"


@dataclass(frozen=True, slots=True)
class Place:
    """Where it happened. ``street`` is what the neighbours read (never a house number);
    ``house_number`` and ``postcode`` are for the officers only."""

    buurt: str
    source: LocationSource
    lat: float | None = None
    lon: float | None = None
    street: str | None = None
    house_number: str | None = None
    postcode: str | None = None
    label: str = ""  # "Kerkstraat, Centrum, Helmond", as the summary shows it

    @property
    def point(self) -> Point | None:
        return Point(self.lat, self.lon) if self.lat is not None and self.lon is not None else None

    def to_json(self) -> dict[str, Any]:
        return {"buurt": self.buurt, "source": self.source.value, "lat": self.lat, "lon": self.lon,
                "street": self.street, "house_number": self.house_number, "postcode": self.postcode,
                "label": self.label}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Place:
        return cls(buurt=str(data["buurt"]), source=LocationSource(data["source"]), lat=data.get("lat"),
                   lon=data.get("lon"), street=data.get("street"), house_number=data.get("house_number"),
                   postcode=data.get("postcode"), label=str(data.get("label") or ""))


@dataclass(slots=True)
class ReportDraft:
    """One resident's report in progress."""

    step: Step = Step.CATEGORY
    category: Category | None = None
    category_guessed: bool = False  # guessed from the words: shown as "Soort: … — wijzig"
    urgent: bool = False
    urgent_from_description: bool = False  # taken back if "Wanneer" becomes "Eerder"
    call_112: Call112 | None = None
    place: Place | None = None
    place_candidates: list[Place] = field(default_factory=list)
    place_announced: bool = True  # False: the next question starts with "Gevonden: …"
    when_mode: WhenMode | None = None
    occurred_at: dt.datetime | None = None
    description: str | None = None
    pending_description: str | None = None  # sent back by the profiling check
    no_person: bool = False
    photo: str | None = None
    photo_asked: bool = False  # answered the photo step (a photo, or "Geen foto")
    recheck_description: bool = False  # the category changed: the text must pass again

    # ------------------------------------------------------------------ storage form

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "category": self.category.value if self.category else None,
            "category_guessed": self.category_guessed,
            "urgent": self.urgent,
            "urgent_from_description": self.urgent_from_description,
            "call_112": self.call_112.value if self.call_112 else None,
            "location": self.place.to_json() if self.place else None,
            "place_candidates": [p.to_json() for p in self.place_candidates],
            "found": not self.place_announced,
            "when_mode": self.when_mode.value if self.when_mode else None,
            "occurred_at": self.occurred_at.isoformat() if self.occurred_at else None,
            "description": self.description,
            "pending_description": self.pending_description,
            "no_person": self.no_person,
            "photo": self.photo,
            "photo_asked": self.photo_asked,
            "recheck_description": self.recheck_description,
        }
        return {k: v for k, v in data.items() if v not in (None, False, [])}

    @classmethod
    def from_json(cls, step: str, data: dict[str, Any]) -> ReportDraft:
        """Also reads drafts stored before this class existed (the same keys, ``called_112``
        as a boolean, ``photo`` present once the photo step was answered)."""
        call = data.get("call_112")
        if call is None and "called_112" in data:
            call = Call112.CALLED.value if data["called_112"] else Call112.NOT_NEEDED.value
        try:
            parsed_step = Step(step)
        except ValueError:
            parsed_step = Step.CATEGORY
        occurred = data.get("occurred_at")
        return cls(
            step=parsed_step,
            category=Category(data["category"]) if data.get("category") else None,
            category_guessed=bool(data.get("category_guessed")),
            urgent=bool(data.get("urgent")),
            urgent_from_description=bool(data.get("urgent_from_description")),
            call_112=Call112(call) if call else None,
            place=Place.from_json(data["location"]) if data.get("location") else None,
            place_candidates=[Place.from_json(p) for p in data.get("place_candidates", [])],
            place_announced=not data.get("found"),
            when_mode=WhenMode(data["when_mode"]) if data.get("when_mode") else None,
            occurred_at=dt.datetime.fromisoformat(occurred) if occurred else None,
            description=data.get("description"),
            pending_description=data.get("pending_description"),
            no_person=bool(data.get("no_person")),
            photo=data.get("photo"),
            photo_asked=bool(data.get("photo_asked")) or "photo" in data,
            recheck_description=bool(data.get("recheck_description") or data.get("changing")),
        )

    # ------------------------------------------------------------------ questions

    @property
    def emergency(self) -> bool:
        """A situation where 112 comes first: "Inbraak bezig", "Nu gevaar" or urgent words."""
        return self.urgent or (self.category is not None and self.category in EMERGENCY_CATEGORIES)

    @property
    def needs_112_answer(self) -> bool:
        if self.emergency:
            # "Niet nodig" said before it turned urgent is asked again, as "Bel nu 112".
            return self.call_112 not in (Call112.CALLED, Call112.NOT_CALLED)
        return self.category in POLICE_NOW_CATEGORIES and self.call_112 is None

    @property
    def called_112(self) -> bool | None:
        """What the alert says: True "112 gebeld", False "112 niet gebeld" (only for what is
        happening now), None nothing at all (not needed, or not a now-situation)."""
        if self.call_112 is Call112.CALLED:
            return True
        if self.call_112 is Call112.NOT_CALLED and self.when_mode is not WhenMode.EARLIER:
            return False
        return None


def next_step(draft: ReportDraft) -> Step:
    """The first thing still missing: the one place that decides the order of the questions.

    SAAR first: in an emergency "Bel nu 112" comes before anything else; then what it is, where,
    when, what was seen, a photo, and the summary.
    """
    if draft.emergency and draft.needs_112_answer:
        return Step.CALLED_112
    if draft.category is None:
        return Step.CATEGORY
    if draft.needs_112_answer:
        return Step.CALLED_112
    if draft.place is None:
        return Step.PLACE_CHOICE if draft.place_candidates else Step.LOCATION
    if draft.when_mode is None:
        return Step.WHEN
    if draft.occurred_at is None:
        return Step.WHEN_TIME
    if draft.description is None:
        return Step.DESCRIPTION
    if not draft.photo_asked:
        return Step.PHOTO
    return Step.CONFIRM


def advance(draft: ReportDraft) -> ReportDraft:
    """The draft waiting for its next question."""
    draft.step = next_step(draft)
    return draft


# ---------------------------------------------------------------------------- transitions


def set_urgent(draft: ReportDraft) -> ReportDraft:
    """"Nu gevaar", or urgent words in the first message: 112 is asked first."""
    draft.urgent = True
    draft.urgent_from_description = False  # the resident said so: it stays urgent
    return advance(draft)


def choose_category(draft: ReportDraft, category: Category) -> ReportDraft:
    changed = draft.category is not None and draft.category != category
    draft.category = category
    draft.category_guessed = False
    if category in EMERGENCY_CATEGORIES:
        draft.urgent_from_description = False  # urgent by its category, whatever the text said
    if category not in POLICE_NOW_CATEGORIES and not draft.emergency:
        draft.call_112 = None
    if changed and draft.description is not None:
        draft.recheck_description = True
    return advance(draft)


def answer_112(draft: ReportDraft, answer: Call112) -> ReportDraft:
    draft.call_112 = answer
    return advance(draft)


def set_place(draft: ReportDraft, place: Place, *, announce: bool = True) -> ReportDraft:
    draft.place = place
    draft.place_candidates = []
    draft.place_announced = not announce
    return advance(draft)


def offer_places(draft: ReportDraft, candidates: list[Place]) -> ReportDraft:
    draft.place = None
    draft.place_candidates = list(candidates)
    return advance(draft)


def choose_when(draft: ReportDraft, mode: WhenMode, *, now: dt.datetime) -> ReportDraft:
    draft.when_mode = mode
    if mode is WhenMode.NOW:
        draft.occurred_at = now
    else:
        draft.occurred_at = None
        if draft.urgent_from_description:
            # Only the words of the description made it urgent, and it happened earlier after
            # all: no escalation for something that is over.
            draft.urgent = False
            draft.urgent_from_description = False
    return advance(draft)


def set_time(draft: ReportDraft, at: dt.datetime) -> ReportDraft:
    draft.when_mode = WhenMode.EARLIER
    draft.occurred_at = at
    if draft.urgent_from_description:
        draft.urgent = False
        draft.urgent_from_description = False
    return advance(draft)


def set_description(draft: ReportDraft, text: str, *, no_person: bool, sounds_urgent: bool) -> bool:
    """Accept the description. True when it made the report urgent (then "Bel nu 112")."""
    draft.description = text
    draft.pending_description = None
    draft.no_person = no_person
    draft.recheck_description = False
    became_urgent = False
    if not draft.urgent and sounds_urgent:
        draft.urgent = True
        draft.urgent_from_description = True
        became_urgent = True
    advance(draft)
    return became_urgent


def send_back_description(draft: ReportDraft) -> ReportDraft:
    """The profiling check did not pass: the text waits, the description is asked again."""
    if draft.description is not None:
        draft.pending_description = draft.description
    draft.description = None
    draft.no_person = False
    draft.recheck_description = False
    draft.step = Step.DESCRIPTION
    return draft


def set_photo(draft: ReportDraft, file_id: str | None) -> ReportDraft:
    draft.photo = file_id
    draft.photo_asked = True
    return advance(draft)


def change(draft: ReportDraft, what: Field) -> ReportDraft:
    """*Wijzigen*: forget one answer; :func:`next_step` asks it again, then the summary."""
    if what is Field.CATEGORY:
        draft.category = None
        draft.category_guessed = False
        draft.step = Step.CATEGORY
        return draft
    if what is Field.CALLED_112:
        draft.call_112 = None
        draft.step = Step.CALLED_112
        return draft
    if what is Field.LOCATION:
        draft.place = None
        draft.place_candidates = []
    elif what is Field.WHEN:
        draft.when_mode = None
        draft.occurred_at = None
    elif what is Field.DESCRIPTION:
        draft.description = None
        draft.pending_description = None
    elif what is Field.PHOTO:
        draft.photo = None
        draft.photo_asked = False
    return advance(draft)


def ask_change(draft: ReportDraft) -> ReportDraft:
    draft.step = Step.CHANGE
    return draft


def without_candidates(draft: ReportDraft) -> ReportDraft:
    """None of the offered addresses: ask for the place again."""
    return replace(draft, place_candidates=[], step=Step.LOCATION)
