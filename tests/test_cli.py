"""The real ``extramile`` command, as a newcomer or an operator runs it."""

from pathlib import Path

from tests.support import ANA, records, run_cli


def test_version_and_help(cli_env: dict[str, str]) -> None:
    assert run_cli(["--version"], cli_env).stdout.startswith("extramile ")
    out = run_cli(["--help"], cli_env).stdout
    for command in ("run", "shell", "demo", "export", "db"):
        assert command in out


def test_piped_shell_kudos_survive_restart_and_export(cli_env: dict[str, str], tmp_path: Path) -> None:
    assert "seeded 40 people" in run_cli(["demo"], cli_env).stdout
    lines = "\n".join([
        "/kudos @ben #empathy thanks for the quick answer",
        "/kudos @ana self",
        "/kudos @nobody hi",
        "/kudos @ben #nonsense hi",
        "/kudos @ben",
    ]) + "\n"
    result = run_cli(["shell", "--as", ANA], cli_env, stdin=lines)
    assert result.returncode == 0, result.stderr
    assert "→ #kudos:" in result.stdout and "→ Ben Brooks (@ben, private):" in result.stdout
    assert "yourself" in result.stdout and "I don't know anyone called @nobody" in result.stdout
    # A second process (a restart) sees the first one's kudos.
    again = run_cli(["shell", "--as", "chloe.chen@example.com"], cli_env, stdin="/kudos @ben thanks\n")
    assert "→ #kudos:" in again.stdout
    out = tmp_path / "export.jsonl"
    assert run_cli(["export", "--out", str(out)], cli_env).returncode == 0
    rows = records(out)
    live = [r for r in rows if r["type"] == "kudos" and r["source"] == "command"]
    assert [r["message"] for r in live] == ["thanks for the quick answer", "thanks"]
    assert live[0]["values"] == ["empathy"]
    people = {r["id"]: r["email"] for r in rows if r["type"] == "person"}
    assert people[live[0]["giver_id"]] == ANA and people[live[0]["recipient_ids"][0]] == "ben.brooks@example.com"
    assert {r["type"] for r in rows} >= {"organization", "team", "person", "kudos"}


def test_demo_is_idempotent_and_rich(cli_env: dict[str, str], tmp_path: Path) -> None:
    run_cli(["demo"], cli_env)
    assert "already seeded" in run_cli(["demo"], cli_env).stdout
    assert "already has people" in run_cli(["demo", "--if-empty"], cli_env).stdout
    out = tmp_path / "e.jsonl"
    run_cli(["export", "--out", str(out)], cli_env)
    rows = records(out)
    assert len([r for r in rows if r["type"] == "person"]) == 40
    assert len([r for r in rows if r["type"] == "team"]) == 5
    assert len([r for r in rows if r["type"] == "kudos"]) > 300


def test_run_without_credentials_is_the_console_as_first_admin(cli_env: dict[str, str]) -> None:
    run_cli(["demo"], cli_env)
    result = run_cli(["run"], cli_env, stdin="/kudos mine\n")
    assert result.returncode == 0, result.stderr
    assert "starting the console chat as ana.alvarez@example.com" in result.stderr
    assert "Your kudos" in result.stdout


def test_db_upgrade_and_current(cli_env: dict[str, str]) -> None:
    assert "revision" in run_cli(["db", "upgrade"], cli_env).stdout
    assert run_cli(["db", "current"], cli_env).stdout.strip() != ""
