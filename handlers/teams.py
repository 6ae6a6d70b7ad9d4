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
    MessageHandler,
    filters,
)

from bot.core import permissions
from bot.core.domain import Role
from bot.core.i18n import N_, Translator
from bot.core.textsafety import clean_text, pack_lines
from bot.geo.locate import Outcome
from bot.reports import texts as render
from bot.runtime.services import Services
from bot.teams import service as teaming
from bot.teams.groups import (
    group_migrated,
    group_reachability,
    private_chat_back,
    private_chat_unreachable,
)
from bot.teams.invites import ClaimResult, claim_invite, create_invite, deep_link
from bot.teams.service import ROLE_NAMES, Revocation
from handlers.common import parse_id, services_of, user_translator
from handlers.context import BuurtwachtContext
from storage import invites, outbox, subscriptions, teams, users, watch

log = logging.getLogger(__name__)

ROLE_WORDS = {"beheerder": Role.ADMIN, "admin": Role.ADMIN, "coordinator": Role.COORDINATOR,
              "coördinator": Role.COORDINATOR, "wijkagent": Role.WIJKAGENT, "boa": Role.BOA,
              "zorg": Role.CARE_DESK, "zorgloket": Role.CARE_DESK}
ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}
INVITE_CODE = re.compile(r"[0-9a-f]{4,16}")
TEAM_NAME_MAX = 80


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


async def grants_of(update: Update, context: BuurtwachtContext) -> list[tuple[Role, str]]:
    assert update.effective_user is not None
    return await users.roles_of(services_of(context).db, update.effective_user.id)


# ---------------------------------------------------------------------------- invites


async def claim(update: Update, context: BuurtwachtContext) -> bool:
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
            role=t.gettext(ROLE_NAMES[role]), scope=await scope_label(context, t, scope or "")))
    return True


async def scope_label(context: BuurtwachtContext, t: Translator, scope: str) -> str:
    """What a scope is called for people: the gemeente, the wijk, or "team <name>"."""
    services = services_of(context)
    catalog = services.catalog
    if scope.startswith("GM"):
        return catalog.gemeente_names.get(scope, scope)
    if scope.startswith("WK"):
        return catalog.wijk_names.get(scope, scope)
    if scope.startswith("team:") and (team_id := parse_id(scope[5:])) is not None:
        team = await teams.get_team(services.db, team_id)
        if team is not None:
            return t.gettext("team {name}").format(name=clean_text(team.name, TEAM_NAME_MAX))
        return t.gettext("team {number}").format(number=team_id)  # a team that no longer exists
    return scope


async def invite_command(update: Update, context: BuurtwachtContext) -> None:
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
    team_number = parse_id(args[1])
    scope = f"team:{team_number}" if team_number is not None else args[1].upper()
    team_gemeente = None
    if team_number is not None:
        team = await teams.get_team(services.db, team_number)
        if team is None:
            log.warning("refused /uitnodigen for a team that does not exist")
            await message.reply_text(t.gettext("Dat team bestaat niet."))
            return
        team_gemeente = team.gemeente_code
    elif scope[:2] not in ("GM", "WK") or (scope not in services.catalog.gemeente_names
                                            and scope not in services.catalog.wijk_names):
        log.warning("refused /uitnodigen for an unknown area")
        await message.reply_text(t.gettext("Onbekend gebied. Gebruik een gemeentecode (GM…) of wijkcode (WK…)."))
        return
    if not permissions.can_invite(await grants_of(update, context), role, scope, team_gemeente=team_gemeente):
        log.warning("refused /uitnodigen: no right to invite for this role and scope")
        await message.reply_text(t.gettext("Je mag voor deze rol en dit gebied geen uitnodiging maken."))
        return
    invite = await create_invite(services, role, scope, created_by=update.effective_user.id,
                                 label=clean_text(" ".join(args[2:]), 64) or None)
    link = deep_link(context.bot.username, invite.token)
    await message.reply_text(t.gettext(
        "Uitnodiging {code} voor {role} ({scope}), geldig tot {until}. Stuur deze link naar één persoon:\n{link}"
    ).format(code=invite.code, role=t.gettext(ROLE_NAMES[role]), scope=await scope_label(context, t, scope),
             until=t.datetime(invite.expires_at, services.config.timezone), link=link))


