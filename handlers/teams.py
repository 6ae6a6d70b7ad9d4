"""Roles by invite, teams, linking alert groups, group buttons, subscriptions, chat realities."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import permissions, render
from bot.domain import Role
from bot.i18n import N_, Translator
from bot.invites import ClaimResult, claim_invite, create_invite, deep_link
from bot.locate import Outcome
from bot.reporting import queue_incident_edits
from handlers.common import services_of, user_translator
from storage import invites, outbox, subscriptions, teams, users, watch

log = logging.getLogger(__name__)

ROLE_NAMES = {
    Role.ADMIN: N_("beheerder"), Role.COORDINATOR: N_("coördinator"), Role.WIJKAGENT: N_("wijkagent"),
    Role.BOA: N_("wijk-BOA"), Role.CARE_DESK: N_("zorgloket"), Role.RESIDENT: N_("bewoner"),
}
ROLE_WORDS = {"beheerder": Role.ADMIN, "admin": Role.ADMIN, "coordinator": Role.COORDINATOR,
              "coördinator": Role.COORDINATOR, "wijkagent": Role.WIJKAGENT, "boa": Role.BOA,
              "zorg": Role.CARE_DESK, "zorgloket": Role.CARE_DESK}
ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}


def group_rules(t: Translator) -> str:
    return "\n".join([
        "📌 <b>" + t.gettext("Spelregels van deze buurtpreventiegroep") + "</b>",
        "",
        "<b>S</b> — " + t.gettext("Signaleer: zie je iets verdachts, let goed op."),
        "<b>A</b> — " + t.gettext("Alarmeer: bel eerst 112 bij een verdachte situatie die nu gebeurt."),
        "<b>A</b> — " + t.gettext("App: meld het daarna hier, en zeg of 112 gebeld is."),
        "<b>R</b> — " + t.gettext("Reageer: kijk uit je raam of loop samen een rondje. Grijp nooit zelf in."),
        "",
        "• " + t.gettext("Alleen voor 18+ die hier wonen of werken."),
        "• " + t.gettext("Geen chatberichten, bedankjes of emoji: alleen actuele meldingen."),
        "• " + t.gettext("Geen foto's van personen; geen namen, adressen of telefoonnummers."),
        "• " + t.gettext("Beschrijf gedrag en kenmerken, nooit afkomst of huidskleur."),
        "• " + t.gettext("Neem nooit het recht in eigen hand."),
    ])


async def grants_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> list[tuple[Role, str]]:
    assert update.effective_user is not None
    return await users.roles_of(services_of(context).db, update.effective_user.id)


# ---------------------------------------------------------------------------- invites


async def claim(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """/start <token>: claim an invite. True when the payload was an invite attempt."""
    message = update.effective_message
    if message is None or update.effective_user is None or not context.args:
        return False
    token = context.args[0]
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token):
        return False
    t = await user_translator(update, context)
    result, role, scope = await claim_invite(services_of(context), token, update.effective_user.id)
    answers = {
        ClaimResult.UNKNOWN: t.gettext("Deze uitnodiging bestaat niet. Vraag de afzender om een nieuwe link."),
        ClaimResult.EXPIRED: t.gettext("Deze uitnodiging is verlopen. Vraag de afzender om een nieuwe link."),
        ClaimResult.USED: t.gettext("Deze uitnodiging is al gebruikt. Een uitnodiging werkt maar één keer."),
        ClaimResult.REVOKED: t.gettext("Deze uitnodiging is ingetrokken."),
    }
    if result in answers:
        await message.reply_text(answers[result])
    else:
        assert role is not None
        await message.reply_text(t.gettext("Welkom! Je bent nu {role} voor {scope}.").format(
            role=t.gettext(ROLE_NAMES[role]), scope=scope_label(context, scope or "")))
    return True


def scope_label(context: ContextTypes.DEFAULT_TYPE, scope: str) -> str:
    catalog = services_of(context).catalog
    if scope.startswith("GM"):
        return catalog.gemeente_names.get(scope, scope)
    if scope.startswith("WK"):
        return catalog.wijk_names.get(scope, scope)
    return scope


async def invite_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/uitnodigen <rol> <gebied of team-id> [label]"""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    args = context.args or []
    role = ROLE_WORDS.get(args[0].lower()) if args else None
    if role is None or len(args) < 2:
        await message.reply_text(t.gettext(
            "Gebruik: /uitnodigen <beheerder|coordinator|wijkagent|boa|zorgloket> <GM…, WK… of team-nummer> [naam]"))
        return
    scope = args[1].upper() if not args[1].isdigit() else f"team:{args[1]}"
    team_gemeente = None
    if scope.startswith("team:"):
        team = await teams.get_team(services.db, int(scope[5:]))
        if team is None:
            await message.reply_text(t.gettext("Dat team bestaat niet."))
            return
        team_gemeente = team.gemeente_code
    elif scope[:2] not in ("GM", "WK") or (scope not in services.catalog.gemeente_names
                                            and scope not in services.catalog.wijk_names):
        await message.reply_text(t.gettext("Onbekend gebied. Gebruik een gemeentecode (GM…) of wijkcode (WK…)."))
        return
    if not permissions.can_invite(await grants_of(update, context), role, scope, team_gemeente=team_gemeente):
        log.warning("refused /uitnodigen: no right to invite for this role and scope")
        await message.reply_text(t.gettext("Je mag voor deze rol en dit gebied geen uitnodiging maken."))
        return
    invite = await create_invite(services, role, scope, created_by=update.effective_user.id,
                                 label=" ".join(args[2:])[:64] or None)
    link = deep_link(context.bot.username, invite.token)
    await message.reply_text(t.gettext(
        "Uitnodiging {code} voor {role} ({scope}), geldig tot {until}. Stuur deze link naar één persoon:\n{link}"
    ).format(code=invite.code, role=t.gettext(ROLE_NAMES[role]), scope=scope_label(context, scope),
             until=t.datetime(invite.expires_at, services.config.timezone), link=link))


