"""/overzicht: figures per category and area for officers, coordinators and admins."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.core.domain import Category
from bot.core.i18n import Translator
from bot.insight import service as figures
from bot.insight.chart import Series, bar_chart_png
from bot.insight.rules import PERIOD_LABELS, SMALL_CELL, Scope, cell, outcome_total, total_cell
from bot.reports import texts as render
from bot.survey.service import overview_lines
from handlers.common import user_translator
from handlers.context import BuurtwachtContext

log = logging.getLogger(__name__)
CSV_PREFIX = "ovz:csv:"  # ovz:csv:<period>: the CSV of the figures just shown


async def _scope(update: Update, context: BuurtwachtContext) -> Scope | None:
    assert update.effective_user is not None
    return await figures.scope_for(context.services, update.effective_user.id)


async def overview(update: Update, context: BuurtwachtContext) -> None:
    message = update.effective_message
    if message is None:
        return
    t = await user_translator(update, context)
    scope = await _scope(update, context)
    if scope is None:
        log.warning("refused /overzicht for someone without an officer, coordinator or admin role")
        await message.reply_text(t.gettext("Het overzicht is voor wijkagenten, BOA's, coördinatoren en de gemeente."))
        return
    args = context.args or []
    if args and args[0].lower() == "csv":
        await export_csv(update, context, scope, t, args[1] if len(args) > 1 else "12m")
        return
    name = args[0].lower() if args and args[0].lower() in PERIOD_LABELS else None
    if name is None:
        await message.reply_text(t.gettext("Welke periode?"), reply_markup=InlineKeyboardMarkup([[
            InlineKeyboardButton(t.gettext(label), callback_data=f"ovz:{key}") for key, label in PERIOD_LABELS.items()]]))
        return
    await send_overview(update, context, scope, t, name)


async def on_period(update: Update, context: BuurtwachtContext) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = await user_translator(update, context)
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        # Figures are for the person who asked, in private; a button in a group is forged.
        log.warning("refused an overview button outside a private chat")
        await query.answer(t.gettext("Deze knop is niet geldig."), show_alert=True)
        return
    scope = await _scope(update, context)
    await query.answer()
    if scope is None:
        return
    if query.data.startswith(CSV_PREFIX):
        await export_csv(update, context, scope, t, query.data[len(CSV_PREFIX):])
        return
    key = query.data[4:]
    if key not in PERIOD_LABELS:
        return
    await send_overview(update, context, scope, t, key)


async def send_overview(update: Update, context: BuurtwachtContext, scope: Scope, t: Translator,
                        name: str) -> None:
    message = update.effective_message
    assert message is not None
    services = context.services
    seen = await figures.overview(services, scope, name)
    start, end = seen.start, seen.end
    lines = ["📊 <b>" + t.gettext("Overzicht {start} – {end}").format(
        start=t.date(start), end=t.date(end - dt.timedelta(days=1))) + "</b>", "",
        t.gettext("Per categorie: deze periode (zelfde periode vorig jaar)")]
    now, then = seen.by_category, seen.by_category_year_earlier
    shown = [c for c in Category if now[c] or then[c]]
    for category in shown:
        lines.append(f"• {render.esc(render.category_label(t, category))}: {cell(now[category])} "
                     f"({cell(then[category])})")
    if not shown:
        lines.append(t.gettext("Geen meldingen in deze periode."))
    areas = seen.area_totals
    if areas:
        lines += ["", t.gettext("Per wijk:") if scope.group_by == "wijk_code" else t.gettext("Per buurt:")]
        for area, value in sorted(areas.items()):
            line = f"• {render.esc(seen.area_names[area])}: {total_cell(value, area in seen.hidden_in)}"
            if ended := seen.area_outcomes.get(area):
                # How the alerts there ended, small numbers as "<3" like every other cell.
                line += " — " + t.gettext("opgelost {resolved} · vals alarm {false} · verlopen {expired}").format(
                    resolved=cell(outcome_total(ended, "opgelost")), false=cell(outcome_total(ended, "vals_alarm")),
                    expired=cell(outcome_total(ended, "verlopen")))
            lines.append(line)
    lines.append("")
    acks = seen.ack_minutes
    lines.append(t.gettext("De helft van de meldingen was binnen {minutes} min opgepakt").format(minutes=t.number(round(acks)))
                 if acks is not None else t.gettext("Hoe snel meldingen worden opgepakt: nog geen gegevens"))
    lines.append(t.gettext("Opgelost: {resolved} · vals alarm: {false}").format(
        resolved=cell(seen.outcomes.get("resolved", 0)),
        false=cell(seen.outcomes.get("false_alarm", 0))))
    lines.append(t.gettext("Aantallen onder de 3 staan als <3, zodat niemand herleidbaar is."))
    if seen.hidden_in & {area for area, value in areas.items() if value >= SMALL_CELL}:
        lines.append(t.gettext("Totalen naast zulke aantallen zijn afgerond op 5 (≈), anders zou je ze kunnen terugrekenen."))
    lines += await overview_lines(services, t.language, scope.prefixes)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(
        "📄 " + t.gettext("CSV downloaden"), callback_data=f"{CSV_PREFIX}{name}")]]) if scope.may_export else None
    period_label = t.gettext("{start} – {end}").format(start=t.date(start), end=t.date(end - dt.timedelta(days=1)))
    title = t.gettext("Meldingen per categorie · {area} · {period}").format(area=seen.area_label, period=period_label)
    chart = bar_chart_png(title, [t.gettext(render.CATEGORY_LABELS[c]) for c in shown], [
        Series(t.gettext("deze periode"), [_shown(now[c]) for c in shown]),
        Series(t.gettext("zelfde periode vorig jaar"), [_shown(then[c]) for c in shown]),
    ], hidden_label="<3")
    if chart is None:
        # Nothing to draw (no reports, or every count below 3): no chart, the text says it all.
        await message.reply_text("\n".join(lines), parse_mode="HTML", reply_markup=keyboard)
        return
    await message.reply_text("\n".join(lines), parse_mode="HTML")
    await message.reply_photo(InputFile(chart, filename="overzicht.png"), caption=title[:1024], reply_markup=keyboard)


def _shown(count: int) -> int | None:
    """A count as the chart may show it: None (drawn as "<3", no bar) when it is a small cell."""
    return None if 0 < count < SMALL_CELL else count


async def export_csv(update: Update, context: BuurtwachtContext, scope: Scope, t: Translator,
                     name: str) -> None:
    message = update.effective_message
    assert message is not None
    if not scope.may_export:
        await message.reply_text(t.gettext("De CSV-export is voor de gemeente en de wijkagenten en BOA's."))
        return
    export = await figures.monthly_csv(context.services, scope, name if name in PERIOD_LABELS else "12m")
    await message.reply_document(InputFile(export.csv, filename=f"buurtwacht-{export.start}-{export.end}.csv"),
                                 caption=t.gettext("Meldingen per maand, buurt en categorie, met hoe de alarmen afliepen "
                                                   "(kleine aantallen als <3)."))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler(["overzicht", "overview"], overview, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(on_period, pattern=r"^ovz:"))
