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

    report = sub.add_parser("report", help="write the monthly culture report (html, csv zip, json or md); "
                                           "list or revoke report links")
    report.add_argument("--month", help="YYYY-MM (default: last month in the organisation's timezone)")
    report.add_argument("--format", choices=["html", "csv", "json", "md"], default="html")
    report.add_argument("--out", help="file to write ('-' for stdout); required to write a report")
    report_sub = report.add_subparsers(dest="report_command", metavar="ACTION")
    report_sub.add_parser("links", help="list the report links that still work")
    revoke = report_sub.add_parser("revoke", help="make report links already sent stop working")
    revoke.add_argument("link", nargs="?", default="", help="a link (its URL or token) or its number")
    revoke.add_argument("--all", action="store_true", help="every link that still works")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply all migrations")
    db_sub.add_parser("current", help="print the applied revision")

    manifest = sub.add_parser("manifest", help="print a ready-to-paste app manifest for a chat platform")
    manifest_sub = manifest.add_subparsers(dest="manifest_platform", metavar="PLATFORM", required=True)
    slack_manifest = manifest_sub.add_parser("slack", help="Slack app manifest (YAML)")
    slack_manifest.add_argument("--url", default="", help="public base URL of `extramile run`, e.g. https://extramile.example.com")
    slack_manifest.add_argument("--socket-mode", action="store_true", help="Socket Mode (SLACK_APP_TOKEN): no request URLs")
    teams_manifest = manifest_sub.add_parser("teams", help="Teams app package (manifest.json + icons, zipped)")
    teams_manifest.add_argument("--out", required=True, help="zip file to write, e.g. extramile-teams.zip")
    teams_manifest.add_argument("--app-id", default="", help="the bot's Entra app id (default: $TEAMS_APP_ID)")
    teams_manifest.add_argument("--url", default="", help="public base URL of `extramile run` (its host becomes a valid domain)")
    teams_manifest.add_argument("--name", default="Extra Mile", help="app name shown in Teams (max 30 characters)")
    return parser


