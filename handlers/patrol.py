"""/ronde (coordinators plan and cancel patrol rounds), /rondes (members sign up), the sign-up and
walk-report buttons, and the one message that completes a walk report."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core import permissions
from bot.core.i18n import Translator
from bot.core.textsafety import clean_text
from bot.patrol.rules import (
    MAX_MIN_WALKERS,
    PlanError,
    PlanProblem,
    Round,
    WalkOutcome,
    parse_plan,
    rules_from_config,
)
from bot.patrol.service import (
    OUTCOME_LABELS,
    Choice,
    SignUp,
    cancel_round,
    change_sign_up,
    choose_outcome,
    details_text,
    owes_text,
    plan_round,
    report_question,
    round_text,
    sign_up_buttons,
    submit_text,
    team_name,
)
from bot.reports.questions import call_112_text
from bot.reports.rules import is_urgent_text
from handlers.common import display_label, parse_id, services_of, user_translator
from handlers.context import BuurtwachtContext
from storage import patrol as store
from storage import teams, users

log = logging.getLogger(__name__)

SIGN_DATA = re.compile(r"^pr:(in|out):(\d{1,12})$")
REPORT_DATA = re.compile(r"^pr:rep:(\d{1,12}):(nothing|observations|follow_up)$")
TEAM_WORD = re.compile(r"^(?:#|team:?)(\d{1,9})$", re.IGNORECASE)
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


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in row]
                                 for row in rows])


def personal_card(t: Translator, round_: Round, team_name: str, tz: dt.tzinfo, person: int) -> str:
    text = round_text(t.language, round_, team_name, tz)
    if person in round_.walkers:
        text += "\n\n✅ " + t.gettext("Jij loopt mee.")
    return text


# ---------------------------------------------------------------------------- /ronde


async def round_command(update: Update, context: BuurtwachtContext) -> None:
    """/ronde nieuw … · /ronde annuleer <nummer> · /ronde <nummer> (details for the coordinator)."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    t = await user_translator(update, context)
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
    services = services_of(context)
    coordinated = permissions.coordinated_teams(await users.roles_of(services.db, user.id))
    team_id: int | None = None
    if words and (match := TEAM_WORD.match(words[0])):
        team_id, words = int(match[1]), words[1:]
    if chat.type != ChatType.PRIVATE:
        group = await teams.get_group(services.db, chat.id)
        if group is None or not group.active:
            await message.reply_text(t.gettext("Deze groep is niet gekoppeld aan een team. Plan de ronde in een "
                                               "privégesprek met mij, of koppel de groep eerst met /koppel."))
            return
        team_id = group.team_id  # in a team's group, the round is that team's
    elif team_id is None and len(coordinated) == 1:
        team_id = next(iter(coordinated))
    if not coordinated or (team_id is not None and team_id not in coordinated):
        log.warning("refused /ronde nieuw by someone who does not coordinate that team")
        await message.reply_text(t.gettext("Alleen de coördinator van het team kan rondes plannen."))
        return
    if team_id is None:
        await message.reply_text(t.gettext("Je coördineert meer teams: zet het teamnummer ervoor, bijvoorbeeld "
                                           "/ronde nieuw #{id} za 20:00 Centrum.").format(id=min(coordinated)))
        return
    team = await teams.get_team(services.db, team_id)
    if team is None or not team.buurten:
        await message.reply_text(t.gettext("Dat team bestaat niet."))
        return
    parsed = parse_plan(words, now=services.now(), tz=services.config.timezone, rules=rules_from_config(services.config))
    if isinstance(parsed, PlanError):
        await message.reply_text(problem_text(t, parsed) + "\n" + usage(t))
        return
    round_, groups = await plan_round(services, team, parsed, by=user.id)
    if chat.type != ChatType.PRIVATE:
        return  # the announcement with its buttons is on its way to this group
    # Stored and queued: only now the coordinator hears it is planned.
    lines = [t.gettext("Ronde {id} is gepland.").format(id=round_.id)]
    lines.append(t.ngettext("Aangekondigd in {n} groep; leden melden zich aan met de knoppen.",
                            "Aangekondigd in {n} groepen; leden melden zich aan met de knoppen.", groups).format(n=groups)
                 if groups else t.gettext("Er is nog geen groep gekoppeld; leden kunnen zich aanmelden via /rondes."))
    await message.reply_text("\n".join(lines))
    await message.reply_text(personal_card(t, round_, team.name, services.config.timezone, user.id),
                             parse_mode=ParseMode.HTML, reply_markup=keyboard(sign_up_buttons(t.language, round_.id)))


async def _cancel(update: Update, context: BuurtwachtContext, t: Translator, words: list[str]) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    services = services_of(context)
    round_id = parse_id(words[0]) if words else None
    round_ = await store.get_round(services.db, round_id) if round_id is not None else None
    if round_ is None:
        await message.reply_text(t.gettext("Gebruik: /ronde annuleer <nummer>. De nummers staan bij /rondes."))
        return
    if round_.team_id not in permissions.coordinated_teams(await users.roles_of(services.db, user.id)):
        log.warning("refused /ronde annuleer by someone who does not coordinate that team")
        await message.reply_text(t.gettext("Alleen de coördinator van het team kan deze ronde annuleren."))
        return
    if not await cancel_round(services, round_, by=user.id):
        await message.reply_text(t.gettext("Deze ronde was al geannuleerd."))
        return
    await message.reply_text(t.gettext("Ronde {id} is geannuleerd. De aankondigingen worden bijgewerkt en de lopers "
                                       "krijgen bericht.").format(id=round_.id))


