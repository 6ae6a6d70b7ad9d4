"""Telegram's realities: the bot removed from or added to a group, a resident blocking or
unblocking it, a group that became a supergroup."""

from __future__ import annotations

from typing import Any

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import Application, ChatMemberHandler, MessageHandler, filters

from bot.core.textsafety import clean_text
from bot.teams.groups import (
    group_migrated,
    group_reachability,
    private_chat_back,
    private_chat_unreachable,
)
from handlers.context import BuurtwachtContext


async def on_my_chat_member(update: Update, context: BuurtwachtContext) -> None:
    """The bot was removed from or added to a group; a resident blocked or unblocked it."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    services = context.services
    status = change.new_chat_member.status
    gone = status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
    chat = change.chat
    if chat.type == ChatType.PRIVATE:
        if gone:
            await private_chat_unreachable(services, chat.id)
        else:
            await private_chat_back(services, chat.id)
        return
    await group_reachability(services, chat.id, active=not gone, title=clean_text(chat.title or "", 128) or None)


async def on_migration(update: Update, context: BuurtwachtContext) -> None:
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    await group_migrated(context.services, message.chat.id, message.migrate_to_chat_id)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migration))
