"""What every report section gets (:class:`SectionContext`) and how a section is built safely.

Each feature with a part in the report declares a :class:`ReportPart` (``bot.feature.Feature.report``):
recognition (kudos), responsiveness (requests), practice (prompts and stories). A section that
has no data for the six months is ``available=False`` with a note, which every renderer shows as
"No data yet"; a section that fails is logged and shown the same way, so one feature never takes
the report down. Per-team tables must go through :meth:`SectionContext.team_rows` so the same
small-group suppression applies everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.config import AppConfig
from bot.reports.model import Cell, ReportSection
from bot.reports.privacy import NOT_REPORTABLE
from storage.report_queries import PersonRow

log = logging.getLogger(__name__)

NO_TEAM = "No team"


@dataclass(frozen=True)
class SectionContext:
    session: Session
    org_id: int
    config: AppConfig
    start: datetime
    end: datetime
    now: datetime
    # The six trend months, oldest first: (YYYY-MM, start, end).
    months: list[tuple[str, datetime, datetime]]
    # Team name per person id (people in scope) and the teams the privacy rules hide.
    team_of: dict[int, str]
    hidden_teams: set[str]
    # The people in the directory at the end of the month.
    people: Sequence[PersonRow] = ()
    # The LLM's summary of the month's story themes, when llm is enabled (made before the build).
    themes_summary: str | None = None

    @property
    def teams(self) -> list[str]:
        """Teams of the people in scope, alphabetically, "No team" last."""
        return sorted(set(self.team_of.values()), key=lambda name: (name == NO_TEAM, name.lower()))

    def team_rows(self, rows: Sequence[tuple[str, Sequence[Cell]]], width: int) -> list[list[Cell]]:
        """Rows ``(team, figures)`` with hidden teams' figures replaced by "not reportable".

        Teams with no people in scope are dropped (their figures would be someone's own).
        """
        known = set(self.team_of.values())
        out: list[list[Cell]] = []
        for team, figures in rows:
            if team not in known:
                continue
            out.append([team, *([NOT_REPORTABLE] * width if team in self.hidden_teams else list(figures))])
        return out


@dataclass(frozen=True)
class ReportPart:
    """A feature's section of the report: its key and title, and how to build it for a month."""

    key: str
    title: str
    build: Callable[[SectionContext], ReportSection]


def build(part: ReportPart, context: SectionContext) -> ReportSection:
    """``part`` for this month; a section that fails is reported as unavailable, not raised."""
    try:
        return part.build(context)
    except Exception:  # a section must never take the whole report down
        log.exception("report section %s failed", part.key)
        return ReportSection(key=part.key, title=part.title, available=False,
                             note=f"No data: the {part.title.lower()} figures could not be computed (see the bot's log).")
