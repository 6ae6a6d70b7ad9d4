"""Running the wijkagenda survey: the tick that opens and closes rounds, and ballot presses.

Rounds, invitations and ballots live in SQLite, so the hourly tick can run any number of
times, after any restart: a round opens once per gemeente per year, each resident is invited
once per wijk (also when they start following a buurt while the round is open), and the
results go out once, when the round closes.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.core import permissions
from bot.core.domain import RecipientKind, Role
from bot.core.i18n import translator
from bot.core.schedule import QuietHours
from bot.insight.rules import SMALL_CELL, cell
from bot.runtime.services import Services
from bot.survey.rules import (
    MAX_CHOICES,
    BallotPress,
    SurveyWindow,
    ballot_data,
    chosen,
    option_label,
    options_for,
    toggle,
    top_three,
)
from storage import outbox, teams, users
from storage import survey as store

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SurveyTick:
    opened: int = 0
    invited: int = 0
    closed: int = 0
    reports: int = 0


def window(services: Services) -> SurveyWindow:
    return SurveyWindow(services.config.survey.opens, services.config.survey.closes)


def wijk_name(services: Services, wijk_code: str) -> str:
    return services.catalog.wijk_names.get(wijk_code, wijk_code)


def invitation_text(services: Services, language: str, wijk_code: str) -> str:
    t = translator(language)
    return "🗳️ " + t.gettext(
        "Wijkagenda {wijk}: welke kleine ergernissen moeten de gemeente en de politie dit jaar aanpakken? "
        "Kies er hoogstens {n} en tik op Klaar. Je stem is anoniem; alleen de aantallen per wijk worden gedeeld."
    ).format(wijk=html.escape(wijk_name(services, wijk_code)), n=MAX_CHOICES)


def ballot_markup(services: Services, language: str, survey_id: int, wijk_code: str, mask: int,
                  options: tuple[str, ...]) -> dict[str, Any]:
    t = translator(language)
    rows = [[{"text": ("✅ " if mask & (1 << i) else "▫️ ") + option_label(services.config, key, language),
              "callback_data": ballot_data(survey_id, wijk_code, mask, i)}] for i, key in enumerate(options)]
    rows.append([{"text": "✔️ " + t.gettext("Klaar"), "callback_data": ballot_data(survey_id, wijk_code, mask, None)}])
    return {"inline_keyboard": rows}


def results_text(services: Services, language: str, year: int, wijk_code: str, invited: int, voted: int,
                 ranking: list[tuple[int, str, int]] | tuple[tuple[int, str, int], ...]) -> str:
    t = translator(language)
    lines = ["🗳️ <b>" + t.gettext("Wijkagenda {year} · {wijk}").format(
        year=year, wijk=html.escape(wijk_name(services, wijk_code))) + "</b>",
        t.ngettext("{voted} van de {invited} uitgenodigde bewoners heeft gestemd.",
                   "{voted} van de {invited} uitgenodigde bewoners hebben gestemd.", voted).format(
            voted=voted, invited=invited)]
    if not ranking:
        lines.append(t.gettext("Er zijn geen stemmen uitgebracht."))
    elif voted < SMALL_CELL:
        # With one or two voters a ranking would show how they voted: the vote was anonymous.
        lines.append(t.gettext("Te weinig stemmen om een uitslag te tonen zonder dat iemands stem herkenbaar is."))
    else:
        lines.append(t.gettext("Top 3:"))
        for rank, option, votes in ranking:
            lines.append(f"{rank}. {html.escape(option_label(services.config, option, language))} — " + t.ngettext(
                "{n} stem", "{n} stemmen", max(votes, SMALL_CELL)).format(
                n=cell(votes)))
    return "\n".join(lines)


async def run_survey_tick(services: Services) -> SurveyTick:
    """Open this year's round in the window, invite whoever is not yet invited, close it after."""
    result = SurveyTick()
    if not services.config.survey.enabled:
        return result
    now = services.now()
    tz = services.config.timezone
    today = now.astimezone(tz).date()
    state = window(services).state(today)
    quiet = QuietHours(services.config.tips.quiet_start, services.config.tips.quiet_end)
    for gemeente in services.config.gemeenten:
        # A round that should have closed last year (a window up to 31 December, or the bot was
        # down at its end) closes now, whatever this year's window says.
        for stale in await store.open_rounds_before(services.db, gemeente.code, today.year):
            reports = await close_and_report(services, stale)
            if reports is not None:
                result.closed += 1
                result.reports += reports
        current = await store.round_of(services.db, gemeente.code, today.year)
        if state == "open":
            if current is None:
                async with services.db.transaction() as tx:
                    current = await store.open_round(tx, gemeente.code, today.year,
                                                     options_for(services.config, gemeente.code), now)
                if current is None:
                    continue
                result.opened += 1
                log.info("wijkagenda %s %d opened", gemeente.code, today.year)
            if current.state != "open" or quiet.contains(now, tz):
                continue  # a ballot is no reason to wake anyone: invitations wait for the day
            result.invited += await _invite(services, current)
        elif state == "closed" and current is not None and current.state == "open":
            reports = await close_and_report(services, current)
            if reports is not None:
                result.closed += 1
                result.reports += reports
    if result.invited or result.reports:
        services.wake_sender()
    return result


async def _invite(services: Services, current: store.SurveyRound) -> int:
    invited = 0
    # Only who is not yet invited: most ticks of an open round have nobody new. The invitation's
    # INSERT OR IGNORE still guards against a double invite.
    audience = await store.audience(services.db, current.id, current.gemeente_code)
    if not audience:
        return 0
    async with services.db.transaction() as tx:
        for telegram_id, language, wijk_code in audience:
            if not await store.invite(tx, current.id, wijk_code, telegram_id, services.now()):
                continue
            await outbox.enqueue(
                tx, telegram_id, "sendMessage",
                {"text": invitation_text(services, language, wijk_code), "parse_mode": "HTML",
                 "reply_markup": ballot_markup(services, language, current.id, wijk_code, 0, current.options)},
                priority=outbox.PRIORITY_LOW, kind="survey", language=language, not_before=services.now())
            invited += 1
    return invited


