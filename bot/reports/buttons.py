"""The report journey's buttons: their callback data built and parsed here, and nowhere else.

The same definitions give the typed answers: at every button step a resident may type a
button's label or one of the usual words (ja/nee/nu/eerder/klaar/stop/annuleer and their
English and Turkish forms), in any case and with or without accents.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.domain import Category
from bot.core.i18n import N_, Translator
from bot.reports import texts as render
from bot.reports.draft import Call112, Field, Place, Step, WhenMode
from bot.reports.rules import fold_words, guess_category

PREFIX = "rep"
Buttons = list[list[tuple[str, str]]]  # rows of (label, callback data)


class Act(StrEnum):
    URGENT = "urgent"
    CATEGORY = "cat"
    CALL_112 = "112"
    WHEN = "when"
    NO_PHOTO = "nophoto"
    NO_PERSON = "noperson"
    CONFIRM = "confirm"
    CHANGE = "change"
    EDIT = "edit"
    PLACE = "place"
    CANCEL = "cancel"


# "rep:112:call" is "Bel 112": the numbers once, and on (the resident is calling).
CALL_NOW = "call"
_112_VALUES = {"yes": Call112.CALLED, "no": Call112.NOT_NEEDED, "notnow": Call112.NOT_CALLED, CALL_NOW: Call112.CALLED}
_112_DATA = {Call112.CALLED: "yes", Call112.NOT_NEEDED: "no", Call112.NOT_CALLED: "notnow"}
NO_PLACE = "none"


@dataclass(frozen=True, slots=True)
class Action:
    act: Act
    value: str = ""

    @property
    def data(self) -> str:
        return f"{PREFIX}:{self.act.value}:{self.value}" if self.value else f"{PREFIX}:{self.act.value}"

    # Typed views of the value, for the service.
    @property
    def category(self) -> Category | None:
        try:
            return Category(self.value)
        except ValueError:
            return None

    @property
    def call_112(self) -> Call112 | None:
        return _112_VALUES.get(self.value)

    @property
    def when(self) -> WhenMode | None:
        try:
            return WhenMode(self.value)
        except ValueError:
            return None

    @property
    def field(self) -> Field | None:
        try:
            return Field(self.value)
        except ValueError:
            return None

    @property
    def place_index(self) -> int | None:
        return int(self.value) if self.value.isascii() and self.value.isdigit() and len(self.value) <= 2 else None


def parse(data: str | None) -> Action | None:
    """A report button's data, or None for anything that is not one (forged data included)."""
    if not data or len(data) > 64:
        return None
    prefix, _, rest = data.partition(":")
    if prefix != PREFIX:
        return None
    act, _, value = rest.partition(":")
    try:
        return Action(Act(act), value)
    except ValueError:
        return None


def is_report_button(data: str | None) -> bool:
    return bool(data) and str(data).startswith(PREFIX + ":")


PATTERN = rf"^{PREFIX}:"  # what the handler's CallbackQueryHandler listens to


# ---------------------------------------------------------------------------- keyboards


def _row(*buttons: tuple[str, Action]) -> list[tuple[str, str]]:
    return [(label, action.data) for label, action in buttons]


def category_buttons(t: Translator) -> Buttons:
    shown = [c for c in Category if c is not Category.NEGLECT]
    cells = [(render.category_label(t, c), Action(Act.CATEGORY, c.value)) for c in shown]
    rows: Buttons = [_row(*cells[i:i + 2]) for i in range(0, len(cells), 2)]
    rows.insert(0, _row(("⚠️ " + t.gettext("Nu gevaar (spoed)"), Action(Act.URGENT))))
    rows.append(_row((render.category_label(t, Category.NEGLECT), Action(Act.CATEGORY, Category.NEGLECT.value))))
    rows.append(_row((t.gettext("Annuleren"), Action(Act.CANCEL))))
    return rows


