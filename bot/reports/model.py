"""The culture report as data: one pydantic model, rendered to HTML, CSV, JSON and Markdown.

A report is a list of sections, one per feature that declares one (recognition from kudos,
responsiveness from requests, practice from prompts and stories: see
:attr:`bot.feature.Feature.report`). A section holds data (``headline`` and ``kpis`` with their
six-month series, plain ``figures``, ``tables``, ``highlights``) and a ``layout``: the order in
which the HTML and Markdown show it (cards, charts drawn from its tables, tables, texts). Every
renderer loops over the sections and their layout, so a new section needs no renderer change.

The JSON format *is* this model (``Report.model_dump_json``); its JSON Schema is generated from it
into ``docs/report.schema.json`` (``python -m bot.reports.schema``), so BI tools have a contract.
Every figure that a privacy rule hides is the text "not reportable" in its table cell.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "2"
Cell = str | bool | int | float | None
Unit = Literal["count", "share", "hours", "score"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Kpi(_Model):
    """A headline figure with last month's value and a six-month series (oldest first)."""

    key: str
    label: str
    value: float | None
    previous: float | None = None
    change: float | None = Field(default=None, description="value - previous, when both are known")
    unit: Unit = "count"
    series: list[float | None] = Field(default_factory=list, description="six months, oldest first, this month last")


class Figure(_Model):
    """One figure of the month, without a series; ``detail`` says what it is out of."""

    key: str
    label: str
    value: float | None
    unit: Unit = "count"
    detail: str = ""


class Table(_Model):
    """A table as the CSV export writes it (one file per table) and the HTML shows it."""

    name: str = Field(description="file-safe name, e.g. recognition_per_team")
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""
    empty: str = Field(default="Nothing this month.", description="what is shown when there are no rows")

    def records(self) -> list[dict[str, Cell]]:
        """The rows as {column: cell} (what a BI tool reads)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class Cards(_Model):
    """Figures of the section (by key) as cards: label, value, detail."""

    kind: Literal["cards"] = "cards"
    figures: list[str]


class KpiCards(_Model):
    """The section's kpis as cards with their change and a sparkline."""

    kind: Literal["kpis"] = "kpis"


class Chart(_Model):
    """A chart drawn from one of the section's tables: ``labels`` and ``values`` name its columns
    (a heatmap takes its row labels from the first column and every other column as values)."""

    kind: Literal["chart"] = "chart"
    chart: Literal["columns", "bars", "heatmap"]
    table: str
    title: str = Field(description="the heading above the chart")
    label: str = Field(description="what the chart shows, for screen readers")
    labels: str = ""
    values: str = ""
    legend: str = ""
    empty: str = "Nothing this month."


class TableView(_Model):
    kind: Literal["table"] = "table"
    table: str


class Text(_Model):
    """A heading and a short text (e.g. why the leaderboard is not shown)."""

    kind: Literal["text"] = "text"
    title: str
    text: str


class Highlights(_Model):
    """The section's highlights as a list under a heading."""

    kind: Literal["highlights"] = "highlights"
    title: str = "Themes"


Part = Annotated[Cards | KpiCards | Chart | TableView | Text | Highlights, Field(discriminator="kind")]


class ReportSection(_Model):
    """One feature's part of the report.

    ``available`` is false until that feature's data exists; ``note`` then says why. ``headline``
    kpis are shown at the top of the report ("At a glance"); ``names`` says whether the section
    names people (only a leaderboard the organisation switched on may).
    """

    key: str = Field(description="file-safe name of the section, e.g. recognition")
    title: str
    available: bool
    note: str = ""
    names: bool = False
    headline: list[Kpi] = Field(default_factory=list)
    kpis: list[Kpi] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    highlights: list[str] = Field(default_factory=list, description="themes or quotes, never attributed")
    layout: list[Part] = Field(default_factory=list)

    def figure(self, key: str) -> float | None:
        return next(f.value for f in self.figures if f.key == key)

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def find_figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


class Privacy(_Model):
    min_group_size: int
    leaderboard_names: bool
    rules: list[str]


class Report(_Model):
    schema_version: str = SCHEMA_VERSION
    organization: str
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    timezone: str
    period_start: datetime
    period_end: datetime
    generated_at: datetime
    sections: list[ReportSection]
    privacy: Privacy

    @property
    def kpis(self) -> list[Kpi]:
        """Every section's headline kpis, in the order of the sections ("At a glance")."""
        return [kpi for section in self.sections for kpi in section.headline]

    def section(self, key: str) -> ReportSection:
        return next(s for s in self.sections if s.key == key)

    def has(self, key: str) -> bool:
        return any(s.key == key for s in self.sections)
