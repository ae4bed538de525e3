"""The real ``extramile run`` process with Slack, its clock moved from outside (EXTRAMILE_CLOCK_FILE)
across a daylight-saving change and several restarts: each due prompt is posted exactly once, late
within the grace window, never on a weekend, and a missed one beyond the grace is skipped."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import SchedulerCursor
from storage.outbox import pending_count
from storage.prompts_models import PromptPost
from tests.fakes.slack_api import FakeSlack
from tests.prompts_support import local
from tests.slack_support import SECRET, TOKEN, command_body, sign, start_fake
from tests.support import REPO, free_port, wait_healthy


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    fake = await start_fake()
    yield fake
    await fake.stop()


class Process:
    def __init__(self, env: dict[str, str], clock_file: Path, database_url: str) -> None:
        self.env, self.clock_file, self.db = env, clock_file, Database(database_url)

    async def run_at(self, instant: datetime, command: str = "", posts: int | None = None) -> None:
        """Set the clock, start the bot (it sweeps at start), optionally send a command, wait, stop."""
        self.clock_file.write_text(instant.isoformat())
        port = free_port()
        env = {**self.env, "PORT": str(port)}
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "extramile", "run", env=env, cwd=REPO,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_healthy(base, proc)
            if command:
                body = command_body("/prompts", command)
                headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
                async with aiohttp.ClientSession() as session, \
                        session.post(base + "/slack/events", data=body.encode(), headers=headers) as response:
                    assert response.status == 200
            await self._swept(instant)
            for _ in range(600):
                if posts is None or len(self.occurrences()) >= posts:
                    break
                await asyncio.sleep(0.1)
            await self._delivered()
        finally:
            proc.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(proc.communicate(), timeout=60)
        assert proc.returncode == 0, stderr.decode()[-2000:]

    async def _swept(self, instant: datetime) -> None:
        for _ in range(600):
            with self.db.session() as session:
                cursor = session.get(SchedulerCursor, "prompt-schedule:1")
            if cursor is not None and cursor.swept_until >= instant:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the scheduler did not sweep")

    async def _delivered(self) -> None:
        """Wait until the outbox has handed everything decided so far to Slack."""
        for _ in range(600):
            with self.db.session() as session:
                if pending_count(session) == 0:
                    return
            await asyncio.sleep(0.1)
        raise AssertionError("the outbox did not deliver")

    def occurrences(self) -> list[str]:
        with self.db.session() as session:
            return [p.occurrence for p in session.exec(select(PromptPost).order_by(PromptPost.id))]


async def test_clock_moved_from_outside_across_dst_and_restarts(fake: FakeSlack, cli_env: dict[str, str],
                                                               database_url: str, tmp_path: Path) -> None:
    clock_file = tmp_path / "clock"
    env = {**cli_env, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
           "LOG_LEVEL": "WARNING", "EXTRAMILE_CLOCK_FILE": str(clock_file)}
    bot = Process(env, clock_file, database_url)
    await bot.run_at(local(2026, 10, 22, 8, 0), command="add <#CGENERAL1|general> weekdays 09:00 Europe/Berlin")
    await bot.run_at(local(2026, 10, 22, 9, 30), posts=1)  # Thursday, summer time: posted (30 min late, within 2h)
    await bot.run_at(local(2026, 10, 22, 9, 45))   # a restart right after: nothing again
    await bot.run_at(local(2026, 10, 24, 9, 30))   # Saturday: Friday's firing is 24 h late (skipped), none today
    await bot.run_at(local(2026, 10, 26, 9, 5), posts=2)   # Monday after the change to winter time: posted
    assert bot.occurrences() == ["prompt:1:2026-10-22T09:00", "prompt:1:2026-10-26T09:00"]
    posted = [p for p in fake.called("chat.postMessage") if p["channel"] == "CGENERAL1"]
    assert len(posted) == 2
    bot.db.dispose()