def _configure_logging(command: str) -> None:
    """INFO for a server; WARNING otherwise, so the console chat shows the conversation, not logs.

    ``extramile run`` falling back to the console counts as the console. ``LOG_LEVEL`` overrides both.
    """
    from extramile.server import platforms_configured

    serving = command == "run" and bool(platforms_configured(os.environ))
    level = os.environ.get("LOG_LEVEL") or ("INFO" if serving else "WARNING")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # Library chatter (a line per scheduler sweep, per migration context) only when asked for.
    for noisy in ("apscheduler", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(max(logging.getLogger().level, logging.WARNING))


def _config(path: str | None) -> AppConfig:
    return load_config(path)


def _auto_migrate() -> bool:
    return os.environ.get("EXTRAMILE_AUTO_MIGRATE", "1") not in ("0", "false", "no")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return 0
    _configure_logging(args.command)
    try:
        config = _config(args.config)
    except ConfigError as exc:
        print(f"extramile: {exc}", file=sys.stderr)
        return 2
    handler = {"run": _run, "shell": _shell, "demo": _demo, "export": _export, "db": _db,
               "manifest": _manifest, "report": _report}[args.command]
    return handler(args, config)


def _manifest(args: argparse.Namespace, config: AppConfig) -> int:
    """Each platform adds its manifest here (``manifest slack``, ``manifest teams``)."""
    if args.manifest_platform == "slack":
        from adapters.slack.manifest import ManifestError, manifest_yaml
        from bot.feature import slash_commands
        from extramile.features import FEATURES

        url = args.url
        if not url and not args.socket_mode:
            url = "https://extramile.example.com"
            print("manifest: no --url given; replace https://extramile.example.com with the public URL "
                  "of `extramile run` (or use --socket-mode)", file=sys.stderr)
        try:
            text = manifest_yaml(slash_commands(FEATURES), url=url, socket_mode=args.socket_mode)
        except ManifestError as exc:
            print(f"extramile: {exc}", file=sys.stderr)
            return 2
        sys.stdout.write(text)
        return 0
    if args.manifest_platform == "teams":
        return _teams_manifest(args, config)
    print(f"extramile: no manifest for {args.manifest_platform}", file=sys.stderr)
    return 2


def _teams_manifest(args: argparse.Namespace, config: AppConfig) -> int:
    from adapters.teams.manifest import package
    from bot.feature import slash_commands
    from extramile.features import FEATURES

    app_id = args.app_id or os.environ.get("TEAMS_APP_ID", "")
    if not app_id:
        print("extramile: no bot id: pass --app-id GUID or set TEAMS_APP_ID (the Azure Bot's Microsoft App ID)",
              file=sys.stderr)
        return 2
    try:
        data = package(app_id, slash_commands(FEATURES), version=__version__, url=args.url, name=args.name,
                       privacy_url=config.teams.privacy_url, terms_url=config.teams.terms_url)
    except ValueError:
        print(f"extramile: --app-id {app_id!r} is not a GUID; use the Azure Bot's Microsoft App ID, "
              "e.g. 00000000-0000-0000-0000-000000000000", file=sys.stderr)
        return 2
    Path(args.out).write_bytes(data)
    print(f"manifest: Teams app package written to {args.out}; upload it in Teams under Apps > Manage your apps",
          file=sys.stderr)
    return 0


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
    from bot.feature import exporters
    from extramile.features import FEATURES
    from storage.export import export_all

    db = Database()
    if _auto_migrate():
        db.upgrade()
    out = sys.stdout if args.out == "-" else Path(args.out).open("w", encoding="utf-8")
    count = 0
    try:
        with db.session() as session:
            org = ensure_org(session, config)
            for record in export_all(session, org.id, exporters(FEATURES)):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
    finally:
        if out is not sys.stdout:
            out.close()
    if args.out != "-":
        print(f"export: {count} records written to {args.out}", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace, config: AppConfig) -> int:
    if args.report_command is not None:
        from extramile.link_commands import list_links, revoke_links

        if args.report_command == "links":
            return list_links(Database(), clock_from_env(), _auto_migrate())
        return revoke_links(Database(), clock_from_env(), _auto_migrate(), args.link, args.all)
    if not args.out:
        print("extramile: report needs --out FILE ('-' for stdout), e.g. extramile report --out report.html",
              file=sys.stderr)
        return 2
    import re
    from zoneinfo import ZoneInfo

    from bot.context import Services
    from bot.directory import ensure_org
    from bot.feature import report_parts
    from bot.reports import themes
    from bot.reports.build import build_report, previous_month
    from bot.reports.render import render
    from extramile.features import FEATURES

    clock = clock_from_env()
    month = args.month or previous_month(clock.now(), ZoneInfo(config.organization.timezone))
    if not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", month):
        print(f"extramile: --month {month!r} is not a month; write YYYY-MM, e.g. --month 2026-10", file=sys.stderr)
        return 2
    db = Database()
    if _auto_migrate():
        db.upgrade()
    with db.session() as session:
        org_id = ensure_org(session, config).id
    themes_summary = asyncio.run(themes.summary(Services(db=db, config=config, clock=clock, org_id=org_id), month))
    with db.session() as session:
        report = build_report(session, org_id, config, month, clock.now(), themes_summary,
                              parts=report_parts(FEATURES))
        body = render(report, args.format)
    db.dispose()
    if args.out == "-":
        sys.stdout.buffer.write(body)
    else:
        Path(args.out).write_bytes(body)
        print(f"report: {args.format} report for {month} written to {args.out} ({len(body):,} bytes)", file=sys.stderr)
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
    try:
        return serve(config, configured)
    except ConfigError as exc:  # e.g. a missing SLACK_SIGNING_SECRET: one line, exit code 2
        print(f"extramile: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
