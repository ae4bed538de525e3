"""Report links are short-lived and revocable, through the real CLI and the real GET /reports/<token>.

A link is issued by ``/culture report`` (or the monthly delivery) and recorded in the database;
``extramile report revoke`` invalidates links already sent, one by one or all at once.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
from sqlmodel import select

from bot import demo
from bot.clock import ManualClock
from bot.config import ConfigError
from bot.events import Actor, Address, CommandInput, Event
from bot.messages import message_from_json
from extramile.server import Server, start_server
from storage.db import Database
from storage.models import OutboxMessage
from tests.prompts_support import dump_database
from tests.support import REPO, T0, base_config, run_cli

HANA = "hana.sato@example.com"
YUSUF = "yusuf.demir@example.com"


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[tuple[Server, Database, ManualClock]]:
    db = Database(database_url)
    db.upgrade()
    clock = ManualClock(T0)
    config = base_config()
    srv = await start_server(config, db, clock, [], host="127.0.0.1", port=0, scheduler=False)
    with db.session() as session:
        demo.seed(session, srv.runtime.services.org_id, config, clock, days=0)
    yield srv, db, clock
    await srv.stop()
    db.dispose()


async def _ask_for_report(srv: Server, db: Database, email: str, month: str = "2026-10") -> str:
    """``/culture report`` as the HR person types it; returns the link the bot sent them."""
    event = Event(dedupe_key=f"test:{uuid.uuid4()}", actor=Actor(platform="console", tenant="local", user_id=email,
                                                                 email=email),
                  where=Address(platform="console", tenant="local", conversation="console", is_private=True,
                                private_origin=True),
                  input=CommandInput(name="culture", text=f"report {month}"), received_at=srv.runtime.services.clock.now())
    await srv.runtime.dispatcher.dispatch(event)
    with db.session() as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).all()
    for row in rows:
        for attachment in message_from_json(row.body).attachments:
            return attachment.url
    raise AssertionError("no report link was sent")


async def _status(http: aiohttp.ClientSession, srv: Server, url: str) -> int:
    async with http.get(f"{srv.url}/reports/{url.rsplit('/', 1)[1]}") as resp:
        return resp.status


async def test_links_live_a_day_by_default(server: tuple[Server, Database, ManualClock]) -> None:
    srv, db, clock = server
    assert srv.runtime.services.config.reports.link_ttl_seconds() == 24 * 3600
    link = await _ask_for_report(srv, db, HANA)
    async with aiohttp.ClientSession() as http:
        assert await _status(http, srv, link) == 200
        clock.advance(timedelta(hours=24, seconds=-1))
        assert await _status(http, srv, link) == 200
        clock.advance(timedelta(seconds=1))
        assert await _status(http, srv, link) == 403


async def test_revoke_one_link_then_all_through_the_cli(server: tuple[Server, Database, ManualClock],
                                                        cli_env: dict[str, str], tmp_path: Path) -> None:
    srv, db, clock = server
    now = tmp_path / "now"  # the CLI's clock is the server's
    now.write_text(clock.now().isoformat())
    cli_env = {**cli_env, "EXTRAMILE_CLOCK_FILE": str(now)}
    first = await _ask_for_report(srv, db, HANA)
    second = await _ask_for_report(srv, db, YUSUF)
    third = await _ask_for_report(srv, db, HANA, "2026-09")
    async with aiohttp.ClientSession() as http:
        assert [await _status(http, srv, u) for u in (first, second, third)] == [200, 200, 200]

        before = dump_database(SimpleNamespace(db=db))  # type: ignore[arg-type]
        result = run_cli(["report", "revoke", first], cli_env)
        assert result.returncode == 0, result.stderr
        assert "revoked 1 report link" in result.stdout and HANA in result.stdout and "2026-10" in result.stdout
        assert [await _status(http, srv, u) for u in (first, second, third)] == [403, 200, 200]
        # Only the revocation was written.
        changed = set(dump_database(SimpleNamespace(db=db)).splitlines()) ^ set(before.splitlines())  # type: ignore[arg-type]
        assert changed and all(line.startswith("report_link:") for line in changed), changed

        # By its number, as `revoke` and the list print it.
        number = result.stdout.split("#", 1)[1].split()[0]
        assert number.isdigit()
        again = run_cli(["report", "revoke", number], cli_env)
        assert again.returncode == 0 and "already revoked" in again.stdout

        result = run_cli(["report", "revoke", "--all"], cli_env)
        assert result.returncode == 0, result.stderr
        assert "revoked 2 report links" in result.stdout and YUSUF in result.stdout
        assert [await _status(http, srv, u) for u in (first, second, third)] == [403, 403, 403]
        # A new request gives a new link that works, until it is revoked too.
        fresh = await _ask_for_report(srv, db, HANA)
        assert await _status(http, srv, fresh) == 200
        listed = run_cli(["report", "links"], cli_env)
        assert listed.returncode == 0 and "1 report link still works" in listed.stdout and HANA in listed.stdout
        result = run_cli(["report", "revoke", fresh], cli_env)
        assert "revoked 1 report link" in result.stdout and await _status(http, srv, fresh) == 403

        nothing = run_cli(["report", "revoke", "--all"], cli_env)
        assert nothing.returncode == 0 and "revoked 0 report links" in nothing.stdout
    for bad in (["report", "revoke"], ["report", "revoke", "999999"], ["report", "revoke", "not-a-link"],
                ["report", "revoke", "--all", "1"]):
        result = run_cli(bad, cli_env)
        assert result.returncode in (1, 2) and len(result.stderr.strip().splitlines()) == 1, (bad, result.stderr)


def test_a_lifetime_over_thirty_days_stops_start_up(tmp_path: Path, cli_env: dict[str, str]) -> None:
    assert base_config("reports: {link_ttl: 30d}").reports.link_ttl_seconds() == 30 * 86400
    assert base_config("reports: {link_ttl: 720h}").reports.link_ttl_seconds() == 30 * 86400
    for too_long in ("31d", "721h", "5w", "2592001s"):
        with pytest.raises(ConfigError, match=r"reports\.link_ttl: .*30 days"):
            base_config(f"reports: {{link_ttl: {too_long}}}")
    config = tmp_path / "app.yaml"
    config.write_text((REPO / "app.yaml").read_text() + "\nreports: {link_ttl: 90d}\n")
    result = run_cli(["run"], {**cli_env, "EXTRAMILE_CONFIG": str(config)})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "reports.link_ttl" in line and "30 days" in line
