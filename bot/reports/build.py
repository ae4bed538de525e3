"""Build one month's :class:`~bot.reports.model.Report` from the features' report sections.

Months are calendar months in the organisation's timezone. Here we only set the scene every
section shares (the people in scope at the end of the month, their teams, the teams the privacy
rules hide, the six months of the trend) and ask each feature's section for its part (see
:mod:`bot.reports.sections`); each section reads its own figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.config import AppConfig
from bot.dates import month_bounds
from bot.reports import sections
from bot.reports.model import Privacy, Report
from bot.reports.privacy import hidden_groups, rules_text
from storage import report_queries as q


NO_TEAM = sections.NO_TEAM
TREND_MONTHS = 6


@dataclass(frozen=True)
class Period:
    """One report month: its bounds, and the months of the trend (oldest first, this one last)."""

    month: str
    start: datetime
    end: datetime
    tz: ZoneInfo

    @property
    def months(self) -> list[str]:
        return [shift_month(self.month, -k) for k in range(TREND_MONTHS - 1, -1, -1)]

    def bounds(self, month: str) -> tuple[datetime, datetime]:
        return month_bounds(month, self.tz)


def shift_month(month: str, delta: int) -> str:
    year, mon = (int(x) for x in month.split("-"))
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def previous_month(now: datetime, tz: ZoneInfo) -> str:
    """The last complete month at ``now`` in ``tz`` (what a report sent on the 1st is about)."""
    local = now.astimezone(tz)
    return shift_month(f"{local.year:04d}-{local.month:02d}", -1)


def period_of(month: str, config: AppConfig) -> Period:
    tz = ZoneInfo(config.organization.timezone)
    start, end = month_bounds(month, tz)
    return Period(month=month, start=start, end=end, tz=tz)


def build_report(session: Session, org_id: int, config: AppConfig, month: str, now: datetime,
                 themes_summary: str | None = None, *, parts: Sequence[sections.ReportPart]) -> Report:
    """The report of ``month``: one section per feature's part, in their order."""
    period = period_of(month, config)
    k = config.reports.min_group_size
    people = q.people_in_scope(session, org_id, period.end)
    team_of = {p.id: (p.team or NO_TEAM) for p in people}
    sizes: dict[str, int] = {}
    for name in team_of.values():
        sizes[name] = sizes.get(name, 0) + 1
    context = sections.SectionContext(session=session, org_id=org_id, config=config, start=period.start,
                                      end=period.end, now=now, months=[(m, *period.bounds(m)) for m in period.months],
                                      team_of=team_of, hidden_teams=hidden_groups(sizes, k), people=people,
                                      themes_summary=themes_summary)
    built = [sections.build(part, context) for part in parts]
    names_shown = any(section.names for section in built)
    return Report(
        organization=config.organization.name, month=month, timezone=config.organization.timezone,
        period_start=period.start, period_end=period.end, generated_at=now, sections=built,
        privacy=Privacy(min_group_size=k, leaderboard_names=names_shown, rules=rules_text(k, names_shown)),
    )
