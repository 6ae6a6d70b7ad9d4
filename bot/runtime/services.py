"""The long-lived objects handlers work with, created once per process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.config.schema import Config
from bot.core import permissions
from bot.core.domain import OFFICER_ROLES, Role
from bot.delivery.sender import OutboxSender, SenderStats
from bot.geo.locate import AreaCatalog, Locator
from bot.geo.pdok import PdokClient
from bot.runtime.directory import Directory, build_directory, config_roles
from storage import subscriptions, teams, users
from storage.db import Database

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(slots=True)
class Services:
    config: Config
    db: Database
    catalog: AreaCatalog
    locator: Locator
    directory: Directory
    clock: Clock = system_clock
    sender: OutboxSender | None = None
    # Write-through cache of report drafts: SQLite stays the truth across restarts, the
    # cache saves a read on every step of every resident's report.
    draft_cache: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    # PDOK's HTTP client, when this process made one: closed at shutdown.
    http: httpx.AsyncClient | None = None
    # Direct replies' 429s and retries (bot.delivery.ratelimiter), for /metrics and /healthz.
    interactive_stats: SenderStats | None = None
    last_update_at: dt.datetime | None = None  # /healthz: when the last update was handled
    patrol_retention_at: dt.datetime | None = None  # bot.patrol.service: the last walk-report retention
    # Who blocked the bot, read at start and kept up to date by bot.teams.groups: checking whether a
    # private message means "they are back" then costs no query on every update.
    blocked: set[int] = field(default_factory=set)
    # Who owes a walk-report text (bot.patrol.service): read at start, kept up to date there.
    patrol_awaiting: set[int] = field(default_factory=set)
    # Area alerts whose sender was told that Telegram kept them from everyone (bot.alerts.broadcasts).
    expired_broadcasts_told: set[int] = field(default_factory=set)
    # Who the desk waits a typed line from (bot.desk.service): read at start, kept up to date there.
    desk_waiting: set[int] = field(default_factory=set)
    # Officer and desk chats Telegram refused (bot.desk.fallback): routing passes them by.
    broken_chats: set[int] = field(default_factory=set)

    def now(self) -> dt.datetime:
        return self.clock()

    def wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()

    async def refresh_directory(self) -> None:
        self.directory = await load_directory(self.db, self.config)


async def load_directory(db: Database, config: Config) -> Directory:
    return build_directory(
        config,
        groups_by_buurt=await teams.active_groups_by_buurt(db),
        role_holders=await users.holders(db, OFFICER_ROLES),
        subscribers_by_buurt=await subscriptions.active_by_buurt(db),
    )


async def seed_from_config(db: Database, config: Config) -> None:
    """Officers and teams named in the config exist in SQLite too (the config stays the source)."""
    wanted = config_roles(config)
    for team in config.teams:
        existing = await teams.team_by_name(db, team.name)
        async with db.transaction() as tx:
            if existing is None:
                team_id = await teams.create_team(
                    tx, team.name, "GM" + team.buurten[0][2:6], list(team.buurten), created_by=None
                )
            else:
                team_id = existing.id
                if set(existing.buurten) != set(team.buurten):
                    await teams.set_buurten(tx, team_id, list(team.buurten), by=None)
            for chat_id in team.groups:
                # The config's mapping wins: a group linked to another team in the chat goes back.
                group = await teams.get_group(tx, chat_id)
                if group is None or group.team_id != team_id:
                    await teams.link_group(tx, chat_id, team_id, title=team.name, language=config.language, linked_by=None)
        for coordinator in team.coordinators:
            wanted.add((coordinator, Role.COORDINATOR, permissions.team_scope(team_id)))
    await users.sync_config_roles(db, wanted)


async def create_services(
    config: Config,
    *,
    db: Database | None = None,
    clock: Clock = system_clock,
    http: httpx.AsyncClient | None = None,
) -> Services:
    """Open the database, seed the config's officers and teams, and build the lookups.

    ``http`` is the client for PDOK (tests pass one with a MockTransport); without one, a
    real client is made when ``[pdok] enabled``.
    """
    db = db or await Database.open(config.database)
    await seed_from_config(db, config)
    catalog = AreaCatalog(config)
    pdok = None
    if config.pdok.enabled:
        http = http or httpx.AsyncClient(headers={"User-Agent": "Buurtwacht (buurtpreventie bot)"})
        pdok = PdokClient(http, base_url=config.pdok.base_url, timeout=config.pdok.timeout_seconds)
    services = Services(
        config=config,
        db=db,
        catalog=catalog,
        locator=Locator(config, catalog, pdok=pdok, db=db, clock=clock),
        directory=await load_directory(db, config),
        clock=clock,
    )
    services.http = http
    # Read once at start, before updates arrive (hundreds of first updates at once would each
    # read them otherwise); kept up to date in memory from then on.
    services.blocked = await users.inactive_ids(db)
    from storage import patrol as patrol_store

    services.patrol_awaiting = await patrol_store.people_awaiting_text(db)
    from storage import desk as desk_store

    services.desk_waiting = await desk_store.waiting_ids(db)
    services.broken_chats = await desk_store.broken_ids(db)
    return services
