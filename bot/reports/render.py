"""Render a :class:`Report` as HTML (one self-contained file), CSV (zipped, one file per table),
JSON (the model itself; schema in docs/report.schema.json) or Markdown (chat and email)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup

from bot.reports import charts
from bot.reports.model import Cards, Cell, Chart, Figure, Kpi, Report, ReportSection, Table
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


def fmt_kpi(kpi: Kpi | Figure, value: float | None) -> str:
    return pct(value) if kpi.unit == "share" else (f"{num(value)} h" if kpi.unit == "hours" and value is not None else num(value))


def fmt_figure(figure: Figure) -> str:
    return fmt_kpi(figure, figure.value)


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
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and share:
        return pct(value)
    if isinstance(value, (int, float)):
        return num(value)
    return str(value)


_MACHINE = re.compile(r"^[a-z0-9_]+$")
# Soft hyphens (U+00AD) let a narrow phone break the longer headings instead of overflowing.
HEADINGS = {"kudos_given": "Given", "kudos_received": "Re\u00adceived", "gave_share": "Gave",
            "received_share": "Recog\u00adnised",
            "from \\ to": "From \\ to", "first_response_median_h": "First response, median h",
            "first_response_p90_h": "First response, p90 h", "resolution_median_h": "Resolution, median h",
            "resolution_p90_h": "Resolution, p90 h", "acknowledged_within_target_share": "Acknowledged in target",
            "promises_kept_share": "Promises kept", "csat_average": "Satisfaction", "reopen_share": "Reopened",
            "rank": "#", "a_to_b": "One way", "b_to_a": "The other way"}


def heading(column: str) -> str:
    """A table column as a short heading (the CSV keeps the machine names); a column named after
    something (a team in the matrix) keeps its name."""
    if column in HEADINGS:
        return HEADINGS[column]
    return column.replace("_", " ").capitalize() if _MACHINE.match(column) else column


def plain_heading(column: str) -> str:
    return heading(column).replace("\u00ad", "")


KPI_COLUMNS = ["key", "label", "value", "previous", "change", "unit"]


def tables(report: Report) -> list[Table]:
    """Every table of the report, as the CSV export writes them: the headline figures, then each
    section's figures and tables (file names start with the section's key)."""
    out = [Table(name="kpis", title="Headline figures", columns=KPI_COLUMNS, rows=_kpi_rows(report.kpis))]
    for section in report.sections:
        prefix = section.key
        if section.kpis:
            out.append(Table(name=f"{prefix}_kpis", title=f"{section.title} figures", columns=KPI_COLUMNS,
                             rows=_kpi_rows(section.kpis)))
        out.extend(t.model_copy(update={"name": t.name if t.name.startswith(prefix) else f"{prefix}_{t.name}"})
                   for t in section.tables)
    return out


def _kpi_rows(kpis: list[Kpi]) -> list[list[Cell]]:
    return [[k.key, k.label, k.value, k.previous, k.change, k.unit] for k in kpis]


def figures_of(section: ReportSection, cards: Cards) -> list[Figure]:
    """The figures a cards part names, in its order."""
    return [section.find_figure(key) for key in cards.figures]


def _number(value: Cell) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def draw(section: ReportSection, chart: Chart) -> Markup:
    """A chart part as inline SVG (plus a heatmap's legend), drawn from its table."""
    table = section.table(chart.table)
    if not table.rows:
        return Markup('<p class="nodata">{}</p>').format(chart.empty)
    if chart.chart == "heatmap":
        teams = [str(row[0]) for row in table.rows]
        cells = [[None if v == NOT_REPORTABLE or not isinstance(v, int) else v for v in row[1:]] for row in table.rows]
        abbreviations = "; ".join(f"{charts.abbreviation(t)} = {t}" for t in teams)
        legend = " ".join(x for x in (chart.legend, f"{abbreviations}. n/r = not reportable.") if x)
        return charts.heatmap(teams, cells, chart.label) + Markup('\n<p class="legend">{}</p>').format(legend)
    labels = [str(v) for v in _column(table, chart.labels)]
    values = [_number(v) for v in _column(table, chart.values)]
    if chart.chart == "bars":
        return charts.bars(list(zip(labels, values, strict=True)), chart.label)
    return charts.columns(labels, values, chart.label)


def _column(table: Table, name: str) -> list[Cell]:
    index = table.columns.index(name)
    return [row[index] for row in table.rows]


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
    env.globals.update(fmt_kpi=fmt_kpi, fmt_figure=fmt_figure, figures_of=figures_of, draw=draw, charts=charts,
                       NOT_REPORTABLE=NOT_REPORTABLE)
    return env


def _template(name: str) -> Template:
    env = _env()
    if name.endswith((".md.j2", ".txt.j2")):
        return env.overlay(autoescape=False).get_template(name)
    return env.get_template(name)


def to_html(report: Report) -> str:
    last_day = report.period_end.astimezone(ZoneInfo(report.timezone)) - timedelta(days=1)
    return _template("report.html.j2").render(report=report, last_day=last_day)


def to_markdown(report: Report) -> str:
    return _template("report.md.j2").render(report=report)


def render(report: Report, fmt: Format) -> bytes:
    renderers: dict[str, Callable[[Report], str | bytes]] = {"html": to_html, "json": to_json, "md": to_markdown,
                                                             "csv": to_csv_zip}
    out = renderers[fmt](report)
    return out.encode("utf-8") if isinstance(out, str) else out
