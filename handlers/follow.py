"""Follow links: ``/start volg_<buurtcode>`` or ``/start volg_team<nr>`` from a flyer's QR
code or a shared link. A new person chooses a language first (once), then confirms the
18+/live-or-work-here statement, then follows the buurt's alerts and tips. And /flyer: the
coordinator's A4 PDF with that link as a QR code."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.core.i18n import LANGUAGE_NAMES, LANGUAGES, N_, Translator, has_catalog, translator
from bot.outreach import follow as rules
from bot.outreach import service as outreach
from bot.outreach import texts
from bot.outreach.flyer import FlyerContent, flyer_filename, render_flyer
from bot.outreach.service import FollowPlace
from handlers.common import edit_pressed
from handlers.context import BuurtwachtContext, forget_language, user_translator

log = logging.getLogger(__name__)

# /start volg_… (also /start@bot volg_…): before the general /start, which handles invites.
FOLLOW_START = filters.Regex(rf"^/start(@\w+)?\s+{rules.PAYLOAD_PREFIX}")


def language_keyboard(target: rules.FollowTarget) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=rules.language_data(code, target))
               for code in LANGUAGES if has_catalog(code)]
    return InlineKeyboardMarkup([buttons[i: i + 3] for i in range(0, len(buttons), 3)])


def confirm_keyboard(t: Translator, target: rules.FollowTarget) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(texts.confirm_label(t), callback_data=rules.confirm_data(target))],
        [InlineKeyboardButton(texts.cancel_label(t), callback_data=rules.cancel_data())],
    ])


async def follow_start(update: Update, context: BuurtwachtContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services = context.services
    t = await user_translator(update, context)
    target = rules.parse_payload(context.args[0]) if context.args else None
    place = await outreach.resolve(services, target) if target is not None else None
    if target is None or place is None:
        log.info("refused a follow link that leads nowhere")
        await message.reply_text(texts.unknown_link(t), parse_mode=ParseMode.HTML)
        return
    if context.first_contact:  # the language is asked once: of a person new to the bot
        await message.reply_text(texts.welcome(t, place), parse_mode=ParseMode.HTML,
                                 reply_markup=language_keyboard(target))
        return
    await message.reply_text(texts.confirmation(t, place), parse_mode=ParseMode.HTML,
                             reply_markup=confirm_keyboard(t, target))


async def _show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    query = update.callback_query
    assert query is not None
    await edit_pressed(query, text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def on_button(update: Update, context: BuurtwachtContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.data is None:
        return
    chat = query.message.chat if query.message is not None else None
    button = rules.parse_button(query.data)
    # Follow buttons live in the person's own private chat, on a message of the bot.
    if button is None or chat is None or chat.type != ChatType.PRIVATE or chat.id != user.id:
        log.info("refused a follow button outside its private chat or with forged data")
        await query.answer()
        return
    services = context.services
    t = await user_translator(update, context)
    if button.step is rules.Step.CANCEL:
        await query.answer()
        await _show(update, texts.not_followed(t))
        return
    assert button.target is not None
    place: FollowPlace | None = await outreach.resolve(services, button.target)
    if place is None:
        await query.answer(t.gettext("Deze knop is verlopen."))
        return
    if button.step is rules.Step.LANGUAGE:
        assert button.language is not None
        if await outreach.choose_language(services, user.id, button.language):
            forget_language(context)
            t = translator(button.language)
        await query.answer()
        await _show(update, texts.confirmation(t, place), confirm_keyboard(t, button.target))
        return
    added = await outreach.follow(services, user.id, place)
    await query.answer()
    await _show(update, texts.followed(t, place, added))


FLYER_USAGE = N_("Gebruik: /flyer <teamnummer> of /flyer <buurtcode>, bijvoorbeeld /flyer BU07941000.")


async def flyer_command(update: Update, context: BuurtwachtContext) -> None:
    """/flyer [teamnummer | buurtcode]: the A4 flyer (PDF) with the follow link's QR code."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services = context.services
    t = await user_translator(update, context)
    if not await outreach.may_make_flyers(services, user.id):
        await message.reply_text(t.gettext("Alleen coördinatoren en beheerders kunnen een flyer maken. Volg zelf je "
                                           "buurt met /abonneer."))
        return
    args = context.args or []
    target: rules.FollowTarget | None = None
    if len(args) == 1:
        word = args[0].strip()
        target = rules.parse_token(word.upper()) or (rules.parse_token(f"{rules.TEAM_WORD}{word}")
                                                    if word.isascii() else None)
    elif not args:
        places = await outreach.flyer_targets(services, user.id)
        if len(places) == 1:
            target = places[0].target
        else:
            lines = [t.gettext(FLYER_USAGE)]
            lines += [f"/flyer {place.target.team_id} — {texts.place_label(place)}" for place in places[:30]]
            await message.reply_text("\n".join(lines))
            return
    place = await outreach.may_flyer(services, user.id, target) if target is not None else None
    if place is None:
        log.info("refused a flyer for a team or buurt outside the caller's own")
        await message.reply_text(t.gettext("Daarvoor kun je geen flyer maken: alleen voor je eigen team, de buurten "
                                           "daarvan, of (als beheerder) je gemeente.") + "\n" + t.gettext(FLYER_USAGE))
        return
    link = rules.follow_link(context.bot.username, place.target)
    content = FlyerContent(place.name, texts.flyer_subtitle(place), link)
    pdf = await asyncio.to_thread(render_flyer, content, t.language)  # ~0.1 s of CPU: not on the event loop
    await message.reply_document(
        document=pdf, filename=flyer_filename(place),
        caption=t.gettext("Flyer voor {place} (A4). De QR-code opent {link}").format(
            place=texts.place_label(place), link=link))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("start", follow_start, filters=filters.ChatType.PRIVATE & FOLLOW_START))
    app.add_handler(CallbackQueryHandler(on_button, pattern=rules.CALLBACK_PATTERN))
    app.add_handler(CommandHandler("flyer", flyer_command, filters=filters.ChatType.PRIVATE))