async def list_invites(update: Update, context: BuurtwachtContext) -> None:
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
    actor = update.effective_user.id
    rows = await invites.listed(services.db, created_by=None if is_admin else actor)
    if is_admin:
        # An admin sees what they may revoke: their own gemeenten's invites and their own.
        team_gemeenten: dict[int, str | None] = {}
        for invite in rows:
            if invite.scope.startswith("team:") and (team_id := int(invite.scope[5:])) not in team_gemeenten:
                team = await teams.get_team(services.db, team_id)
                team_gemeenten[team_id] = team.gemeente_code if team else None
        rows = [invite for invite in rows if permissions.can_revoke_invite(
            grants, actor, created_by=invite.created_by, scope=invite.scope,
            team_gemeente=team_gemeenten.get(int(invite.scope[5:])) if invite.scope.startswith("team:") else None)]
    if not rows:
        await message.reply_text(t.gettext("Er zijn geen uitnodigingen."))
        return
    states = {"open": N_("open"), "used": N_("gebruikt"), "expired": N_("verlopen"), "revoked": N_("ingetrokken")}
    now = services.now()
    lines = [t.gettext("Uitnodigingen:")]
    for invite in rows:
        lines.append(f"• {invite.code}: {t.gettext(ROLE_NAMES[invite.role])} {await scope_label(context, t, invite.scope)}"
                     f" — {t.gettext(states[invite.state(now)])}")
    await message.reply_text("\n".join(lines))