def call_112_buttons(t: Translator, *, emergency: bool) -> Buttons:
    if emergency:
        # "Bel nu 112" is the question itself: one screen, two answers.
        return [_row(("✅ " + t.gettext("Ik heb gebeld"), Action(Act.CALL_112, "yes")),
                     ("⏳ " + t.gettext("Ik kan nu niet bellen"), Action(Act.CALL_112, "notnow")))]
    return [
        _row(("📞 " + t.gettext("Bel 112"), Action(Act.CALL_112, CALL_NOW))),
        _row(("✅ " + t.gettext("Ja, gebeld"), Action(Act.CALL_112, "yes")),
             ("➖ " + t.gettext("Niet nodig"), Action(Act.CALL_112, "no"))),
    ]


def when_buttons(t: Translator) -> Buttons:
    return [_row((t.gettext("Nu"), Action(Act.WHEN, WhenMode.NOW.value)),
                 (t.gettext("Eerder"), Action(Act.WHEN, WhenMode.EARLIER.value)))]


def photo_buttons(t: Translator) -> Buttons:
    return [_row((t.gettext("Geen foto"), Action(Act.NO_PHOTO)))]


def no_person_buttons(t: Translator) -> Buttons:
    return [_row(("🙈 " + t.gettext("Geen persoon gezien"), Action(Act.NO_PERSON)))]


def confirm_buttons(t: Translator) -> Buttons:
    return [
        _row(("✅ " + t.gettext("Versturen"), Action(Act.CONFIRM))),
        _row(("✏️ " + t.gettext("Wijzigen"), Action(Act.CHANGE)), ("✖️ " + t.gettext("Annuleren"), Action(Act.CANCEL))),
    ]


CHANGE_LABELS: dict[Field, str] = {
    Field.CATEGORY: N_("Soort"),
    Field.CALLED_112: "112",
    Field.LOCATION: N_("Waar"),
    Field.WHEN: N_("Wanneer"),
    Field.DESCRIPTION: N_("Beschrijving"),
    Field.PHOTO: N_("Foto"),
}


def change_buttons(t: Translator) -> Buttons:
    cell = {f: (t.gettext(label), Action(Act.EDIT, f.value)) for f, label in CHANGE_LABELS.items()}
    return [
        _row(cell[Field.CATEGORY], cell[Field.CALLED_112], cell[Field.LOCATION]),
        _row(cell[Field.WHEN], cell[Field.DESCRIPTION], cell[Field.PHOTO]),
    ]


def category_note_buttons(t: Translator) -> Buttons:
    """Under "Soort: … — wijzig"."""
    return [_row(("✏️ " + t.gettext("wijzig"), Action(Act.EDIT, Field.CATEGORY.value)))]


def place_buttons(t: Translator, candidates: list[Place]) -> Buttons:
    rows = [_row((f"📍 {p.label}"[:60], Action(Act.PLACE, str(i)))) for i, p in enumerate(candidates)]
    rows.append(_row((t.gettext("Geen van deze"), Action(Act.PLACE, NO_PLACE))))
    return rows


def buttons_for(step: Step, t: Translator, *, emergency: bool = False, candidates: list[Place] | None = None) -> Buttons | None:
    """The inline buttons a step's question shows (None: the step takes a message)."""
    if step is Step.CATEGORY:
        return category_buttons(t)
    if step is Step.CALLED_112:
        return call_112_buttons(t, emergency=emergency)
    if step is Step.WHEN:
        return when_buttons(t)
    if step is Step.PHOTO:
        return photo_buttons(t)
    if step is Step.CONFIRM:
        return confirm_buttons(t)
    if step is Step.CHANGE:
        return change_buttons(t)
    if step is Step.PLACE_CHOICE:
        return place_buttons(t, candidates or [])
    return None


# ---------------------------------------------------------------------------- typed answers

