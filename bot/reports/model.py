"""The culture report as data: one pydantic model, rendered to HTML, CSV, JSON and Markdown.

The JSON format *is* this model (``Report.model_dump_json``); its JSON Schema is generated from it
into ``docs/report.schema.json`` (``python -m bot.reports.schema``), so BI tools have a contract.
Every figure that a privacy rule hides is ``null`` with ``reportable: false`` beside it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"
Cell = str | int | float | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Kpi(_Model):
    """A headline figure with last month's value and a six-month series (oldest first)."""

    key: str
    label: str
    value: float | None
    previous: float | None = None
    change: float | None = Field(None, description="value - previous, when both are known")
    unit: Literal["count", "share", "hours", "score"] = "count"
    series: list[float | None] = Field(default_factory=list, description="six months, oldest first, this month last")


class Table(_Model):
    """A table as the CSV export writes it (one file per table) and the HTML shows it."""

    name: str = Field(description="file-safe name, e.g. recognition_per_team")
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""


class TeamRow(_Model):
    team: str
    people: int | None = Field(description="null when not reportable")
    reportable: bool
    kudos_given: int | None = None
    kudos_received: int | None = None
    gave_share: float | None = None
    received_share: float | None = None


class ValueRow(_Model):
    slug: str
    name: str
    kudos: int
    share: float = Field(description="of all kudos given in the month")


class Matrix(_Model):
    """Recognitions from the row team to the column team; hidden teams' cells are null."""

    teams: list[str]
    reportable: list[bool]
    cells: list[list[int | None]]


class PairFlag(_Model):
    """Two people who, this month and the two before, recognised only each other (at least twice each). No names: HR can ask
    the bot's administrators to look into it under their own procedures."""

    a_to_b: int
    b_to_a: int
    same_team: bool


class LeaderEntry(_Model):
    rank: int
    name: str
    received: int


class Leaderboard(_Model):
    shown: bool
    reason: str = ""
    entries: list[LeaderEntry] = Field(default_factory=list)


class MonthPoint(_Model):
    month: str
    people: int
    kudos_given: int
    kudos_received: int
    gave_share: float | None
    received_share: float | None


class Recognition(_Model):
    people: int = Field(description="people in the directory at the end of the month")
    kudos_given: int
    kudos_received: int
    givers: int
    receivers: int
    gave_share: float | None
    received_share: float | None
    top10_share: float | None = Field(description="share of recognitions received by the top 10% of people")
    not_recognised_90d: int = Field(description="people who received no kudos this month and the two before (about 90 days)")
    per_value: list[ValueRow]
    per_team: list[TeamRow]
    matrix: Matrix
    exclusive_pairs: list[PairFlag]
    leaderboard: Leaderboard
    trend: list[MonthPoint]


class Section(_Model):
    """A section fed by another feature (responsiveness, practice): figures plus tables.

    ``available`` is false until that feature's data exists; ``note`` then says why.
    """

    available: bool
    note: str = ""
    kpis: list[Kpi] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    highlights: list[str] = Field(default_factory=list, description="themes or quotes, never attributed")


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
    kpis: list[Kpi]
    recognition: Recognition
    responsiveness: Section
    practice: Section
    privacy: Privacy
