"""/tips: weekday and time, themes, quiet hours, pause; /tip nieuw: a coordinator's own tip."""

from __future__ import annotations

import re
from typing import Any

from babel import Locale
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core import permissions
from bot.core.i18n import Translator
from bot.core.textsafety import clean_text
from bot.tips.library import THEMES
from handlers.common import services_of, user_translator
from handlers.context import BuurtwachtContext
from storage import teams, users
from storage import tips as store

DAY_WORDS = {"maandag": 0, "dinsdag": 1, "woensdag": 2, "donderdag": 3, "vrijdag": 4, "zaterdag": 5, "zondag": 6,
             "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
TIP_MIN_LETTERS = 10


async def _may_configure(update: Update, context: BuurtwachtContext) -> bool:
    """In a group only the team's coordinator; in private, the resident themselves."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    services = services_of(context)
    group = await teams.get_group(services.db, chat.id)
    grants = await users.roles_of(services.db, user.id)
    return group is not None and group.team_id in permissions.coordinated_teams(grants)


def settings_text(t: Translator, schedule: store.TipSchedule) -> str:
    state = t.gettext("gepauzeerd") if schedule.paused else t.gettext("aan")
    lines = [
        t.gettext("Preventietips: {state}").format(state=state),
        t.gettext("Wanneer: elke {day} om {time}").format(day=t.weekday(schedule.weekday), time=schedule.time.strftime("%H:%M")),
        t.gettext("Stille uren: {start}-{end} (tips wachten, alarmen nooit)").format(
            start=schedule.quiet_start.strftime("%H:%M"), end=schedule.quiet_end.strftime("%H:%M")),
    ]
    if schedule.opted_out:
        lines.append(t.gettext("Geen tips over: {themes}").format(
            themes=", ".join(t.gettext(THEMES[x]) for x in schedule.opted_out if x in THEMES)))
    lines.append(t.gettext("Wijzigen: /tips dag vrijdag · /tips tijd 19:30 · /tips stil 22:00-08:00"))
    return "\n".join(lines)


def settings_keyboard(t: Translator, schedule: store.TipSchedule) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(t.gettext("▶️ Hervatten") if schedule.paused else t.gettext("⏸ Pauzeren"),
                                  callback_data="tips:resume" if schedule.paused else "tips:pause")]]
    themes = list(THEMES)
    for i in range(0, len(themes), 2):
        rows.append([InlineKeyboardButton(("🚫 " if theme in schedule.opted_out else "✅ ") + t.gettext(THEMES[theme]),
                                          callback_data=f"tips:theme:{theme}") for theme in themes[i:i + 2]])
    return InlineKeyboardMarkup(rows)


async def tips_command(update: Update, context: BuurtwachtContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    if not await _may_configure(update, context):
        await message.reply_text(t.gettext("Alleen de coördinator van deze groep kan de tips instellen."))
        return
    kind = "resident" if chat.type == ChatType.PRIVATE else "group"
    schedule = await store.ensure(services.db, chat.id, kind, services.now(), services.config.tips)
    args = [a.lower() for a in (context.args or [])]
    if len(args) >= 2 and args[0] in ("dag", "day"):
        if args[1] not in DAY_WORDS:
            await message.reply_text(t.gettext("Kies een dag: maandag, dinsdag, … zondag."))
            return
        await store.update(services.db, chat.id, weekday=DAY_WORDS[args[1]])
    elif len(args) >= 2 and args[0] in ("tijd", "time"):
        match = TIME.match(args[1])
        if not match:
            await message.reply_text(t.gettext("Typ een tijd zoals 19:30."))
            return
        await store.update(services.db, chat.id, time=f"{int(match[1]):02d}:{match[2]}")
    elif len(args) >= 2 and args[0] in ("stil", "quiet"):
        parts = args[1].split("-")
        matches = [TIME.match(p) for p in parts]
        if len(parts) != 2 or not all(matches):
            await message.reply_text(t.gettext("Typ stille uren zoals 22:00-08:00."))
            return
        start, end = (f"{int(m[1]):02d}:{m[2]}" for m in matches if m)
        await store.update(services.db, chat.id, quiet_start=start, quiet_end=end)
    schedule = await store.get(services.db, chat.id) or schedule
    await message.reply_text(settings_text(t, schedule), reply_markup=settings_keyboard(t, schedule))


async def on_button(update: Update, context: BuurtwachtContext) -> None:
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None or query.data is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    schedule = await store.get(services.db, chat.id)
    if schedule is None or not await _may_configure(update, context):
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    if query.data in ("tips:pause", "tips:resume"):
        await store.update(services.db, chat.id, paused=int(query.data == "tips:pause"))
    elif query.data.startswith("tips:theme:") and query.data[11:] in THEMES:
        theme = query.data[11:]
        out = set(schedule.opted_out) ^ {theme}
        await store.update(services.db, chat.id, opted_out=" ".join(sorted(out)))
    else:
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    schedule = await store.get(services.db, chat.id)
    assert schedule is not None
    await query.answer()
    await query.edit_message_text(settings_text(t, schedule), reply_markup=settings_keyboard(t, schedule))


async def new_tip(update: Update, context: BuurtwachtContext) -> None:
    """/tip nieuw <thema> <tekst>: a coordinator for their team's groups, an admin for the gemeente."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    args = context.args or []
    if len(args) < 3 or args[0].lower() != "nieuw" or args[1] not in THEMES:
        await message.reply_text(t.gettext("Gebruik: /tip nieuw <thema> <tekst>. Thema's: {themes}").format(
            themes=", ".join(THEMES)))
        return
    scopes = permissions.custom_tip_scopes(await users.roles_of(services.db, user.id))
    if not scopes:
        await message.reply_text(t.gettext("Alleen coördinatoren en de gemeente kunnen eigen tips toevoegen."))
        return
    text = clean_text(" ".join(args[2:]), 400)
    if sum(ch.isalnum() for ch in text) < TIP_MIN_LETTERS:
        # Zero-width or control characters alone clean to nothing: never an empty tip.
        await message.reply_text(t.gettext("Je tip is te kort. Schrijf minstens {n} letters of cijfers.").format(
            n=TIP_MIN_LETTERS))
        return
    for scope in scopes:
        await store.add_custom(services.db, scope, args[1], t.language, text, user.id, services.now())
    # A tip is stored in the author's language and reaches only the chats that read it
    # (bot.tips.service.choose_tip): say so, rather than let the author think everyone gets it.
    language = Locale.parse(t.language).get_display_name(t.language) or t.language
    if any(scope[:2] in ("GM", "WK") for scope in scopes):
        await message.reply_text(t.gettext(
            "Je tip is toegevoegd. Hij gaat naar de groepen en volgers in je gebied die {language} lezen.").format(
            language=language))
    else:
        await message.reply_text(t.ngettext(
            "Je tip is toegevoegd. Hij gaat naar de groepen van je team die {language} lezen.",
            "Je tip is toegevoegd. Hij gaat naar de groepen van je teams die {language} lezen.",
            len(scopes)).format(language=language))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("tips", tips_command))
    app.add_handler(CommandHandler("tip", new_tip))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^tips:"))