# The usual words besides the labels, folded (bot.reports.rules.fold_words), nl / en / tr.
CANCEL_WORDS = {"stop", "annuleer", "annuleren", "cancel", "iptal", "vazgec", "stoppen"}
YES_WORDS = {"ja", "yes", "evet", "jawel", "yep", "ok", "oke", "okay", "tamam", "klaar", "done"}
NO_WORDS = {"nee", "no", "hayir", "neen", "nope"}
WORDS: dict[Step, dict[str, Action]] = {
    Step.CALLED_112: {
        **{w: Action(Act.CALL_112, "yes") for w in YES_WORDS | {"gebeld", "ja gebeld", "called", "aradim",
                                                                   "ik heb gebeld", "heb gebeld"}},
        **{w: Action(Act.CALL_112, "no") for w in NO_WORDS | {"niet nodig", "not needed", "gerek yok", "hoeft niet"}},
        **{w: Action(Act.CALL_112, CALL_NOW) for w in {"bel", "bel 112", "call", "call 112", "ara", "112 ara"}},
    },
    Step.WHEN: {
        **{w: Action(Act.WHEN, WhenMode.NOW.value) for w in {"nu", "now", "simdi", "net", "zojuist", "just now",
                                                              "nu net", "right now", "su an"}},
        **{w: Action(Act.WHEN, WhenMode.EARLIER.value) for w in {"eerder", "earlier", "daha once", "once",
                                                                  "before", "al eerder", "gisteren", "yesterday", "dun"}},
    },
    Step.PHOTO: {w: Action(Act.NO_PHOTO) for w in NO_WORDS | {"geen foto", "no photo", "fotograf yok", "geen",
                                                                "klaar", "done", "tamam", "skip", "nee dank je"}},
    Step.CONFIRM: {
        **{w: Action(Act.CONFIRM) for w in YES_WORDS | {"versturen", "verstuur", "verzenden", "send", "gonder",
                                                         "submit", "goed", "klopt"}},
        **{w: Action(Act.CHANGE) for w in {"wijzig", "wijzigen", "aanpassen", "change", "edit", "degistir"}},
    },
    Step.CHANGE: {
        **{w: Action(Act.EDIT, Field.CATEGORY.value) for w in {"wat", "soort", "what", "category", "kind", "tur",
                                                                 "kategori", "ne"}},
        **{w: Action(Act.EDIT, Field.CALLED_112.value) for w in {"112"}},
        **{w: Action(Act.EDIT, Field.LOCATION.value) for w in {"waar", "plaats", "adres", "locatie", "where",
                                                                 "place", "address", "location", "nerede"}},
        **{w: Action(Act.EDIT, Field.WHEN.value) for w in {"wanneer", "tijd", "when", "time", "ne zaman", "zaman"}},
        **{w: Action(Act.EDIT, Field.DESCRIPTION.value) for w in {"beschrijving", "tekst", "description", "text",
                                                                    "aciklama"}},
        **{w: Action(Act.EDIT, Field.PHOTO.value) for w in {"foto", "photo", "fotograf", "picture"}},
    },
    Step.CATEGORY: {w: Action(Act.URGENT) for w in {"nu gevaar", "spoed", "gevaar", "urgent", "emergency",
                                                     "danger", "acil", "tehlike"}},
}


def typed_answer(step: Step, text: str, t: Translator, *, emergency: bool = False,
                 candidates: list[Place] | None = None) -> Action | None:
    """The button a typed answer means at this step, or None."""
    word = fold_words(text)
    if not word:
        return None
    if word in CANCEL_WORDS:
        return Action(Act.CANCEL)
    buttons = buttons_for(step, t, emergency=emergency, candidates=candidates) or []
    for row in buttons:
        for label, data in row:
            if fold_words(label) == word:
                return parse(data)
    if step is Step.CALLED_112 and emergency and word in NO_WORDS | {"kan niet", "cannot", "can t", "arayamam",
                                                                      "kan nu niet", "niet gebeld"}:
        return Action(Act.CALL_112, "notnow")
    if (action := WORDS.get(step, {}).get(word)) is not None:
        return action
    if step is Step.PLACE_CHOICE and candidates:
        if word.isdigit() and 1 <= int(word) <= len(candidates):
            return Action(Act.PLACE, str(int(word) - 1))
        if word in NO_WORDS | {"geen van deze", "geen", "none", "none of these", "hicbiri"}:
            return Action(Act.PLACE, NO_PLACE)
    if step is Step.CATEGORY and len(word.split()) <= 4:
        category = guess_category(text, t.language)
        if category is not None:
            return Action(Act.CATEGORY, category.value)
    return None


def call_112_data(answer: Call112) -> str:
    return Action(Act.CALL_112, _112_DATA[answer]).data
