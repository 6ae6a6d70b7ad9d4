"""The ``buurtwacht`` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from bot.config.schema import GEMEENTE_CODE, Config, ConfigError, load_config

log = logging.getLogger("buurtwacht")

TOKEN_ENV = "BUURTWACHT_TOKEN"
NO_TOKEN_MESSAGE = f"""\
buurtwacht: no bot token. Set the environment variable {TOKEN_ENV}:

    export {TOKEN_ENV}=123456789:AA...   # from @BotFather on Telegram: /newbot

The token is never read from a file in the repository. To try the bot without a token,
run the offline demo instead:  buurtwacht demo
"""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_LEVEL_ENV = "BUURTWACHT_LOG_LEVEL"
MAX_INVITE_DAYS = 365
EXIT_UNAVAILABLE = 5  # as bot.app.runner: something outside the config (the database, the network)
T = TypeVar("T")


def asked_log_level(args: argparse.Namespace) -> str | None:
    """The log level someone asked for (--log-level, else $BUURTWACHT_LOG_LEVEL), or None."""
    asked = getattr(args, "log_level", None) or os.environ.get(LOG_LEVEL_ENV, "").strip().upper()
    return asked if asked in LOG_LEVELS else None


def log_level(args: argparse.Namespace) -> str:
    """The bot logs what it does (INFO); one-shot commands print their result and log only
    warnings (migrations applied, services opened) unless a level is asked for."""
    return asked_log_level(args) or ("INFO" if args.command == "run" else "WARNING")


def invite_days(text: str) -> int:
    from bot.core.textsafety import parse_bounded_int

    days = parse_bounded_int(text.strip(), 1, MAX_INVITE_DAYS, max_digits=3)
    if days is None:
        raise argparse.ArgumentTypeError(f"expected a whole number of days from 1 to {MAX_INVITE_DAYS}, got {text!r}")
    return days


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    from bot.core.logs import configure

    configure(level=level, fmt=fmt)


def _load(path: str, *, polygons: bool = False) -> Config:
    """The config, or one line and exit 2. ``polygons``: also read the polygons files, as
    ``run`` will (a file that is not GeoJSON passes the config's checks otherwise)."""
    try:
        config = load_config(path)
        if polygons:
            from bot.geo.locate import check_polygons

            check_polygons(config)
        return config
    except ConfigError as error:
        print(f"buurtwacht: config error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _with_database(config: Config, work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``; a database that cannot be opened or written is one line and exit 5."""
    try:
        return asyncio.run(work)
    except sqlite3.Error as error:
        print(f"buurtwacht: cannot use the database {config.database}: {error}", file=sys.stderr)
        raise SystemExit(EXIT_UNAVAILABLE) from None


def cmd_run(args: argparse.Namespace) -> int:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        # Someone trying it out gets the offline demo right away, at a terminal or with lines
        # piped in; a service (systemd, Docker) passes --no-demo and fails clearly instead.
        if args.no_demo:
            print(NO_TOKEN_MESSAGE, file=sys.stderr)
            return 2
        return cmd_demo(args, no_token=True)
    config = _load(args.config, polygons=True)
    from bot.app.runner import run_bot

    return run_bot(config, token)


def cmd_demo(args: argparse.Namespace, *, no_token: bool = False) -> int:
    from bot.core.logs import quiet_libraries
    from bot.ops.demo import run_demo

    # The demo's screen is the chats: no log lines between them unless --log-level asks.
    if not asked_log_level(args):
        logging.getLogger().setLevel(logging.ERROR)
        quiet_libraries(logging.ERROR)
    # At a terminal the demo is interactive; otherwise it plays the lines it reads until the
    # input ends (a pipe, a file, or nothing at all).
    script = None if sys.stdin.isatty() else [line.rstrip("\n") for line in sys.stdin]
    # `buurtwacht run` without a token hands over its --config (default config.toml, which a
    # new user does not have yet): the demo then plays config.example.toml and says so.
    return run_demo(Path(args.config), script, no_token_env=TOKEN_ENV if no_token else None)


def cmd_migrate(args: argparse.Namespace) -> int:
    config = _load(args.config)
    from storage.db import Database

    async def migrate() -> tuple[list[int], int]:
        db = await Database.open(config.database, migrate=False)
        try:
            applied = await db.migrate()
            return applied, await db.schema_version()
        finally:
            await db.close()

    applied, version = _with_database(config, migrate())
    print(f"applied {len(applied)} migration(s); schema version {version} ({config.database})")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    """The summary, a WARN line per wijk whose reports reach nobody and per buurt without a
    polygon (exit 0, or 1 with --strict), and with --online the ids Telegram cannot reach
    (getChat for each; exit 1 when there are any)."""
    config = _load(args.config, polygons=True)
    from bot.config.report import summary, unreachable_chats, warnings
    from bot.geo.locate import load_geojson, polygon_files, shapes_from_geojson

    print(summary(config))
    polygon_codes = {shape.code for path in polygon_files(config) for shape in shapes_from_geojson(load_geojson(path))}
    warned = warnings(config, polygon_codes)
    for line in warned:
        print(line)
    failed = False
    if args.online:
        token = os.environ.get(TOKEN_ENV, "").strip()
        if not token:
            print(f"buurtwacht: --online needs the bot token in {TOKEN_ENV}", file=sys.stderr)
            return 2

        async def online() -> list[str]:
            import httpx

            async with httpx.AsyncClient(timeout=10) as http:
                return await unreachable_chats(config, token, http)

        unreachable = asyncio.run(online())
        for line in unreachable:
            print(line)
        print(f"online: {len(unreachable)} of the configured ids unreachable")
        failed = bool(unreachable)
    return 1 if failed or (args.strict and warned) else 0


def cmd_admin_invite(args: argparse.Namespace) -> int:
    """The first admin (or any role) from the command line: prints a one-time deep link."""
    from bot.core.domain import Role
    from bot.runtime.services import create_services
    from bot.teams.invites import create_invite, deep_link

    config = _load(args.config)
    try:
        role = Role(args.role)
    except ValueError:
        print(f"buurtwacht: --role: expected one of {', '.join(r.value for r in Role if r is not Role.RESIDENT)}",
              file=sys.stderr)
        return 2
    from bot.core.permissions import is_scope, team_of_scope, team_scope

    wanted = args.scope.strip()
    # ASCII digits only: "²" and "١٢" are digits to str.isdigit(), and were stored as team scopes.
    scope = team_scope(int(wanted)) if re.fullmatch(r"[0-9]{1,18}", wanted) else wanted.upper()
    known = {g.code for g in config.gemeenten} | {w.code for g in config.gemeenten for w in g.wijken}
    if not is_scope(scope) or (team_of_scope(scope) is None and scope not in known):
        print(f"buurtwacht: --scope: {args.scope!r} is not a gemeente or wijk in the config, nor a team number",
              file=sys.stderr)
        return 2
    if team_of_scope(scope) is not None and role is not Role.COORDINATOR:
        print("buurtwacht: --scope: a team number goes with --role coordinator", file=sys.stderr)
        return 2

    async def make() -> tuple[str, str] | None:
        import datetime as dt

        from storage.teams import get_team

        services = await create_services(config)
        try:
            team_id = team_of_scope(scope)
            if team_id is not None and await get_team(services.db, team_id) is None:
                return None
            invite = await create_invite(services, role, scope, created_by=None, label=args.label,
                                         validity=dt.timedelta(days=args.days))
        finally:
            await services.db.close()
            if (http := services.http) is not None:
                await http.aclose()
        return invite.token, invite.expires_at.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M")

    made = _with_database(config, make())
    if made is None:
        print(f"buurtwacht: --scope: there is no team {team_of_scope(scope)} (/team lists the teams and their numbers)",
              file=sys.stderr)
        return 2
    token, until = made
    username = args.bot_username or os.environ.get("BUURTWACHT_BOT_USERNAME")
    if username:
        print(deep_link(username.lstrip("@"), token))
    else:
        print(f"/start {token}")
        print("(pass --bot-username to get a t.me link; the person can also send the line above to the bot)")
    print(f"one-time invite for {role.value} {scope}, valid until {until}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.ops.admin import OperationError, backup

    config = _load(args.config)
    try:
        pages = backup(config.database, Path(args.path))
    except OperationError as error:
        print(f"buurtwacht: backup: {error}", file=sys.stderr)
        return 2
    print(f"backup written to {args.path} ({pages} pages), consistent as of now")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.app.runner import is_locked
    from bot.ops.admin import OperationError, restore

    config = _load(args.config)
    try:
        version = restore(Path(args.path), config.database, bot_running=is_locked(config.database))
    except OperationError as error:
        print(f"buurtwacht: restore: {error}", file=sys.stderr)
        return 2
    print(f"restored {args.path} to {config.database} (schema version {version}); start the bot to migrate")
    return 0


def cmd_import_areas(args: argparse.Namespace) -> int:
    import json

    from bot.ops.admin import OperationError, import_areas

    names: dict[str, str] = {}
    for code in args.gemeente or []:
        if not GEMEENTE_CODE.match(code):
            print(f"buurtwacht: import-areas: --gemeente: expected a CBS gemeentecode like GM0866, got {code!r}",
                  file=sys.stderr)
            return 2
    for item in args.gemeente_name or []:
        code, _, name = item.partition("=")
        code = code.strip().upper()
        if not GEMEENTE_CODE.match(code) or not name.strip():
            print(f"buurtwacht: import-areas: --gemeente-name: expected GM0794=Helmond, got {item!r}", file=sys.stderr)
            return 2
        names[code] = name.strip()
    out = Path(args.out)
    try:
        data, snippet = import_areas([Path(f) for f in args.files], polygons_path=str(out), gemeente_names=names,
                                     gemeenten=args.gemeente)
    except OperationError as error:
        print(f"buurtwacht: import-areas: {error}", file=sys.stderr)
        return 2
    try:
        out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    except OSError as error:
        print(f"buurtwacht: import-areas: cannot write {out}: {error.strerror or type(error).__name__}", file=sys.stderr)
        return 2
    print(f"# {len(data['features'])} buurt polygons (WGS84) written to {out}; add these areas to your config"
          + ("" if out.is_absolute() else " (the config must sit in the folder that holds the file, or write "
             "an absolute path)") + ":\n")
    print(snippet, end="")
    return 0


def _logging_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--log-level and --log-format, before or after the subcommand (after it they win)."""
    parser.add_argument(
        "--log-level", type=str.upper, choices=LOG_LEVELS, default=None if top else argparse.SUPPRESS,
        help=f"how much to log to stderr (default: INFO for run, WARNING for the other commands; "
             f"or ${LOG_LEVEL_ENV})")
    parser.add_argument("--log-format", choices=["text", "json"], default="text" if top else argparse.SUPPRESS,
                        help="text lines, or one JSON object per line (default text)")


def build_parser() -> argparse.ArgumentParser:
    from bot.core.domain import Role

    parser = argparse.ArgumentParser(prog="buurtwacht", description="Buurtwacht: Telegram bot for buurtpreventie")
    _logging_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, **kwargs: Any) -> argparse.ArgumentParser:
        made = sub.add_parser(name, help=help_text, description=kwargs.pop("description", help_text), **kwargs)
        _logging_options(made, top=False)
        return made

    def config_option(made: argparse.ArgumentParser, default: str = "config.toml") -> None:
        made.add_argument("--config", default=default, metavar="PATH",
                          help=f"the TOML configuration (default {default})")

    run = command("run", "run the bot (token from BUURTWACHT_TOKEN; without one, the offline demo)")
    config_option(run)
    run.add_argument("--no-demo", action="store_true",
                     help="fail with exit code 2 when no token is set instead of starting the demo (for services)")
    run.add_argument("--demo-without-token", action="store_true", help=argparse.SUPPRESS)  # the old default
    run.set_defaults(func=cmd_run)

    demo = command("demo", "offline demo: local Telegram emulator, no token, no internet",
                   description="The bot against a local Telegram emulator, played from one terminal; "
                               "with input from a pipe or file it plays those lines until the input ends.")
    config_option(demo, "config.example.toml")
    demo.set_defaults(func=cmd_demo)

    migrate = command("migrate", "apply database migrations and report the version")
    config_option(migrate)
    migrate.set_defaults(func=cmd_migrate)

    check = command("check-config", "validate a config and summarise areas, officers and teams")
    config_option(check)
    check.add_argument("--online", action="store_true",
                       help="ask Telegram (getChat, token from BUURTWACHT_TOKEN) about every configured id")
    check.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")
    check.set_defaults(func=cmd_check_config)

    backup = command("backup", "consistent copy of the live database (the bot may run)")
    backup.add_argument("path", metavar="PATH", help="where to write the backup (a new SQLite file)")
    config_option(backup)
    backup.set_defaults(func=cmd_backup)

    restore = command("restore", "replace the database by a backup (the bot must be stopped)")
    restore.add_argument("path", metavar="PATH", help="the backup file to restore")
    config_option(restore)
    restore.set_defaults(func=cmd_restore)

    areas = command(
        "import-areas", "load CBS buurt polygons (GeoJSON, WGS84 or RD New), optionally with the wijk layer",
        description="Converts CBS buurt polygons to one WGS84 GeoJSON file and prints an [areas] config "
                    "snippet. Buurt (BU…) polygons are required; a CBS wijken file given as well supplies "
                    "the wijk names. Download the files from CBS: 'Wijk- en buurtkaart' (cbs.nl, search "
                    "'wijk- en buurtkaart 2024'), or PDOK's 'CBS Wijken en Buurten' service.")
    areas.add_argument("files", nargs="+", metavar="FILE.geojson", help="the CBS buurten file (and the wijken file)")
    areas.add_argument("--out", default="areas.geojson", metavar="PATH",
                       help="where to write the polygons (default areas.geojson)")
    areas.add_argument("--gemeente", action="append", metavar="GMxxxx", type=str.upper,
                       help="only this gemeente (repeatable; default: every gemeente in the files)")
    areas.add_argument("--gemeente-name", action="append", metavar="GMxxxx=Name",
                       help="name a gemeente the built-in table does not know (repeatable)")
    areas.set_defaults(func=cmd_import_areas)

    admin = command("admin", "administration from the command line")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    invite = admin_sub.add_parser("invite", help="make a one-time invite link for a role (e.g. the first admin)",
                                  description="Makes a one-time invite link for a role (e.g. the first admin) "
                                              "and prints it.")
    _logging_options(invite, top=False)
    config_option(invite)
    invite.add_argument("--role", default="admin", choices=[r.value for r in Role if r is not Role.RESIDENT],
                        help="the role the link grants (default admin)")
    invite.add_argument("--scope", required=True, help="GMxxxx, WKxxxxxx or a team number")
    invite.add_argument("--days", type=invite_days, default=7, metavar="1-365",
                        help="how many days the link stays valid (default 7)")
    invite.add_argument("--label", help="a note shown in /uitnodigingen, e.g. who the link is for")
    invite.add_argument("--bot-username", metavar="NAME",
                        help="the bot's @username, to print a t.me link (or $BUURTWACHT_BOT_USERNAME)")
    invite.set_defaults(func=cmd_admin_invite)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(log_level(args), args.log_format)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
