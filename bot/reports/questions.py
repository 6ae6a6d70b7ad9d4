"""What the resident reads while making a report: the questions, the summary, the hints.

Everything returns :class:`Reply` values; ``handlers/report.py`` sends them as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.domain import Category
from bot.core.i18n import Translator
from bot.privacy.profiling import Reason
from bot.reports import buttons
from bot.reports import texts as render
from bot.reports.buttons import Buttons
from bot.reports.draft import Call112, ReportDraft, Step, WhenMode


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the resident."""

    text: str
    html: bool = False
    buttons: Buttons | None = None  # inline buttons
    place_keyboard: bool = False  # the reply keyboard of the place step ("Deel mijn locatie")
    remove_keyboard: bool = False  # take a reply keyboard away
    edit: bool = False  # replaces the message whose button was pressed (the receipt); sent anew if it cannot


def emergency_numbers(t: Translator) -> str:
    """Each number on its own line, the way Telegram clients most often make them tappable.

    A bot cannot make a number tappable itself (no tel: links in buttons or HTML); clients detect
    numbers on their own, an international "+31 900 8844" most reliably. See README (SAAR).
    """
    return "\n".join([
        "🚨 112 — " + t.gettext("spoed, nu gevaar"),
        "📞 0900-8844 (+31 900 8844) — " + t.gettext("politie, geen spoed"),
        "🕶 0800-7000 — " + t.gettext("Meld Misdaad Anoniem"),
    ])


def call_112_text(t: Translator, reason: str) -> str:
    return "🚨 <b>" + t.gettext("Bel nu 112!") + "</b>\n" + reason + "\n\n" + t.gettext(
        "Bel eerst 112 en kom daarna terug: je melding hier waarschuwt de buurt en de wijkagent, "
        "maar vervangt 112 niet."
    )


def call_112_now(t: Translator, reason: str) -> Reply:
    """A warning on its own (a message outside any report that sounds urgent)."""
    return Reply(call_112_text(t, reason), html=True)


def urgent_reason(t: Translator, draft: ReportDraft) -> str:
    if draft.category is Category.BURGLARY_IN_PROGRESS and not draft.urgent:
        return t.gettext("Een inbraak die nu bezig is, meld je altijd eerst bij 112.")
    if draft.urgent_from_description:
        return t.gettext("Je beschrijving klinkt als gevaar nu.")
    return t.gettext("Je gaf aan dat er nu gevaar is.")


def question(t: Translator, draft: ReportDraft, tz: dt.tzinfo) -> Reply:
    """The question of the draft's step."""
    step = draft.step
    found = ""
    if not draft.place_announced and draft.place is not None:
        found = "📍 " + t.gettext("Gevonden: {place}").format(place=draft.place.label) + "\n\n"
        draft.place_announced = True
    if step is Step.CATEGORY:
        return Reply(found + t.gettext("Wat wil je melden?"), buttons=buttons.category_buttons(t))
    if step is Step.CALLED_112:
        if draft.emergency:
            # One screen: "Bel nu 112" is the question, the two answers are the buttons.
            return Reply(found + call_112_text(t, urgent_reason(t, draft)) + "\n\n" + emergency_numbers(t),
                         html=True, buttons=buttons.call_112_buttons(t, emergency=True))
        return Reply(
            found + t.gettext("Heb je 112 gebeld?") + "\n\n" + emergency_numbers(t) + "\n\n"
            + t.gettext("Zo weet de buurtgroep of 112 al gebeld is, en belt niet iedereen tegelijk of juist niemand."),
            buttons=buttons.call_112_buttons(t, emergency=False))
    if step is Step.LOCATION:
        return Reply(found + t.gettext(
            "Waar was het? Deel je locatie met de knop hieronder, of typ het adres: straat en huisnummer "
            "(Kerkstraat 12) of postcode en huisnummer (5701 AB 12)."), place_keyboard=True)
    if step is Step.PLACE_CHOICE:
        return Reply(t.gettext("Welk adres bedoel je? Tik erop, of typ het adres nog eens met de plaats erbij."),
                     buttons=buttons.place_buttons(t, draft.place_candidates))
    if step is Step.WHEN:
        return Reply(found + t.gettext("Wanneer was het?"), buttons=buttons.when_buttons(t), remove_keyboard=not found)
    if step is Step.WHEN_TIME:
        return Reply(found + t.gettext("Hoe laat was het? Typ bijvoorbeeld 21:30, of 'gisteren 22:15'."))
    if step is Step.DESCRIPTION:
        return Reply(found + t.gettext(
            "Beschrijf kort wat je zag: wat gebeurde er, en hoe zag de persoon of het voertuig "
            "eruit (kleding, lengte, kenteken, richting)?"), remove_keyboard=True)
    if step is Step.PHOTO:
        return Reply(found + t.gettext("Heb je een foto? Stuur die nu, of kies 'Geen foto'."),
                     buttons=buttons.photo_buttons(t))
    if step is Step.CHANGE:
        return Reply(t.gettext("Wat wil je wijzigen?"), buttons=buttons.change_buttons(t))
    return Reply(found + summary_text(t, draft, tz), html=True, buttons=buttons.confirm_buttons(t),
                 remove_keyboard=bool(found))


