"""Test helpers that drive the real code paths (no mocks of our own code)."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlmodel import select

from adapters.console.shell import ConsoleSender
from bot import demo
from bot.clock import ManualClock
from bot.config import AppConfig, parse_config
from bot.events import Actor, Address, CommandInput, Event, Input, Mention
from bot.ports import Sender
from extramile.runtime import Runtime, build_runtime
from storage.db import Database
from storage.models import Kudos, OutboxMessage

REPO = Path(__file__).resolve().parents[1]
# A Tuesday morning in Berlin, far from any daylight-saving change.
T0 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)


def base_config(extra: str = "") -> AppConfig:
    return parse_config((REPO / "app.yaml").read_text() + "\n" + extra)


class Harness:
    """The core as a process would run it, with the console's sender writing into a buffer."""

    def __init__(self, database_url: str, config: AppConfig, start: datetime = T0,
                 senders: dict[str, Sender] | None = None) -> None:
        self.db = Database(database_url)
        self.db.upgrade()
        self.clock = ManualClock(start)
        self.out = io.StringIO()
        self.config = config
        self.runtime: Runtime = build_runtime(config, self.db, self.clock, senders or {"console": ConsoleSender(self.out)})

    def seed_demo(self) -> None:
        with self.db.session() as session:
            demo.seed(session, self.runtime.services.org_id, self.config, self.clock, days=0)

    def event(self, email: str, given: Input, key: str | None = None, platform: str = "console") -> Event:
        return Event(dedupe_key=key or f"test:{uuid.uuid4()}",
                     actor=Actor(platform=platform, tenant="local", user_id=email, email=email),
                     where=Address(platform=platform, tenant="local", conversation="console", is_private=True,
                                   private_origin=True),
                     input=given, received_at=self.clock.now())

    async def send(self, event: Event) -> str:
        start = self.out.tell()
        await self.runtime.dispatcher.dispatch(event)
        await self.runtime.worker.drain_once()
        self.out.seek(start)
        text = self.out.read()
        self.out.seek(0, io.SEEK_END)
        return text

    async def say(self, email: str, line: str, mentions: tuple[Mention, ...] = (), key: str | None = None) -> str:
        name, _, text = line.strip().partition(" ")
        return await self.send(self.event(email, CommandInput(name=name.lstrip("/"), text=text.strip(), mentions=mentions), key))

    def kudos_count(self) -> int:
        with self.db.session() as session:
            return len(session.exec(select(Kudos)).all())

    def outbox(self) -> list[OutboxMessage]:
        with self.db.session() as session:
            return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())

    def close(self) -> None:
        self.db.dispose()


ANA = "ana.alvarez@example.com"
BEN = "ben.brooks@example.com"
CHLOE = "chloe.chen@example.com"
FELIX = "felix.wagner@example.com"  # Sales, America/New_York


def run_cli(args: list[str], env: dict[str, str], stdin: str = "", cwd: Path | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "extramile", *args], input=stdin, env=env, cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    """A port for a real ``extramile run`` process (tests of in-process servers use port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_healthy(url: str, proc: asyncio.subprocess.Process, platform: str = "slack") -> None:
    """Wait until a started ``extramile run`` answers /healthz with ``platform`` running."""
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            if proc.returncode is not None:
                raise AssertionError(f"extramile run exited with {proc.returncode}")
            try:
                async with session.get(url + "/healthz") as response:
                    if response.status == 200 and platform in (await response.json())["platforms"]:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("extramile run did not become healthy")


def records(path: Path) -> list[dict[str, Any]]:
    import json

    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


__all__ = ["os"]
