"""/ronde (coordinators plan and cancel patrol rounds), /rondes (members sign up), the sign-up and
walk-report buttons, and the one message that completes a walk report."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core.i18n import Translator
from bot.core.textsafety import clean_text
from bot.patrol import buttons
from bot.patrol.buttons import OUTCOME_LABELS, ReportPress, SignUpPress, sign_up_buttons
from bot.patrol.rules import MAX_MIN_WALKERS, PlanError, PlanProblem, WalkOutcome
from bot.patrol.service import (
    CancelOutcome,
    Choice,
    DetailsRefusal,
    PlanRefusal,
    PlanRefused,
    SignUp,
    cancel_as_coordinator,
    my_rounds,
    owes_text,
    personal_card,
    plan_from_command,
    press_report,
    press_sign_up,
    round_details,
    submit_text,
)
from bot.reports.questions import call_112_text
from bot.reports.rules import is_urgent_text
from handlers.common import display_label, edit_pressed, keyboard, parse_id
from handlers.context import BuurtwachtContext

log = logging.getLogger(__name__)

NEW_WORDS = {"nieuw", "new", "plan"}
CANCEL_WORDS = {"annuleer", "annuleren", "afzeggen", "cancel"}


def usage(t: Translator) -> str:
    return t.gettext(
        "Gebruik: /ronde nieuw <datum> <tijd> [minimum] <route of gebied>, bijvoorbeeld "
        "/ronde nieuw za 20:00 3 Centrum en Heipoort. Annuleren: /ronde annuleer <nummer>.")


def problem_text(t: Translator, error: PlanError) -> str:
    if error.problem is PlanProblem.WEEKDAY_MISMATCH and error.date is not None:
        return t.gettext("{date} valt op een {weekday}. Controleer de datum of de dag.").format(
            date=t.date(error.date), weekday=t.weekday(error.date.weekday()))
    texts = {
        PlanProblem.UNREADABLE_DATE: t.gettext("Die datum kan ik niet lezen. Schrijf bijvoorbeeld za, morgen, "
                                               "5-12 of 2026-12-05."),
        PlanProblem.UNREADABLE_TIME: t.gettext("Die tijd kan ik niet lezen. Schrijf bijvoorbeeld 20:00."),
        PlanProblem.NO_SUCH_DATE: t.gettext("Die datum bestaat niet."),
        PlanProblem.PAST: t.gettext("Dat moment is al voorbij. Een ronde plan je vooruit."),
        PlanProblem.TOO_FAR: t.gettext("Plan een ronde hoogstens een jaar vooruit."),
        PlanProblem.NO_ROUTE: t.gettext("Zet de route of het gebied erachter, bijvoorbeeld: Centrum en Kerkstraat."),
        PlanProblem.BAD_MINIMUM: t.gettext("Het minimum aantal lopers is 1 tot {max}.").format(max=MAX_MIN_WALKERS),
    }
    return texts.get(error.problem, texts[PlanProblem.UNREADABLE_DATE])


# ---------------------------------------------------------------------------- /ronde


async def round_command(update: Update, context: BuurtwachtContext) -> None:
    """/ronde nieuw … · /ronde annuleer <nummer> · /ronde <nummer> (details for the coordinator)."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    t = context.t  # a command: the person handler has set it
    args = context.args or []
    word = args[0].lower() if args else ""
    if word in NEW_WORDS:
        await _plan(update, context, t, args[1:])
    elif word in CANCEL_WORDS:
        await _cancel(update, context, t, args[1:])
    elif (round_id := parse_id(word)) is not None:
        await _details(update, context, t, round_id)
    else:
        await message.reply_text(usage(t))


async def _plan(update: Update, context: BuurtwachtContext, t: Translator, words: list[str]) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    services = context.services
    private = chat.type == ChatType.PRIVATE
    result = await plan_from_command(services, user.id, words, group_chat=None if private else chat.id)
    if isinstance(result, PlanRefused):
        refusals = {
            PlanRefusal.GROUP_NOT_LINKED: t.gettext(
                "Deze groep is niet gekoppeld aan een team. Plan de ronde in een privégesprek met mij, of koppel "
                "de groep eerst met /koppel."),
            PlanRefusal.NOT_COORDINATOR: t.gettext("Alleen de coördinator van het team kan rondes plannen."),
            PlanRefusal.WHICH_TEAM: t.gettext(
                "Je coördineert meer teams: zet het teamnummer ervoor, bijvoorbeeld /ronde nieuw #{id} za 20:00 "
                "Centrum.").format(id=result.example_team),
            PlanRefusal.NO_SUCH_TEAM: t.gettext("Dat team bestaat niet."),
        }
        await message.reply_text(refusals[result.reason])
        return
    if isinstance(result, PlanError):
        await message.reply_text(problem_text(t, result) + "\n" + usage(t))
        return
    if not private:
        return  # the announcement with its buttons is on its way to this group
    # Stored and queued: only now the coordinator hears it is planned.
    round_, groups = result.round, result.groups
    lines = [t.gettext("Ronde {id} is gepland.").format(id=round_.id)]
    lines.append(t.ngettext("Aangekondigd in {n} groep; leden melden zich aan met de knoppen.",
                            "Aangekondigd in {n} groepen; leden melden zich aan met de knoppen.", groups).format(n=groups)
                 if groups else t.gettext("Er is nog geen groep gekoppeld; leden kunnen zich aanmelden via /rondes."))
    await message.reply_text("\n".join(lines))
    await message.reply_text(personal_card(t.language, round_, result.team_name, services.config.timezone, user.id),
                             parse_mode=ParseMode.HTML, reply_markup=keyboard(sign_up_buttons(t.language, round_.id)))