def call_112_label(t: Translator, draft: ReportDraft) -> str | None:
    """The 112 line of the summary, as the group will read it (None: nothing about 112)."""
    if draft.call_112 is Call112.CALLED:
        return t.gettext("gebeld")
    if draft.call_112 is Call112.NOT_CALLED:
        return t.gettext("niet gebeld") if draft.called_112 is False else t.gettext("niet gebeld (was eerder)")
    if draft.call_112 is Call112.NOT_NEEDED:
        return t.gettext("niet nodig")
    return None


def summary_text(t: Translator, draft: ReportDraft, tz: dt.tzinfo) -> str:
    assert draft.category is not None and draft.place is not None
    lines = [
        "<b>" + t.gettext("Controleer je melding") + "</b>",
        "",
        t.gettext("Soort: {category}").format(category=render.esc(render.category_label(t, draft.category))),
    ]
    if (answer := call_112_label(t, draft)) is not None:
        lines.append(t.gettext("112: {answer}").format(answer=render.esc(answer)))
    lines.append(t.gettext("Waar: {place}").format(place=render.esc(officer_place(draft))))
    if draft.when_mode is WhenMode.NOW or draft.occurred_at is None:
        lines.append(t.gettext("Wanneer: nu"))
    else:
        lines.append(t.gettext("Wanneer: {time}").format(time=render.esc(t.datetime(draft.occurred_at, tz))))
    lines.append(t.gettext("Beschrijving: {text}").format(text=render.esc(draft.description or "–")))
    lines.append(t.gettext("Foto: {answer}").format(answer=t.gettext("ja") if draft.photo else t.gettext("nee")))
    lines.append("")
    lines.append(t.gettext("De buurtgroep leest de straat en de buurt, nooit je huisnummer of je naam. Alleen wie de "
                           "melding behandelt (wijkagent, BOA, het Zorg- en Veiligheidshuis of het meldpunt van de "
                           "gemeente) ziet het precieze adres en wie meldde."))
    return "\n".join(lines)


def officer_place(draft: ReportDraft) -> str:
    """The place as the resident and the officers see it: with house number and postcode."""
    place = draft.place
    assert place is not None
    if place.street and place.house_number:
        exact = f"{place.street} {place.house_number}" + (f", {place.postcode[:4]} {place.postcode[4:]}"
                                                         if place.postcode else "")
        rest = place.label.split(", ", 1)[1] if ", " in place.label and place.label.startswith(place.street) else place.label
        return f"{exact} ({rest})" if rest else exact
    return place.label


def category_note(t: Translator, category: Category) -> Reply:
    """"Soort: Verdacht voertuig — wijzig": what the bot made of the words, changeable at once."""
    return Reply(t.gettext("Soort: {category} — wijzig met de knop als het niet klopt.").format(
        category=render.category_label(t, category)), buttons=buttons.category_note_buttons(t))


def tap_a_button(t: Translator) -> Reply:
    return Reply(t.gettext("Tik op een knop hieronder."))


