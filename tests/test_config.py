from pathlib import Path

import pytest

from bot.config import ConfigError, parse_config
from tests.support import REPO, run_cli


def test_repo_app_yaml_is_valid_and_defaults_fill_in_values() -> None:
    config = parse_config((REPO / "app.yaml").read_text())
    assert config.organization.timezone == "Europe/Berlin"
    assert [v.slug for v in config.values][:2] == ["respect", "empathy"]
    assert config.roles.of("ANA.alvarez@example.com") == {"admins", "leaders"}


def test_wrong_type_names_key_and_line() -> None:
    text = "organization:\n  name: X\nkudos:\n  daily_budget: five\n"
    with pytest.raises(ConfigError) as err:
        parse_config(text)
    message = str(err.value)
    assert "kudos.daily_budget" in message and "line 4" in message and "five" in message
    assert "\n" not in message


def test_unknown_key_is_refused_with_its_line() -> None:
    with pytest.raises(ConfigError, match=r"kudos\.daily_budgett: unknown key.*line 3"):
        parse_config("kudos:\n  max_length: 100\n  daily_budgett: 3\n")


def test_bad_timezone_and_email() -> None:
    with pytest.raises(ConfigError, match=r"organization.timezone: unknown timezone 'Mars/Base'"):
        parse_config("organization: {timezone: Mars/Base}\n")
    with pytest.raises(ConfigError, match=r"roles.hr.0: 'not-an-email' is not an email address"):
        parse_config("roles:\n  hr: [not-an-email]\n")


def test_broken_yaml_gives_the_line() -> None:
    with pytest.raises(ConfigError, match=r"not valid YAML: mapping values are not allowed here \(line 3\)"):
        parse_config("kudos:\n  daily_budget: 3\n  leaderboard: yes: no\n")


def test_env_references_expand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORG_NAME", "Initech")
    config = parse_config("organization:\n  name: ${ORG_NAME}\n  timezone: ${ORG_TZ:-Europe/Paris}\n")
    assert (config.organization.name, config.organization.timezone) == ("Initech", "Europe/Paris")
    monkeypatch.delenv("ORG_NAME")
    with pytest.raises(ConfigError, match="ORG_NAME"):
        parse_config("organization:\n  name: ${ORG_NAME}\n")


def test_per_platform_channels() -> None:
    config = parse_config('channels:\n  kudos: {slack: "#kudos", teams: "Culture/Kudos"}\n')
    assert config.channels.resolve("kudos", "teams") == "Culture/Kudos"
    assert config.channels.resolve("kudos", "slack") == "#kudos"
    assert config.channels.resolve("stories", "slack") == "#service-stories"


def test_malformed_app_yaml_stops_cli_with_one_line_and_exit_2(cli_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "app.yaml"
    bad.write_text("kudos:\n  max_recipients: 0\n")
    result = run_cli(["run"], {**cli_env, "EXTRAMILE_CONFIG": str(bad)})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "kudos.max_recipients" in lines[0] and "line 2" in lines[0]
