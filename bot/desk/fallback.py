"""Nothing silently lost: a report Telegram refused to deliver to an officer or desk (403
blocked or deactivated, 400 chat not found) goes at once to the gemeente's fallback desk, or its
backup desk when the report is urgent. The gemeente's admins hear once per broken id, and the
reporter hears who has their report now.

The sender calls :func:`delivery_refused` (its ``on_refused`` hook); routing passes broken ids
by from then on (:func:`bot.reports.routing.avoid_broken`), so a later receipt names only who can
really receive the report.
"""

from __future__ import annotations

import logging

from bot.core.domain import OFFICER_KIND_VALUES, UNDELIVERED, IncidentAction, RecipientKind, Role
from bot.core.i18n import translator
from bot.desk.rules import is_urgent
from bot.reports import texts as render
from bot.reports.service import queue_copy
from bot.runtime.services import Services
from storage import desk as store
from storage import outbox, users
from storage.db import Transaction

log = logging.getLogger(__name__)


async def delivery_refused(services: Services, row_id: int, chat_id: int, reason: str) -> int:
    """Re-route a refused delivery; returns how many desks got the report instead."""
    row = await store.sent_row(services.db, row_id)
    if row is None or row.kind not in OFFICER_KIND_VALUES:
        return 0  # not an officer's copy of a report (a group, a resident, a tip): nothing to re-route
    desk_row = await store.incident(services.db, row.incident_id) if row.incident_id is not None else None
    now = services.now()
    gemeente = desk_row.gemeente_code if desk_row else None
    services.broken_chats.add(chat_id)
    admins = await users.holders_of_scope(services.db, Role.ADMIN, gemeente) if gemeente is not None else []
    admin_languages = await users.languages(services.db, admins)
    told_admins = 0
    async with services.db.transaction() as tx:
        if await store.mark_broken(tx, chat_id, reason, now) and gemeente is not None:
            told_admins = await _tell_admins(services, tx, gemeente, admins, admin_languages, chat_id, reason)
    if desk_row is None:
        return 0
    urgent = is_urgent(desk_row)
    desks = services.directory.backup_desks if urgent else services.directory.fallback_desks
    already = {d.chat_id for d in await outbox.deliveries_for_incident(services.db, desk_row.id)
               if d.status not in UNDELIVERED}
    targets = [d for d in desks.get(desk_row.gemeente_code, ()) if d not in services.broken_chats and d not in already]
    languages = await users.languages(services.db, targets)
    async with services.db.transaction() as tx:
        for desk in targets:
            await queue_copy(services, tx, desk_row.id, desk, RecipientKind.FALLBACK_DESK,
                             languages.get(desk, services.config.language))
        await store.add_event(tx, desk_row.id, now, None, IncidentAction.REROUTED, target_id=targets[0] if targets else None)
        # The reporter was told who got it: now they hear who has it instead.
        for sighting_id, reporter_id, language, reference in await store.reporters(tx, desk_row.id):
            t = translator(language)
            kinds = [RecipientKind.FALLBACK_DESK] if targets else []
            text = t.gettext("Over je melding {reference}: {who} was niet bereikbaar.").format(
                reference=reference, who=t.gettext(render.RECIPIENT_LABELS.get(RecipientKind(row.kind), row.kind)))
            text += " " + (render.forwarded_to(t, kinds) if kinds else t.gettext(
                "De gemeente is gewaarschuwd; bij gevaar: bel 112."))
            await outbox.enqueue(tx, reporter_id, "sendMessage", {"text": render.esc(text), "parse_mode": "HTML"},
                                 priority=outbox.PRIORITY_NORMAL, kind="receipt", language=language,
                                 sighting_id=sighting_id, not_before=now)
    log.warning("delivery of incident %d refused (%s); re-routed to %d desk(s), %d admin(s) told",
                desk_row.id, reason.split(":")[0], len(targets), told_admins)
    services.wake_sender()
    return len(targets)


async def _tell_admins(services: Services, tx: Transaction, gemeente: str, admins: list[int],
                       languages: dict[int, str], chat_id: int, reason: str) -> int:
    """Each admin of the gemeente, once per broken id (the caller marked it broken in ``tx``)."""
    names = {o.telegram_id: o.name for g in services.config.gemeenten if g.code == gemeente
             for o in (*g.fallback_desk, *g.backup_desk, *g.care_desk,
                       *(x for w in g.wijken for x in (*w.wijkagenten, *w.boa, *w.care_desk)))}
    for admin in admins:
        language = languages.get(admin, services.config.language)
        t = translator(language)
        text = "⚠️ " + t.gettext(
            "Telegram weigert berichten aan {name} (id {id}): {reason}. Meldingen voor dit id gaan nu naar het "
            "meldpunt van de gemeente. Controleer het id in de configuratie (buurtwacht check-config --online).").format(
            name=names.get(chat_id) or "?", id=chat_id, reason=reason)
        await outbox.enqueue(tx, admin, "sendMessage", {"text": text}, priority=outbox.PRIORITY_URGENT,
                             kind="admin_notice", language=language, not_before=services.now())
    return len(admins)
