"""What people read: the texts and buttons of routed reports, alerts and status updates.

Everything here returns Bot API parameters (dicts), ready for the outbox. User content is
always escaped for Telegram's HTML parse mode.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from bot.core.domain import (
    OFFICER_KINDS,
    AreaRef,
    Category,
    Point,
    RecipientKind,
    Sighting,
    SightingStatus,
)
from bot.core.i18n import N_, Translator
from bot.privacy.profiling import redact_ethnicity
from bot.reports.group_buttons import WatchKind, watch_data

CATEGORY_LABELS: dict[Category, str] = {
    Category.SUSPICIOUS_PERSON: N_("Verdachte persoon"),
    Category.SUSPICIOUS_VEHICLE: N_("Verdacht voertuig"),
    Category.BURGLARY_IN_PROGRESS: N_("Inbraak bezig"),
    Category.NUISANCE: N_("Overlast"),
    Category.CONFUSED_PERSON: N_("Verward gedrag"),
    Category.YOUTH_NUISANCE: N_("Jeugdoverlast"),
    Category.FIRE_HAZARD: N_("Brandgevaar"),
    Category.NEGLECT: N_("Verloedering"),
    Category.OTHER: N_("Anders"),
}

CATEGORY_ICONS: dict[Category, str] = {
    Category.SUSPICIOUS_PERSON: "🕵️",
    Category.SUSPICIOUS_VEHICLE: "🚗",
    Category.BURGLARY_IN_PROGRESS: "🚨",
    Category.NUISANCE: "📢",
    Category.CONFUSED_PERSON: "🤝",
    Category.YOUTH_NUISANCE: "🛴",
    Category.FIRE_HAZARD: "🔥",
    Category.NEGLECT: "🧹",
    Category.OTHER: "📝",
}

STATUS_LABELS: dict[SightingStatus, str] = {
    SightingStatus.NEW: N_("Nieuw"),
    SightingStatus.ACKNOWLEDGED: N_("Wordt opgepakt"),
    SightingStatus.NO_ACTION: N_("Geen actie nodig"),
    SightingStatus.RESOLVED: N_("Afgerond"),
    SightingStatus.FALSE_ALARM: N_("Vals alarm"),
    SightingStatus.EXPIRED: N_("Verlopen"),
}


# Who a report went to, as the resident's receipt names them.
RECIPIENT_LABELS: dict[RecipientKind, str] = {
    RecipientKind.TEAM_GROUP: N_("de buurtpreventiegroep"),
    RecipientKind.WIJKAGENT: N_("de wijkagent"),
    RecipientKind.BOA: N_("de BOA"),
    RecipientKind.CARE_DESK: N_("het Zorg- en Veiligheidshuis (zorg)"),
    RecipientKind.FALLBACK_DESK: N_("het meldpunt van de gemeente"),
    RecipientKind.BACKUP_DESK: N_("de achterwacht van de gemeente"),
    RecipientKind.SUBSCRIBER: N_("buurtbewoners die deze buurt volgen"),
    RecipientKind.WALKER: N_("de lopers van de buurtronde"),
}


def forwarded_to(t: Translator, kinds: list[RecipientKind]) -> str:
    """"Doorgestuurd naar: de buurtpreventiegroep, de wijkagent." from the kinds a report was
    really routed to, each once, in routing order (a care report never says "de buurt")."""
    labels = [t.gettext(RECIPIENT_LABELS[kind]) for kind in dict.fromkeys(kinds)]
    return t.gettext("Doorgestuurd naar: {recipients}.").format(recipients=", ".join(labels))


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def category_label(t: Translator, category: Category) -> str:
    return f"{CATEGORY_ICONS[category]} {t.gettext(CATEGORY_LABELS[category])}"


def place_label(area: AreaRef, street: str | None) -> str:
    """"Kerkstraat, Centrum (Helmond)": the street-level place for alerts, never a house number."""
    return _with_gemeente([street, area.buurt_name or area.buurt_code], area.gemeente_name)


def _with_gemeente(parts: list[str | None], gemeente: str | None) -> str:
    """The parts joined by commas, the gemeente after them in brackets ("…, Centrum (Helmond)")."""
    text = ", ".join(p for p in parts if p)
    if not gemeente:
        return text
    return f"{text} ({gemeente})" if text else gemeente


def officer_place_label(sighting: Sighting) -> str:
    """"Kerkstraat 12, 5701 AB, Centrum (Helmond)": street, house number and postcode for the
    people who act on a report (the group's copy never has the number)."""
    exact = " ".join(p for p in (sighting.street, sighting.house_number) if p)
    postcode = f"{sighting.postcode[:4]} {sighting.postcode[4:]}" if sighting.postcode else None
    if not exact and postcode and sighting.house_number:
        exact = f"{postcode} {sighting.house_number}"
        postcode = None
    area = sighting.area
    return _with_gemeente([exact, postcode, area.buurt_name or area.buurt_code], area.gemeente_name)


def map_link(point: Point) -> str:
    """A link any phone opens in its map app or browser (OpenStreetMap, no account, no key)."""
    return (f"https://www.openstreetmap.org/?mlat={point.lat:.5f}&mlon={point.lon:.5f}"
            f"#map=18/{point.lat:.5f}/{point.lon:.5f}")


def reporter_label(display_name: str | None, username: str | None) -> str | None:
    """How officers see the reporter: name and @handle (never shown to groups)."""
    from bot.core.textsafety import clean_text

    label = clean_text(display_name or "", 64)
    if username:
        label = f"{label} (@{username})".strip()
    return label[:128] or None


def inline_keyboard(rows: list[list[tuple[str, str]]]) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": text, "callback_data": data} for text, data in row] for row in rows]}


def sighting_text(
    t: Translator,
    sighting: Sighting,
    *,
    tz: dt.tzinfo,
    for_kind: RecipientKind,
    reporter_label: str | None = None,
    report_count: int = 1,
    status: SightingStatus = SightingStatus.NEW,
    watchers: tuple[int, int] = (0, 0),
    relayed_from: str | None = None,
    relay_over: bool = False,
) -> str:
    """The routed message. Groups and subscribers never see who reported; officers do."""
    lines = [f"<b>{esc(category_label(t, sighting.category))}</b>"]
    if relayed_from:
        lines.insert(0, "↪️ " + t.gettext("Doorgestuurd uit de buurt {buurt}").format(buurt=esc(relayed_from)))
        if relay_over:
            lines.insert(0, "⌛ <b>" + t.gettext("Niet meer actueel in deze buurt") + "</b>")
    # Only what helps the neighbours act: "112 gebeld", or "112 niet gebeld" for something
    # happening now that nobody could call about; nothing when 112 was not needed.
    if sighting.called_112 is True:
        lines.append("☎️ " + t.gettext("112 gebeld"))
    elif sighting.called_112 is False:
        lines.append("☎️ " + t.gettext("112 niet gebeld"))
    officer = for_kind in OFFICER_KINDS
    # The group reads the street and the buurt; officers the exact address where there is one.
    lines.append("📍 " + esc(officer_place_label(sighting) if officer else place_label(sighting.area, sighting.street)))
    lines.append("🕒 " + esc(t.datetime(sighting.occurred_at, tz)))
    if sighting.description:
        lines.append("")
        # Groups and followers never read origin or skin colour; officers get the report as written.
        public = for_kind in (RecipientKind.TEAM_GROUP, RecipientKind.SUBSCRIBER, RecipientKind.WALKER)
        lines.append(esc(redact_ethnicity(sighting.description, sighting.language) if public
                         else sighting.description))
    lines.append("")
    if report_count > 1:
        lines.append("👥 " + t.ngettext("{n} melding", "{n} meldingen", report_count).format(n=report_count))
    lines.append(t.gettext("Referentie: {reference}").format(reference=esc(sighting.reference)))
    if for_kind in OFFICER_KINDS:
        if reporter_label:
            lines.append(t.gettext("Melder: {reporter}").format(reporter=esc(reporter_label)))
        if sighting.point is not None:
            lines.append("🗺 " + map_link(sighting.point))
    if status is not SightingStatus.NEW:
        lines.append("")
        lines.append("✅ " + t.gettext("Status: {status}").format(status=t.gettext(STATUS_LABELS[status])))
    if for_kind is RecipientKind.TEAM_GROUP and any(watchers):
        lines.append(
            t.gettext("👀 Ik kijk: {looking} · ✔️ Gezien: {seen}").format(looking=watchers[0], seen=watchers[1])
        )
    return "\n".join(lines)


def group_keyboard(t: Translator, incident_id: int) -> dict[str, Any]:
    return inline_keyboard([
        [(t.gettext("👀 Ik kijk"), watch_data(incident_id, WatchKind.LOOK)),
         (t.gettext("✔️ Gezien"), watch_data(incident_id, WatchKind.SEEN))],
    ])


def status_update_for_reporter(t: Translator, reference: str, status: SightingStatus) -> str:
    messages = {
        SightingStatus.ACKNOWLEDGED: N_("Je melding {reference} wordt opgepakt. Dank je wel!"),
        SightingStatus.NO_ACTION: N_("Je melding {reference} is bekeken; er is geen actie nodig. Dank je wel voor het melden."),
        SightingStatus.RESOLVED: N_("Je melding {reference} is afgerond. Dank je wel voor het melden."),
        SightingStatus.FALSE_ALARM: N_("Je melding {reference} bleek vals alarm. Toch bedankt voor je oplettendheid."),
        SightingStatus.EXPIRED: N_("De melding {reference} is verlopen."),
    }
    return t.gettext(messages.get(status, N_("De status van je melding {reference} is gewijzigd."))).format(
        reference=esc(reference)
    )
