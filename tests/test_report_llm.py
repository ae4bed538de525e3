"""The report's optional LLM summary of story themes: made before the build, only for HR, never
with anonymous story text unless app.yaml allows it, and absent (extractive themes only) on failure."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.feature import report_parts
from bot.reports import themes
from bot.reports.build import build_report
from extramile.features import FEATURES
from tests.fakes.openai_api import THEMES, FakeOpenAI
from tests.support import ANA, Harness, base_config, run_cli

HANA = "hana.sato@example.com"  # roles.hr in app.yaml
LLM = "llm: {enabled: true, model: test-model, timeout_s: 2, send_anonymous: false}\n"


def _harness(database_url: str) -> Harness:
    h = Harness(database_url, base_config(LLM))
    h.seed_demo()
    return h


async def test_hr_report_carries_the_summary_and_no_anonymous_text(database_url: str,
                                                                   openai_server: FakeOpenAI) -> None:
    h = _harness(database_url)
    await h.say(ANA, "/story good Ben answered the vendor within the hour #dependability")
    await h.say(ANA, "/story bad anon the invoice queue sat untouched for a week")
    out = await h.say(HANA, "/culture report 2026-11")
    assert "not over yet" in out  # the current month: a partial report, still built
    [request] = [r for r in openai_server.requests if "HR report" in r["messages"][0]["content"]]
    sent = request["messages"][1]["content"]
    assert "answered the vendor" in sent and "invoice queue" not in sent
    summary = await themes.summary(h.runtime.services, "2026-11")
    with h.db.session() as session:
        report = build_report(session, h.runtime.services.org_id, h.config, "2026-11", h.clock.now(), summary,
                              parts=report_parts(FEATURES))
    assert any(THEMES in line for line in report.section("practice").highlights)
    # Nobody but HR makes the bot call the LLM.
    before = len(openai_server.requests)
    assert "HR" in await h.say(ANA, "/culture report 2026-10")
    assert len(openai_server.requests) == before
    h.close()


async def test_llm_failure_leaves_the_extractive_themes(database_url: str, openai_server: FakeOpenAI) -> None:
    openai_server.mode = "error"
    h = _harness(database_url)
    await h.say(ANA, "/story good Ben answered the vendor within the hour #dependability")
    summary = await themes.summary(h.runtime.services, "2026-11")
    assert summary is None
    with h.db.session() as session:
        report = build_report(session, h.runtime.services.org_id, h.config, "2026-11", h.clock.now(), summary,
                              parts=report_parts(FEATURES))
    assert not any("AI assistant" in line for line in report.section("practice").highlights)
    h.close()


async def test_cli_report_includes_the_summary(cli_env: dict[str, str], tmp_path: Path,
                                              openai_server: FakeOpenAI) -> None:
    # The fake OpenAI server runs in this test's event loop: the CLI runs in a thread meanwhile.
    config = tmp_path / "app.yaml"
    config.write_text(Path(cli_env["EXTRAMILE_CONFIG"]).read_text() + "\n" + LLM)
    env = {**cli_env, "EXTRAMILE_CONFIG": str(config), "OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": openai_server.url}
    assert (await asyncio.to_thread(run_cli, ["demo"], env)).returncode == 0
    out = tmp_path / "r.md"
    result = await asyncio.to_thread(run_cli, ["report", "--month", "2026-10", "--format", "md", "--out", str(out)], env)
    assert result.returncode == 0, result.stderr
    assert THEMES in out.read_text()
