"""/koppel and /ontkoppel: a team's coordinator links a Telegram group as the team's alert group."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CommandHandler, filters

from bot.core.textsafety import clean_text
from bot.teams import service as teaming
from bot.teams.texts import group_rules
from handlers.common import user_translator
from handlers.context import BuurtwachtContext

log = logging.getLogger(__name__)
ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}


async def link_group(update: Update, context: BuurtwachtContext) -> None:
    """/koppel [team-nummer] in a group: caller must coordinate that team and be a group admin."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    t = await user_translator(update, context)
    services = context.services
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await message.reply_text(t.gettext("Gebruik /koppel in de groep die je wilt koppelen."))
        return
    args = context.args or []
    team_id = await teaming.team_to_link(services, user.id, args[0] if args else None)
    if team_id is None:
        await message.reply_text(t.gettext("Alleen de coördinator van het team kan een groep koppelen. "
                                           "Geef het teamnummer mee als je meer teams hebt: /koppel 3"))
        return
    member = await context.bot.get_chat_member(chat.id, user.id)
    if member.status not in ADMIN_STATUSES:
        log.warning("refused /koppel by a coordinator who is not a group admin")
        await message.reply_text(t.gettext("Je moet beheerder van deze groep zijn om hem te koppelen."))
        return
    linking = await teaming.link_group_by(services, user.id, chat.id, team_id,
                                          title=clean_text(chat.title or "", 128) or None, language=t.language)
    if linking.team is None:
        assert linking.other_team is not None
        await message.reply_text(t.gettext("Deze groep is de alarmgroep van een ander team ({team}). Alleen de "
                                           "coördinator van dat team of een beheerder kan hem overzetten.").format(
            team=linking.other_team.name))
        return
    rules = await message.reply_text(group_rules(t), parse_mode=ParseMode.HTML)
    try:
        await rules.pin(disable_notification=True)
        pinned = True
    except (BadRequest, Forbidden):
        pinned = False
    text = t.gettext("Deze groep is gekoppeld aan {team}. Meldingen uit jullie buurten komen hier binnen.").format(
        team=linking.team.name)
    if not pinned:
        text += "\n" + t.gettext("Maak mij beheerder van de groep, dan kan ik de spelregels vastpinnen.")
    await message.reply_text(text)


async def unlink_group(update: Update, context: BuurtwachtContext) -> None:
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    t = await user_translator(update, context)
    if not await teaming.unlink_group_by(context.services, user.id, chat.id):
        await message.reply_text(t.gettext("Alleen de coördinator van het gekoppelde team kan ontkoppelen."))
        return
    await message.reply_text(t.gettext("Deze groep ontvangt geen meldingen meer."))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler(["koppel", "link"], link_group))
    app.add_handler(CommandHandler(["ontkoppel", "unlink"], unlink_group, filters=filters.ChatType.GROUPS))
