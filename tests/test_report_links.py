"""Signed report links on the bot's real aiohttp server: valid, altered, expired, not HR."""

from __future__ import annotations

import json
from datetime import timedelta

import aiohttp
import pytest

from bot import demo
from bot.clock import ManualClock
from bot.reports import links
from extramile.server import start_server
from storage import people as people_repo
from storage.db import Database
from tests.support import ANA, T0, base_config

HANA = "hana.sato@example.com"


def _token(db: Database, clock: ManualClock, email: str, ttl_s: int = 7 * 86400) -> str:
    with db.session() as session:
        person = people_repo.by_email(session, 1, email)
        assert person is not None and person.id is not None
        url, _ = links.link_for(session, person.org_id, "2026-10", person.id, clock.now(), ttl_s)
    return url.rsplit("/", 1)[1]


@pytest.fixture
async def server(database_url: str):  # type: ignore[no-untyped-def]
    db = Database(database_url)
    db.upgrade()
    clock = ManualClock(T0)
    config = base_config()
    srv = await start_server(config, db, clock, [], host="127.0.0.1", port=0, scheduler=False)
    with db.session() as session:
        demo.seed(session, srv.runtime.services.org_id, config, clock)
    yield srv, db, clock
    await srv.stop()
    db.dispose()


async def test_signed_link_serves_hr_and_refuses_the_rest(server) -> None:  # type: ignore[no-untyped-def]
    srv, db, clock = server
    token = _token(db, clock, HANA)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{srv.url}/reports/{token}") as resp:
            assert resp.status == 200 and resp.content_type == "text/html"
            page = await resp.text()
            assert "Culture report · 2026-10" in page
            assert resp.headers["Cache-Control"] == "private, no-store"
        async with http.get(f"{srv.url}/reports/{token}?format=json") as resp:
            assert resp.status == 200 and json.loads(await resp.text())["month"] == "2026-10"
        body, mac = token.split(".")
        altered = [body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + mac, body + "." + mac[::-1], "x", token + "x"]
        for bad in altered:
            async with http.get(f"{srv.url}/reports/{bad}") as resp:
                assert resp.status == 403, bad
                assert "Culture report" not in await resp.text()
        # Somebody who is not HR cannot use a link even if one was signed for them.
        async with http.get(f"{srv.url}/reports/{_token(db, clock, ANA)}") as resp:
            assert resp.status == 403
        clock.advance(timedelta(days=7, seconds=-1))
        async with http.get(f"{srv.url}/reports/{token}") as resp:
            assert resp.status == 200
        clock.advance(timedelta(seconds=1))  # the link's lifetime (7 days here) is over
        async with http.get(f"{srv.url}/reports/{token}") as resp:
            assert resp.status == 403


async def test_env_secret_replaces_the_stored_one(server, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    srv, db, clock = server
    stored = _token(db, clock, HANA)
    monkeypatch.setenv("EXTRAMILE_SECRET", "a-secret-shared-by-all-replicas")
    signed = _token(db, clock, HANA)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{srv.url}/reports/{signed}") as resp:
            assert resp.status == 200
        async with http.get(f"{srv.url}/reports/{stored}") as resp:
            assert resp.status == 403