async def _details(update: Update, context: BuurtwachtContext, t: Translator, round_id: int) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    services = services_of(context)
    round_ = await store.get_round(services.db, round_id)
    coordinated = permissions.coordinated_teams(await users.roles_of(services.db, user.id))
    if round_ is None or round_.team_id not in coordinated:
        await message.reply_text(t.gettext("Die ronde ken ik niet, of je bent niet de coördinator van dat team."))
        return
    if chat.type != ChatType.PRIVATE:
        # Names of walkers and what they reported are for the coordinator, not for the group.
        await message.reply_text(t.gettext("Vraag de details van een ronde op in een privégesprek met mij."))
        return
    text = details_text(t.language, round_, await team_name(services.db, round_.team_id), services.config.timezone,
                        await store.walker_names(services.db, round_id),
                        await store.reports_of_round(services.db, round_id))
    await message.reply_text(text, parse_mode=ParseMode.HTML)


# ---------------------------------------------------------------------------- /rondes


async def rounds_command(update: Update, context: BuurtwachtContext) -> None:
    """/rondes: the coming rounds of the person's teams, each with its sign-up buttons."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    team_ids = await store.teams_of_person(services.db, user.id)
    if not team_ids:
        await message.reply_text(t.gettext(
            "Je hoort nog bij geen team. Druk op „Ik loop mee” onder een aankondiging in de groep van je "
            "buurtpreventieteam, of volg je buurt met /abonneer."))
        return
    rounds = await store.upcoming_for_teams(services.db, team_ids, services.now())
    if not rounds:
        await message.reply_text(t.gettext("Er zijn geen geplande rondes voor jouw team(s)."))
        return
    names = {team_id: await team_name(services.db, team_id) for team_id in {r.team_id for r in rounds}}
    now = services.now()
    for round_ in rounds:
        markup = keyboard(sign_up_buttons(t.language, round_.id)) if round_.open_for_sign_up(now) else None
        await message.reply_text(personal_card(t, round_, names[round_.team_id], services.config.timezone, user.id),
                                 parse_mode=ParseMode.HTML, reply_markup=markup)


# ---------------------------------------------------------------------------- buttons


async def on_button(update: Update, context: BuurtwachtContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.message is None:
        return
    t = await user_translator(update, context)
    if (match := SIGN_DATA.match(query.data or "")) is not None:
        await _on_sign_up(update, context, t, int(match[2]), join=match[1] == "in")
    elif (match := REPORT_DATA.match(query.data or "")) is not None:
        await _on_report(update, context, t, int(match[1]), WalkOutcome(match[2]))
    else:
        log.warning("refused a patrol button with unknown data")
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)


async def _on_sign_up(update: Update, context: BuurtwachtContext, t: Translator, round_id: int, *,
                      join: bool) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and query.message is not None
    services = services_of(context)
    chat = query.message.chat
    round_ = await store.get_round(services.db, round_id)
    in_group = chat.type != ChatType.PRIVATE
    if round_ is None:
        allowed = False
    elif in_group:
        # Whoever can press a button in the team's own group is a member of that team.
        group = await teams.get_group(services.db, chat.id)
        allowed = group is not None and group.active and group.team_id == round_.team_id
    else:
        allowed = chat.id == user.id and round_.team_id in await store.teams_of_person(services.db, user.id)
    if not allowed:
        log.warning("refused a patrol sign-up button that does not belong to this chat or person")
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    outcome, updated = await change_sign_up(services, round_id, user.id, join=join, member_of_team=in_group)
    if outcome is SignUp.SIGNED_UP and not await users.reachable_in_private(services.db, user.id):
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
        await query.answer(answers[outcome], show_alert=outcome is SignUp.CLOSED)
    if not in_group and updated is not None and outcome in (SignUp.SIGNED_UP, SignUp.SIGNED_OFF):
        # The card in this private chat is not an announcement the outbox edits: edit it here.
        try:
            await query.edit_message_text(
                personal_card(t, updated, await team_name(services.db, updated.team_id), services.config.timezone,
                              user.id),
                parse_mode=ParseMode.HTML, reply_markup=keyboard(sign_up_buttons(t.language, updated.id)))
        except BadRequest:
            pass  # not modified, or too old to edit: the answer above said what happened


async def _on_report(update: Update, context: BuurtwachtContext, t: Translator, round_id: int,
                     outcome: WalkOutcome) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and query.message is not None
    services = services_of(context)
    choice = Choice.INVALID
    if query.message.chat.id == user.id:
        choice = await choose_outcome(services, round_id, user.id, outcome)
    if choice is Choice.INVALID:
        log.warning("refused a walk-report button for a round this person was not asked about")
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    if choice is Choice.ALREADY:
        await query.answer(t.gettext("Je loopverslag is al opgeslagen."))
        return
    await query.answer()
    round_ = await store.get_round(services.db, round_id)
    question = report_question(t.language, round_, services.config.timezone) if round_ else ""
    label = t.gettext(OUTCOME_LABELS[outcome])
    if choice is Choice.STORED:
        await query.edit_message_text(question + "\n\n✅ " + t.gettext("Opgeslagen: {outcome}. Dank je wel!").format(
            outcome=label), parse_mode=ParseMode.HTML)
        return
    await query.edit_message_text(question + "\n\n" + t.gettext("Je koos: {outcome}.").format(outcome=label),
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
    services = services_of(context)
    if not await owes_text(services, user.id):
        return  # not ours: the next handlers (the report flow) get it
    t = await user_translator(update, context)
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
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^pr:"))
    # Before the report flow (group 0), which otherwise takes every private message.
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text), group=-2)
