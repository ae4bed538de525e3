"""Render a :class:`Report` as HTML (one self-contained file), CSV (zipped, one file per table),
JSON (the model itself; schema in docs/report.schema.json) or Markdown (chat and email)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.reports import charts
from bot.reports.model import Cell, Kpi, Report, Table
from bot.reports.privacy import NOT_REPORTABLE

Format = Literal["html", "csv", "json", "md"]
FORMATS: tuple[Format, ...] = ("html", "csv", "json", "md")
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "csv": "application/zip", "json": "application/json",
               "md": "text/markdown; charset=utf-8"}
EXTENSIONS = {"html": "html", "csv": "zip", "json": "json", "md": "md"}


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def fmt_kpi(kpi: Kpi, value: float | None) -> str:
    return pct(value) if kpi.unit == "share" else (f"{num(value)} h" if kpi.unit == "hours" and value is not None else num(value))


def fmt_change(kpi: Kpi) -> str:
    """Change against last month: points for shares, plain difference otherwise."""
    if kpi.change is None:
        return "no previous month"
    if kpi.change == 0:
        return "same as last month"
    arrow = "▲" if kpi.change > 0 else "▼"
    size = f"{abs(kpi.change) * 100:.0f} pts" if kpi.unit == "share" else num(abs(kpi.change))
    return f"{arrow} {size} vs last month"


def cell(value: Cell, share: bool = False) -> str:
    """A table cell as text: hidden figures arrive as the string "not reportable"; None means no data."""
    if value is None:
        return "—"
    if isinstance(value, float) and share:
        return pct(value)
    if isinstance(value, (int, float)):
        return num(value)
    return str(value)


# Soft hyphens (U+00AD) let a narrow phone break the longer headings instead of overflowing.
HEADINGS = {"kudos_given": "Given", "kudos_received": "Re\u00adceived", "gave_share": "Gave",
            "received_share": "Recog\u00adnised",
            "from \\ to": "From \\ to", "first_response_median_h": "First response, median h",
            "first_response_p90_h": "First response, p90 h", "resolution_median_h": "Resolution, median h",
            "resolution_p90_h": "Resolution, p90 h", "acknowledged_within_target_share": "Acknowledged in target",
            "promises_kept_share": "Promises kept", "csat_average": "Satisfaction", "reopen_share": "Reopened"}


def heading(column: str) -> str:
    """A table column as a short heading (the CSV keeps the machine names)."""
    return HEADINGS.get(column) or column.replace("_", " ").capitalize()


def plain_heading(column: str) -> str:
    return heading(column).replace("\u00ad", "")


def tables(report: Report) -> list[Table]:
    """Every table of the report, as the CSV export and the appendix of the HTML show them."""
    r = report.recognition
    out = [
        Table(name="kpis", title="Headline figures", columns=["key", "label", "value", "previous", "change", "unit"],
              rows=[[k.key, k.label, k.value, k.previous, k.change, k.unit] for k in report.kpis]),
        Table(name="recognition_trend", title="Recognition, last six months",
              columns=["month", "people", "kudos_given", "kudos_received", "gave_share", "received_share"],
              rows=[[p.month, p.people, p.kudos_given, p.kudos_received, p.gave_share, p.received_share] for p in r.trend]),
        Table(name="recognition_per_value", title="Kudos per value", columns=["value", "name", "kudos", "share"],
              rows=[[v.slug, v.name, v.kudos, v.share] for v in r.per_value]),
        Table(name="recognition_per_team", title="Recognition per team",
              columns=["team", "people", "kudos_given", "kudos_received", "gave_share", "received_share"],
              rows=[[t.team, *([t.people, t.kudos_given, t.kudos_received, t.gave_share, t.received_share]
                               if t.reportable else [NOT_REPORTABLE] * 5)] for t in r.per_team]),
        Table(name="recognition_team_matrix", title="Recognitions from team (row) to team (column)",
              columns=["from \\ to", *r.matrix.teams],
              rows=[[team, *[NOT_REPORTABLE if v is None else v for v in row]] for team, row in zip(r.matrix.teams, r.matrix.cells, strict=True)]),
        Table(name="recognition_flags", title="Pairs who only recognise each other (last three months)",
              columns=["pair", "a_to_b", "b_to_a", "same_team"],
              rows=[[i + 1, p.a_to_b, p.b_to_a, p.same_team] for i, p in enumerate(r.exclusive_pairs)]),
    ]
    if r.leaderboard.shown:
        out.append(Table(name="recognition_leaderboard", title="Most recognised", columns=["rank", "name", "received"],
                         rows=[[e.rank, e.name, e.received] for e in r.leaderboard.entries]))
    for prefix, section in (("responsiveness", report.responsiveness), ("practice", report.practice)):
        if section.kpis:
            out.append(Table(name=f"{prefix}_kpis", title=f"{prefix.title()} figures",
                             columns=["key", "label", "value", "previous", "change", "unit"],
                             rows=[[k.key, k.label, k.value, k.previous, k.change, k.unit] for k in section.kpis]))
        out.extend(t.model_copy(update={"name": t.name if t.name.startswith(prefix) else f"{prefix}_{t.name}"})
                   for t in section.tables)
    return out


def to_json(report: Report) -> str:
    return report.model_dump_json(indent=2)


def to_csv_zip(report: Report) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables(report):
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(table.columns)
            writer.writerows([["" if v is None else v for v in row] for row in table.rows])
            archive.writestr(f"{table.name}.csv", text.getvalue())
        archive.writestr("README.txt", _template("readme.txt.j2").render(report=report, tables=tables(report)))
    return buffer.getvalue()


@cache
def _env() -> Environment:
    env = Environment(loader=PackageLoader("bot.reports", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=pct, num=num, cell=cell, change=fmt_change, heading=heading,
                       plain_heading=plain_heading)
    env.globals.update(fmt_kpi=fmt_kpi, charts=charts, NOT_REPORTABLE=NOT_REPORTABLE)
    return env


def _template(name: str):  # type: ignore[no-untyped-def]
    env = _env()
    if name.endswith((".md.j2", ".txt.j2")):
        return env.overlay(autoescape=False).get_template(name)
    return env.get_template(name)


def to_html(report: Report) -> str:
    r = report.recognition
    return _template("report.html.j2").render(report=report, r=r, tables=tables(report),
                                              value_bars=[(v.name, float(v.kudos)) for v in r.per_value],
                                              last_day=report.period_end.astimezone(ZoneInfo(report.timezone)) - timedelta(days=1))


def to_markdown(report: Report) -> str:
    return _template("report.md.j2").render(report=report, r=report.recognition)


def render(report: Report, fmt: Format) -> bytes:
    renderers: dict[str, Callable[[Report], str | bytes]] = {"html": to_html, "json": to_json, "md": to_markdown,
                                                             "csv": to_csv_zip}
    out = renderers[fmt](report)
    return out.encode("utf-8") if isinstance(out, str) else out
