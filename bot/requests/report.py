"""The report's Responsiveness section, from the internal-request metrics (storage.request_metrics).

Requests belong to the month they were created in and to the team of their owner (see that
module for the definitions). The figures are ``request_metrics.compute`` over rows read by
``storage.report_queries.requests_for_metrics`` (columns only) for this month and the last; the
six-month sparkline is the request count. Per-team rows go through :meth:`SectionContext.team_rows`, so the
teams the privacy rules hide in the recognition section are hidden here too, whether or not
they had requests; teams without requests show zeros.
"""

from __future__ import annotations

from bot.reports.model import Cell, Kpi, KpiCards, ReportSection, Table, TableView, Unit
from bot.reports.sections import ReportPart, SectionContext
from storage import report_queries
from storage import request_metrics as metrics

KEY, TITLE = "responsiveness", "Responsiveness"
# (attribute, label, unit) of the headline figures, in the order shown.
FIGURES: list[tuple[str, str, Unit]] = [
    ("requests", "Requests", "count"),
    ("first_response_median_h", "First response, median (business h)", "hours"),
    ("resolution_median_h", "Resolution, median (business h)", "hours"),
    ("acknowledged_within_target", "Acknowledged within target", "share"),
    ("promises_kept", "Promises kept", "share"),
    ("unanswered", "Unanswered past target", "count"),
    ("csat_average", "Satisfaction (1-5)", "score"),
    ("reopen_rate", "Reopened", "share"),
]
TEAM_COLUMNS = ["team", "requests", "first_response_median_h", "first_response_p90_h", "resolution_median_h",
                "resolution_p90_h", "acknowledged_within_target_share", "promises_kept_share", "unanswered",
                "csat_average", "reopen_share"]


def report_section(context: SectionContext) -> ReportSection:
    bounds = [start for _, start, _ in context.months] + [context.end]
    counts = report_queries.request_counts(context.session, context.org_id, bounds)
    if not any(counts):
        return ReportSection(key=KEY, title=TITLE, available=False,
                             note="No data yet: no internal requests in the last six months.")
    # Full figures for this month and the last (rows); the six-month sparkline is the request count.
    by_month = report_queries.requests_for_metrics(context.session, context.org_id, bounds[-3:])
    # Targets and promises are judged at the end of each month, or now for a month not over yet.
    previous_m, this = (metrics.compute(rows, month, min(end, context.now))  # type: ignore[arg-type]
                        for rows, (month, _, end) in zip(by_month, context.months[-2:], strict=True))
    kpis = []
    for attr, label, unit in FIGURES:
        value, previous = _float(getattr(this, attr)), _float(getattr(previous_m, attr))
        change = round(value - previous, 4) if value is not None and previous is not None else None
        series: list[float | None] = [float(n) for n in counts] if attr == "requests" else []
        kpis.append(Kpi(key=f"requests_{attr}", label=label, value=value, previous=previous, change=change,
                        unit=unit, series=series))
    grouped: dict[str, list[object]] = {}
    for row in by_month[-1]:
        grouped.setdefault(row.team or "No team", []).append(row)
    as_of = min(context.end, context.now)
    teams = sorted(set(context.team_of.values()), key=lambda n: (n == "No team", n.lower()))
    rows: list[tuple[str, list[Cell]]] = []
    for team in teams:
        if team not in grouped:
            rows.append((team, [0, None, None, None, None, None, None, 0, None, None]))
            continue
        m = metrics.compute(grouped[team], context.months[-1][0], as_of)  # type: ignore[arg-type]
        rows.append((team, [m.requests, m.first_response_median_h, m.first_response_p90_h, m.resolution_median_h,
                            m.resolution_p90_h, m.acknowledged_within_target, m.promises_kept, m.unanswered,
                            m.csat_average, m.reopen_rate]))
    note = (f"{this.requests} requests created in {context.months[-1][0]}, counted for the owner's team. "
            "Times are business hours in the owner's calendar; p90 = 90th percentile.")
    table = Table(name="responsiveness_per_team", title="Responsiveness per team", columns=TEAM_COLUMNS,
                  rows=context.team_rows(rows, len(TEAM_COLUMNS) - 1))
    return ReportSection(key=KEY, title=TITLE, available=True, note=note, kpis=kpis, tables=[table],
                         layout=[KpiCards(), TableView(table=table.name)])


PART = ReportPart(KEY, TITLE, report_section)


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)
