"""/melding: a resident reports a sighting, step by step, in a private chat.

The draft lives in SQLite (``storage.drafts``), not only in the ConversationHandler's
memory: after a restart the next message of the resident resumes the report where it was,
and the bot says so.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from enum import StrEnum
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.core.domain import (
    EMERGENCY_CATEGORIES,
    POLICE_NOW_CATEGORIES,
    AreaRef,
    Category,
    LocationSource,
    Point,
    Sighting,
)
from bot.core.i18n import Translator
from bot.core.textsafety import clean_text
from bot.geo.locate import Outcome
from bot.privacy.profiling import Reason, Review, review_description
from bot.privacy.rules import REPORT_WINDOW, is_muted, minutes_until_allowed
from bot.reports import texts as render
from bot.reports.rules import (
    DescriptionProblem,
    WhenProblem,
    description_problem,
    description_sounds_urgent,
    is_urgent_text,
    parse_when,
)
from bot.reports.service import DraftGone, submit_sighting
from handlers.common import display_label, services_of, user_translator
from handlers.context import BuurtwachtContext
from storage import drafts, privacy, users


class Step(StrEnum):
    CATEGORY = "category"
    CALLED_112 = "called_112"
    LOCATION = "location"
    WHEN = "when"
    WHEN_TIME = "when_time"
    DESCRIPTION = "description"
    PHOTO = "photo"
    CONFIRM = "confirm"
    CHANGE = "change"


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


# ---------------------------------------------------------------------------- questions


@functools.cache
def category_keyboard(t: Translator) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(render.category_label(t, c), callback_data=f"rep:cat:{c.value}")
        for c in Category
        if c is not Category.NEGLECT
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.insert(0, [InlineKeyboardButton("⚠️ " + t.gettext("Nu gevaar (spoed)"), callback_data="rep:urgent")])
    rows.append([InlineKeyboardButton(render.category_label(t, Category.NEGLECT), callback_data=f"rep:cat:{Category.NEGLECT.value}")])
    rows.append([InlineKeyboardButton(t.gettext("Annuleren"), callback_data="rep:cancel")])
    return InlineKeyboardMarkup(rows)


def call_112_text(t: Translator, reason: str) -> str:
    return "🚨 <b>" + t.gettext("Bel nu 112!") + "</b>\n" + reason + "\n\n" + t.gettext(
        "Bel eerst 112 en kom daarna terug: je melding hier waarschuwt de buurt en de wijkagent, "
        "maar vervangt 112 niet."
    )


async def ask(message: Message, t: Translator, step: Step, data: dict[str, Any], tz: dt.tzinfo = dt.UTC) -> None:
    """Ask the question of a step (again)."""
    if step is Step.CATEGORY:
        await message.reply_text(t.gettext("Wat wil je melden?"), reply_markup=category_keyboard(t))
    elif step is Step.CALLED_112:
        await message.reply_text(
            t.gettext("Heb je 112 gebeld?") + "\n\n" + emergency_numbers(t) + "\n\n"
            + t.gettext("Zo weet de buurtgroep of 112 al gebeld is, en belt niet iedereen tegelijk of juist niemand."),
            reply_markup=InlineKeyboardMarkup([
                [InlineKeyboardButton("📞 " + t.gettext("Bel 112"), callback_data="rep:112:call")],
                [InlineKeyboardButton("✅ " + t.gettext("Ja, gebeld"), callback_data="rep:112:yes"),
                 InlineKeyboardButton("➖ " + t.gettext("Niet nodig"), callback_data="rep:112:no")],
            ]),
        )
    elif step is Step.LOCATION:
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton("📍 " + t.gettext("Deel mijn locatie"), request_location=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        await message.reply_text(
            t.gettext(
                "Waar was het? Deel je locatie met de knop hieronder, of typ de postcode en het "
                "huisnummer (bijvoorbeeld 5701 AB 12)."
            ),
            reply_markup=keyboard,
        )
    elif step is Step.WHEN:
        found = ""
        if data.pop("found", None) and "location" in data:
            found = "📍 " + t.gettext("Gevonden: {place}").format(place=data["location"]["label"]) + "\n\n"
        await message.reply_text(
            found + t.gettext("Wanneer was het?"),
            reply_markup=InlineKeyboardMarkup([
                [InlineKeyboardButton(t.gettext("Nu"), callback_data="rep:when:now"),
                 InlineKeyboardButton(t.gettext("Eerder"), callback_data="rep:when:earlier")],
            ]),
        )
    elif step is Step.WHEN_TIME:
        await message.reply_text(
            t.gettext("Hoe laat was het? Typ bijvoorbeeld 21:30, of 'gisteren 22:15'.")
        )
    elif step is Step.DESCRIPTION:
        await message.reply_text(
            t.gettext(
                "Beschrijf kort wat je zag: wat gebeurde er, en hoe zag de persoon of het voertuig "
                "eruit (kleding, lengte, kenteken, richting)?"
            ),
            reply_markup=ReplyKeyboardRemove(),
        )
    elif step is Step.PHOTO:
        await message.reply_text(
            t.gettext("Heb je een foto? Stuur die nu, of kies 'Geen foto'."),
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(t.gettext("Geen foto"), callback_data="rep:nophoto")]]
            ),
        )
    elif step is Step.CONFIRM:
        await message.reply_text(
            summary_text(t, data, tz),
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup([
                [InlineKeyboardButton("✅ " + t.gettext("Versturen"), callback_data="rep:confirm")],
                [InlineKeyboardButton("✏️ " + t.gettext("Wijzigen"), callback_data="rep:change"),
                 InlineKeyboardButton("✖️ " + t.gettext("Annuleren"), callback_data="rep:cancel")],
            ]),
        )
    elif step is Step.CHANGE:
        await message.reply_text(
            t.gettext("Wat wil je wijzigen?"),
            reply_markup=InlineKeyboardMarkup([
                [InlineKeyboardButton(t.gettext("Wat"), callback_data="rep:edit:category"),
                 InlineKeyboardButton(t.gettext("Waar"), callback_data="rep:edit:location"),
                 InlineKeyboardButton(t.gettext("Wanneer"), callback_data="rep:edit:when")],
                [InlineKeyboardButton(t.gettext("Beschrijving"), callback_data="rep:edit:description"),
                 InlineKeyboardButton(t.gettext("Foto"), callback_data="rep:edit:photo")],
            ]),
        )


def summary_text(t: Translator, data: dict[str, Any], tz: dt.tzinfo) -> str:
    category = Category(data["category"])
    location = data["location"]
    lines = [
        "<b>" + t.gettext("Controleer je melding") + "</b>",
        "",
        t.gettext("Wat: {category}").format(category=render.esc(render.category_label(t, category))),
        t.gettext("Waar: {place}").format(place=render.esc(location["label"])),
    ]
    if data.get("when_mode") == "now":
        lines.append(t.gettext("Wanneer: nu"))
    else:
        at = dt.datetime.fromisoformat(data["occurred_at"])
        lines.append(t.gettext("Wanneer: {time}").format(time=render.esc(t.datetime(at, tz))))
    lines.append(t.gettext("Beschrijving: {text}").format(text=render.esc(data["description"])))
    lines.append(t.gettext("Foto: {answer}").format(answer=t.gettext("ja") if data.get("photo") else t.gettext("nee")))
    lines.append("")
    lines.append(t.gettext("Je naam wordt niet getoond in de buurtgroep; alleen wie de melding behandelt (wijkagent, "
                           "BOA, het Zorg- en Veiligheidshuis of het meldpunt van de gemeente) ziet wie meldde."))
    return "\n".join(lines)


# ---------------------------------------------------------------------------- state helpers


async def _save(update: Update, context: BuurtwachtContext, step: Step, data: dict[str, Any]) -> Step:
    assert update.effective_user is not None
    services = services_of(context)
    await drafts.save(services.db, update.effective_user.id, step.value, data)
    services.draft_cache[update.effective_user.id] = (step.value, data)
    return step


async def _forget(update: Update, context: BuurtwachtContext) -> None:
    assert update.effective_user is not None
    services = services_of(context)
    services.draft_cache.pop(update.effective_user.id, None)
    await drafts.delete(services.db, update.effective_user.id)


async def _next(update: Update, context: BuurtwachtContext, t: Translator, step: Step, data: dict[str, Any]) -> Step:
    """Go to ``step``, or back to the summary when the resident was changing one answer."""
    if data.get("changing") and step not in (Step.WHEN_TIME, Step.CALLED_112):
        data.pop("changing", None)
        step = Step.CONFIRM
    message = update.effective_message
    assert message is not None
    if step is Step.CONFIRM and (review := review_draft(data, t)) is not None and not review.accepted:
        # The category changed into one about a person (Wijzigen → Wat): the description that
        # passed before is checked again, and asked again when it does not pass now.
        return await send_back_description(update, context, t, message, data, review, changed_category=True)
    await _save(update, context, step, data)
    await ask(message, t, step, data, services_of(context).config.timezone)
    return step


def review_draft(data: dict[str, Any], t: Translator) -> Review | None:
    """The description check for the draft as it stands (category and text), or None without text."""
    text = data.get("description")
    if not text or "category" not in data:
        return None
    return review_description(text, Category(data["category"]), t.language, no_person=bool(data.get("no_person")))


def no_person_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("🙈 " + t.gettext("Geen persoon gezien"), callback_data="rep:noperson")]])


async def send_back_description(update: Update, context: BuurtwachtContext, t: Translator, message: Message,
                                data: dict[str, Any], review: Review, *, changed_category: bool = False) -> Step:
    """Kindly send a description back, and wait for a new one (or "Geen persoon gezien")."""
    text = data.pop("description", None) or data.get("pending_description")
    data["pending_description"] = text
    data.pop("no_person", None)
    if changed_category:
        data["changing"] = True  # with the new description, straight back to the summary
    await _save(update, context, Step.DESCRIPTION, data)
    advice = profiling_advice(t, review.reasons)
    if changed_category:
        advice = t.gettext("Bij deze soort melding hoort een beschrijving van wat de persoon deed en hoe die eruitzag.") + "\n" + advice
    if review.no_person_possible:
        advice += "\n\n" + t.gettext("Zag je geen persoon (alleen sporen, geluid of schade)? Tik dan op 'Geen persoon gezien'.")
    await message.reply_text(advice, reply_markup=no_person_keyboard(t) if review.no_person_possible else None)
    return Step.DESCRIPTION


async def _load(update: Update, context: BuurtwachtContext) -> tuple[Step, dict[str, Any]] | None:
    assert update.effective_user is not None
    services = services_of(context)
    loaded = services.draft_cache.get(update.effective_user.id)
    if loaded is None:
        loaded = await drafts.load(services.db, update.effective_user.id)
        if loaded is None:
            return None
        services.draft_cache[update.effective_user.id] = loaded
    # A copy: a step that fails half-way must not change the cached draft.
    return Step(loaded[0]), dict(loaded[1])


# ---------------------------------------------------------------------------- entry points


async def report_refusal(update: Update, context: BuurtwachtContext, t: Translator) -> str | None:
    """Why this person may not file a report right now (muted, or over the hourly limit), or None."""
    services = services_of(context)
    assert update.effective_user is not None
    now = services.now()
    user = await users.get(services.db, update.effective_user.id)
    if user is not None and is_muted(user.muted_until, now):
        # Neutral on purpose: a muted person is not told they were muted, only where to go.
        return t.gettext("Je kunt op dit moment geen melding maken via deze bot. Bij gevaar: bel 112. Geen spoed: 0900-8844.")
    recent = await privacy.reports_since(services.db, update.effective_user.id, now - REPORT_WINDOW)
    wait = minutes_until_allowed(recent, now=now, limit=services.config.limits.reports_per_hour)
    if wait is not None:
        return t.ngettext(
            "Je hebt het afgelopen uur al veel meldingen gedaan. Probeer het over {n} minuut opnieuw. Bij gevaar: bel 112.",
            "Je hebt het afgelopen uur al veel meldingen gedaan. Probeer het over {n} minuten opnieuw. Bij gevaar: bel 112.",
            wait,
        ).format(n=wait)
    return None


async def start_report(update: Update, context: BuurtwachtContext) -> Step | int:
    t = await user_translator(update, context)
    message = update.effective_message
    assert message is not None
    refusal = await report_refusal(update, context, t)
    if refusal is not None:
        await message.reply_text(refusal)
        return ConversationHandler.END
    # "/melding er wordt ingebroken": words after the command may say it is urgent; after /start
    # they are only the link's "melding".
    text = "" if message.text and message.text.startswith("/start") else " ".join(context.args or [])
    data: dict[str, Any] = {}
    if text and is_urgent_text(text):
        data["urgent"] = True
        await message.reply_text(
            call_112_text(t, t.gettext("Je schrijft dat er nu gevaar is.")), parse_mode=ParseMode.HTML
        )
    await _save(update, context, Step.CATEGORY, data)
    await ask(message, t, Step.CATEGORY, data)
    return Step.CATEGORY


async def resume_report(update: Update, context: BuurtwachtContext) -> Step | int:
    """A message arrived while no conversation is active: was a report interrupted?"""
    loaded = await _load(update, context)
    t = await user_translator(update, context)
    message = update.effective_message
    if loaded is None or message is None:
        if update.callback_query is not None:
            await update.callback_query.answer(t.gettext("Deze knop is verlopen."))
        elif message is not None:
            await outside_any_flow(message, t)
        return ConversationHandler.END
    step, data = loaded
    if update.callback_query is not None:
        await update.callback_query.answer()
    await message.reply_text(
        t.gettext("De bot is herstart terwijl je een melding maakte. Niets is verloren: we gaan verder waar je was.")
    )
    await ask(message, t, step, data, services_of(context).config.timezone)
    return step


async def outside_any_flow(message: Message, t: Translator) -> None:
    """A private message with no report going on: 112 first if it sounds urgent, then /melding."""
    if message.text and is_urgent_text(message.text):
        await message.reply_text(call_112_text(t, t.gettext("Je bericht klinkt als gevaar nu.")), parse_mode=ParseMode.HTML)
    await message.reply_text(t.gettext("Wil je iets melden? Tik op /melding."))


# ---------------------------------------------------------------------------- steps


async def on_urgent(update: Update, context: BuurtwachtContext) -> Step | int:
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer()
    t = await user_translator(update, context)
    loaded = await _load(update, context)
    data = loaded[1] if loaded else {}
    data["urgent"] = True
    data.pop("urgent_from_description", None)  # the resident said so: it stays urgent
    await query.message.reply_text(call_112_text(t, t.gettext("Je gaf aan dat er nu gevaar is.")), parse_mode=ParseMode.HTML)
    await _save(update, context, Step.CATEGORY, data)
    await query.message.reply_text(t.gettext("Wat wil je melden?"), reply_markup=category_keyboard(t))
    return Step.CATEGORY


async def on_category(update: Update, context: BuurtwachtContext) -> Step | int:
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    t = await user_translator(update, context)
    try:
        category = Category(query.data.split(":", 2)[2])
    except ValueError:
        await query.answer(t.gettext("Onbekende keuze."))
        return Step.CATEGORY
    await query.answer()
    loaded = await _load(update, context)
    data = loaded[1] if loaded else {}
    data["category"] = category.value
    if category in EMERGENCY_CATEGORIES:
        data.pop("urgent_from_description", None)  # urgent by its category, whatever the text said
    if category in EMERGENCY_CATEGORIES and not data.get("urgent"):
        # SAAR: Alarmeer 112 comes before anything else we ask.
        data["urgent"] = True
        await query.message.reply_text(
            call_112_text(t, t.gettext("Een inbraak die nu bezig is, meld je altijd eerst bij 112.")),
            parse_mode=ParseMode.HTML,
        )
    if category in POLICE_NOW_CATEGORIES and "called_112" not in data:
        # SAAR inside the flow: whether 112 was called travels with the alert.
        return await _next(update, context, t, Step.CALLED_112, data)
    if category in POLICE_NOW_CATEGORIES:
        return await _next(update, context, t, Step.LOCATION, data)
    data.pop("called_112", None)
    return await _next(update, context, t, Step.LOCATION, data)


async def on_called_112(update: Update, context: BuurtwachtContext) -> Step | int:
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    await query.answer()
    t = await user_translator(update, context)
    loaded = await _load(update, context)
    if loaded is None:
        return ConversationHandler.END
    _, data = loaded
    answer = query.data.rsplit(":", 1)[-1]
    if answer == "call":
        await query.message.reply_text(
            call_112_text(t, t.gettext("Bel 112 en vertel wat je ziet en waar.")), parse_mode=ParseMode.HTML
        )
        await ask(query.message, t, Step.CALLED_112, data, services_of(context).config.timezone)  # type: ignore[arg-type]
        return Step.CALLED_112
    data["called_112"] = answer == "yes"
    return await _next(update, context, t, Step.LOCATION, data)


async def on_location(update: Update, context: BuurtwachtContext) -> Step | int:
    message = update.effective_message
    assert message is not None
    t = await user_translator(update, context)
    services = services_of(context)
    loaded = await _load(update, context)
    if loaded is None:
        return ConversationHandler.END
    _, data = loaded
    if message.location is not None:
        result = services.locator.locate_point(Point(message.location.latitude, message.location.longitude))
    elif message.text:
        result = await services.locator.locate_text(message.text[:200])
    else:
        await message.reply_text(t.gettext("Ik verwacht een locatie of een postcode met huisnummer."))
        await ask(message, t, Step.LOCATION, data, services_of(context).config.timezone)
        return Step.LOCATION
    if result.outcome is Outcome.OUTSIDE:
        # Store nothing personal for a place we do not cover.
        await _forget(update, context)
        await message.reply_text(
            t.gettext(
                "Deze plek ligt buiten de buurten waar Buurtwacht actief is. Je melding is niet "
                "opgeslagen. Bij gevaar: bel 112. Geen spoed: politie 0900-8844. Anoniem een "
                "misdrijf melden: Meld Misdaad Anoniem 0800-7000."
            ),
            reply_markup=ReplyKeyboardRemove(),
        )
        return ConversationHandler.END
    if result.outcome is Outcome.NOT_FOUND:
        await message.reply_text(t.gettext("Dit adres kon ik niet vinden. Controleer de postcode en het huisnummer."))
        return Step.LOCATION
    if result.outcome is Outcome.BAD_INPUT or result.location is None:
        await message.reply_text(address_hint(t, result.hint))
        return Step.LOCATION
    location = result.location
    area = location.area
    data["location"] = {
        "buurt": area.buurt_code,
        "source": location.source.value,
        "lat": location.point.lat if location.point else None,
        "lon": location.point.lon if location.point else None,
        "street": location.street,
        "label": render.place_label(area, location.street),
    }
    data["found"] = True  # the next question starts with "Gevonden: …"
    return await _next(update, context, t, Step.WHEN, data)


def address_hint(t: Translator, hint: str | None) -> str:
    hints = {
        "postcode_letters": t.gettext("Vergeet de twee letters van de postcode niet, bijvoorbeeld 5701 AB 12."),
        "house_number": t.gettext("Ik mis het huisnummer. Typ bijvoorbeeld 5701 AB 12."),
        "postcode_invalid": t.gettext("Dit is geen geldige Nederlandse postcode. Een postcode is 4 cijfers en 2 letters, bijvoorbeeld 5701 AB."),
        "house_number_invalid": t.gettext("Dat huisnummer klopt niet. Typ bijvoorbeeld 5701 AB 12."),
        "postcode_needed": t.gettext("Het adresboek is nu niet bereikbaar. Typ de postcode en het huisnummer, bijvoorbeeld 5701 AB 12, of deel je locatie."),
    }
    return hints.get(hint or "", t.gettext("Typ de postcode en het huisnummer, bijvoorbeeld 5701 AB 12, of deel je locatie."))


async def on_when(update: Update, context: BuurtwachtContext) -> Step | int:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    t = await user_translator(update, context)
    loaded = await _load(update, context)
    if loaded is None:
        return ConversationHandler.END
    _, data = loaded
    if query.data.endswith(":now"):
        data["when_mode"] = "now"
        data["occurred_at"] = services_of(context).now().isoformat()
        return await _next(update, context, t, Step.DESCRIPTION, data)
    data["when_mode"] = "earlier"
    if data.pop("urgent_from_description", None):
        # Only the words of the description made it urgent, and it happened earlier after all:
        # no escalation for something that is over (the "Nu gevaar" button and the categories
        # that are urgent by themselves stay urgent).
        data.pop("urgent", None)
    return await _next(update, context, t, Step.WHEN_TIME, data)


async def on_when_time(update: Update, context: BuurtwachtContext) -> Step | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    t = await user_translator(update, context)
    services = services_of(context)
    loaded = await _load(update, context)
    if loaded is None:
        return ConversationHandler.END
    _, data = loaded
    result = parse_when(message.text[:100], now=services.now(), tz=services.config.timezone)
    if result.at is None:
        problems = {
            WhenProblem.FUTURE: t.gettext("Die tijd ligt in de toekomst."),
            WhenProblem.TOO_OLD: t.gettext(
                "Dat is meer dan een week geleden. Doe daarvoor aangifte of bel de politie op 0900-8844."
            ),
        }
        await message.reply_text(problems.get(result.problem, t.gettext("Die tijd begrijp ik niet.")))  # type: ignore[arg-type]
        await ask(message, t, Step.WHEN_TIME, data, services_of(context).config.timezone)
        return Step.WHEN_TIME
    data["occurred_at"] = result.at.isoformat()
    return await _next(update, context, t, Step.DESCRIPTION, data)


async def on_description(update: Update, context: BuurtwachtContext) -> Step | int:
    message = update.effective_message
    assert message is not None and message.text is not None
    t = await user_translator(update, context)
    services = services_of(context)
    loaded = await _load(update, context)
    if loaded is None:
        return ConversationHandler.END
    _, data = loaded
    limit = services.config.limits.description_max_chars
    text = clean_description(message.text)
    problem = description_problem(text, limit)
    if problem is DescriptionProblem.TOO_LONG:
        await message.reply_text(
            t.gettext("Dat is te lang ({length} tekens). Houd het kort: maximaal {limit} tekens.").format(
                length=len(text), limit=limit
            )
        )
        return Step.DESCRIPTION
    if problem is DescriptionProblem.EMPTY:
        await ask(message, t, Step.DESCRIPTION, data, services_of(context).config.timezone)
        return Step.DESCRIPTION
    review = review_description(text, Category(data["category"]), t.language)
    if not review.accepted:
        # Sent back kindly: what makes a useful, fair description.
        data["description"] = text
        return await send_back_description(update, context, t, message, data, review)
    return await accept_description(update, context, t, message, data, text, no_person=False)


async def on_no_person(update: Update, context: BuurtwachtContext) -> Step | int:
    """"Geen persoon gezien": the text that was sent back goes on, if it names no origin or colour."""
    query = update.callback_query
    assert query is not None and query.message is not None
    t = await user_translator(update, context)
    loaded = await _load(update, context)
    if loaded is None:
        await query.answer(t.gettext("Deze knop is verlopen."))
        return ConversationHandler.END
    _, data = loaded
    text = data.get("pending_description")
    message = query.message
    if not isinstance(message, Message):  # a button too old for Telegram to show its message
        await query.answer(t.gettext("Deze knop is verlopen."))
        return Step.DESCRIPTION
    if not text:
        await query.answer(t.gettext("Deze knop hoort bij een eerdere vraag."))
        await ask(message, t, Step.DESCRIPTION, data, services_of(context).config.timezone)
        return Step.DESCRIPTION
    await query.answer()
    review = review_description(text, Category(data["category"]), t.language, no_person=True)
    if not review.accepted:
        return await send_back_description(update, context, t, message, data, review)
    return await accept_description(update, context, t, message, data, text, no_person=True)


async def accept_description(update: Update, context: BuurtwachtContext, t: Translator, message: Message,
                             data: dict[str, Any], text: str, *, no_person: bool) -> Step | int:
    data["description"] = text
    data.pop("pending_description", None)
    if no_person:
        data["no_person"] = True
    else:
        data.pop("no_person", None)
    if not data.get("urgent") and description_sounds_urgent(text, earlier=data.get("when_mode") == "earlier"):
        data["urgent"] = True
        data["urgent_from_description"] = True  # taken back if "Wanneer" becomes "Eerder"
        await message.reply_text(call_112_text(t, t.gettext("Je beschrijving klinkt als gevaar nu.")), parse_mode=ParseMode.HTML)
    return await _next(update, context, t, Step.PHOTO, data)


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


def clean_description(text: str) -> str:
    # Bidi overrides and zero-width characters never reach the group; the length limit is
    # checked on what is left, so nothing is cut silently.
    return clean_text(text, 100_000)


async def on_photo(update: Update, context: BuurtwachtContext) -> Step | int:
    t = await user_translator(update, context)
    loaded = await _load(update, context)
    if loaded is None:
        return ConversationHandler.END
    _, data = loaded
    if update.callback_query is not None:
        await update.callback_query.answer()
        data["photo"] = None
    else:
        message = update.effective_message
        assert message is not None and message.photo
        data["photo"] = message.photo[-1].file_id
    return await _next(update, context, t, Step.CONFIRM, data)


async def on_change(update: Update, context: BuurtwachtContext) -> Step | int:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    t = await user_translator(update, context)
    loaded = await _load(update, context)
    if loaded is None:
        return ConversationHandler.END
    _, data = loaded
    if query.data == "rep:change":
        return await _next(update, context, t, Step.CHANGE, data)
    target = {
        "category": Step.CATEGORY, "location": Step.LOCATION, "when": Step.WHEN,
        "description": Step.DESCRIPTION, "photo": Step.PHOTO,
    }.get(query.data.split(":")[-1], Step.CONFIRM)
    data["changing"] = True
    await _save(update, context, target, data)
    assert query.message is not None
    await ask(query.message, t, target, data, services_of(context).config.timezone)  # type: ignore[arg-type]
    return target


async def on_confirm(update: Update, context: BuurtwachtContext) -> Step | int:
    query = update.callback_query
    assert query is not None and query.message is not None and update.effective_user is not None
    t = await user_translator(update, context)
    services = services_of(context)
    loaded = await _load(update, context)
    if loaded is None or loaded[0] is not Step.CONFIRM:
        await query.answer(t.gettext("Deze knop is verlopen."))
        return ConversationHandler.END
    _, data = loaded
    refusal = await report_refusal(update, context, t)
    if refusal is not None:
        await query.answer()
        await query.message.reply_text(refusal)
        return Step.CONFIRM
    if (review := review_draft(data, t)) is not None and not review.accepted:
        # Whatever way the draft got here, nothing about a person reaches a group unchecked.
        await query.answer()
        return await send_back_description(update, context, t, query.message, data, review,  # type: ignore[arg-type]
                                           changed_category=True)
    sighting = sighting_from_draft(data, reporter_id=update.effective_user.id, language=t.language, services_area=services.catalog.area)
    try:
        submitted = await submit_sighting(
            services, sighting, reporter_label=display_label(update), draft_owner=update.effective_user.id,
        )
    except DraftGone:
        # A second press on "Versturen" while the first was being stored (updates run side by
        # side): the first one took the draft and sends the receipt; this one only says so.
        await query.answer(t.gettext("Je melding is al verstuurd."))
        return ConversationHandler.END
    services.draft_cache.pop(update.effective_user.id, None)
    await query.answer()
    # Only now, with the sighting and its messages stored, the resident hears "received".
    lines = [
        "✅ " + t.gettext("Ontvangen. Je referentie is {reference}.").format(reference=submitted.sighting.reference),
    ]
    if submitted.merged:
        lines.append(t.gettext("Anderen meldden hetzelfde; je melding is samengevoegd ({count} meldingen).").format(count=submitted.report_count))
    if submitted.recipients:
        lines.append(render.forwarded_to(t, [r.kind for r in submitted.recipients]))
        lines.append(t.gettext("Je hoort het als iemand hem oppakt."))
    else:
        lines.append(t.gettext("Er is voor deze plek nog niemand gekoppeld; je melding is bewaard voor de gemeente."))
    lines.append(t.gettext("Bij gevaar: bel altijd 112."))
    # One edit turns the summary into the receipt: its buttons go, so nobody sends it twice.
    await query.edit_message_text(
        summary_text(t, data, services.config.timezone) + "\n\n" + "\n".join(lines), parse_mode=ParseMode.HTML
    )
    return ConversationHandler.END


def sighting_from_draft(data: dict[str, Any], *, reporter_id: int, language: str, services_area: Any) -> Sighting:
    location = data["location"]
    area: AreaRef = services_area(location["buurt"])
    point = Point(location["lat"], location["lon"]) if location.get("lat") is not None else None
    return Sighting(
        category=Category(data["category"]),
        reporter_id=reporter_id,
        area=area,
        occurred_at=dt.datetime.fromisoformat(data["occurred_at"]),
        description=data["description"],
        location_source=LocationSource(location["source"]),
        point=point,
        street=location.get("street"),
        photo_file_id=data.get("photo"),
        urgent=bool(data.get("urgent")),
        called_112=data.get("called_112"),
        language=language,
    )


async def cancel(update: Update, context: BuurtwachtContext) -> int:
    t = await user_translator(update, context)
    await _forget(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    message = update.effective_message
    if message is not None:
        await message.reply_text(t.gettext("Je melding is geannuleerd. Er is niets opgeslagen."), reply_markup=ReplyKeyboardRemove())
    return ConversationHandler.END


async def unexpected(update: Update, context: BuurtwachtContext) -> Step | int:
    """Anything the current step cannot use: say so briefly and ask the same question again."""
    t = await user_translator(update, context)
    loaded = await _load(update, context)
    if loaded is None:
        return ConversationHandler.END
    step, data = loaded
    if update.callback_query is not None:
        await update.callback_query.answer(t.gettext("Deze knop hoort bij een eerdere vraag."))
        message = update.callback_query.message
    else:
        message = update.effective_message
        if message is not None:
            await message.reply_text(t.gettext("Dat kan ik bij deze vraag niet gebruiken."))
    if message is not None:
        await ask(message, t, step, data, services_of(context).config.timezone)  # type: ignore[arg-type]
    return step


# ---------------------------------------------------------------------------- wiring

PRIVATE = filters.ChatType.PRIVATE
# /start melding: the link a group gets for /melding (handlers.start.in_group) starts a report.
START_REPORT = PRIVATE & filters.Regex(r"^/start(@\w+)?\s+melding\s*$")


def conversation() -> ConversationHandler[Any]:
    anything = MessageHandler(PRIVATE & ~filters.COMMAND, unexpected)
    stale_button = CallbackQueryHandler(unexpected, pattern=r"^rep:")
    cancel_button = CallbackQueryHandler(cancel, pattern=r"^rep:cancel$")
    # Buttons and messages of one resident in one private chat form the conversation, which is
    # exactly per_message=False; PTB's warning about that combination does not apply.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)
        return _conversation(anything, stale_button, cancel_button)


def _conversation(anything: MessageHandler[Any, Any], stale_button: CallbackQueryHandler[Any, Any],
                  cancel_button: CallbackQueryHandler[Any, Any]) -> ConversationHandler[Any]:
    return ConversationHandler(
        entry_points=[
            CommandHandler(["melding", "report"], start_report, filters=PRIVATE),
            CommandHandler("start", start_report, filters=START_REPORT),
            CallbackQueryHandler(resume_report, pattern=r"^rep:"),
            MessageHandler(PRIVATE & ~filters.COMMAND, resume_report),
        ],
        states={
            Step.CATEGORY: [
                CallbackQueryHandler(on_urgent, pattern=r"^rep:urgent$"),
                CallbackQueryHandler(on_category, pattern=r"^rep:cat:"),
                cancel_button, stale_button, anything,
            ],
            Step.CALLED_112: [
                CallbackQueryHandler(on_called_112, pattern=r"^rep:112:(call|yes|no)$"),
                cancel_button, stale_button, anything,
            ],
            Step.LOCATION: [
                MessageHandler(PRIVATE & (filters.LOCATION | (filters.TEXT & ~filters.COMMAND)), on_location),
                cancel_button, stale_button, anything,
            ],
            Step.WHEN: [CallbackQueryHandler(on_when, pattern=r"^rep:when:"), cancel_button, stale_button, anything],
            Step.WHEN_TIME: [MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, on_when_time), cancel_button, stale_button, anything],
            Step.DESCRIPTION: [
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, on_description),
                CallbackQueryHandler(on_no_person, pattern=r"^rep:noperson$"),
                cancel_button, stale_button, anything,
            ],
            Step.PHOTO: [
                MessageHandler(PRIVATE & filters.PHOTO, on_photo),
                CallbackQueryHandler(on_photo, pattern=r"^rep:nophoto$"),
                cancel_button, stale_button, anything,
            ],
            Step.CONFIRM: [
                CallbackQueryHandler(on_confirm, pattern=r"^rep:confirm$"),
                CallbackQueryHandler(on_change, pattern=r"^rep:change$"),
                cancel_button, stale_button, anything,
            ],
            Step.CHANGE: [CallbackQueryHandler(on_change, pattern=r"^rep:edit:"), cancel_button, stale_button, anything],
        },
        fallbacks=[
            CommandHandler(["annuleer", "cancel"], cancel),
            CommandHandler(["melding", "report"], start_report, filters=PRIVATE),
            CommandHandler("start", start_report, filters=START_REPORT),
        ],
        name="report",
    )


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(conversation(), group=0)