async def revoke_invite(update: Update, context: BuurtwachtContext) -> None:
    """/intrekken <code>: an open invite can no longer be claimed; for a used one, the role it
    gave is taken back. Either way written to the audit log."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    actor = update.effective_user.id
    code = (context.args or [""])[0].lower()
    invite = await invites.get_by_code(services.db, code) if INVITE_CODE.fullmatch(code) else None
    team_gemeente = None
    if invite is not None and invite.scope.startswith("team:"):
        team = await teams.get_team(services.db, int(invite.scope[5:]))
        team_gemeente = team.gemeente_code if team else None
    grants = await grants_of(update, context)
    if invite is None or not permissions.can_revoke_invite(grants, actor, created_by=invite.created_by,
                                                           scope=invite.scope, team_gemeente=team_gemeente):
        log.warning("refused /intrekken: unknown invite or no right to revoke it")
        await message.reply_text(t.gettext("Die uitnodiging ken ik niet, of je mag hem niet intrekken."))
        return
    revocation = await teaming.revoke_invite(services, invite, actor)
    if revocation is Revocation.INVITE_REVOKED:
        await message.reply_text(t.gettext("Uitnodiging {code} is ingetrokken.").format(code=code))
        return
    if revocation is Revocation.ROLE_REVOKED:
        await message.reply_text(t.gettext(
            "Uitnodiging {code} was al gebruikt; de rol {role} ({scope}) die zij gaf is ingetrokken.").format(
            code=code, role=t.gettext(ROLE_NAMES[invite.role]), scope=await scope_label(context, t, invite.scope)))
        return
    log.info("refused /intrekken: the invite was already revoked, or its role is gone")
    await message.reply_text(t.gettext("Deze uitnodiging was al gebruikt of ingetrokken."))


# ---------------------------------------------------------------------------- teams


def resolve_buurten(context: BuurtwachtContext, words: list[str],
                    gemeente: str | None = None) -> tuple[list[str], list[str]]:
    """Buurtcodes or buurt names → codes; also the words that matched nothing.

    Names like "Centrum" exist in several gemeenten: with ``gemeente`` they are looked up there."""
    catalog = services_of(context).catalog
    by_name = {}
    for code in catalog.buurt_codes():
        area = catalog.area(code)
        if area and (gemeente is None or permissions.gemeente_of(code) == gemeente):
            by_name[area.buurt_name.lower()] = code
    found: list[str] = []
    unknown: list[str] = []
    for word in (w.strip() for w in words):
        if not word:
            continue
        match = word.upper() if word.upper() in catalog else by_name.get(word.lower())
        (found if match else unknown).append(match or word)
    return sorted(set(found)), unknown


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
    services = services_of(context)
    parts = message.text.split(None, 2)
    body = parts[2] if len(parts) > 2 else ""
    raw_name, _, rest = body.partition(";")
    name = clean_text(raw_name, TEAM_NAME_MAX)
    codes, unknown = resolve_buurten(context, re.split(r"[,;]", rest))
    if not name or not codes or unknown:
        await message.reply_text(t.gettext(
            "Gebruik: /team nieuw <naam>; <buurtcode of buurtnaam>, … {unknown}"
        ).format(unknown=(t.gettext("(onbekend: {words})").format(words=", ".join(unknown)) if unknown else "")))
        return
    if not permissions.can_create_team(await grants_of(update, context), codes):
        log.warning("refused /team nieuw outside the caller's area")
        await message.reply_text(t.gettext("Je mag alleen een team maken voor buurten in je eigen gebied."))
        return
    if await teams.team_by_name(services.db, name) is not None:
        log.info("refused /team nieuw: the name is taken")
        await message.reply_text(t.gettext("Er is al een team met die naam. Kies een andere naam."))
        return
    team = await teaming.create_team(services, name, codes, created_by=user.id)
    await message.reply_text(t.gettext(
        "Team {name} (nummer {id}) is gemaakt. Voeg mij toe aan jullie groep en stuur daar /koppel {id}."
    ).format(name=team.name, id=team.id))


async def _set_team_buurten(update: Update, context: BuurtwachtContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await user_translator(update, context)
    services = services_of(context)
    args = context.args or []
    team_id = parse_id(args[1]) if len(args) >= 3 else None
    if team_id is None:
        await message.reply_text(t.gettext("Gebruik: /team buurten <teamnummer> <buurtcode of buurtnaam> …"))
        return
    team = await teams.get_team(services.db, team_id)
    codes, unknown = resolve_buurten(context, args[2:], team.gemeente_code if team else None)
    grants = await grants_of(update, context)
    if team is None or not permissions.can_manage_team(grants, team.id, team.gemeente_code):
        log.warning("refused /team buurten for a team the caller does not manage")
        await message.reply_text(t.gettext("Dit team beheer je niet."))
        return
    if unknown or not codes or any(permissions.gemeente_of(c) != team.gemeente_code for c in codes):
        await message.reply_text(t.gettext("Onbekende of verkeerde buurten: {words}").format(words=", ".join(unknown) or "-"))
        return
    # Its own coordinator may not widen (or narrow) the team's reach: that is the gemeente's call.
    if not permissions.can_change_team_buurten(grants, team.gemeente_code, team.buurten, codes):
        log.warning("refused /team buurten: only an admin or an area coordinator may change a team's buurten")
        await message.reply_text(t.gettext(
            "Welke buurten een team volgt, bepaalt de gemeente. Vraag een beheerder om dit aan te passen."))
        return
    if teaming.from_config(services, team):
        log.info("refused /team buurten for a team defined in the config file")
        await message.reply_text(t.gettext("Dit team staat in het configuratiebestand; pas het daar aan."))
        return
    team = await teaming.set_team_buurten(services, team, codes, by=user.id)
    await message.reply_text(t.gettext("De buurten van team {name} zijn bijgewerkt.").format(name=team.name))


async def _rename_team(update: Update, context: BuurtwachtContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None
    t = await user_translator(update, context)
    services = services_of(context)
    parts = message.text.split(None, 3)
    team_id = parse_id(parts[2]) if len(parts) > 2 else None
    name = clean_text(parts[3], TEAM_NAME_MAX) if len(parts) > 3 else ""
    if team_id is None or not name:
        await message.reply_text(t.gettext("Gebruik: /team naam <teamnummer> <nieuwe naam>"))
        return
    team = await teams.get_team(services.db, team_id)
    if team is None or not permissions.can_rename_team(await grants_of(update, context), team.id, team.gemeente_code):
        log.warning("refused /team naam for a team the caller does not manage")
        await message.reply_text(t.gettext("Dit team beheer je niet."))
        return
    if teaming.from_config(services, team):
        log.info("refused /team naam for a team defined in the config file")
        await message.reply_text(t.gettext("Dit team staat in het configuratiebestand; pas het daar aan."))
        return
    other = await teams.team_by_name(services.db, name)
    if other is not None and other.id != team.id:
        log.info("refused /team naam: the name is taken")
        await message.reply_text(t.gettext("Er is al een team met die naam. Kies een andere naam."))
        return
    renamed = await teaming.rename_team(services, team, name, by=user.id)
    await message.reply_text(t.gettext("Team {old} heet nu {name}.").format(old=renamed.old_name, name=renamed.name))


async def _show_teams(update: Update, context: BuurtwachtContext) -> None:
    """/team: the caller's teams; /team <nummer>: one team, for its coordinators and admins."""
    message = update.effective_message
    assert message is not None
    t = await user_translator(update, context)
    services = services_of(context)
    grants = await grants_of(update, context)
    args = context.args or []
    if args:
        team_id = parse_id(args[0])
        team = await teams.get_team(services.db, team_id) if team_id is not None else None
        if team is None or not permissions.can_manage_team(grants, team.id, team.gemeente_code):
            log.warning("refused /team <nummer> for a team the caller does not manage")
            await message.reply_text(t.gettext("Dit team beheer je niet."))
            return
        shown = [team]
    else:
        team_ids = permissions.coordinated_teams(grants)
        if not team_ids:
            await message.reply_text(t.gettext("Je bent (nog) geen coördinator van een team."))
            return
        shown = [team for team_id in sorted(team_ids) if (team := await teams.get_team(services.db, team_id))]
    lines: list[str] = []
    for team in shown:
        lines += await _team_lines(t, services, team) + [""]
    text = ""
    for line in lines:  # cut between lines, never inside an HTML tag
        if len(text) + len(line) + 2 > 4096:
            text += "…"
            break
        text += line + "\n"
    await message.reply_text(text.strip(), parse_mode=ParseMode.HTML)