async def result_recipients(services: Services, wijk_code: str, gemeente_code: str,
                            all_teams: list[teams.Team]) -> set[int]:
    """The wijk's wijkagenten and BOA's, and the coordinators of teams with a buurt in it."""
    people: set[int] = set()
    for kind in (RecipientKind.WIJKAGENT, RecipientKind.BOA):
        people.update(services.directory.officers_for(kind, wijk_code, gemeente_code))
    for team in all_teams:
        if any(b[2:8] == wijk_code[2:] for b in team.buurten):
            people.update(await users.holders_of_scope(services.db, Role.COORDINATOR, permissions.team_scope(team.id)))
    return people


async def close_and_report(services: Services, current: store.SurveyRound) -> int | None:
    """Count, keep the results, and queue them to the wijk's people: all in one transaction,
    so results are sent once or, after a crash before the commit, the round is still open."""
    ballots = await store.ballots(services.db, current.id)
    invited = await store.invited_counts(services.db, current.id)
    results = {wijk: (invited.get(wijk, 0), len(ballots.get(wijk, [])), top_three(ballots.get(wijk, [])))
               for wijk in sorted(set(invited) | set(ballots))}
    all_teams = await teams.all_teams(services.db)
    recipients = {wijk: await result_recipients(services, wijk, current.gemeente_code, all_teams)
                  for wijk in results}
    languages = await users.languages(services.db, sorted({p for people in recipients.values() for p in people}))
    queued = 0
    async with services.db.transaction() as tx:
        if not await store.close_round(tx, current.id, services.now(), results):
            return None
        for wijk, (invited_n, voted, ranking) in results.items():
            for person in sorted(recipients[wijk]):
                language = languages.get(person, services.config.language)
                await outbox.enqueue(
                    tx, person, "sendMessage",
                    {"text": results_text(services, language, current.year, wijk, invited_n, voted, ranking),
                     "parse_mode": "HTML"},
                    priority=outbox.PRIORITY_LOW, kind="survey", language=language, not_before=services.now())
                queued += 1
    log.info("wijkagenda %s %d closed: %d wijken, %d result messages", current.gemeente_code, current.year,
             len(results), queued)
    return queued


class PressOutcome(StrEnum):
    INVALID = "invalid"  # forged or stale button data
    CLOSED = "closed"
    NOT_INVITED = "not_invited"
    TOO_MANY = "too_many"
    EMPTY = "empty"
    TOGGLED = "toggled"
    COUNTED = "counted"
    ALREADY = "already"


@dataclass(frozen=True, slots=True)
class PressResult:
    outcome: PressOutcome
    markup: dict[str, Any] | None = None  # the ballot after a toggle


async def press_ballot(services: Services, telegram_id: int, press: BallotPress, language: str) -> PressResult:
    """Toggle an option or cast the ballot; every button is checked against stored state."""
    current = await store.get(services.db, press.survey_id)
    if current is None:
        return PressResult(PressOutcome.INVALID)
    if current.state != "open":
        return PressResult(PressOutcome.CLOSED)
    if not await store.was_invited(services.db, current.id, press.wijk_code, telegram_id):
        return PressResult(PressOutcome.NOT_INVITED)
    selection = chosen(press.mask, current.options)
    if selection is None or len(selection) > MAX_CHOICES:
        return PressResult(PressOutcome.INVALID)
    if press.option is not None:
        new_mask = toggle(press.mask, press.option, current.options)
        if new_mask is None:
            return PressResult(PressOutcome.TOO_MANY if 0 <= press.option < len(current.options)
                               else PressOutcome.INVALID)
        return PressResult(PressOutcome.TOGGLED, ballot_markup(
            services, language, current.id, press.wijk_code, new_mask, current.options))
    if not selection:
        return PressResult(PressOutcome.EMPTY)
    counted = await store.cast(services.db, current.id, press.wijk_code, telegram_id, selection, services.now())
    return PressResult(PressOutcome.COUNTED if counted else PressOutcome.ALREADY)


def wijk_prefixes(buurt_prefixes: tuple[str, ...] | list[str]) -> list[str]:
    """BU-prefixes of an overview scope → the WK-prefixes of the wijken they cover."""
    return sorted({"WK" + p[2:8] for p in buurt_prefixes})


async def overview_lines(services: Services, language: str, buurt_prefixes: tuple[str, ...]) -> list[str]:
    """The latest wijkagenda top 3 per wijk in scope, for /overzicht (small numbers as <3)."""
    t = translator(language)
    results = await store.latest_results(services.db, wijk_prefixes(buurt_prefixes))
    if not results:
        return []
    lines = ["", "🗳️ <b>" + t.gettext("Wijkagenda (laatste ronde)") + "</b>"]
    for r in results:
        if not r.ranking:
            top = t.gettext("geen stemmen")
        elif r.voted < SMALL_CELL:
            top = t.gettext("te weinig stemmen")
        else:
            top = ", ".join(f"{rank}. {html.escape(option_label(services.config, option, language))} ({cell(votes)})"
                            for rank, option, votes in r.ranking)
        lines.append(f"• {html.escape(wijk_name(services, r.wijk_code))} {r.year}: {top} · " + t.gettext(
            "{voted} van {invited} stemden").format(voted=r.voted, invited=r.invited))
    return lines
