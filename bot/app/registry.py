"""Everything the application runs, in one place: the handlers in the order they see an
update, and the repeating jobs with their timing.

Handler groups run from low to high; within a group the first matching handler wins. Jobs
keep no state of their own: what is due lives in SQLite, so a restart (or a missed tick)
loses nothing, and each job has a real misfire grace instead of APScheduler's 1 s default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from telegram import Bot
from telegram.ext import Application, MessageHandler, TypeHandler, filters

from bot.alerts.broadcasts import progress_tick
from bot.alerts.escalation import escalate_due
from bot.alerts.lifecycle import run_expiry_tick
from bot.patrol.service import run_patrol_tick
from bot.privacy.service import run_retention
from bot.runtime.services import Services
from bot.survey.service import run_survey_tick
from bot.tips.service import run_tips_tick
from handlers import (
    broadcast,
    follow,
    groups,
    insight,
    invites,
    lifecycle,
    membership,
    officer,
    patrol,
    privacy,
    report,
    start,
    subscriptions,
    survey,
    teams,
    tips,
    watch,
    webapp,
)
from handlers.context import BuurtwachtContext, ignore_edit, remember_person

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class Group(IntEnum):
    """Handler groups, in the order an update passes them."""

    IGNORED_EDITS = -100  # edited messages and channel posts stop here
    PERSON = -50  # who is writing: registered once, their translator on the context
    DESK_INPUT = -3  # handlers.officer: a line the desk waits for (a question, an answer, a note)
    WALK_REPORTS = -2  # handlers.patrol: a walker's report text, before the report flow sees it
    PHOTO_ALARMS = -1  # handlers.broadcast: a photo captioned /gebiedsalarm, before the report flow
    FEATURES = 0


def register_handlers(app: AnyApplication) -> None:
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, ignore_edit), group=Group.IGNORED_EDITS)
    app.add_handler(TypeHandler(object, remember_person), group=Group.PERSON)
    report.register(app)  # first: an active report takes the resident's messages
    follow.register(app)  # /start volg_…: before the general /start
    start.register(app)
    officer.register(app)
    privacy.register(app)
    invites.register(app)
    teams.register(app)
    groups.register(app)
    watch.register(app)
    subscriptions.register(app)
    membership.register(app)
    broadcast.register(app)
    tips.register(app)
    insight.register(app)
    lifecycle.register(app)
    survey.register(app)
    patrol.register(app)
    webapp.register(app)
    # Last in group 0: a command none of the above took gets "Die opdracht ken ik niet".
    report.register_last(app)


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    run: Callable[[Services, Bot], Awaitable[object]]
    every: dt.timedelta
    first: dt.timedelta
    misfire_grace: dt.timedelta
    coalesce: bool = True  # a late tick runs once, not once per missed interval


def _services_only(tick: Callable[[Services], Awaitable[object]]) -> Callable[[Services, Bot], Awaitable[object]]:
    def run(services: Services, bot: Bot) -> Awaitable[object]:
        return tick(services)

    return run


def _s(seconds: int) -> dt.timedelta:
    return dt.timedelta(seconds=seconds)


JOBS: tuple[Job, ...] = (
    # Urgent reports nobody picked up go to the backup desk (once).
    Job("escalation", _services_only(escalate_due), every=_s(60), first=_s(10), misfire_grace=_s(120)),
    Job("retention", _services_only(run_retention), every=_s(6 * 3600), first=_s(60), misfire_grace=_s(3600)),
    # A sender's broadcast progress message, edited while it drains.
    Job("broadcast-progress", progress_tick, every=_s(2), first=_s(2), misfire_grace=_s(30)),
    Job("alert-expiry", _services_only(run_expiry_tick), every=_s(60), first=_s(30), misfire_grace=_s(300)),
    Job("patrol-tick", _services_only(run_patrol_tick), every=_s(60), first=_s(20), misfire_grace=_s(300)),
    # Survey rounds and invitations live in SQLite; the tick only works out what is due now.
    Job("survey-tick", _services_only(run_survey_tick), every=_s(900), first=_s(120), misfire_grace=_s(3600)),
    Job("tips-tick", _services_only(run_tips_tick), every=_s(60), first=_s(15), misfire_grace=_s(300)),
)


def schedule_jobs(app: AnyApplication) -> None:
    if app.job_queue is None:
        return
    for job in JOBS:
        app.job_queue.run_repeating(
            _job_callback(job), interval=job.every, first=job.first, name=job.name,
            job_kwargs={"id": job.name, "replace_existing": True,
                        "misfire_grace_time": int(job.misfire_grace.total_seconds()), "coalesce": job.coalesce},
        )


def _job_callback(job: Job) -> Callable[[BuurtwachtContext], Coroutine[Any, Any, None]]:
    async def callback(context: BuurtwachtContext) -> None:
        await job.run(context.services, context.bot)

    callback.__name__ = job.name.replace("-", "_")
    return callback
