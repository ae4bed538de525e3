"""``extramile run`` with platform credentials: one asyncio process, one aiohttp server.

Routes: ``GET /healthz``, ``GET /privacy`` and ``GET /terms`` (the README's sections, linked from the
Teams app package) always, plus each configured platform's (``POST /slack/events``,
``POST /api/messages``). Beside the server run the outbox worker and the scheduler.
:func:`start_server` is also what the end-to-end tests use, on port 0.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import web

from bot.clock import Clock, clock_from_env
from bot.config import AppConfig
from bot.ports import Platform
from extramile import pages, report_links
from extramile.runtime import Runtime, build_runtime, prepare_database
from storage.db import Database

log = logging.getLogger(__name__)


def platforms_configured(env: Mapping[str, str]) -> list[str]:
    found = []
    if env.get("SLACK_BOT_TOKEN"):
        found.append("slack")
    if (env.get("TEAMS_APP_ID") and env.get("TEAMS_APP_PASSWORD")) or env.get("TEAMS_ALLOW_UNAUTHENTICATED") == "1":
        found.append("teams")
    return found


def make_platforms(names: list[str], env: Mapping[str, str]) -> list[Platform]:
    """Build the adapters named; each reads its own settings from the environment."""
    platforms: list[Platform] = []
    for name in names:
        if name == "slack":
            from adapters.slack.platform import SlackPlatform

            platforms.append(SlackPlatform.from_env(env))
        elif name == "teams":
            from adapters.teams.platform import TeamsPlatform

            platforms.append(TeamsPlatform.from_env(env))
    return platforms


async def healthz(request: web.Request) -> web.Response:
    runtime: Runtime = request.app["runtime"]
    return web.json_response({"status": "ok", "platforms": list(runtime.services.active_platforms)})


@dataclass
class Server:
    runtime: Runtime
    runner: web.AppRunner
    port: int
    platforms: list[Platform]
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        self.runtime.scheduler.shutdown()
        for platform in self.platforms:
            await platform.stop()
        await self.runtime.dispatcher.drain()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.runner.cleanup()


async def start_server(config: AppConfig, db: Database, clock: Clock, platforms: list[Platform],
                       host: str = "0.0.0.0", port: int = 3000, scheduler: bool = True) -> Server:
    runtime = build_runtime(config, db, clock, {p.name: p.sender for p in platforms})
    app = web.Application()
    app["runtime"] = runtime
    app.router.add_get("/healthz", healthz)
    report_links.add_routes(app)  # GET /reports/<signed token>
    pages.add_routes(app)
    for platform in platforms:
        platform.attach(app, runtime.core)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1] if site._server and site._server.sockets else port  # type: ignore[union-attr]
    server = Server(runtime=runtime, runner=runner, port=bound, platforms=platforms)
    await runtime.dispatcher.recover()
    server.tasks.append(asyncio.get_running_loop().create_task(runtime.worker.run_forever()))
    for platform in platforms:
        await platform.start(runtime.core)
    if scheduler:
        runtime.scheduler.start()
    return server


def serve(config: AppConfig, names: list[str]) -> int:
    db = Database()
    prepare_database(db, os.environ.get("EXTRAMILE_AUTO_MIGRATE", "1") not in ("0", "false", "no"))
    platforms = make_platforms(names, os.environ)
    port = int(os.environ.get("PORT", "3000"))

    async def main() -> None:
        server = await start_server(config, db, clock_from_env(), platforms, port=port)
        log.info("Extra Mile listening on http://0.0.0.0:%s (%s)", server.port, ", ".join(names))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("shutting down")
        await server.stop()

    asyncio.run(main())
    db.dispose()
    return 0
