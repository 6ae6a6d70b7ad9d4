"""/uitnodigen, /uitnodigingen and /intrekken: roles given by one-time invite links (an invite
is claimed with /start <token>, in handlers/start.py)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.core.domain import Role
from bot.core.textsafety import clean_text
from bot.teams import service as teaming
from bot.teams import texts
from bot.teams.invites import deep_link
from bot.teams.service import InviteRefusal, Revocation
from handlers.common import user_translator
from handlers.context import BuurtwachtContext

ROLE_WORDS = {"beheerder": Role.ADMIN, "admin": Role.ADMIN, "coordinator": Role.COORDINATOR,
              "coördinator": Role.COORDINATOR, "wijkagent": Role.WIJKAGENT, "boa": Role.BOA,
              "zorg": Role.CARE_DESK, "zorgloket": Role.CARE_DESK}


async def invite_command(update: Update, context: BuurtwachtContext) -> None:
    """/uitnodigen <rol> <gebied of team-id> [label]"""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    services = context.services
    args = context.args or []
    role = ROLE_WORDS.get(args[0].lower()) if args else None
    if role is None or len(args) < 2:
        await message.reply_text(t.gettext(
            "Gebruik: /uitnodigen <beheerder|coordinator|wijkagent|boa|zorgloket> <GM…, WK… of team-nummer> [naam]"))
        return
    made = await teaming.invite(services, update.effective_user.id, role, args[1],
                                label=clean_text(" ".join(args[2:]), 64) or None)
    if made is InviteRefusal.UNKNOWN_TEAM:
        await message.reply_text(t.gettext("Dat team bestaat niet."))
        return
    if made is InviteRefusal.UNKNOWN_AREA:
        await message.reply_text(t.gettext("Onbekend gebied. Gebruik een gemeentecode (GM…) of wijkcode (WK…)."))
        return
    if made is InviteRefusal.NOT_ALLOWED:
        await message.reply_text(t.gettext("Je mag voor deze rol en dit gebied geen uitnodiging maken."))
        return
    assert not isinstance(made, InviteRefusal)
    link = deep_link(context.bot.username, made.invite.token)
    await message.reply_text(t.gettext(
        "Uitnodiging {code} voor {role} ({scope}), geldig tot {until}. Stuur deze link naar één persoon:\n{link}"
    ).format(code=made.invite.code, role=texts.role_name(t, role),
             scope=await teaming.scope_label(services, t, made.scope),
             until=t.datetime(made.invite.expires_at, services.config.timezone), link=link))


async def list_invites(update: Update, context: BuurtwachtContext) -> None:
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    services = context.services
    rows = await teaming.visible_invites(services, update.effective_user.id)
    if rows is None:
        await message.reply_text(t.gettext("Alleen beheerders en coördinatoren hebben uitnodigingen."))
        return
    if not rows:
        await message.reply_text(t.gettext("Er zijn geen uitnodigingen."))
        return
    now = services.now()
    lines = [t.gettext("Uitnodigingen:")]
    for row in rows:
        lines.append(f"• {row.code}: {texts.role_name(t, row.role)} {await teaming.scope_label(services, t, row.scope)}"
                     f" — {t.gettext(texts.INVITE_STATES[row.state(now)])}")
    await message.reply_text("\n".join(lines))


async def revoke_invite(update: Update, context: BuurtwachtContext) -> None:
    """/intrekken <code>: an open invite can no longer be claimed; for a used one, the role it
    gave is taken back. Either way written to the audit log."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    services = context.services
    code = (context.args or [""])[0].lower()
    revocation, revoked = await teaming.revoke_by_code(services, update.effective_user.id, code)
    if revocation is Revocation.REFUSED:
        await message.reply_text(t.gettext("Die uitnodiging ken ik niet, of je mag hem niet intrekken."))
        return
    if revocation is Revocation.INVITE_REVOKED:
        await message.reply_text(t.gettext("Uitnodiging {code} is ingetrokken.").format(code=code))
        return
    if revocation is Revocation.ROLE_REVOKED:
        assert revoked is not None
        await message.reply_text(t.gettext(
            "Uitnodiging {code} was al gebruikt; de rol {role} ({scope}) die zij gaf is ingetrokken.").format(
            code=code, role=texts.role_name(t, revoked.role),
            scope=await teaming.scope_label(services, t, revoked.scope)))
        return
    await message.reply_text(t.gettext("Deze uitnodiging was al gebruikt of ingetrokken."))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(["uitnodigen", "invite"], invite_command, filters=private))
    app.add_handler(CommandHandler(["uitnodigingen", "invites"], list_invites, filters=private))
    app.add_handler(CommandHandler(["intrekken", "revoke"], revoke_invite, filters=private))
