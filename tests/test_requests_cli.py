"""The real ``extramile shell`` process: reminders once, escalation once, across restarts, with the
process's clock moved from outside (EXTRAMILE_CLOCK_FILE)."""

import re
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from storage.db import Database
from storage.models import OutboxMessage
from tests.requests_support import shell_until
from tests.support import T0, records, run_cli

CHLOE = "chloe.chen@example.com"


def test_reminders_and_escalation_once_across_process_restarts(cli_env: dict[str, str], tmp_path: Path) -> None:
    clock = tmp_path / "clock"
    env = dict(cli_env, EXTRAMILE_CLOCK_FILE=str(clock))
    clock.write_text(T0.isoformat())
    assert run_cli(["demo"], env).returncode == 0
    created = run_cli(["shell", "--as", CHLOE], env, stdin="/request @ben check the refund for order 4711\n/request @bne x\n")
    assert "Did you mean @ben" in created.stdout
    # The demo organisation has requests of its own: find ours by its number.
    ref = re.search(r"(REQ-\d+) sent to Ben Brooks", created.stdout).group(1)  # type: ignore[union-attr]

    clock.write_text((T0 + timedelta(hours=2, minutes=1)).isoformat())
    out = shell_until(CHLOE, env, f":bell: {ref} from @chloe")
    assert f"FYI: I sent Ben Brooks a friendly reminder about {ref}" in out
    clock.write_text((T0 + timedelta(hours=4, minutes=1)).isoformat())
    assert "waiting past its first-response target" in shell_until(CHLOE, env, f":bell: {ref} from @chloe")
    clock.write_text((T0 + timedelta(hours=6, minutes=1)).isoformat())
    out = shell_until(CHLOE, env, f":rotating_light: {ref} from @chloe")
    assert f"→ Ana Alvarez (@ana, private):\n    :rotating_light: {ref} from @chloe" in out
    again = run_cli(["shell", "--as", CHLOE], env, stdin="/request list\n")
    assert "Overdue:" in again.stdout

    db = Database(cli_env["DATABASE_URL"])
    with db.session() as session:
        bodies = [row.body for row in session.exec(select(OutboxMessage))]
    db.dispose()
    assert len([b for b in bodies if f":bell: {ref} from" in b]) == 2
    assert len([b for b in bodies if f":rotating_light: {ref} from" in b]) == 1

    export = tmp_path / "export.jsonl"
    assert run_cli(["export", "--out", str(export)], env).returncode == 0
    rows = records(export)
    [req] = [r for r in rows if r["type"] == "request" and r["ref"] == ref]
    assert req["status"] == "open" and req["title"] == "check the refund for order 4711"
    kinds = [r["kind"] for r in rows if r["type"] == "request_event" and r["request_id"] == req["id"]]
    assert kinds.count("reminded") == 2 and kinds.count("escalated") == 1
