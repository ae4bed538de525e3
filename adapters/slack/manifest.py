"""``extramile manifest slack``: a ready-to-paste Slack app manifest (YAML).

Slash commands are what the installed features declare (``bot.feature.slash_commands``, handed in
by the CLI), so each feature's command appears as soon as the feature lands. In HTTP mode every request URL is ``<URL>/slack/events`` and must be
HTTPS (Slack refuses anything else); with ``--socket-mode`` Slack needs no URL at all. Texts are
kept within the limits of Slack's manifest schema, shortened at a word if ever too long; the
tests validate the result against that schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

import yaml

from adapters.slack.platform import EVENTS_PATH
from bot.texts import shorten

# Limits of slash_commands[] in Slack's manifest schema (manifest.schema.1.0.0.json).
DESCRIPTION_MAX = 2000
USAGE_HINT_MAX = 1000


class ManifestError(ValueError):
    """A manifest Slack would refuse (the CLI prints it as one line)."""


def check_url(url: str) -> str:
    """The public base URL of ``extramile run``: Slack sends requests to HTTPS URLs only."""
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.hostname:
        raise ManifestError(f"--url {url} is not an https:// URL; Slack only sends requests to HTTPS URLs "
                            "(e.g. https://extramile.example.com), or use --socket-mode")
    return url

BOT_SCOPES = [
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "chat:write",
    "chat:write.public",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:read",
    "im:write",
    "mpim:history",
    "reactions:read",
    "users:read",
    "users:read.email",
]

BOT_EVENTS = [
    "app_home_opened",
    "message.channels",
    "message.groups",
    "message.im",
    "reaction_added",
]


def manifest(commands: Sequence[tuple[str, str, str]], url: str = "", socket_mode: bool = False,
             name: str = "Extra Mile") -> dict[str, Any]:
    request_url = check_url(url).rstrip("/") + EVENTS_PATH if url and not socket_mode else ""
    slash_commands = []
    for command, description, usage in commands:
        entry: dict[str, Any] = {"command": f"/{command.lstrip('/')}", "description": shorten(description, DESCRIPTION_MAX),
                                 "usage_hint": shorten(usage, USAGE_HINT_MAX), "should_escape": True}
        if request_url:
            entry["url"] = request_url
        slash_commands.append(entry)
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if request_url:
        events = {"request_url": request_url, **events}
        interactivity["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": "Kudos, internal requests and service stories for colleagues who go the extra mile.",
            "long_description": (
                "Extra Mile builds an internal service culture: every colleague is an internal customer. "
                "Give kudos tied to your values with /kudos or a reaction, track internal requests until they "
                "are answered, answer weekly service prompts and share service stories. HR gets a privacy-safe "
                "monthly culture report. Self-hosted and open source."
            ),
            "background_color": "#2c2d30",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": False},
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": slash_commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(commands: Sequence[tuple[str, str, str]], url: str = "", socket_mode: bool = False) -> str:
    return yaml.safe_dump(manifest(commands, url, socket_mode), sort_keys=False, allow_unicode=True, width=100)
