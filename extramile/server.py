"""``extramile run`` with platform credentials: one asyncio process, one aiohttp server.

Routes: ``GET /healthz`` always; ``POST /slack/events`` and ``POST /api/messages`` as the Slack and
Teams adapters land. The outbox worker runs beside the server.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping

from aiohttp import web

from bot.clock import clock_from_env
from bot.config import AppConfig
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


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_app(runtime: Runtime) -> web.Application:
    app = web.Application()
    app["runtime"] = runtime
    app.router.add_get("/healthz", healthz)
    return app


def serve(config: AppConfig, platforms: list[str]) -> int:
    db = Database()
    prepare_database(db, os.environ.get("EXTRAMILE_AUTO_MIGRATE", "1") not in ("0", "false", "no"))
    runtime = build_runtime(config, db, clock_from_env(), {})
    app = build_app(runtime)
    port = int(os.environ.get("PORT", "3000"))
    log.info("Extra Mile listening on port %s (%s)", port, ", ".join(platforms))
    web.run_app(app, port=port, print=None)
    return 0


__all__ = ["serve", "platforms_configured", "build_app", "asyncio"]
