"""``extramile manifest slack``: valid against Slack's official manifest schema, HTTPS request URLs
only, and command texts that fit Slack's and Teams' limits without a word cut in half."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

from adapters.slack.manifest import DESCRIPTION_MAX, USAGE_HINT_MAX, manifest
from adapters.teams.manifest import manifest as teams_manifest
from bot.feature import slash_commands
from extramile.features import FEATURES
from tests.support import run_cli

SLASH_COMMANDS = slash_commands(FEATURES)

SCHEMAS = Path(__file__).parent / "external" / "slack-schema"  # Slack's own schema (see external/SOURCES.md)
RAW = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"


def validator() -> jsonschema.Draft7Validator:
    """Slack's entry schema refers to the versioned schemas by URL; they are served from disk."""
    entry = json.loads((SCHEMAS / "manifest.schema.json").read_text())
    resources = [(RAW + name, Resource.from_contents(json.loads((SCHEMAS / name).read_text())))
                 for name in ("manifest.schema.1.0.0.json", "manifest.schema.2.0.0.json")]
    return jsonschema.Draft7Validator(entry, registry=Registry().with_resources(resources))


def slash_commands_schema() -> dict[str, Any]:
    schema = json.loads((SCHEMAS / "manifest.schema.1.0.0.json").read_text())
    return schema["definitions"]["app-manifests.v1.features.slash_commands"]["items"]["properties"]



@pytest.mark.parametrize("args", [["--url", "https://extramile.acme.example/"], ["--socket-mode"], []])
def test_the_generated_manifest_is_valid_for_slack(cli_env: dict[str, str], args: list[str]) -> None:
    result = run_cli(["manifest", "slack", *args], cli_env)
    assert result.returncode == 0, result.stderr
    errors = sorted(validator().iter_errors(yaml.safe_load(result.stdout)), key=str)
    assert errors == [], [e.message for e in errors]


def test_the_schema_check_catches_a_broken_manifest() -> None:
    broken = manifest(SLASH_COMMANDS, url="https://x.example")
    broken["features"]["slash_commands"][0]["command"] = "kudos"  # no leading slash
    broken["settings"]["unknown"] = True
    assert len(list(validator().iter_errors(broken))) > 0


@pytest.mark.parametrize("url", ["http://extramile.acme.example", "ftp://extramile.acme.example",
                                 "extramile.acme.example"])
def test_a_request_url_that_is_not_https_is_refused_in_one_line(cli_env: dict[str, str], url: str) -> None:
    result = run_cli(["manifest", "slack", "--url", url], cli_env)
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert "https://" in line and url in line and "Traceback" not in line


def test_command_texts_fit_slacks_limits_whole() -> None:
    limits = slash_commands_schema()
    assert (limits["description"]["maxLength"], limits["usage_hint"]["maxLength"]) == (DESCRIPTION_MAX, USAGE_HINT_MAX)
    entries = {c["command"]: c for c in manifest(SLASH_COMMANDS, url="https://x.example")["features"]["slash_commands"]}
    for name, description, usage in SLASH_COMMANDS:
        assert entries[f"/{name}"]["description"] == description
        assert entries[f"/{name}"]["usage_hint"] == usage


def test_teams_command_descriptions_are_not_cut_mid_word() -> None:
    commands = teams_manifest("0b7c8e55-9a0f-4d7e-9a55-5b1f3c2d1e00", SLASH_COMMANDS,
                              version="1.0.0")["bots"][0]["commandLists"][0]["commands"]
    for (name, description, usage), command in zip(SLASH_COMMANDS, commands):
        assert len(command["title"]) <= 32 and len(command["description"]) <= 128
        full = f"{description} — {name} {usage}"
        text = command["description"]
        assert text == full or (text.endswith("…") and full.startswith(text[:-1].rstrip())
                                and full[len(text[:-1].rstrip())] == " "), (text, full)
        assert text.startswith(description)  # the description itself is never shortened


def test_shortening_keeps_whole_words() -> None:
    from bot.texts import shorten as fit

    assert fit("schedule prompts weekly", 100) == "schedule prompts weekly"
    assert fit("schedule prompts weekly", 18) == "schedule prompts…"
    assert fit("supercalifragilistic", 10) == "supercali…"  # one long word: nothing better to do