async def _cancel(update: Update, context: BuurtwachtContext, t: Translator, words: list[str]) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    round_id = parse_id(words[0]) if words else None
    outcome = await cancel_as_coordinator(context.services, round_id, user.id)
    answers = {
        CancelOutcome.UNKNOWN: t.gettext("Gebruik: /ronde annuleer <nummer>. De nummers staan bij /rondes."),
        CancelOutcome.NOT_COORDINATOR: t.gettext("Alleen de coördinator van het team kan deze ronde annuleren."),
        CancelOutcome.ALREADY: t.gettext("Deze ronde was al geannuleerd."),
        CancelOutcome.CANCELLED: t.gettext("Ronde {id} is geannuleerd. De aankondigingen worden bijgewerkt en de "
                                           "lopers krijgen bericht.").format(id=round_id),
    }
    await message.reply_text(answers[outcome])


async def _details(update: Update, context: BuurtwachtContext, t: Translator, round_id: int) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    details = await round_details(context.services, round_id, user.id, t.language,
                                  private=chat.type == ChatType.PRIVATE)
    if details is DetailsRefusal.UNKNOWN:
        await message.reply_text(t.gettext("Die ronde ken ik niet, of je bent niet de coördinator van dat team."))
    elif details is DetailsRefusal.NOT_IN_PRIVATE:
        # Names of walkers and what they reported are for the coordinator, not for the group.
        await message.reply_text(t.gettext("Vraag de details van een ronde op in een privégesprek met mij."))
    else:
        await message.reply_text(details, parse_mode=ParseMode.HTML)


# ---------------------------------------------------------------------------- /rondes


