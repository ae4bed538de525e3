"""The report's figures against independently computed answers, and its privacy rules."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from bot.feature import report_parts
from bot.reports.build import build_report
from bot.reports.model import Report, ReportSection
from bot.reports.privacy import NOT_REPORTABLE, hidden_groups
from bot.reports.render import to_csv_zip, to_html, to_json, to_markdown
from extramile.features import FEATURES
from tests.report_support import expected, known_org, random_kudos, write
from tests.support import Harness

MONTH = "2026-10"


def _report(h: Harness, month: str = MONTH) -> Report:
    with h.db.session() as session:
        return build_report(session, h.runtime.services.org_id, h.config, month, h.clock.now(),
                            parts=report_parts(FEATURES))


def _rows(section: ReportSection, name: str) -> dict[str, list[object]]:
    """A table's rows by their first cell (a team, a value, a month)."""
    return {str(row[0]): row[1:] for row in section.table(name).rows}


@pytest.fixture
def org(database_url: str):  # type: ignore[no-untyped-def]
    h = known_org(database_url)
    kudos = random_kudos()
    write(h, kudos)
    yield h, kudos
    h.close()


def test_figures_match_independent_computation(org) -> None:  # type: ignore[no-untyped-def]
    h, kudos = org
    report = Report.model_validate_json(to_json(_report(h)))  # through the JSON, as a BI tool reads it
    want = expected(kudos, MONTH)
    r = report.section("recognition")
    for key in ("people", "kudos_given", "kudos_received", "givers", "receivers", "gave_share", "received_share",
                "top10_share", "not_recognised_90d"):
        assert r.figure(key) == want[key], key
    assert {v["value"]: v["kudos"] for v in r.table("recognition_per_value").records()} == want["per_value"]
    teams = {t["team"]: t for t in r.table("recognition_per_team").records()}
    for name in ("Alpha", "Gamma"):
        got = teams[name]
        assert NOT_REPORTABLE not in got.values()
        assert (got["people"], got["kudos_given"], got["kudos_received"]) == tuple(want["per_team"][name].values())  # type: ignore[index]
    matrix = want["matrix"]
    assert isinstance(matrix, dict)
    table = r.table("recognition_team_matrix")
    reportable = [NOT_REPORTABLE not in row[1:] for row in table.rows]
    for i, (row, *cells) in enumerate(table.rows):
        for j, col in enumerate(table.columns[1:]):
            if reportable[i] and reportable[j]:
                assert cells[j] == matrix.get((row, col), 0), (row, col)
    pairs = r.table("recognition_flags").records()
    assert len(pairs) == 1
    assert (pairs[0]["a_to_b"], pairs[0]["b_to_a"]) == (6, 6)
    assert pairs[0]["same_team"] is False


def test_trend_and_previous_month(org) -> None:  # type: ignore[no-untyped-def]
    h, kudos = org
    report = _report(h)
    recognition = report.section("recognition")
    trend = recognition.table("recognition_trend").records()
    months = [p["month"] for p in trend]
    assert months == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    september = expected(kudos, "2026-09")
    given = next(k for k in report.kpis if k.key == "kudos_given")
    assert given.previous == september["kudos_given"]
    assert given.change == recognition.figure("kudos_given") - september["kudos_given"]  # type: ignore[operator]
    assert given.series[:4] == [0, 0, 0, 0] and len(given.series) == 6
    assert trend[-2]["gave_share"] == september["gave_share"]


def test_a_team_of_four_is_never_reported_directly_or_by_subtraction(org) -> None:  # type: ignore[no-untyped-def]
    h, _ = org
    report = _report(h)
    r = report.section("recognition")
    per_team = _rows(r, "recognition_per_team")
    hidden = {team for team, figures in per_team.items() if NOT_REPORTABLE in figures}
    # Delta (4) and "No team" (1) are below five; together they are two groups of five people,
    # so no third group needs hiding.
    assert hidden == {"Delta", "No team"}
    for team in hidden:
        assert per_team[team] == [NOT_REPORTABLE] * 5
    # Subtraction only ever gives the hidden groups together (at least two groups, >= 5 people).
    assert len(hidden) >= 2 and 4 + 1 >= report.privacy.min_group_size
    # The matrix hides the same rows and columns.
    matrix = r.table("recognition_team_matrix")
    assert [row[0] for row in matrix.rows] == matrix.columns[1:]
    for team, *cells in matrix.rows:
        assert (set(cells) == {NOT_REPORTABLE}) == (team in hidden)
        for other, value in zip(matrix.columns[1:], cells, strict=True):
            if team in hidden or other in hidden:
                assert value == NOT_REPORTABLE
    # Every format says "not reportable" for Delta and carries none of its figures.
    data = json.loads(to_json(report))
    [recognition] = [s for s in data["sections"] if s["key"] == "recognition"]
    [per_team_json] = [t for t in recognition["tables"] if t["name"] == "recognition_per_team"]
    delta = next(dict(zip(per_team_json["columns"], row)) for row in per_team_json["rows"] if row[0] == "Delta")
    assert delta == {"team": "Delta", "people": NOT_REPORTABLE, "kudos_given": NOT_REPORTABLE,
                     "kudos_received": NOT_REPORTABLE, "gave_share": NOT_REPORTABLE, "received_share": NOT_REPORTABLE}
    with zipfile.ZipFile(io.BytesIO(to_csv_zip(report))) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("recognition_per_team.csv").decode())))
        assert ["Delta", *[NOT_REPORTABLE] * 5] in rows
        matrix = list(csv.reader(io.StringIO(archive.read("recognition_team_matrix.csv").decode())))
        delta_row = next(row for row in matrix if row[0] == "Delta")
        assert set(delta_row[1:]) == {NOT_REPORTABLE}
    assert "| Delta | not reportable |" in to_markdown(report)
    assert "Delta" in to_html(report) and "fewer than 5 people" in to_html(report)


