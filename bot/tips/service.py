"""Sending tips and seasonal messages: the tick that a repeating JobQueue job runs.

Schedules live in SQLite, so nothing depends on jobs surviving a restart: each tick works out
what was due from the schedules and the clock, and the send log (keyed by occurrence) makes
each planned send happen once — after a restart, a clock jump, or two ticks close together.
A send that was missed is sent within the grace window, later ones are skipped and logged.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from dataclasses import dataclass
from enum import StrEnum

from bot.core import permissions
from bot.core.domain import Point
from bot.core.i18n import Translator, translator
from bot.core.permissions import gemeente_of
from bot.core.schedule import (
    Missed,
    QuietHours,
    decide_missed,
    defer_for_quiet_hours,
    local_at,
    pick_tip,
    previous_weekly,
    weekly_key,
)
from bot.core.textsafety import clean_text
from bot.runtime.services import Services
from bot.tips.buttons import Action, TipsPress, pause_data, theme_data
from bot.tips.library import MAX_TEXT, THEMES, Tip, load_library
from bot.tips.rules import ScheduleChange, long_enough
from bot.tips.seasons import SeasonConfig, active_seasons, dark_days_start, in_dark_days
from bot.tips.sun import sunset
from storage import outbox, teams, users
from storage import tips as store
from storage.tips import TipSchedule

log = logging.getLogger(__name__)

TIP_GRACE = dt.timedelta(hours=12)  # covers a night of quiet hours
REMINDER_GRACE = dt.timedelta(hours=1)  # a "lights on" reminder is stale soon after sunset
DEFAULT_POINT = Point(51.4793, 5.6570)  # Helmond; only when a chat has no buurt


@dataclass(slots=True)
class TickResult:
    sent: int = 0
    skipped: int = 0
    waiting: int = 0


def tip_text(language: str, tip: Tip) -> str:
    t = translator(language)
    lines = ["💡 <b>" + html.escape(t.gettext(THEMES.get(tip.theme, tip.theme))) + "</b>", "", html.escape(tip.text)]
    if tip.link:
        lines += ["", html.escape(tip.link)]
    lines += ["", t.gettext("Instellingen: /tips")]
    return "\n".join(lines)


def dark_days_opening_text(language: str) -> str:
    t = translator(language)
    return "\n".join([
        "🌒 <b>" + t.gettext("De donkere dagen zijn begonnen") + "</b>", "",
        t.gettext("De klok is een uur teruggezet. In de donkere maanden wordt vaker ingebroken, vooral tussen "
                  "vier en negen uur 's avonds. Doe de lichten aan, draai deuren op slot en let op elkaars huis."),
        t.gettext("Zie je iets verdachts? Bel 112 en meld het daarna hier."),
    ])


def dark_days_reminder_text(language: str, at: dt.datetime, tz: dt.tzinfo) -> str:
    t = translator(language)
    return "🌆 " + t.gettext("Vanavond gaat de zon om {time} onder: lichten aan, deuren op slot.").format(
        time=t.time(at, tz))


def campaign_text(language: str, key: str) -> str:
    t = translator(language)
    texts = {
        "summer": t.gettext("☀️ De zomervakantie begint. Vraag de buren op je huis te letten en zet niet online "
                            "dat je weg bent. Tips: /tips"),
        "new_year": t.gettext("🎆 De jaarwisseling komt eraan. Zet je kliko binnen, koop alleen legaal vuurwerk "
                              "en meld vernielingen bij 0900-8844."),
    }
    return texts.get(key, t.gettext("Een nieuwe campagne is begonnen."))


async def run_tips_tick(services: Services) -> TickResult:
    """Send what is due now; safe to run as often as you like."""
    now = services.now()
    tz = services.config.timezone
    seasons = services.config.seasons
    result = TickResult()
    await store.ensure_schedules(services.db, now, services.config.tips)
    for schedule, language, buurt in await store.active(services.db):
        if schedule.paused:
            continue
        quiet = QuietHours(schedule.quiet_start, schedule.quiet_end)
        planned = _planned(services, schedule.chat_id, schedule.weekday, schedule.time, buurt, now, tz, seasons)
        done = await store.logged(services.db, [key for key, *_ in planned])
        for key, kind, due, grace in planned:
            if key in done:
                continue
            # A tip that falls in quiet hours is due when they end; the grace window counts
            # from then, so long quiet hours never turn a waiting tip into a skipped one.
            # A sunset reminder is only worth sending that evening, so it is never deferred.
            waits_for = due if kind == "dark_days_reminder" else defer_for_quiet_hours(due, quiet, tz)
            decision = decide_missed(waits_for, now, grace)
            if decision is Missed.WAIT:
                if waits_for != due and due <= now:
                    result.waiting += 1  # due, but quiet hours hold it back
                continue
            if decision is Missed.SKIP:
                async with services.db.transaction() as tx:
                    if await store.log_send(tx, key, schedule.chat_id, kind, None, due, "skipped", now):
                        log.info("skipped a %s that was due %s ago", kind, now - due)
                        result.skipped += 1
                continue
            if quiet.contains(now, tz):
                result.waiting += 1  # tips wait for the end of quiet hours
                continue
            if await _send(services, schedule, language, buurt, key, kind, due, now):
                result.sent += 1
    if result.sent:
        services.wake_sender()
    return result


def _planned(services: Services, chat: int, weekday: int, time: dt.time, buurt: str | None, now: dt.datetime,
             tz: dt.tzinfo, seasons: SeasonConfig) -> list[tuple[str, str, dt.datetime, dt.timedelta]]:
    """(occurrence key, kind, due time, grace) of everything that could be due around now."""
    planned: list[tuple[str, str, dt.datetime, dt.timedelta]] = []
    due = previous_weekly(now, weekday, time, tz)
    planned.append((weekly_key(f"tip:{chat}", due, tz), "tip", due, TIP_GRACE))
    today = now.astimezone(tz).date()
    start = dark_days_start(today, seasons.dark_days)
    point = (services.locator.index.centroid(buurt) if buurt else None) or DEFAULT_POINT
    if start is not None and today - start < dt.timedelta(days=2):
        opening = dark_days_opening_at(start, point, tz, seasons)
        planned.append((f"dark_days_opening:{start.isoformat()}:{chat}", "dark_days_opening", opening, TIP_GRACE))
    if in_dark_days(today, seasons.dark_days) and today.weekday() in seasons.reminder_weekdays:
        set_at = sunset(today, point.lat, point.lon, tz)
        if set_at is not None:
            reminder = set_at - dt.timedelta(minutes=seasons.minutes_before_sunset)
            planned.append((f"dark_days_reminder:{today.isoformat()}:{chat}", "dark_days_reminder", reminder,
                            REMINDER_GRACE))
    for campaign in seasons.campaigns:
        if campaign.starts_on(today):
            at = local_at(today, seasons.opening_time, tz)
            planned.append((f"campaign:{campaign.key}:{today.isoformat()}:{chat}", "campaign", at, TIP_GRACE))
    return planned


def dark_days_opening_at(start: dt.date, point: Point, tz: dt.tzinfo, seasons: SeasonConfig) -> dt.datetime:
    """When the season's opening message goes out on its first day: at ``opening_time``, or
    ``minutes_before_sunset`` before that evening's sunset when that comes first — the message
    is about the dark, so it arrives before dark (late October: about 16:50 in Helmond)."""
    at = local_at(start, seasons.opening_time, tz)
    set_at = sunset(start, point.lat, point.lon, tz)
    if set_at is not None:
        at = min(at, set_at - dt.timedelta(minutes=seasons.minutes_before_sunset))
    return at


async def _send(services: Services, schedule: store.TipSchedule, language: str, buurt: str | None, key: str, kind: str,
                due: dt.datetime, now: dt.datetime) -> bool:
    tz = services.config.timezone
    tip_id = None
    if kind == "tip":
        tip = await choose_tip(services, schedule, language, now, buurt)
        if tip is None:
            return False
        tip_id, text = tip.id, tip_text(language, tip)
    elif kind == "dark_days_opening":
        text = dark_days_opening_text(language)
    elif kind == "dark_days_reminder":
        text = dark_days_reminder_text(language, due + dt.timedelta(minutes=services.config.seasons.minutes_before_sunset), tz)
    else:
        text = campaign_text(language, key.split(":")[1])
    async with services.db.transaction() as tx:
        # The log row and the outbox row commit together: logged means queued, and only once.
        if not await store.log_send(tx, key, schedule.chat_id, kind, tip_id, due, "sent", now):
            return False
        await outbox.enqueue(tx, schedule.chat_id, "sendMessage",
                             {"text": text, "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}},
                             priority=outbox.PRIORITY_LOW, kind="tip", language=language, not_before=now)
    return True


def custom_tip_scopes(kind: str, team_id: int | None, buurt: str | None) -> list[str]:
    """Whose own tips a chat gets: a group its team's, and both get those for the gemeente and
    wijk of their buurt (a follower's buurt, or the group's team's first buurt)."""
    scopes = []
    if kind == "group" and team_id is not None:
        scopes.append(permissions.team_scope(team_id))
    if buurt:
        scopes += [gemeente_of(buurt), "WK" + buurt[2:8]]
    return scopes


async def choose_tip(services: Services, schedule: store.TipSchedule, language: str, now: dt.datetime,
                     buurt: str | None = None) -> Tip | None:
    library = list(load_library(language))
    scopes = custom_tip_scopes(schedule.kind, schedule.team_id, buurt)
    custom = [Tip(f"custom-{tip_id}", theme, ("all_year",), text, None, scope)
              for tip_id, scope, theme, tip_language, text in await store.custom_for(services.db, scopes)
              if tip_language == language]
    today = now.astimezone(services.config.timezone).date()
    recent = await store.recent_tip_ids(services.db, schedule.chat_id)
    # A team's or gemeente's own tip goes out before the library's, once.
    sent_before = await store.sent_tip_ids(services.db, schedule.chat_id, [tip.id for tip in custom])
    fresh_custom = [tip for tip in custom if tip.id not in sent_before and tip.theme not in schedule.opted_out]
    return pick_tip(fresh_custom or (custom + library), date=today, opted_out_themes=schedule.opted_out,
                    recently_sent_ids=recent,
                    active_seasons=active_seasons(today, services.config.seasons), seed=str(schedule.chat_id))


# ---------------------------------------------------------------------------- /tips settings


async def may_configure(services: Services, chat_id: int, person: int, *, private: bool) -> bool:
    """In a group only the team's coordinator; in private, the resident themselves."""
    if private:
        return True
    group = await teams.get_group(services.db, chat_id)
    grants = await users.roles_of(services.db, person)
    return group is not None and group.team_id in permissions.coordinated_teams(grants)


async def open_settings(services: Services, chat_id: int, person: int, *, private: bool,
                        change: ScheduleChange | None = None) -> TipSchedule | None:
    """/tips: the chat's schedule (made with the config's defaults on first use), after
    ``change``; None when this person may not set the chat's tips."""
    if not await may_configure(services, chat_id, person, private=private):
        return None
    schedule = await store.ensure(services.db, chat_id, "resident" if private else "group", services.now(),
                                  services.config.tips)
    if change is None:
        return schedule
    fields: dict[str, object] = {}
    if change.weekday is not None:
        fields["weekday"] = change.weekday
    if change.time is not None:
        fields["time"] = change.time.strftime("%H:%M")
    if change.quiet is not None:
        fields["quiet_start"], fields["quiet_end"] = (t.strftime("%H:%M") for t in change.quiet)
    await store.update(services.db, chat_id, **fields)
    return await store.get(services.db, chat_id) or schedule


async def press_settings_button(services: Services, chat_id: int, person: int, *, private: bool,
                                press: TipsPress | None) -> TipSchedule | None:
    """A settings button pressed in ``chat_id``: the schedule after it, or None when the button
    is not valid there (no schedule, not this person's to change, or data the bot did not build)."""
    schedule = await store.get(services.db, chat_id)
    if schedule is None or press is None or not await may_configure(services, chat_id, person, private=private):
        return None
    if press.action is Action.THEME:
        assert press.theme is not None
        out = set(schedule.opted_out) ^ {press.theme}
        await store.update(services.db, chat_id, opted_out=" ".join(sorted(out)))
    else:
        await store.update(services.db, chat_id, paused=int(press.action is Action.PAUSE))
    return await store.get(services.db, chat_id)


def settings_text(t: Translator, schedule: TipSchedule) -> str:
    state = t.gettext("gepauzeerd") if schedule.paused else t.gettext("aan")
    lines = [
        t.gettext("Preventietips: {state}").format(state=state),
        t.gettext("Wanneer: elke {day} om {time}").format(day=t.weekday(schedule.weekday), time=schedule.time.strftime("%H:%M")),
        t.gettext("Stille uren: {start}-{end} (tips wachten, alarmen nooit)").format(
            start=schedule.quiet_start.strftime("%H:%M"), end=schedule.quiet_end.strftime("%H:%M")),
    ]
    if schedule.opted_out:
        lines.append(t.gettext("Geen tips over: {themes}").format(
            themes=", ".join(t.gettext(THEMES[x]) for x in schedule.opted_out if x in THEMES)))
    lines.append(t.gettext("Wijzigen: /tips dag vrijdag · /tips tijd 19:30 · /tips stil 22:00-08:00"))
    return "\n".join(lines)


def settings_buttons(t: Translator, schedule: TipSchedule) -> list[list[tuple[str, str]]]:
    """(text, callback_data) rows: pause or resume, then the themes two by two."""
    rows = [[(t.gettext("▶️ Hervatten") if schedule.paused else t.gettext("⏸ Pauzeren"), pause_data(schedule.paused))]]
    themes = list(THEMES)
    for i in range(0, len(themes), 2):
        rows.append([(("🚫 " if theme in schedule.opted_out else "✅ ") + t.gettext(THEMES[theme]), theme_data(theme))
                     for theme in themes[i:i + 2]])
    return rows


# ---------------------------------------------------------------------------- /tip nieuw


class OwnTipOutcome(StrEnum):
    NOT_ALLOWED = "not_allowed"  # neither a coordinator nor an admin of a gemeente or wijk
    TOO_SHORT = "too_short"
    ADDED = "added"


@dataclass(frozen=True, slots=True)
class OwnTip:
    outcome: OwnTipOutcome
    scopes: tuple[str, ...] = ()  # where it was added: "team:<id>", "GM…", "WK…"

    @property
    def area_wide(self) -> bool:
        """Added for a gemeente or wijk (an admin's), not only for teams."""
        return any(scope[:2] in ("GM", "WK") for scope in self.scopes)


async def add_own_tip(services: Services, person: int, theme: str, language: str, text: str) -> OwnTip:
    """/tip nieuw: the tip in ``language`` for every scope this person writes tips for; it
    reaches only the chats that read that language (choose_tip)."""
    scopes = permissions.custom_tip_scopes(await users.roles_of(services.db, person))
    if not scopes:
        return OwnTip(OwnTipOutcome.NOT_ALLOWED)
    text = clean_text(text, MAX_TEXT)
    if not long_enough(text):
        return OwnTip(OwnTipOutcome.TOO_SHORT)
    for scope in scopes:
        await store.add_custom(services.db, scope, theme, language, text, person, services.now())
    return OwnTip(OwnTipOutcome.ADDED, tuple(scopes))
