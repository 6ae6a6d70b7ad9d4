"""The ``buurtwacht`` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config.schema import GEMEENTE_CODE, Config, ConfigError, load_config

log = logging.getLogger("buurtwacht")

TOKEN_ENV = "BUURTWACHT_TOKEN"
NO_TOKEN_MESSAGE = f"""\
buurtwacht: no bot token. Set the environment variable {TOKEN_ENV}:

    export {TOKEN_ENV}=123456789:AA...   # from @BotFather on Telegram: /newbot

The token is never read from a file in the repository. To try the bot without a token,
run the offline demo instead:  buurtwacht demo
"""


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    from bot.core.logs import configure

    configure(level=level, fmt=fmt)


def _load(path: str) -> Config:
    try:
        return load_config(path)
    except ConfigError as error:
        print(f"buurtwacht: config error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_run(args: argparse.Namespace) -> int:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        print(NO_TOKEN_MESSAGE, file=sys.stderr)
        # A person trying it out at a terminal gets the offline demo right away; scripts and
        # services get a clear failure instead of an interactive program.
        if args.demo_without_token or sys.stdin.isatty():
            print("Starting the offline demo instead (no token, no internet needed)...\n", file=sys.stderr)
            return cmd_demo(args)
        return 2
    config = _load(args.config)
    from bot.app.runner import run_bot

    return run_bot(config, token)


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.core.logs import quiet_libraries
    from bot.ops.demo import run_demo

    # The demo's screen is the chats; library chatter below warnings would drown it.
    level = max(logging.WARNING, logging.getLogger().level)
    logging.getLogger().setLevel(level)
    quiet_libraries(level)
    # At a terminal the demo is interactive; with piped input it plays the lines as a script.
    script = None if sys.stdin.isatty() else [line.rstrip("\n") for line in sys.stdin]
    # `buurtwacht run` without a token hands over its --config (default config.toml, which a
    # new user does not have yet): the demo then plays config.example.toml and says so.
    return run_demo(Path(args.config), script)


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

    applied, version = asyncio.run(migrate())
    print(f"applied {len(applied)} migration(s); schema version {version} ({config.database})")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    config = _load(args.config)
    from bot.config.report import summary

    print(summary(config))
    return 0


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
    scope = args.scope.upper() if not args.scope.isdigit() else f"team:{args.scope}"
    known = {g.code for g in config.gemeenten} | {w.code for g in config.gemeenten for w in g.wijken}
    if not scope.startswith("team:") and scope not in known:
        print(f"buurtwacht: --scope: {args.scope} is not a gemeente or wijk in the config", file=sys.stderr)
        return 2

    async def make() -> tuple[str, str]:
        import datetime as dt

        services = await create_services(config)
        try:
            invite = await create_invite(services, role, scope, created_by=None, label=args.label,
                                         validity=dt.timedelta(days=args.days))
        finally:
            await services.db.close()
            if (http := services.http) is not None:
                await http.aclose()
        return invite.token, invite.expires_at.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M")

    token, until = asyncio.run(make())
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
    for item in args.gemeente_name or []:
        code, _, name = item.partition("=")
        code = code.strip().upper()
        if not GEMEENTE_CODE.match(code) or not name.strip():
            print(f"buurtwacht: import-areas: --gemeente-name: expected GM0794=Helmond, got {item!r}", file=sys.stderr)
            return 2
        names[code] = name.strip()
    out = Path(args.out)
    try:
        data, snippet = import_areas([Path(f) for f in args.files], polygons_path=str(out), gemeente_names=names)
    except OperationError as error:
        print(f"buurtwacht: import-areas: {error}", file=sys.stderr)
        return 2
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    print(f"# {len(data['features'])} buurt polygons (WGS84) written to {out}; add these areas to your config"
          + ("" if out.is_absolute() else " (the config must sit in the folder that holds the file, or write "
             "an absolute path)") + ":\n")
    print(snippet, end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="buurtwacht", description="Buurtwacht: Telegram bot for buurtpreventie")
    parser.add_argument("--log-level", default=os.environ.get("BUURTWACHT_LOG_LEVEL", "INFO"))
    parser.add_argument("--log-format", choices=["text", "json"], default="text")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (token from BUURTWACHT_TOKEN)")
    run.add_argument("--config", default="config.toml")
    run.add_argument(
        "--demo-without-token", action="store_true",
        help="start the offline demo instead of failing when no token is set",
    )
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="offline demo: local Telegram emulator, no token, no internet")
    demo.add_argument("--config", default="config.example.toml")
    demo.set_defaults(func=cmd_demo)

    migrate = sub.add_parser("migrate", help="apply database migrations and report the version")
    migrate.add_argument("--config", default="config.toml")
    migrate.set_defaults(func=cmd_migrate)

    check = sub.add_parser("check-config", help="validate a config and summarise areas, officers and teams")
    check.add_argument("--config", default="config.toml")
    check.set_defaults(func=cmd_check_config)
    backup = sub.add_parser("backup", help="consistent copy of the live database (the bot may run)")
    backup.add_argument("path")
    backup.add_argument("--config", default="config.toml")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="replace the database by a backup (the bot must be stopped)")
    restore.add_argument("path")
    restore.add_argument("--config", default="config.toml")
    restore.set_defaults(func=cmd_restore)

    areas = sub.add_parser(
        "import-areas", help="load CBS buurt polygons (GeoJSON, WGS84 or RD New), optionally with the wijk layer",
        description="Converts CBS buurt polygons to one WGS84 GeoJSON file and prints an [areas] config "
                    "snippet. Buurt (BU…) polygons are required; a CBS wijken file given as well only "
                    "supplies the wijk names.")
    areas.add_argument("files", nargs="+", metavar="FILE.geojson", help="the CBS buurten file (and the wijken file)")
    areas.add_argument("--out", default="areas.geojson", help="where to write the polygons (default areas.geojson)")
    areas.add_argument("--gemeente-name", action="append", metavar="GMxxxx=Name",
                       help="name a gemeente the built-in table does not know (repeatable)")
    areas.set_defaults(func=cmd_import_areas)

    admin = sub.add_parser("admin", help="administration from the command line")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    invite = admin_sub.add_parser("invite", help="make a one-time invite link for a role (e.g. the first admin)")
    invite.add_argument("--config", default="config.toml")
    invite.add_argument("--role", default="admin")
    invite.add_argument("--scope", required=True, help="GMxxxx, WKxxxxxx or a team number")
    invite.add_argument("--days", type=int, default=7)
    invite.add_argument("--label")
    invite.add_argument("--bot-username")
    invite.set_defaults(func=cmd_admin_invite)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.log_level, args.log_format)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
