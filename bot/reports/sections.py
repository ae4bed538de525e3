"""The report's sections fed by other features: Responsiveness (requests) and Practice (prompts
and stories).

Each section is built by a *provider* module with ``report_section(SectionContext) -> Section``:
:mod:`bot.reports.responsiveness` (figures of ``storage.request_metrics.compute``) and
:mod:`bot.reports.practice` (prompt participation, ``storage.stories.by_value``, themes). When a
provider (or the feature under it) is not installed, or it has no data for the six months, the
section is ``Section(available=False)``, which every renderer shows as "No data yet"; a provider
that fails is logged and shown the same way, so one feature never takes the report down. Per-team tables must go through :meth:`SectionContext.team_rows`
so the same small-group suppression as the recognition section applies.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Any

from sqlmodel import Session

from bot.config import AppConfig
from bot.reports.model import Cell, Section
from bot.reports.privacy import NOT_REPORTABLE

log = logging.getLogger(__name__)


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
    # The LLM's summary of the month's story themes, when llm is enabled (made before the build).
    themes_summary: str | None = None

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


Provider = Callable[[SectionContext], Section]


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def _unavailable(what: str) -> Section:
    return Section(available=False, note=f"No data yet: {what} are not recorded in this installation.")


def _from_provider(module: ModuleType | None, what: str, context: SectionContext) -> Section:
    """Call ``module.report_section(context)`` when the feature ships one."""
    build: Any = getattr(module, "report_section", None) if module is not None else None
    if build is None:
        return _unavailable(what)
    try:
        result = build(context)
    except Exception:  # a section must never take the whole report down
        log.exception("report section from %s failed", getattr(module, "__name__", module))
        return Section(available=False, note=f"No data: the {what} figures could not be computed (see the bot's log).")
    return result if isinstance(result, Section) else Section.model_validate(result)


def responsiveness(context: SectionContext) -> Section:
    return _from_provider(_module("bot.reports.responsiveness"), "internal requests", context)


def practice(context: SectionContext) -> Section:
    return _from_provider(_module("bot.reports.practice"), "prompts and stories", context)
