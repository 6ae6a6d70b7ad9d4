"""What the desk shows: the /meldingen list, a report in full with its history, and the lines
relayed between an officer and a reporter (never naming either)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.domain import IncidentAction, SightingStatus
from bot.core.i18n import N_, Translator
from bot.desk.rules import age_minutes, is_urgent
from bot.reports import officer_buttons
from bot.reports import texts as render
from bot.reports.officer_buttons import FILTER_LABELS, Action, Filter
from storage.desk import DeskRow, Event

ACTION_LABELS: dict[str, str] = {
    IncidentAction.HANDED_OVER: N_("overgedragen aan {name}"),
    IncidentAction.REOPENED: N_("heropend"),
    IncidentAction.QUESTION: N_("vraag aan de melder"),
    IncidentAction.ANSWER: N_("antwoord van de melder"),
    IncidentAction.NOTE: N_("notitie aan de melder"),
    IncidentAction.REROUTED: N_("afleveren mislukt, naar het meldpunt van de gemeente gestuurd"),
}


def _age(t: Translator, minutes: int) -> str:
    if minutes < 60:
        return t.gettext("{n} min").format(n=minutes)
    if minutes < 48 * 60:
        return t.gettext("{n} u").format(n=minutes // 60)
    return t.ngettext("{n} dag", "{n} dagen", minutes // 1440).format(n=minutes // 1440)


def list_line(t: Translator, row: DeskRow, *, now: dt.datetime, place: str, names: Mapping[int, str]) -> str:
    icon = "🚨 " if is_urgent(row) else ""
    parts = [f"{icon}<b>{render.esc(row.reference)}</b>", render.esc(render.category_label(t, row.category)),
             render.esc(place), _age(t, age_minutes(row.first_at, now))]
    if row.report_count > 1:
        parts.append(t.ngettext("{n} melding", "{n} meldingen", row.report_count).format(n=row.report_count))
    status = t.gettext(render.STATUS_LABELS[row.status])
    if row.holder is not None:
        status += " — " + render.esc(names.get(row.holder) or t.gettext("een collega"))
    parts.append(status)
    return " · ".join(parts)


def list_text(t: Translator, lines: Sequence[str], *, filter_: Filter, page: int, pages: int, total: int) -> str:
    head = "🗂 <b>" + t.gettext("Meldingen: {filter}").format(filter=t.gettext(FILTER_LABELS[filter_])) + "</b>"
    if not lines:
        return head + "\n\n" + t.gettext("Geen meldingen in je gebied met deze keuze.")
    counter = t.gettext("{total} in totaal · pagina {page} van {pages}").format(total=total, page=page + 1, pages=pages)
    return "\n\n".join([head + "\n" + counter, *lines]) + "\n\n" + t.gettext("Tik op een referentie voor de hele melding.")


def list_keyboard(t: Translator, rows: Sequence[DeskRow], *, filter_: Filter, page: int, pages: int) -> dict[str, Any]:
    keyboard: list[list[dict[str, str]]] = []
    for start in range(0, len(rows), 2):
        keyboard.append([{"text": "📄 " + row.reference, "callback_data": officer_buttons.one(Action.OPEN, row.id)}
                         for row in rows[start:start + 2]])
    keyboard.append([{"text": ("• " if f is filter_ else "") + t.gettext(FILTER_LABELS[f]),
                      "callback_data": officer_buttons.list_page(f, 0)} for f in Filter])
    paging = []
    if page > 0:
        paging.append({"text": "◀️ " + t.gettext("Vorige"), "callback_data": officer_buttons.list_page(filter_, page - 1)})
    if page + 1 < pages:
        paging.append({"text": t.gettext("Volgende") + " ▶️", "callback_data": officer_buttons.list_page(filter_, page + 1)})
    if paging:
        keyboard.append(paging)
    return {"inline_keyboard": keyboard}


def event_line(t: Translator, event: Event, *, tz: dt.tzinfo, names: Mapping[int, str]) -> str:
    when = event.at.astimezone(tz).strftime("%d-%m %H:%M")
    who = names.get(event.actor_id) if event.actor_id is not None else None
    try:
        what = t.gettext(render.STATUS_LABELS[SightingStatus(event.action)])
    except ValueError:
        label = ACTION_LABELS.get(event.action, event.action)
        target = names.get(event.target_id) if event.target_id is not None else None
        what = t.gettext(label).format(name=target or t.gettext("een collega"))
    line = f"{when} {render.esc(what)}"
    if who:
        line += " (" + render.esc(who) + ")"
    if event.note:
        line += ": “" + render.esc(event.note) + "”"
    return "• " + line


def history(t: Translator, events: Sequence[Event], *, tz: dt.tzinfo, names: Mapping[int, str]) -> str:
    if not events:
        return ""
    return "\n".join(["", "🧾 <b>" + t.gettext("Verloop") + "</b>",
                      *(event_line(t, e, tz=tz, names=names) for e in events)])


def handover_keyboard(t: Translator, incident_id: int, people: Sequence[tuple[int, str]]) -> dict[str, Any]:
    rows = [[{"text": name, "callback_data": officer_buttons.hand_to(incident_id, person)}] for person, name in people]
    rows.append([{"text": t.gettext("Annuleren"), "callback_data": officer_buttons.CANCEL}])
    return {"inline_keyboard": rows}


# ---------------------------------------------------------------------------- relayed lines


def question_to_reporter(t: Translator, reference: str, question: str) -> str:
    return ("❓ <b>" + render.esc(t.gettext("Vraag over je melding {reference}").format(reference=reference)) + "</b>\n\n"
            + render.esc(question) + "\n\n"
            + t.gettext("De vraag komt van wie je melding behandelt. Tik op Antwoorden om te reageren; "
                        "je naam en telefoonnummer worden niet doorgegeven."))


def answer_to_officer(t: Translator, reference: str, answer: str) -> str:
    return ("💬 <b>" + render.esc(t.gettext("Antwoord van de melder op {reference}").format(reference=reference))
            + "</b>\n\n" + render.esc(answer))


def note_to_reporter(t: Translator, reference: str, note: str) -> str:
    return ("✍️ " + render.esc(t.gettext("Notitie bij je melding {reference}:").format(reference=reference))
            + "\n" + render.esc(note))


def handed_over(t: Translator, reference: str, by: str, note: str | None) -> str:
    text = "🔁 " + t.gettext("{name} heeft melding {reference} aan jou overgedragen.").format(
        name=render.esc(by), reference=render.esc(reference))
    if note:
        text += "\n" + t.gettext("Notitie: {note}").format(note=render.esc(note))
    return text


def prompt(t: Translator, kind: str) -> str:
    prompts = {
        "question": N_("Typ je vraag aan de melder (één bericht). De melder ziet je naam niet."),
        "answer": N_("Typ je antwoord (één bericht)."),
        "note": N_("Typ een korte notitie voor de melder (één regel)."),
        "handover": N_("Typ een notitie van één regel voor je collega, of tik op Zonder notitie."),
    }
    return t.gettext(prompts[kind])
