"""The Mini App's words, from the same gettext catalogs as the chat (served as JSON)."""

from __future__ import annotations

from bot.core.i18n import N_, Translator
from bot.insight.rules import PERIOD_LABELS
from bot.reports import texts as render

UI_TEXTS: dict[str, str] = {
    "title": N_("Buurtwacht-kaart"),
    "loading": N_("Laden…"),
    "place_hint": N_("Waar was het? Tik op de kaart om de plek te kiezen."),
    "place_send": N_("Deze plek"),
    "place_in": N_("Gekozen: {buurt}, {gemeente}"),
    "place_outside": N_("Deze plek ligt buiten het gebied van Buurtwacht. Kies een plek binnen de getekende buurten."),
    "place_sent": N_("Plek doorgegeven. Je melding gaat verder in de chat."),
    "tab_map": N_("Kaart"),
    "tab_overview": N_("Overzicht"),
    "list_title": N_("Open meldingen"),
    "list_empty": N_("Geen open meldingen in je gebied."),
    "urgent": N_("Spoed"),
    "close": N_("Sluiten"),
    "group_view": N_("Zoals de groep het ziet: zonder melder en huisnummer."),
    "overview_title": N_("Meldingen per buurt"),
    "overview_note": N_("Aantallen onder de 3 staan als <3, zodat niemand herleidbaar is."),
    "legend_none": N_("geen"),
    "not_in_telegram": N_("Open deze kaart vanuit Telegram."),
    "forbidden": N_("Deze kaart is voor wijkagenten, BOA's, coördinatoren en de gemeente."),
    "error": N_("Er ging iets mis. Probeer het opnieuw."),
    "done": N_("Gedaan. De melder krijgt bericht."),
}

def ui_texts(t: Translator) -> dict[str, object]:
    return {
        **{key: t.gettext(message) for key, message in UI_TEXTS.items()},
        "status": {status.value: t.gettext(label) for status, label in render.STATUS_LABELS.items()},
        "periods": {key: t.gettext(label) for key, label in PERIOD_LABELS.items()},
    }
