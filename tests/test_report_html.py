"""The report on demo data: every section shows something, every format is produced by the CLI,
the HTML is self-contained, renders its charts in headless Chromium and fits a 390 px phone."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from bot import demo
from bot.feature import report_parts
from bot.reports.build import build_report
from bot.reports.model import Report
from bot.reports.privacy import NOT_REPORTABLE
from bot.reports.render import to_html, to_json, to_markdown
from bot.reports.schema import DEFAULT_PATH, report_schema, schema_text
from extramile.features import FEATURES
from tests.chromium_probe import CHROMIUM, probe_page
from tests.support import REPO, Harness, base_config, run_cli

NOW = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
ARTIFACTS = REPO / "tests" / "artifacts"


@pytest.fixture
def demo_report(database_url: str) -> Report:
    h = Harness(database_url, base_config(), start=NOW)
    with h.db.session() as session:
        demo.seed(session, h.runtime.services.org_id, h.config, h.clock)
    with h.db.session() as session:
        report = build_report(session, h.runtime.services.org_id, h.config, "2026-10", h.clock.now(),
                              parts=report_parts(FEATURES))
    h.close()
    return report


def test_every_recognition_part_has_data_on_the_demo(demo_report: Report) -> None:
    r = demo_report.section("recognition")
    assert r.figure("kudos_given") > 100 and 0 < r.figure("gave_share") <= 1 and 0 < r.figure("received_share") < 1  # type: ignore[operator]
    assert all(v["kudos"] > 0 for v in r.table("recognition_per_value").records())  # type: ignore[operator]
    assert all(NOT_REPORTABLE not in t.values() and t["kudos_received"] for t in r.table("recognition_per_team").records())
    assert all(c for row in r.table("recognition_team_matrix").rows for c in row[1:] if c != NOT_REPORTABLE)
    assert r.figure("not_recognised_90d") > 0 and len(r.table("recognition_flags").rows) == 1 and r.figure("top10_share")  # type: ignore[operator]
    assert [p["kudos_given"] > 0 for p in r.table("recognition_trend").records()[-3:]] == [True, True, True]  # type: ignore[operator]
    assert demo_report.kpis[0].previous is not None
    # Responsiveness and practice have their demo data too.
    for section in (demo_report.section("responsiveness"), demo_report.section("practice")):
        assert section.available and section.kpis and section.tables and section.tables[0].rows, section.note
        assert all(k.value is not None for k in section.kpis[:2])
    assert demo_report.section("practice").highlights
    requests = {k.key: k.value for k in demo_report.section("responsiveness").kpis}
    assert requests["requests_requests"] and requests["requests_promises_kept"] is not None


def test_html_has_no_external_reference(demo_report: Report) -> None:
    html = to_html(demo_report)
    assert not re.search(r"https?://", html)
    assert not re.search(r"\b(src|href|srcset|action|poster|data)\s*=", html, re.IGNORECASE)
    assert "@import" not in html and "url(" not in html and "<script" not in html and "<link" not in html
    assert html.count("<svg") >= 6  # three sparklines at least, trend, values, matrix
    assert "No names appear in this report" in html and "fewer than 5 people" in html


def test_json_matches_its_documented_schema(demo_report: Report) -> None:
    assert DEFAULT_PATH.read_text(encoding="utf-8") == schema_text(), "run: python -m bot.reports.schema"
    jsonschema.validate(json.loads(to_json(demo_report)), report_schema())
    assert "| Customer Care |" in to_markdown(demo_report)


def test_cli_writes_every_format(cli_env: dict[str, str], tmp_path: Path) -> None:
    clock = tmp_path / "clock"
    clock.write_text(NOW.isoformat())
    env = {**cli_env, "EXTRAMILE_CLOCK_FILE": str(clock)}
    assert run_cli(["demo"], env).returncode == 0
    for fmt in ("html", "csv", "json", "md"):
        out = tmp_path / f"report.{fmt}"
        done = run_cli(["report", "--month", "2026-10", "--format", fmt, "--out", str(out)], env)
        assert done.returncode == 0, done.stderr
        assert f"{fmt} report for 2026-10 written" in done.stderr
    sections = json.loads((tmp_path / "report.json").read_text())["sections"]
    figures = next(s["figures"] for s in sections if s["key"] == "recognition")
    assert next(f["value"] for f in figures if f["key"] == "kudos_given") > 100
    with zipfile.ZipFile(io.BytesIO((tmp_path / "report.csv").read_bytes())) as archive:
        assert {"kpis.csv", "recognition_per_team.csv", "recognition_team_matrix.csv", "README.txt"} <= set(archive.namelist())
    assert (tmp_path / "report.html").read_text().startswith("<!doctype html>")
    # Last month by default; a bad month is a usage error.
    assert run_cli(["report", "--format", "md", "--out", "-"], env).stdout.startswith("# Culture report · 2026-10")
    bad = run_cli(["report", "--month", "10/2026", "--out", "-"], env)
    assert bad.returncode == 2 and "write YYYY-MM" in bad.stderr


# Measures the page as the phone shows it.
PROBE = """(() => {
  const charts = [...document.querySelectorAll('svg')].map(s => {
    const b = s.getBoundingClientRect();
    return {w: b.width, h: b.height, right: b.right, marks: s.querySelectorAll('rect,polyline,circle').length};
  });
  const tooWide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map(e => e.tagName + ' ' + (e.getAttribute('class') || ''));
  const scrolled = [...document.querySelectorAll('.scroll')].filter(e => e.scrollWidth > e.clientWidth).length;
  return {inner: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, charts, tooWide, scrolled};
})()"""


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does it)")
async def test_html_renders_on_a_phone_in_chromium(demo_report: Report, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(to_html(demo_report), encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report-390px.png"
    shot.unlink(missing_ok=True)
    probe = await probe_page(page, PROBE, tmp_path / "profile", screenshot=shot)
    assert probe["inner"] == 390
    assert probe["scrollWidth"] <= 390, probe
    assert probe["tooWide"] == [] and probe["scrolled"] == 0, probe
    assert len(probe["charts"]) >= 6
    for chart in probe["charts"]:
        assert chart["w"] > 0 and chart["h"] > 0 and chart["right"] <= 390 and chart["marks"] > 0, chart
    assert shot.exists() and shot.stat().st_size > 10_000
