"""What the follow conversation says (HTML), in the resident's language."""

from __future__ import annotations

import html

from bot.core.i18n import Translator
from bot.outreach.follow import TargetKind
from bot.outreach.service import FollowPlace


def place_label(place: FollowPlace) -> str:
    """"Aalst (Waalre)" for a buurt; "BPT Aalst (Aalst, Voldijn)" for a team."""
    if place.target.kind is TargetKind.BUURT:
        return f"{place.name} ({place.gemeente_name})"
    return f"{place.name} ({', '.join(place.buurt_names)})"


def flyer_subtitle(place: FollowPlace) -> str:
    """Under the flyer's title: the gemeente of a buurt, the buurten of a team."""
    if place.target.kind is TargetKind.BUURT:
        return place.gemeente_name
    return f"{', '.join(place.buurt_names)} ({place.gemeente_name})"


def welcome(t: Translator, place: FollowPlace) -> str:
    return "\n".join([
        "👋 <b>" + html.escape(t.gettext("Welkom bij Buurtwacht")) + "</b>",
        "",
        html.escape(t.gettext("Je wilt de buurtalarmen van {place} volgen.").format(place=place_label(place))),
        "",
        html.escape(t.gettext("Kies je taal:")),
    ])


def confirmation(t: Translator, place: FollowPlace) -> str:
    return "\n".join([
        "🏘 <b>" + html.escape(t.gettext("Volg {place}").format(place=place_label(place))) + "</b>",
        "",
        html.escape(t.gettext("Je krijgt hier de buurtalarmen van de buurtpreventie en de wekelijkse "
                              "preventietip.")),
        "",
        html.escape(t.gettext("Net als in een buurtpreventie-app: alleen voor mensen van 18 jaar of ouder die "
                              "in deze buurt wonen of werken. Klopt dat voor jou?")),
        "",
        "🚨 " + html.escape(t.gettext("Bij gevaar of een misdrijf dat nu gebeurt: bel eerst 112.")),
        html.escape(t.gettext("We bewaren alleen welke buurt je volgt, niet je adres. Stoppen kan altijd met "
                              "/opzeggen.")),
    ])


def confirm_label(t: Translator) -> str:
    return "✅ " + t.gettext("Ik ben 18+ en woon of werk hier")


def cancel_label(t: Translator) -> str:
    return t.gettext("Annuleren")


def followed(t: Translator, place: FollowPlace, added: int) -> str:
    label = html.escape(place_label(place))
    if not added:
        return html.escape(t.gettext("Je volgde {place} al.").format(place=place_label(place)))
    return "\n".join([
        "✅ " + t.gettext("Je volgt nu {place}.").format(place=f"<b>{label}</b>"),
        html.escape(t.gettext("Zie je zelf iets? Meld het met /melding. Tips instellen: /tips. Stoppen: /opzeggen.")),
    ])


def not_followed(t: Translator) -> str:
    return html.escape(t.gettext("Je volgt deze buurt niet. De link werkt later ook nog."))


def unknown_link(t: Translator) -> str:
    return html.escape(t.gettext("Deze volglink werkt niet (meer). Vraag je buurtpreventie om een nieuwe, of volg "
                                 "je buurt met /abonneer en je postcode en huisnummer."))
