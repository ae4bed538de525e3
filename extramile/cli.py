"""``extramile``: run the bot, chat in the console, seed the demo, export, migrate.

Exit codes: 0 fine, 1 failure, 2 bad configuration or usage (one line on stderr says what).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path

from bot import __version__
from bot.clock import clock_from_env
from bot.config import AppConfig, ConfigError, load_config
from storage.db import Database


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="extramile", description="Extra Mile: a service-culture bot for Slack and Microsoft Teams.")
    parser.add_argument("--version", action="version", version=f"extramile {__version__}")
    parser.add_argument("--config", help="path of app.yaml (default: $EXTRAMILE_CONFIG or ./app.yaml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot: Slack/Teams when configured, else the console chat")
    run.add_argument("--as", dest="as_email", help="console only: whom you are (default: the first admin)")

    shell = sub.add_parser("shell", help="chat with the bot on stdin/stdout as a person")
    shell.add_argument("--as", dest="as_email", required=True, help="your email, e.g. ana.alvarez@example.com")

    demo = sub.add_parser("demo", help="seed the demo organisation (40 people, 3 months of kudos)")
    demo.add_argument("--if-empty", action="store_true", help="only when the database has no people yet")

    export = sub.add_parser("export", help="write every record as JSON Lines")
    export.add_argument("--out", required=True, help="file to write ('-' for stdout)")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply all migrations")
    db_sub.add_parser("current", help="print the applied revision")
    return parser


def _config(path: str | None) -> AppConfig:
    return load_config(path)


def _auto_migrate() -> bool:
    return os.environ.get("EXTRAMILE_AUTO_MIGRATE", "1") not in ("0", "false", "no")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return 0
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO" if args.command == "run" else "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        config = _config(args.config)
    except ConfigError as exc:
        print(f"extramile: {exc}", file=sys.stderr)
        return 2
    handler = {"run": _run, "shell": _shell, "demo": _demo, "export": _export, "db": _db}[args.command]
    return handler(args, config)


def _db(args: argparse.Namespace, config: AppConfig) -> int:
    db = Database()
    if args.db_command == "upgrade":
        db.upgrade()
        print(f"database at revision {db.current_revision()}")
    else:
        print(db.current_revision() or "(empty: run 'extramile db upgrade')")
    return 0


def _demo(args: argparse.Namespace, config: AppConfig) -> int:
    from bot import demo
    from bot.directory import ensure_org
    from storage import people as people_repo

    db = Database()
    if _auto_migrate():
        db.upgrade()
    clock = clock_from_env()
    with db.session() as session:
        org = ensure_org(session, config)
        if args.if_empty and people_repo.count(session, org.id) > len(config.people):
            print("demo: the database already has people; leaving it as it is")
            return 0
        result = demo.seed(session, org.id, config, clock)
    if result.skipped:
        print(f"demo: already seeded ({result.people} people); nothing added")
    else:
        print(f"demo: seeded {result.people} people in 5 teams and {result.kudos} kudos over 3 months")
    return 0


def _export(args: argparse.Namespace, config: AppConfig) -> int:
    from bot.directory import ensure_org
    from storage.export import export_all

    db = Database()
    if _auto_migrate():
        db.upgrade()
    out = sys.stdout if args.out == "-" else Path(args.out).open("w", encoding="utf-8")
    count = 0
    try:
        with db.session() as session:
            org = ensure_org(session, config)
            for record in export_all(session, org.id):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
    finally:
        if out is not sys.stdout:
            out.close()
    if args.out != "-":
        print(f"export: {count} records written to {args.out}", file=sys.stderr)
    return 0


def _first_admin(config: AppConfig) -> str | None:
    return config.roles.admins[0] if config.roles.admins else (config.people[0].email if config.people else None)


def _shell(args: argparse.Namespace, config: AppConfig) -> int:
    return asyncio.run(_console(config, args.as_email))


async def _console(config: AppConfig, email: str) -> int:
    from adapters.console.shell import ConsoleSender, ConsoleShell
    from extramile.runtime import build_runtime, prepare_database

    db = Database()
    prepare_database(db, _auto_migrate())
    clock = clock_from_env()
    runtime = build_runtime(config, db, clock, {"console": ConsoleSender(sys.stdout)})
    await runtime.dispatcher.recover()
    delivery = asyncio.get_running_loop().create_task(runtime.worker.run_forever())
    runtime.scheduler.start()
    shell = ConsoleShell(runtime.dispatcher, runtime.worker, clock, email)
    try:
        await shell.run(sys.stdin)
    finally:
        runtime.scheduler.shutdown()
        await runtime.dispatcher.drain()
        await runtime.worker.drain_once()
        delivery.cancel()
        db.dispose()
    return 0


def _run(args: argparse.Namespace, config: AppConfig) -> int:
    from extramile.server import platforms_configured, serve

    configured = platforms_configured(os.environ)
    if not configured:
        email = args.as_email or _first_admin(config)
        if not email:
            print("extramile: no Slack or Teams credentials and nobody to be in the console: "
                  "add roles.admins to app.yaml or pass --as EMAIL", file=sys.stderr)
            return 2
        print(f"No Slack or Teams credentials: starting the console chat as {email} "
              f"(database: {Database().url}).", file=sys.stderr)
        return asyncio.run(_console(config, email))
    return serve(config, configured)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