async def rounds_command(update: Update, context: BuurtwachtContext) -> None:
    """/rondes: the coming rounds of the person's teams, each with its sign-up buttons."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.t  # a command: the person handler has set it
    services = context.services
    cards = await my_rounds(services, user.id)
    if cards is None:
        await message.reply_text(t.gettext(
            "Je hoort nog bij geen team. Druk op „Ik loop mee” onder een aankondiging in de groep van je "
            "buurtpreventieteam, of volg je buurt met /abonneer."))
        return
    if not cards:
        await message.reply_text(t.gettext("Er zijn geen geplande rondes voor jouw team(s)."))
        return
    for card in cards:
        markup = keyboard(sign_up_buttons(t.language, card.round.id)) if card.open_for_sign_up else None
        await message.reply_text(personal_card(t.language, card.round, card.team_name, services.config.timezone,
                                               user.id), parse_mode=ParseMode.HTML, reply_markup=markup)


# ---------------------------------------------------------------------------- buttons


async def on_button(update: Update, context: BuurtwachtContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.message is None:
        return
    t = context.t  # a button press: the person handler has set it
    press = buttons.parse(query.data)
    if isinstance(press, SignUpPress):
        await _on_sign_up(update, context, t, press)
    elif isinstance(press, ReportPress):
        await _on_report(update, context, t, press)
    else:
        log.warning("refused a patrol button with unknown data")
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)


async def _on_sign_up(update: Update, context: BuurtwachtContext, t: Translator, press: SignUpPress) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and query.message is not None
    services = context.services
    private = query.message.chat.type == ChatType.PRIVATE
    answer = await press_sign_up(services, press.round_id, user.id, chat_id=query.message.chat.id, private=private,
                                 join=press.join)
    if answer.outcome is SignUp.INVALID:
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    if answer.outcome is SignUp.SIGNED_UP and not answer.private_chat_open:
        # Reminders and the walk-report question come in private: open that chat for them.
        await query.answer(t.gettext("Je loopt mee! Open een privégesprek met mij en tik op Start, anders kan ik je "
                                     "geen herinnering sturen."), show_alert=True,
                           url=f"https://t.me/{context.bot.username}?start=ronde")
    else:
        answers = {
            SignUp.SIGNED_UP: t.gettext("Je loopt mee! Je krijgt een uur van tevoren een herinnering."),
            SignUp.ALREADY: t.gettext("Je had je al aangemeld."),
            SignUp.SIGNED_OFF: t.gettext("Je bent afgemeld."),
            SignUp.NOT_SIGNED_UP: t.gettext("Je was niet aangemeld."),
            SignUp.CLOSED: t.gettext("Aanmelden kan niet meer: de ronde is begonnen, voorbij of geannuleerd."),
        }
        await query.answer(answers[answer.outcome], show_alert=answer.outcome is SignUp.CLOSED)
    updated = answer.round
    if private and updated is not None and answer.outcome in (SignUp.SIGNED_UP, SignUp.SIGNED_OFF):
        # The card in this private chat is not an announcement the outbox edits: edit it here.
        await edit_pressed(query, personal_card(t.language, updated, answer.team_name, services.config.timezone,
                                                user.id),
                           parse_mode=ParseMode.HTML, reply_markup=keyboard(sign_up_buttons(t.language, updated.id)))


async def _on_report(update: Update, context: BuurtwachtContext, t: Translator, press: ReportPress) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and query.message is not None
    outcome = press.outcome
    answer = await press_report(context.services, press.round_id, user.id, outcome, chat_id=query.message.chat.id,
                                language=t.language)
    if answer.choice is Choice.INVALID:
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    if answer.choice is Choice.ALREADY:
        await query.answer(t.gettext("Je loopverslag is al opgeslagen."))
        return
    await query.answer()
    label = t.gettext(OUTCOME_LABELS[outcome])
    if answer.choice is Choice.STORED:
        await edit_pressed(query, answer.question + "\n\n✅ " + t.gettext(
            "Opgeslagen: {outcome}. Dank je wel!").format(outcome=label), parse_mode=ParseMode.HTML)
        return
    await edit_pressed(query, answer.question + "\n\n" + t.gettext("Je koos: {outcome}.").format(outcome=label),
                       parse_mode=ParseMode.HTML)
    prompt = t.gettext("Beschrijf in één bericht wat je zag, en waar. Geen namen of huisnummers van buurtbewoners.")
    if outcome is WalkOutcome.FOLLOW_UP:
        prompt += "\n" + t.gettext("Je bericht gaat als melding naar de wijkagent.")
    if (message := update.effective_message) is not None:
        await message.reply_text(prompt)


# ---------------------------------------------------------------------------- the walk-report text


async def on_text(update: Update, context: BuurtwachtContext) -> None:
    """Before the report flow sees a private message: is it the text a walk report waits for?"""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    services = context.services
    if not await owes_text(services, user.id):
        return  # not ours: the next handlers (the report flow) get it
    t = context.t  # a private message: the person handler has set it
    limit = services.config.limits.description_max_chars
    if len(message.text) > limit:
        await message.reply_text(t.gettext("Dat is te lang ({length} tekens). Houd het kort: maximaal {limit} tekens.")
                                 .format(length=len(message.text), limit=limit))
        raise ApplicationHandlerStop
    text = clean_text(message.text, limit)
    if not text:
        return
    if is_urgent_text(text):
        await message.reply_text(call_112_text(t, t.gettext("Je bericht klinkt als gevaar nu.")),
                                 parse_mode=ParseMode.HTML)
    result = await submit_text(services, user.id, text, language=t.language, reporter_label=display_label(update))
    if result is None:
        return
    if result.outcome is WalkOutcome.FOLLOW_UP:
        reply = t.gettext("Dank je! Je loopverslag is opgeslagen en als melding {reference} doorgestuurd.").format(
            reference=result.reference) if result.routed else t.gettext(
            "Dank je! Je loopverslag is opgeslagen als melding {reference}; er is voor deze plek nog niemand "
            "gekoppeld, de melding is bewaard voor de gemeente.").format(reference=result.reference)
    else:
        reply = t.gettext("Dank je! Je waarnemingen zijn opgeslagen bij de ronde.")
    await message.reply_text(reply + "\n" + t.gettext("Bij gevaar: bel altijd 112."))
    raise ApplicationHandlerStop


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(["ronde", "round"], round_command))
    app.add_handler(CommandHandler(["rondes", "rounds"], rounds_command, filters=private))
    app.add_handler(CallbackQueryHandler(on_button, pattern=buttons.PATTERN))
    # Before the report flow (group 0), which otherwise takes every private message.
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text), group=-2)
