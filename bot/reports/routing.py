"""Which people and groups a sighting goes to: category × area → recipients.

Pure: everything it needs is in the :class:`~bot.runtime.directory.Directory` snapshot.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from bot.core.domain import (
    AREA_OFFICER_KINDS,
    OFFICER_KINDS,
    AreaRef,
    Recipient,
    RecipientKind,
    Round,
    Sighting,
)
from bot.runtime.directory import Directory


def route_sighting(sighting: Sighting, area: AreaRef, directory: Directory) -> list[Recipient]:
    """Recipients for a sighting, each chat once, in the order of the routing table.

    An officer kind the table asks for but the wijk lacks falls back to the gemeente's desk,
    so a report never lands nowhere. Subscribed residents and walkers on duty get what the
    alert group gets.
    """
    kinds = directory.routing.get(sighting.category, ())
    recipients: list[Recipient] = []
    seen: set[int] = set()

    def add(kind: RecipientKind, chat_id: int) -> None:
        if chat_id not in seen:
            seen.add(chat_id)
            recipients.append(Recipient(kind, chat_id))

    missing_officer = False
    for kind in kinds:
        if kind is RecipientKind.TEAM_GROUP:
            for group in directory.groups_by_buurt.get(area.buurt_code, ()):
                add(kind, group.chat_id)
        elif kind in AREA_OFFICER_KINDS:
            ids = directory.officers_for(kind, area.wijk_code, area.gemeente_code)
            if not ids:
                missing_officer = True
            for chat_id in ids:
                add(kind, chat_id)
        elif kind is RecipientKind.FALLBACK_DESK:
            for chat_id in directory.fallback_desks.get(area.gemeente_code, ()):
                add(kind, chat_id)
        elif kind is RecipientKind.SUBSCRIBER:
            for chat_id in directory.subscribers_by_buurt.get(area.buurt_code, ()):
                add(kind, chat_id)
        elif kind is RecipientKind.WALKER:
            for chat_id in directory.walkers_by_buurt.get(area.buurt_code, ()):
                add(kind, chat_id)
    if RecipientKind.TEAM_GROUP in kinds:
        # What the group sees also reaches residents subscribed in private and walkers on duty.
        for chat_id in directory.subscribers_by_buurt.get(area.buurt_code, ()):
            add(RecipientKind.SUBSCRIBER, chat_id)
        for chat_id in directory.walkers_by_buurt.get(area.buurt_code, ()):
            add(RecipientKind.WALKER, chat_id)
    if missing_officer or not any(r.kind in AREA_OFFICER_KINDS for r in recipients):
        for chat_id in directory.fallback_desks.get(area.gemeente_code, ()):
            add(RecipientKind.FALLBACK_DESK, chat_id)
    # The reporter never receives their own report as a recipient.
    if sighting.reporter_id is not None:
        recipients = [r for r in recipients if r.chat_id != sighting.reporter_id or r.kind in AREA_OFFICER_KINDS]
    return recipients


# Patrol walkers on duty (bot/patrol) get the reports of the buurten their round covers.
def walkers_on_duty(rounds: Iterable[Round], at: dt.datetime) -> dict[str, tuple[int, ...]]:
    """buurtcode → walkers signed up for a round of a team watching that buurt, running at ``at``."""
    on_duty: dict[str, list[int]] = {}
    for round_ in rounds:
        if not round_.running(at):
            continue
        for buurt in round_.buurten:
            people = on_duty.setdefault(buurt, [])
            people.extend(w for w in round_.walkers if w not in people)
    return {buurt: tuple(people) for buurt, people in on_duty.items() if people}


def with_walkers_on_duty(directory: Directory, rounds: Iterable[Round], at: dt.datetime) -> Directory:
    """The routing snapshot with the walkers on duty at ``at``; the snapshot itself is not changed."""
    return dataclasses.replace(directory, walkers_by_buurt=walkers_on_duty(rounds, at))


def avoid_broken(recipients: Iterable[Recipient], broken: set[int], fallback: Iterable[int]) -> list[Recipient]:
    """Routing with the officer and desk chats Telegram refused taken out: when one was taken
    out, the gemeente's fallback desks (``fallback``, those still reachable) get it instead. So
    the receipt names only who can really receive the report."""
    recipients = list(recipients)
    kept = [r for r in recipients if not (r.kind in OFFICER_KINDS and r.chat_id in broken)]
    if len(kept) == len(recipients):
        return recipients
    present = {r.chat_id for r in kept}
    kept += [Recipient(RecipientKind.FALLBACK_DESK, desk) for desk in fallback
             if desk not in broken and desk not in present]
    return kept