async def _team_lines(t: Translator, services: Services, team: teams.Team) -> list[str]:
    """A team with its buurten, its coordinators by name and its groups by title."""
    catalog = services.catalog
    groups = await teams.groups_of_team(services.db, team.id)
    coordinators = await users.holders_of_scope(services.db, Role.COORDINATOR, f"team:{team.id}")
    names = await users.display_names(services.db, coordinators)
    lines = [f"<b>{render.esc(team.name)}</b> ({t.gettext('nummer')} {team.id})"]
    lines.append(t.gettext("Buurten: {list}").format(list=", ".join(
        render.esc(area.buurt_name if (area := catalog.area(c)) else c) for c in team.buurten)))
    lines.append(t.ngettext("Coördinator ({n}):", "Coördinatoren ({n}):", len(coordinators)).format(n=len(coordinators)))
    for coordinator in coordinators:
        lines.append("• " + render.esc(clean_text(names.get(coordinator) or t.gettext("(nog geen naam bekend)"), 64)))
    lines.append(t.ngettext("Groep ({n}):", "Groepen ({n}):", len(groups)).format(n=len(groups)))
    for group in groups:
        state = t.gettext("actief") if group.active else t.gettext("niet actief (bot verwijderd)")
        title = clean_text(group.title or "", 128) or t.gettext("(groep zonder naam)")
        lines.append(f"• {render.esc(title)} — {state}")
    if not groups:
        lines.append("• " + t.gettext("nog geen groep gekoppeld: /koppel {id} in de groep").format(id=team.id))
    return lines


async def link_group(update: Update, context: BuurtwachtContext) -> None:
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
    team_id = parse_id(args[0]) if args else (next(iter(team_ids)) if len(team_ids) == 1 else None)
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
    if (other := await teaming.owner_elsewhere(services, chat.id, team_id, await grants_of(update, context))):
        log.warning("refused /koppel of a group that belongs to another team")
        await message.reply_text(t.gettext("Deze groep is de alarmgroep van een ander team ({team}). Alleen de "
                                           "coördinator van dat team of een beheerder kan hem overzetten.").format(
            team=other.name))
        return
    team = await teaming.link_group(services, chat.id, team_id, title=clean_text(chat.title or "", 128) or None,
                                    language=t.language, linked_by=user.id)
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