async def list_invites(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    grants = await grants_of(update, context)
    is_admin = any(role is Role.ADMIN for role, _ in grants)
    if not is_admin and not permissions.coordinated_teams(grants):
        await message.reply_text(t.gettext("Alleen beheerders en coördinatoren hebben uitnodigingen."))
        return
    rows = await invites.listed(services.db, created_by=None if is_admin else update.effective_user.id)
    if not rows:
        await message.reply_text(t.gettext("Er zijn geen uitnodigingen."))
        return
    states = {"open": N_("open"), "used": N_("gebruikt"), "expired": N_("verlopen"), "revoked": N_("ingetrokken")}
    now = services.now()
    lines = [t.gettext("Uitnodigingen:")]
    for invite in rows:
        lines.append(f"• {invite.code}: {t.gettext(ROLE_NAMES[invite.role])} {scope_label(context, invite.scope)}"
                     f" — {t.gettext(states[invite.state(now)])}")
    await message.reply_text("\n".join(lines))


async def revoke_invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    code = (context.args or [""])[0].lower()
    invite = await invites.get_by_code(services.db, code) if code else None
    grants = await grants_of(update, context)
    allowed = invite is not None and (invite.created_by == update.effective_user.id
                                      or permissions.is_admin_for(grants, invite.scope if invite.scope[:2] in ("GM", "WK") else "GM0000"))
    if invite is None or not allowed:
        await message.reply_text(t.gettext("Die uitnodiging ken ik niet, of je mag hem niet intrekken."))
        return
    if await invites.revoke(services.db, code, by=update.effective_user.id, now=services.now()):
        await message.reply_text(t.gettext("Uitnodiging {code} is ingetrokken.").format(code=code))
    else:
        await message.reply_text(t.gettext("Deze uitnodiging was al gebruikt of ingetrokken."))


# ---------------------------------------------------------------------------- teams


def resolve_buurten(context: ContextTypes.DEFAULT_TYPE, words: list[str]) -> tuple[list[str], list[str]]:
    """Buurtcodes or buurt names → codes; also the words that matched nothing."""
    catalog = services_of(context).catalog
    by_name = {}
    for code in catalog.buurt_codes():
        area = catalog.area(code)
        if area:
            by_name[area.buurt_name.lower()] = code
    found, unknown = [], []
    for word in (w.strip() for w in words):
        if not word:
            continue
        code = word.upper() if word.upper() in catalog else by_name.get(word.lower())
        (found if code else unknown).append(code or word)
    return sorted(set(found)), unknown


async def team_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/team — your teams; /team nieuw <naam>; <buurten…>; /team buurten <id> <buurten…>"""
    message = update.effective_message
    if message is None or update.effective_user is None or message.text is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    grants = await grants_of(update, context)
    args = context.args or []
    if args and args[0].lower() == "nieuw":
        body = message.text.split(None, 2)[2] if len(message.text.split(None, 2)) > 2 else ""
        name, _, rest = body.partition(";")
        codes, unknown = resolve_buurten(context, re.split(r"[,;]", rest))
        if not name.strip() or not codes or unknown:
            await message.reply_text(t.gettext(
                "Gebruik: /team nieuw <naam>; <buurtcode of buurtnaam>, … {unknown}"
            ).format(unknown=(t.gettext("(onbekend: {words})").format(words=", ".join(unknown)) if unknown else "")))
            return
        if not permissions.can_create_team(grants, codes):
            log.warning("refused /team nieuw outside the caller's area")
            await message.reply_text(t.gettext("Je mag alleen een team maken voor buurten in je eigen gebied."))
            return
        async with services.db.transaction() as tx:
            team_id = await teams.create_team(tx, name.strip()[:80], permissions.gemeente_of(codes[0]), codes,
                                              created_by=update.effective_user.id)
            await users.grant_role(tx, update.effective_user.id, Role.COORDINATOR, f"team:{team_id}",
                                   granted_by=update.effective_user.id)
        await message.reply_text(t.gettext(
            "Team {name} (nummer {id}) is gemaakt. Voeg mij toe aan jullie groep en stuur daar /koppel {id}."
        ).format(name=name.strip(), id=team_id))
        return
    if args and args[0].lower() == "buurten" and len(args) >= 3 and args[1].isdigit():
        team = await teams.get_team(services.db, int(args[1]))
        codes, unknown = resolve_buurten(context, args[2:])
        if team is None or not permissions.can_manage_team(grants, team.id, team.gemeente_code):
            await message.reply_text(t.gettext("Dit team beheer je niet."))
            return
        if unknown or not codes or any(permissions.gemeente_of(c) != team.gemeente_code for c in codes):
            await message.reply_text(t.gettext("Onbekende of verkeerde buurten: {words}").format(words=", ".join(unknown) or "-"))
            return
        async with services.db.transaction() as tx:
            await teams.set_buurten(tx, team.id, codes, by=update.effective_user.id)
        await services.refresh_directory()
        await message.reply_text(t.gettext("De buurten van team {name} zijn bijgewerkt.").format(name=team.name))
        return
    team_ids = permissions.coordinated_teams(grants)
    if not team_ids:
        await message.reply_text(t.gettext("Je bent (nog) geen coördinator van een team."))
        return
    lines = []
    for team_id in sorted(team_ids):
        team = await teams.get_team(services.db, team_id)
        if team is None:
            continue
        groups = await teams.groups_of_team(services.db, team_id)
        members = await users.holders_of_scope(services.db, Role.COORDINATOR, f"team:{team_id}")
        number = t.gettext("nummer")
        lines.append(f"<b>{render.esc(team.name)}</b> ({number} {team.id})")
        lines.append(t.gettext("Buurten: {list}").format(list=", ".join(
            render.esc(services.catalog.area(c).buurt_name if services.catalog.area(c) else c) for c in team.buurten)))
        for group in groups:
            state = t.gettext("actief") if group.active else t.gettext("niet actief (bot verwijderd)")
            lines.append(f"• {render.esc(group.title or str(group.chat_id))} — {state}")
        if not groups:
            lines.append("• " + t.gettext("nog geen groep gekoppeld: /koppel {id} in de groep").format(id=team.id))
        lines.append(t.gettext("Coördinatoren: {n}").format(n=len(members)))
        lines.append("")
    await message.reply_text("\n".join(lines).strip(), parse_mode=ParseMode.HTML)


async def link_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/koppel [team-nummer] in a group: caller must coordinate that team and be a group admin."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await message.reply_text(t.gettext("Gebruik /koppel in de groep die je wilt koppelen."))
        return
    team_ids = permissions.coordinated_teams(await grants_of(update, context))
    args = context.args or []
    team_id = int(args[0]) if args and args[0].isdigit() else (next(iter(team_ids)) if len(team_ids) == 1 else None)
    if team_id is None or team_id not in team_ids:
        log.warning("refused /koppel by someone who is not that team's coordinator")
        await message.reply_text(t.gettext("Alleen de coördinator van het team kan een groep koppelen. "
                                           "Geef het teamnummer mee als je meer teams hebt: /koppel 3"))
        return
    member = await context.bot.get_chat_member(chat.id, user.id)
    if member.status not in ADMIN_STATUSES:
        log.warning("refused /koppel by a coordinator who is not a group admin")
        await message.reply_text(t.gettext("Je moet beheerder van deze groep zijn om hem te koppelen."))
        return
    team = await teams.get_team(services.db, team_id)
    assert team is not None
    async with services.db.transaction() as tx:
        await teams.link_group(tx, chat.id, team_id, title=chat.title, language=t.language, linked_by=user.id)
    await services.refresh_directory()
    rules = await message.reply_text(group_rules(t), parse_mode=ParseMode.HTML)
    try:
        await rules.pin(disable_notification=True)
        pinned = True
    except (BadRequest, Forbidden):
        pinned = False
    text = t.gettext("Deze groep is gekoppeld aan {team}. Meldingen uit jullie buurten komen hier binnen.").format(
        team=team.name)
    if not pinned:
        text += "\n" + t.gettext("Maak mij beheerder van de groep, dan kan ik de spelregels vastpinnen.")
    await message.reply_text(text)


async def unlink_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    group = await teams.get_group(services.db, chat.id)
    grants = await grants_of(update, context)
    if group is None or group.team_id not in permissions.coordinated_teams(grants):
        await message.reply_text(t.gettext("Alleen de coördinator van het gekoppelde team kan ontkoppelen."))
        return
    await teams.set_group_active(services.db, chat.id, False)
    await services.refresh_directory()
    await message.reply_text(t.gettext("Deze groep ontvangt geen meldingen meer."))


# ---------------------------------------------------------------------------- group buttons


WATCH_DATA = re.compile(r"^watch:(\d{1,12}):(look|seen)$")


async def on_watch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.message is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    match = WATCH_DATA.match(query.data or "")
    chat_id = query.message.chat.id
    delivered = False
    if match:
        delivered = any(d.chat_id == chat_id and d.kind == "team_group"
                        for d in await outbox.deliveries_for_incident(services.db, int(match[1])))
    if not match or not delivered:
        log.warning("refused a watch button that does not belong to this chat")
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    incident_id, kind = int(match[1]), match[2]
    added = await watch.record(services.db, incident_id, chat_id, user.id, user.first_name[:64], kind, services.now())
    if not added:
        await query.answer(t.gettext("Dat had je al doorgegeven."))
        return
    async with services.db.transaction() as tx:
        await queue_incident_edits(services, tx, incident_id)
    services.wake_sender()
    await query.answer(t.gettext("Dank je. Blijf op afstand en grijp niet zelf in.") if kind == "look"
                       else t.gettext("Dank je voor het doorgeven."))


async def responders_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reacties <referentie>: a coordinator sees who responded to an alert in their groups."""
    from storage import sightings

    message = update.effective_message
    if message is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    reference = (context.args or [""])[0].upper()
    sighting = await sightings.by_reference(services.db, reference) if reference else None
    team_ids = permissions.coordinated_teams(await grants_of(update, context))
    allowed = False
    if sighting is not None and sighting.incident_id is not None:
        groups = {d.chat_id for d in await outbox.deliveries_for_incident(services.db, sighting.incident_id)
                  if d.kind == "team_group"}
        for team_id in team_ids:
            allowed |= any(g.chat_id in groups for g in await teams.groups_of_team(services.db, team_id))
    if sighting is None or not allowed:
        await message.reply_text(t.gettext("Gebruik: /reacties <referentie> voor een melding in je eigen groepen."))
        return
    assert sighting.incident_id is not None
    people = await watch.responders(services.db, sighting.incident_id)
    labels = {"look": t.gettext("kijkt"), "seen": t.gettext("gezien")}
    lines = [f"{name}: {labels[kind]}" for name, kind in people] or [t.gettext("Nog niemand.")]
    await message.reply_text("\n".join(lines))


# ---------------------------------------------------------------------------- subscriptions


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/abonneer <postcode> <huisnummer>: follow the buurt's alerts in private."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    text = " ".join(context.args or [])
    if not text:
        await message.reply_text(t.gettext("Gebruik: /abonneer 5701 AB 12 — je krijgt dan de buurtalarmen van jouw buurt."))
        return
    result = await services.locator.locate_text(text[:100])
    if result.outcome is not Outcome.FOUND or result.location is None:
        await message.reply_text(t.gettext("Dat adres ligt niet in een buurt waar Buurtwacht actief is, of ik kan het niet lezen."))
        return
    area = result.location.area
    # Only the buurt is kept; the address only if the resident asks for it.
    await subscriptions.subscribe(services.db, user.id, area.buurt_code, address=None, now=services.now())
    await services.refresh_directory()
    context.user_data["pending_address"] = text[:100] if context.user_data is not None else None  # type: ignore[index]
    await message.reply_text(
        t.gettext("Je volgt nu de buurtalarmen van {buurt}. We bewaren alleen je buurt, niet je adres.").format(
            buurt=area.buurt_name),
        reply_markup=InlineKeyboardMarkup([[
            InlineKeyboardButton(t.gettext("Bewaar ook mijn adres"), callback_data=f"sub:addr:{area.buurt_code}"),
        ]]),
    )


async def on_keep_address(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.data is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    address = (context.user_data or {}).get("pending_address")
    buurt = query.data.rsplit(":", 1)[-1]
    if not address or buurt not in await subscriptions.of_user(services.db, user.id):
        await query.answer(t.gettext("Deze knop is verlopen."))
        return
    await subscriptions.subscribe(services.db, user.id, buurt, address=address, now=services.now())
    await query.answer(t.gettext("Je adres is bewaard. Wissen kan met /vergeetmij."))


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    removed = await subscriptions.unsubscribe(services.db, user.id)
    await services.refresh_directory()
    await message.reply_text(t.gettext("Je ontvangt geen buurtalarmen meer.") if removed
                             else t.gettext("Je volgde geen buurt."))


# ---------------------------------------------------------------------------- chat realities


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was removed from or added to a group; a resident blocked or unblocked it."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    services = services_of(context)
    status = change.new_chat_member.status
    gone = status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
    chat = change.chat
    if chat.type == ChatType.PRIVATE:
        if gone:
            await users.mark_inactive(services.db, chat.id)
        else:
            await users.set_active(services.db, chat.id)
        await services.refresh_directory()
        return
    group = await teams.get_group(services.db, chat.id)
    if group is None:
        return
    if await teams.set_group_active(services.db, chat.id, not gone):
        await services.refresh_directory()
        await tell_coordinators(services, group.team_id, chat.title or str(chat.id), removed=gone)


async def tell_coordinators(services: Any, team_id: int, title: str, *, removed: bool) -> None:
    from bot.i18n import translator

    coordinators = await users.holders_of_scope(services.db, Role.COORDINATOR, f"team:{team_id}")
    languages = await users.languages(services.db, coordinators)
    async with services.db.transaction() as tx:
        for coordinator in coordinators:
            t = translator(languages.get(coordinator, services.config.language))
            text = (t.gettext("Buurtwacht is uit de groep {title} gehaald; die groep krijgt geen meldingen meer. "
                              "Voeg de bot opnieuw toe en stuur /koppel om dat te herstellen.")
                    if removed else t.gettext("Buurtwacht is weer toegevoegd aan {title}; de groep krijgt weer meldingen."))
            await outbox.enqueue(tx, coordinator, "sendMessage", {"text": text.format(title=title)},
                                 kind="notice", language=t.language, not_before=services.now())
    services.wake_sender()


async def on_migration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    services = services_of(context)
    if await teams.migrate_group(services.db, message.chat.id, message.migrate_to_chat_id):
        from storage import outbox as outbox_store

        await outbox_store.move_chat(services.db, message.chat.id, message.migrate_to_chat_id)
        await services.refresh_directory()


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(["uitnodigen", "invite"], invite_command, filters=private))
    app.add_handler(CommandHandler(["uitnodigingen", "invites"], list_invites, filters=private))
    app.add_handler(CommandHandler(["intrekken", "revoke"], revoke_invite, filters=private))
    app.add_handler(CommandHandler("team", team_command, filters=private))
    app.add_handler(CommandHandler(["koppel", "link"], link_group))
    app.add_handler(CommandHandler(["ontkoppel", "unlink"], unlink_group, filters=filters.ChatType.GROUPS))
    app.add_handler(CommandHandler(["reacties", "responses"], responders_command, filters=private))
    app.add_handler(CommandHandler(["abonneer", "subscribe"], subscribe, filters=private))
    app.add_handler(CommandHandler(["opzeggen", "unsubscribe"], unsubscribe, filters=private))
    app.add_handler(CallbackQueryHandler(on_watch, pattern=r"^watch:"))
    app.add_handler(CallbackQueryHandler(on_keep_address, pattern=r"^sub:addr:"))
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migration))
