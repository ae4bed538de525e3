"""The real ``extramile run`` process with Slack credentials, against the fake Web API, and the manifest."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import yaml

from bot.feature import slash_commands
from extramile.features import FEATURES
from tests.fakes.slack_api import FakeSlack
from tests.slack_support import BEN_ID, SECRET, TOKEN, command_body, sign
from tests.support import REPO, free_port, records, run_cli, wait_healthy

SLASH_COMMANDS = slash_commands(FEATURES)


async def test_extramile_run_takes_a_signed_kudos_and_announces_it(fake: FakeSlack, cli_env: dict[str, str],
                                                                  tmp_path: Path) -> None:
    port = free_port()
    env = {**cli_env, "PORT": str(port), "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": fake.api_url, "LOG_LEVEL": "WARNING"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "extramile", "run", env=env, cwd=REPO,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(base, proc)
        body = command_body("/kudos", f"<@{BEN_ID}|ben> #solutions thanks for untangling the VPN")
        async with aiohttp.ClientSession() as session:
            async with session.post(base + "/slack/events", data=body.encode(), headers={
                    "Content-Type": "application/x-www-form-urlencoded", **sign(body)}) as response:
                assert response.status == 200
            forged = body.replace("VPN", "VPN+twice")
            async with session.post(base + "/slack/events", data=forged.encode(), headers={
                    "Content-Type": "application/x-www-form-urlencoded", **sign(body)}) as response:
                assert response.status == 401
        for _ in range(300):
            if any(p["channel"] == "CKUDOS001" for p in fake.called("chat.postMessage")):
                break
            await asyncio.sleep(0.1)
        announcement = next(p for p in fake.called("chat.postMessage") if p["channel"] == "CKUDOS001")
        assert f"<@{BEN_ID}>" in announcement["text"] and "Solutions" in announcement["text"]
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, stderr.decode()[-2000:]
    out = tmp_path / "export.jsonl"
    result = await asyncio.to_thread(run_cli, ["export", "--out", str(out)], env)
    assert result.returncode == 0, result.stderr
    exported = records(out)
    [kudos] = [r for r in exported if r["type"] == "kudos"]
    assert kudos["message"] == "thanks for untangling the VPN"
    people = {r["id"]: r for r in exported if r["type"] == "person"}
    assert people[kudos["giver_id"]]["email"] == "ana.alvarez@example.com"
    assert [people[i]["email"] for i in kudos["recipient_ids"]] == ["ben.brooks@example.com"]


def test_manifest_lists_every_command_scope_event_and_url(cli_env: dict[str, str]) -> None:
    result = run_cli(["manifest", "slack", "--url", "https://extramile.acme.example/"], cli_env)
    assert result.returncode == 0, result.stderr
    manifest = yaml.safe_load(result.stdout)
    url = "https://extramile.acme.example/slack/events"
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {f"/{name}" for name, _, _ in SLASH_COMMANDS}
    assert commands["/kudos"]["url"] == url and commands["/kudos"]["should_escape"] is True
    assert commands["/kudos"]["usage_hint"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "chat:write.public", "users:read", "users:read.email", "reactions:read",
            "channels:history", "groups:history", "im:history", "im:write", "channels:read"} <= scopes
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"] == url
    assert {"app_home_opened", "reaction_added", "message.channels", "message.groups",
            "message.im"} <= set(settings["event_subscriptions"]["bot_events"])
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}
    assert settings["socket_mode_enabled"] is False


def test_socket_mode_manifest_has_no_urls(cli_env: dict[str, str]) -> None:
    result = run_cli(["manifest", "slack", "--socket-mode"], cli_env)
    assert result.returncode == 0, result.stderr
    manifest = yaml.safe_load(result.stdout)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "url" not in result.stdout.replace("icon_url", "")
    assert manifest["features"]["slash_commands"][0]["command"] == "/kudos"


def test_missing_signing_secret_is_one_clear_line(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "SLACK_BOT_TOKEN": TOKEN, "PORT": str(free_port())}
    result = run_cli(["run"], env, timeout=60)
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET" in result.stderr and "Traceback" not in result.stderr


__all__ = ["os"]