def cancelled(t: Translator) -> Reply:
    return Reply(t.gettext("Je melding is geannuleerd. Er is niets opgeslagen."), remove_keyboard=True)


def address_hint(t: Translator, hint: str | None) -> str:
    hints = {
        "postcode_letters": t.gettext("Vergeet de twee letters van de postcode niet, bijvoorbeeld 5701 AB 12."),
        "house_number": t.gettext("Ik mis het huisnummer. Typ bijvoorbeeld 5701 AB 12."),
        "postcode_invalid": t.gettext("Dit is geen geldige Nederlandse postcode. Een postcode is 4 cijfers en 2 letters, bijvoorbeeld 5701 AB."),
        "house_number_invalid": t.gettext("Dat huisnummer klopt niet. Typ bijvoorbeeld 5701 AB 12."),
        "postcode_needed": t.gettext("De adreszoeker is nu niet bereikbaar. Typ de postcode en het huisnummer, bijvoorbeeld 5701 AB 12, of deel je locatie."),
    }
    return hints.get(hint or "", t.gettext("Typ de postcode en het huisnummer, bijvoorbeeld 5701 AB 12, of deel je locatie."))


def outside_area(t: Translator) -> str:
    return t.gettext(
        "Deze plek ligt buiten de buurten waar Buurtwacht actief is. Klopt het adres? Typ het nog eens of deel je "
        "locatie. Bij gevaar: bel 112. Geen spoed: politie 0900-8844. Anoniem een misdrijf melden: Meld Misdaad "
        "Anoniem 0800-7000.")


def not_found(t: Translator) -> str:
    return t.gettext("Dit adres kon ik niet vinden. Controleer de straat of de postcode en het huisnummer.")


def profiling_advice(t: Translator, reasons: list[Reason]) -> str:
    lines = []
    if Reason.ETHNICITY_ONLY in reasons:
        lines.append(t.gettext(
            "Afkomst of huidskleur zegt niets over wat iemand doet, en leidt vaak tot de verkeerde persoon. "
            "Beschrijf liever gedrag en kenmerken."))
    if Reason.NO_BEHAVIOUR in reasons:
        lines.append(t.gettext("Wat deed de persoon waardoor het verdacht was?"))
    if Reason.TOO_FEW_DETAILS in reasons or Reason.ETHNICITY_ONLY in reasons:
        lines.append(t.gettext("Noem minstens twee kenmerken: kleding, lengte, leeftijd, haar, voertuig of looprichting."))
    lines.append(t.gettext("Bijvoorbeeld: 'Man van ongeveer 30 in grijze jas en zwarte pet probeert deurklinken, "
                           "liep richting het park.'"))
    return "\n".join(lines)


def send_back(t: Translator, reasons: list[Reason], *, changed_category: bool, no_person_possible: bool) -> Reply:
    advice = profiling_advice(t, reasons)
    if changed_category:
        advice = t.gettext("Bij deze soort melding hoort een beschrijving van wat de persoon deed en hoe die eruitzag.") + "\n" + advice
    if no_person_possible:
        advice += "\n\n" + t.gettext("Zag je geen persoon (alleen sporen, geluid of schade)? Tik dan op 'Geen persoon gezien'.")
    return Reply(advice, buttons=buttons.no_person_buttons(t) if no_person_possible else None)


def receipt(t: Translator, *, reference: str, merged_count: int | None, forwarded: str | None) -> str:
    lines = ["✅ " + t.gettext("Ontvangen. Je referentie is {reference}.").format(reference=reference)]
    if merged_count is not None:
        lines.append(t.gettext("Anderen meldden hetzelfde; je melding is samengevoegd ({count} meldingen).").format(
            count=merged_count))
    if forwarded:
        lines.append(forwarded)
        lines.append(t.gettext("Je hoort het zodra iemand je melding oppakt."))
    else:
        lines.append(t.gettext("Er is voor deze plek nog niemand gekoppeld; je melding is bewaard voor de gemeente."))
    lines.append(t.gettext("Bij gevaar: bel altijd 112."))
    return "\n".join(lines)
