"""/team: a coordinator's teams; making a team, changing its buurten, renaming it."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, filters

from bot.core.textsafety import clean_text, parse_id
from bot.teams import service as teaming
from bot.teams.service import TeamRefusal
from bot.teams.texts import TEAM_NAME_MAX, teams_text
from handlers.common import user_translator
from handlers.context import BuurtwachtContext


async def team_command(update: Update, context: BuurtwachtContext) -> None:
    """/team — your teams; /team <nummer>; /team nieuw <naam>; <buurten…>;
    /team buurten <nummer> <buurten…>; /team naam <nummer> <nieuwe naam>"""
    message = update.effective_message
    if message is None or update.effective_user is None or message.text is None:
        return
    args = context.args or []
    sub = args[0].lower() if args else ""
    if sub == "nieuw":
        await _new_team(update, context)
    elif sub == "buurten":
        await _set_team_buurten(update, context)
    elif sub == "naam":
        await _rename_team(update, context)
    else:
        await _show_teams(update, context)


async def _new_team(update: Update, context: BuurtwachtContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None
    t = await user_translator(update, context)
    services = context.services
    parts = message.text.split(None, 2)
    body = parts[2] if len(parts) > 2 else ""
    raw_name, _, rest = body.partition(";")
    name = clean_text(raw_name, TEAM_NAME_MAX)
    codes, unknown = teaming.resolve_buurten(services, re.split(r"[,;]", rest))
    if not name or not codes or unknown:
        await message.reply_text(t.gettext(
            "Gebruik: /team nieuw <naam>; <buurtcode of buurtnaam>, … {unknown}"
        ).format(unknown=(t.gettext("(onbekend: {words})").format(words=", ".join(unknown)) if unknown else "")))
        return
    team = await teaming.new_team(services, user.id, name, codes)
    if team is TeamRefusal.NOT_IN_AREA:
        await message.reply_text(t.gettext("Je mag alleen een team maken voor buurten in je eigen gebied."))
        return
    if team is TeamRefusal.NAME_TAKEN:
        await message.reply_text(t.gettext("Er is al een team met die naam. Kies een andere naam."))
        return
    assert isinstance(team, teaming.NewTeam)
    await message.reply_text(t.gettext(
        "Team {name} (nummer {id}) is gemaakt. Voeg mij toe aan jullie groep en stuur daar /koppel {id}."
    ).format(name=team.name, id=team.id))


async def _set_team_buurten(update: Update, context: BuurtwachtContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await user_translator(update, context)
    args = context.args or []
    team_id = parse_id(args[1]) if len(args) >= 3 else None
    if team_id is None:
        await message.reply_text(t.gettext("Gebruik: /team buurten <teamnummer> <buurtcode of buurtnaam> …"))
        return
    change = await teaming.change_team_buurten(context.services, user.id, team_id, args[2:])
    if change.refusal is TeamRefusal.NOT_MANAGED:
        await message.reply_text(t.gettext("Dit team beheer je niet."))
    elif change.refusal is TeamRefusal.BAD_BUURTEN:
        await message.reply_text(t.gettext("Onbekende of verkeerde buurten: {words}").format(
            words=", ".join(change.unknown) or "-"))
    elif change.refusal is TeamRefusal.GEMEENTE_DECIDES:
        await message.reply_text(t.gettext(
            "Welke buurten een team volgt, bepaalt de gemeente. Vraag een beheerder om dit aan te passen."))
    elif change.refusal is TeamRefusal.FROM_CONFIG:
        await message.reply_text(t.gettext("Dit team staat in het configuratiebestand; pas het daar aan."))
    else:
        assert change.team is not None
        await message.reply_text(t.gettext("De buurten van team {name} zijn bijgewerkt.").format(name=change.team.name))


async def _rename_team(update: Update, context: BuurtwachtContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None
    t = await user_translator(update, context)
    parts = message.text.split(None, 3)
    team_id = parse_id(parts[2]) if len(parts) > 2 else None
    name = clean_text(parts[3], TEAM_NAME_MAX) if len(parts) > 3 else ""
    if team_id is None or not name:
        await message.reply_text(t.gettext("Gebruik: /team naam <teamnummer> <nieuwe naam>"))
        return
    renamed = await teaming.rename_managed_team(context.services, user.id, team_id, name)
    if renamed is TeamRefusal.NOT_MANAGED:
        await message.reply_text(t.gettext("Dit team beheer je niet."))
    elif renamed is TeamRefusal.FROM_CONFIG:
        await message.reply_text(t.gettext("Dit team staat in het configuratiebestand; pas het daar aan."))
    elif renamed is TeamRefusal.NAME_TAKEN:
        await message.reply_text(t.gettext("Er is al een team met die naam. Kies een andere naam."))
    else:
        assert isinstance(renamed, teaming.Renamed)
        await message.reply_text(t.gettext("Team {old} heet nu {name}.").format(old=renamed.old_name, name=renamed.name))


async def _show_teams(update: Update, context: BuurtwachtContext) -> None:
    """/team: the caller's teams; /team <nummer>: one team, for its coordinators and admins."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await user_translator(update, context)
    args = context.args or []
    if args:
        view = await teaming.managed_team_view(context.services, user.id, parse_id(args[0]))
        if view is None:
            await message.reply_text(t.gettext("Dit team beheer je niet."))
            return
        shown = [view]
    else:
        own = await teaming.own_team_views(context.services, user.id)
        if own is None:
            await message.reply_text(t.gettext("Je bent (nog) geen coördinator van een team."))
            return
        shown = own
    await message.reply_text(teams_text(t, shown), parse_mode=ParseMode.HTML)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("team", team_command, filters=filters.ChatType.PRIVATE))