def test_suppression_rules() -> None:
    assert hidden_groups({"a": 10, "b": 8, "c": 6}, 5) == set()
    # One small group: the next smallest is hidden too.
    assert hidden_groups({"a": 10, "b": 8, "c": 6, "d": 4}, 5) == {"d", "c"}
    # Two small groups that together are still fewer than five people: one more.
    assert hidden_groups({"a": 10, "b": 8, "c": 2, "d": 1}, 5) == {"c", "d", "b"}
    # Two small groups that together are enough: nothing more.
    assert hidden_groups({"a": 10, "b": 8, "c": 3, "d": 4}, 5) == {"c", "d"}
    # Everyone small: everything hidden.
    assert hidden_groups({"a": 2, "b": 1}, 5) == {"a", "b"}


def test_min_group_size_is_configurable(database_url: str) -> None:
    h = known_org(database_url, "reports: {min_group_size: 3}")
    write(h, random_kudos())
    per_team = _rows(_report(h).section("recognition"), "recognition_per_team")
    assert {team for team, figures in per_team.items() if NOT_REPORTABLE in figures} == {"No team", "Delta"}  # 1 + 4 people >= 3
    h.close()


def test_names_only_in_an_enabled_leaderboard(database_url: str) -> None:
    h = known_org(database_url)
    write(h, random_kudos())
    report = _report(h)
    recognition = report.section("recognition")
    assert not recognition.names and "recognition_leaderboard" not in [t.name for t in recognition.tables]
    assert "Person" not in to_json(report) and "Person" not in to_html(report)
    h.close()
    h = known_org(database_url, "reports: {leaderboard_names: true}")
    r = _report(h).section("recognition")
    entries = r.table("recognition_leaderboard").records()
    assert r.names and entries[0]["rank"] == 1
    received = expected(random_kudos(), MONTH)["received"]
    assert isinstance(received, dict)
    assert [e["received"] for e in entries] == sorted(received.values(), reverse=True)[:10]
    h.close()
    h = known_org(database_url, "reports: {leaderboard_names: true}\nkudos: {leaderboard: false}")
    assert not _report(h).section("recognition").names
    h.close()


def test_requests_per_team_hide_the_same_small_teams(org) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from storage import people as people_repo
    from storage import requests as requests_repo
    from storage.request_models import Request

    h, _ = org
    org_id = h.runtime.services.org_id
    with h.db.session() as session:
        ids = {p.email: p.id for p in people_repo.all_people(session, org_id)}
        at = datetime(2026, 10, 6, 9, tzinfo=UTC)
        for owner in ("delta0@example.org", "delta1@example.org", "alpha1@example.org"):
            requests_repo.create(session, Request(
                org_id=org_id, number=0, requester_id=ids["gamma0@example.org"], owner_id=ids[owner], title="figures",
                status="acknowledged", created_at=at, updated_at=at, sla_started_at=at, first_response_target_s=14400,
                first_response_due_at=at + timedelta(hours=4), first_response_at=at + timedelta(hours=1),
                acknowledged_at=at + timedelta(hours=1), first_response_business_s=3600))
    section = _report(h).section("responsiveness")
    assert section.available
    (table,) = section.tables
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["Delta"] == [NOT_REPORTABLE] * (len(table.columns) - 1)
    assert rows["Alpha"][0] == 1 and rows["Beta"][0] == 0 and rows["Gamma"][0] == 0
    assert "No team" in rows and rows["No team"][0] == NOT_REPORTABLE
    assert next(k for k in section.kpis if k.key == "requests_requests").value == 3
