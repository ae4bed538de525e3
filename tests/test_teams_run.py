"""The real ``extramile run`` process with Teams, against a fake Bot Connector on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from bot.config import parse_config
from bot.directory import ensure_org
from storage import people as people_repo
from storage.db import Database
from tests.support import REPO, T0, records, run_cli
from tests.teams_support import (
    APP_ID,
    BEN_T,
    KUDOS_CHANNEL,
    TEAMS_CHANNELS,
    TENANT,
    FakeConnector,
    KeyServer,
    bot_added_to_team,
    card_text,
    channel_token,
    message,
)

_LISTENING = re.compile(r"listening on http://[^:]+:(\d+)")


@asynccontextmanager
async def extramile_run(env: dict[str, str]) -> AsyncIterator[tuple[str, list[str]]]:
    """Start ``extramile run`` on a free port; yields its base URL and its log lines so far."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "extramile", "run", cwd=str(REPO),
                                                env={**env, "PORT": "0", "LOG_LEVEL": "INFO"},
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    lines: list[str] = []
    port: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def read() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            line = raw.decode(errors="replace")
            lines.append(line)
            if (found := _LISTENING.search(line)) and not port.done():
                port.set_result(found.group(1))
        if not port.done():
            port.set_exception(AssertionError("extramile run stopped:\n" + "".join(lines)))

    reader = asyncio.get_running_loop().create_task(read())
    try:
        yield f"http://127.0.0.1:{await asyncio.wait_for(port, 60)}", lines
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 30)
        await reader


def teams_config(tmp_path: Path) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text((REPO / "app.yaml").read_text() + TEAMS_CHANNELS)
    return path


def ben_on_slack_first(database_url: str, config_path: Path) -> int:
    """Ben used Extra Mile on Slack before his company added Teams."""
    db = Database(database_url)
    db.upgrade()
    with db.session() as session:
        org = ensure_org(session, parse_config(config_path.read_text()))
        ben = people_repo.create(session, org.id, "Ben Brooks", T0, email="ben.brooks@example.com", handle="ben")
        people_repo.link_identity(session, ben.id, "slack", "T0001", "U0BEN")
        ben_id = ben.id
    db.dispose()
    return ben_id


async def test_extramile_run_with_teams_records_once_replies_and_announces(cli_env: dict[str, str],
                                                                         database_url: str, tmp_path: Path) -> None:
    config_path = teams_config(tmp_path)
    ben_id = ben_on_slack_first(database_url, config_path)
    connector = await FakeConnector().start()
    env = {**cli_env, "EXTRAMILE_CONFIG": str(config_path), "TEAMS_ALLOW_UNAUTHENTICATED": "1",
           "TEAMS_SERVICE_URL_ALLOW": connector.origin()}
    try:
        async with extramile_run(env) as (url, log), aiohttp.ClientSession() as http:
            assert any("UNSIGNED" in line and "WARNING" in line for line in log)
            async with http.post(f"{url}/api/messages", json=bot_added_to_team(connector.url)) as resp:
                assert resp.status in (200, 201, 202)
            kudos = message(connector.url, "kudos <at>Ben</at> #empathy thanks for the review", mentions=(BEN_T,))
            for _ in range(2):  # Teams re-sends a turn it thinks was lost
                async with http.post(f"{url}/api/messages", json=kudos) as resp:
                    assert resp.status in (200, 202)
            await connector.wait_for(lambda: connector.sent_to("a:ana-personal")
                                     and connector.sent_to(KUDOS_CHANNEL["id"]), timeout=30)
            reply = connector.sent_to("a:ana-personal")[0]
            assert reply.body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
            assert "Ben" in card_text(connector.sent_to(KUDOS_CHANNEL["id"])[0])
    finally:
        await connector.stop()
    out = tmp_path / "export.jsonl"
    result = run_cli(["export", "--out", str(out)], env)
    assert result.returncode == 0, result.stderr
    exported = records(out)
    kudos_rows = [r for r in exported if r["type"] == "kudos"]
    assert len(kudos_rows) == 1 and kudos_rows[0]["platform"] == "teams"
    assert kudos_rows[0]["recipient_ids"] == [ben_id] and kudos_rows[0]["values"] == ["empathy"]
    ben = next(r for r in exported if r["type"] == "person" and r["id"] == ben_id)
    assert sorted(i["platform"] for i in ben["identities"]) == ["slack", "teams"]
    assert len([r for r in exported if r["type"] == "person" and r["email"] == "ben.brooks@example.com"]) == 1
    assert len(connector.sent_to(KUDOS_CHANNEL["id"])) == 1  # announced once, though delivered twice


async def test_extramile_run_authenticated_refuses_forged_and_foreign_requests(cli_env: dict[str, str],
                                                                               tmp_path: Path) -> None:
    """The process as deployed: unsigned, forged, foreign-issuer, wrong-tenant and mismatched
    serviceUrl requests get 401/403 and record nothing. (A valid token gets past these checks, but
    the SDK then asks Entra for the bot's own token, unreachable here: in-process tests cover it.)"""
    connector = await FakeConnector().start()
    keys = await KeyServer().start()
    env = {**cli_env, "TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "secret", "TEAMS_TENANT_ID": TENANT,
           "TEAMS_OPENID_METADATA_URL": keys.metadata_url, "TEAMS_SERVICE_URL_ALLOW": connector.origin()}
    foreign = message(connector.url, "kudos <at>Ben</at> #empathy thanks", mentions=(BEN_T,))
    foreign["conversation"]["tenantId"] = foreign["channelData"]["tenant"]["id"] = "0d0e0a0d-beef-4bad-8bad-0123456789ab"
    attempts = [
        ({}, 401),
        ({"Authorization": "Bearer forged.token.here"}, 401),
        ({"Authorization": f"Bearer {channel_token(connector.url, iss='https://issuer.attacker.example')}"}, 401),
        ({"Authorization": f"Bearer {channel_token('http://127.0.0.1:1/')}"}, 401),
    ]
    try:
        async with extramile_run(env) as (url, log), aiohttp.ClientSession() as http:
            assert not any("UNSIGNED" in line for line in log)
            kudos = message(connector.url, "kudos <at>Ben</at> #empathy thanks", mentions=(BEN_T,))
            for headers, status in attempts:
                async with http.post(f"{url}/api/messages", json=kudos, headers=headers) as resp:
                    assert resp.status == status
            async with http.post(f"{url}/api/messages", json=foreign,
                                 headers={"Authorization": f"Bearer {channel_token(connector.url)}"}) as resp:
                assert resp.status == 403
    finally:
        await connector.stop()
        await keys.stop()
    out = tmp_path / "export.jsonl"
    assert run_cli(["export", "--out", str(out)], env).returncode == 0
    assert [r for r in records(out) if r["type"] == "kudos"] == [] and connector.calls == []