async def unlink_group(update: Update, context: BuurtwachtContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    group = await teams.get_group(services.db, chat.id)
    grants = await grants_of(update, context)
    if group is None or group.team_id not in permissions.coordinated_teams(grants):
        log.warning("refused /ontkoppel by someone who is not the linked team's coordinator")
        await message.reply_text(t.gettext("Alleen de coördinator van het gekoppelde team kan ontkoppelen."))
        return
    await teaming.unlink_group(services, chat.id)
    await message.reply_text(t.gettext("Deze groep ontvangt geen meldingen meer."))


# ---------------------------------------------------------------------------- group buttons


WATCH_DATA = re.compile(r"watch:([0-9]{1,12}):(look|seen)")


async def on_watch(update: Update, context: BuurtwachtContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.message is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    match = WATCH_DATA.fullmatch(query.data or "")
    chat_id = query.message.chat.id
    delivered = False
    if match:
        deliveries = [(d.chat_id, d.kind) for d in await outbox.deliveries_for_incident(services.db, int(match[1]))]
        delivered = permissions.may_respond_in_group(chat_id, deliveries)
    if not match or not delivered:
        log.warning("refused a watch button that does not belong to this chat")
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    incident_id, kind = int(match[1]), match[2]
    # The name is shown to the coordinator later: no control or direction characters.
    name = clean_text(user.first_name, 64) or "?"
    if not await teaming.record_watch_response(services, incident_id, chat_id, user.id, name, kind):
        log.info("refused a repeated watch button on incident %s", incident_id)
        await query.answer(t.gettext("Dat had je al doorgegeven."))
        return
    # Whoever has no private chat with the bot yet gets the t.me start link with the answer.
    from bot.alerts.lifecycle import watch_answer

    text, url = await watch_answer(services, t, user.id, kind, context.bot.username)
    await query.answer(text, url=url)


async def responders_command(update: Update, context: BuurtwachtContext) -> None:
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
        deliveries = [(d.chat_id, d.kind) for d in await outbox.deliveries_for_incident(services.db, sighting.incident_id)]
        own_groups = [g.chat_id for team_id in sorted(team_ids) for g in await teams.groups_of_team(services.db, team_id)]
        allowed = permissions.may_see_responses(own_groups, deliveries)
    if sighting is None or not allowed:
        log.warning("refused /reacties for a report that was not posted in the caller's groups")
        await message.reply_text(t.gettext("Gebruik: /reacties <referentie> voor een melding in je eigen groepen."))
        return
    assert sighting.incident_id is not None
    people = await watch.responders(services.db, sighting.incident_id)
    labels = {"look": t.gettext("kijkt"), "seen": t.gettext("gezien")}
    lines = [f"{name}: {labels[kind]}" for name, kind in people] or [t.gettext("Nog niemand.")]
    for text in pack_lines(lines):  # 80 responders do not fit in one message
        await message.reply_text(text)


# ---------------------------------------------------------------------------- subscriptions


async def subscribe(update: Update, context: BuurtwachtContext) -> None:
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


async def on_keep_address(update: Update, context: BuurtwachtContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.data is None:
        return
    t = await user_translator(update, context)
    services = services_of(context)
    address = (context.user_data or {}).get("pending_address")
    buurt = query.data.rsplit(":", 1)[-1]
    if not address or buurt not in await subscriptions.of_user(services.db, user.id):
        log.info("refused an expired keep-address button")
        await query.answer(t.gettext("Deze knop is verlopen."))
        return
    await subscriptions.subscribe(services.db, user.id, buurt, address=address, now=services.now())
    await query.answer(t.gettext("Je adres is bewaard. Wissen kan met /vergeetmij."))


async def unsubscribe(update: Update, context: BuurtwachtContext) -> None:
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


async def on_my_chat_member(update: Update, context: BuurtwachtContext) -> None:
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
            await private_chat_unreachable(services, chat.id)
        else:
            await private_chat_back(services, chat.id)
        return
    await group_reachability(services, chat.id, active=not gone, title=clean_text(chat.title or "", 128) or None)


async def on_migration(update: Update, context: BuurtwachtContext) -> None:
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    await group_migrated(services_of(context), message.chat.id, message.migrate_to_chat_id)


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
