"""/overzicht: figures per category and area for officers, coordinators and admins."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.core.domain import Category
from bot.core.i18n import N_, Translator
from bot.insight.chart import Series, bar_chart_png
from bot.insight.rules import (
    SMALL_CELL,
    Scope,
    cell,
    median_minutes,
    outcome_total,
    period,
    scope_of,
    to_csv,
    total_cell,
    year_earlier,
)
from bot.reports import texts as render
from bot.runtime.services import Services
from bot.survey.service import overview_lines
from handlers.common import services_of, user_translator
from handlers.context import BuurtwachtContext
from storage import insight, teams, users

log = logging.getLogger(__name__)
CSV_PREFIX = "ovz:csv:"  # ovz:csv:<period>: the CSV of the figures just shown
PERIODS = {"7d": N_("7 dagen"), "30d": N_("30 dagen"), "kwartaal": N_("dit kwartaal"), "12m": N_("12 maanden")}


async def _scope(update: Update, context: BuurtwachtContext) -> Scope | None:
    services = services_of(context)
    assert update.effective_user is not None
    grants = await users.roles_of(services.db, update.effective_user.id)
    team_buurten = {}
    for _, scope in grants:
        if scope.startswith("team:"):
            team = await teams.get_team(services.db, int(scope[5:]))
            if team is not None:
                team_buurten[team.id] = team.buurten
    return scope_of(grants, team_buurten)


def _day_bounds(start: dt.date, end: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(start, dt.time(0), tzinfo=tz).astimezone(dt.UTC),
            dt.datetime.combine(end, dt.time(0), tzinfo=tz).astimezone(dt.UTC))


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
    name = args[0].lower() if args and args[0].lower() in PERIODS else None
    if name is None:
        await message.reply_text(t.gettext("Welke periode?"), reply_markup=InlineKeyboardMarkup([[
            InlineKeyboardButton(t.gettext(label), callback_data=f"ovz:{key}") for key, label in PERIODS.items()]]))
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
    if key not in PERIODS:
        return
    await send_overview(update, context, scope, t, key)


async def send_overview(update: Update, context: BuurtwachtContext, scope: Scope, t: Translator,
                        name: str) -> None:
    message = update.effective_message
    assert message is not None
    services = services_of(context)
    tz = services.config.timezone
    today = services.now().astimezone(tz).date()
    start, end = period(name, today)
    since, until = _day_bounds(start, end, tz)
    before_since, before_until = _day_bounds(*year_earlier(start, end), tz)
    now_counts = await insight.counts(services.db, list(scope.prefixes), since, until, by=scope.group_by)
    then_counts = await insight.counts(services.db, list(scope.prefixes), before_since, before_until,
                                       by=scope.group_by)
    by_category_now = {c: sum(v for (_, cat), v in now_counts.items() if cat == c.value) for c in Category}
    by_category_then = {c: sum(v for (_, cat), v in then_counts.items() if cat == c.value) for c in Category}
    acks = median_minutes(await insight.acknowledgement_minutes(services.db, list(scope.prefixes), since, until))
    outcomes = await insight.outcomes(services.db, list(scope.prefixes), since, until)
    area_outcomes: dict[str, dict[str, int]] = {}
    for (area, status), value in (await insight.outcomes_by_area(
            services.db, list(scope.prefixes), since, until, by=scope.group_by)).items():
        area_outcomes.setdefault(area, {})[status] = value
    lines = ["📊 <b>" + t.gettext("Overzicht {start} – {end}").format(
        start=t.date(start), end=t.date(end - dt.timedelta(days=1))) + "</b>", "",
        t.gettext("Per categorie: deze periode (zelfde periode vorig jaar)")]
    shown = [c for c in Category if by_category_now[c] or by_category_then[c]]
    for category in shown:
        lines.append(f"• {render.esc(render.category_label(t, category))}: {cell(by_category_now[category])} "
                     f"({cell(by_category_then[category])})")
    if not shown:
        lines.append(t.gettext("Geen meldingen in deze periode."))
    areas: dict[str, int] = {}
    for (area, _), value in now_counts.items():
        areas[area] = areas.get(area, 0) + value
    # An area's total next to a hidden category cell of that area would give it back.
    hidden_in = {area for (area, _), value in now_counts.items() if 0 < value < SMALL_CELL}
    if areas:
        lines += ["", t.gettext("Per wijk:") if scope.group_by == "wijk_code" else t.gettext("Per buurt:")]
        for area, value in sorted(areas.items()):
            label = services.catalog.wijk_names.get(area) or (
                services.catalog.area(area).buurt_name if services.catalog.area(area) else area)  # type: ignore[union-attr]
            line = f"• {render.esc(label)}: {total_cell(value, area in hidden_in)}"
            if ended := area_outcomes.get(area):
                # How the alerts there ended, small numbers as "<3" like every other cell.
                line += " — " + t.gettext("opgelost {resolved} · vals alarm {false} · verlopen {expired}").format(
                    resolved=cell(outcome_total(ended, "opgelost")), false=cell(outcome_total(ended, "vals_alarm")),
                    expired=cell(outcome_total(ended, "verlopen")))
            lines.append(line)
    lines.append("")
    lines.append(t.gettext("De helft van de meldingen was binnen {minutes} min opgepakt").format(minutes=t.number(round(acks)))
                 if acks is not None else t.gettext("Hoe snel meldingen worden opgepakt: nog geen gegevens"))
    lines.append(t.gettext("Opgelost: {resolved} · vals alarm: {false}").format(
        resolved=cell(outcomes.get("resolved", 0)),
        false=cell(outcomes.get("false_alarm", 0))))
    lines.append(t.gettext("Aantallen onder de 3 staan als <3, zodat niemand herleidbaar is."))
    if hidden_in & {area for area, value in areas.items() if value >= SMALL_CELL}:
        lines.append(t.gettext("Totalen naast zulke aantallen zijn afgerond op 5 (≈), anders zou je ze kunnen terugrekenen."))
    lines += await overview_lines(services, t.language, scope.prefixes)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(
        "📄 " + t.gettext("CSV downloaden"), callback_data=f"{CSV_PREFIX}{name}")]]) if scope.may_export else None
    period_label = t.gettext("{start} – {end}").format(start=t.date(start), end=t.date(end - dt.timedelta(days=1)))
    title = t.gettext("Meldingen per categorie · {area} · {period}").format(
        area=_area_label(services, scope), period=period_label)
    chart = bar_chart_png(title, [t.gettext(render.CATEGORY_LABELS[c]) for c in shown], [
        Series(t.gettext("deze periode"), [_shown(by_category_now[c]) for c in shown]),
        Series(t.gettext("zelfde periode vorig jaar"), [_shown(by_category_then[c]) for c in shown]),
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


def _area_label(services: Services, scope: Scope) -> str:
    """The area of the figures: gemeente, wijk or buurt names (at most three, then "…")."""
    names = []
    for prefix in sorted(scope.prefixes):
        digits = prefix[2:]
        if len(digits) == 4:
            names.append(services.catalog.gemeente_names.get("GM" + digits, prefix))
        elif len(digits) == 6:
            names.append(services.catalog.wijk_names.get("WK" + digits, prefix))
        else:
            area = services.catalog.area(prefix)
            names.append(area.buurt_name if area else prefix)
    return ", ".join(names[:3]) + (", …" if len(names) > 3 else "")


async def export_csv(update: Update, context: BuurtwachtContext, scope: Scope, t: Translator,
                     name: str) -> None:
    message = update.effective_message
    assert message is not None
    if not scope.may_export:
        await message.reply_text(t.gettext("De CSV-export is voor de gemeente en de wijkagenten en BOA's."))
        return
    services = services_of(context)
    tz = services.config.timezone
    start, end = period(name if name in PERIODS else "12m", services.now().astimezone(tz).date())
    since, until = _day_bounds(start, end, tz)
    rows = await insight.monthly(services.db, list(scope.prefixes), since, until)
    outcomes = await insight.monthly_outcomes(services.db, list(scope.prefixes), since, until)
    await message.reply_document(InputFile(to_csv(rows, outcomes), filename=f"buurtwacht-{start}-{end}.csv"),
                                 caption=t.gettext("Meldingen per maand, buurt en categorie, met hoe de alarmen afliepen "
                                                   "(kleine aantallen als <3)."))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler(["overzicht", "overview"], overview, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(on_period, pattern=r"^ovz:"))
