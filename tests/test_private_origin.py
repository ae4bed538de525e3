"""Adapters tell the core whether the author's own message was private (``Address.private_origin``).

Replayed from real payloads (``external-samples``, see SOURCES.md): only a Slack slash command
(Slack never shows its text to the channel), the bot's Slack DM and a Teams personal chat are
private; a Slack channel message or thread reply and a Teams channel or group chat are not.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from microsoft_agents.activity import Activity

from adapters.slack import translate
from adapters.teams import inbound

SAMPLES = Path(os.environ.get("EXTRAMILE_SAMPLES", "/work/shared/external-samples"))
pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason=f"the real payloads are not at {SAMPLES} "
                                "(set EXTRAMILE_SAMPLES)")
NOW = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)


def _sample(path: str) -> Any:
    data = json.loads((SAMPLES / path).read_text())
    if data.get("wire") == "form":
        return dict(parse_qsl(data["payload"]))
    return data.get("payload", data)


def test_slack_slash_commands_and_dms_are_private_channel_messages_are_not() -> None:
    command = _sample("slack/bolt-python/test_slash_command__slash_command_body_L125.json")
    assert command["channel_id"].startswith("C")  # typed in a channel, still seen by nobody else
    assert translate.command_event(command, {}, NOW).where.private_origin is True

    dm = _sample("slack/slack-docs/message_im_event.json")
    event = translate.direct_message_event(dm, {}, NOW, frozenset({"kudos", "story"}))
    assert event is not None and event.where.private_origin is True

    channel = _sample("slack/slack-docs/message_channels_event.json")
    channel["event"]["thread_ts"] = "1355517500.000001"  # a reply in a channel thread
    assert translate.reply_event(channel, {}, NOW).where.private_origin is False


def test_teams_personal_chats_are_private_channels_and_group_chats_are_not() -> None:
    personal = Activity.model_validate(_sample("teams/msteams-docs/message_personal.json"))
    assert inbound.address(personal).private_origin is True

    channel = Activity.model_validate(_sample("teams/teams.net/TeamsActivityTests__message_L223.json"))
    assert inbound.address(channel).private_origin is False

    group = _sample("teams/msteams-docs/message_personal.json")
    group["conversation"] = {"conversationType": "groupChat", "id": "19:abc@thread.v2", "isGroup": True}
    assert inbound.address(Activity.model_validate(group)).private_origin is False
