"""Build one month's :class:`~bot.reports.model.Report` from the storage aggregates.

Months are calendar months in the organisation's timezone. All SQL lives in
:mod:`storage.report_queries` (recognition) and the other features' metric modules (see
:mod:`bot.reports.sections`); here we only combine, apply the privacy rules and compare months.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.config import AppConfig
from bot.dates import month_bounds
from bot.reports import sections
from bot.reports.model import (
    Kpi,
    Leaderboard,
    LeaderEntry,
    Matrix,
    MonthPoint,
    PairFlag,
    Privacy,
    Recognition,
    Report,
    TeamRow,
    ValueRow,
)
from bot.reports.privacy import hidden_groups, rules_text
from storage import report_queries as q

NO_TEAM = "No team"
TREND_MONTHS = 6
# "Not recognised in 90 days" and the exclusive pairs look at this month and the two before it
# (89 to 92 days): the per-person monthly counts the trend already reads answer it, no extra scan.
QUIET_MONTHS = 3


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


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _change(value: float | None, previous: float | None) -> float | None:
    return round(value - previous, 4) if value is not None and previous is not None else None


def top_share(received: dict[int, int], people: int) -> float | None:
    """Share of all recognitions received by the top 10% of people (at least one person)."""
    total = sum(received.values())
    if not total or not people:
        return None
    top = max(1, math.ceil(people * 0.10))
    return round(sum(sorted(received.values(), reverse=True)[:top]) / total, 4)


def build_report(session: Session, org_id: int, config: AppConfig, month: str, now: datetime,
                 themes_summary: str | None = None) -> Report:
    period = period_of(month, config)
    k = config.reports.min_group_size
    people = q.people_in_scope(session, org_id, period.end)
    team_of = {p.id: (p.team or NO_TEAM) for p in people}
    # One scan each for the six months of the trend; this month is the last period.
    bounds = [period.bounds(m)[0] for m in period.months] + [period.end]
    given_by_month = q.given_by_period(session, org_id, bounds)
    received_by_month = q.received_by_period(session, org_id, bounds)
    given, received = given_by_month[-1], received_by_month[-1]

    trend: list[MonthPoint] = []
    for i, m in enumerate(period.months):
        n = sum(1 for p in people if p.created_at < bounds[i + 1])
        g, r = given_by_month[i], received_by_month[i]
        trend.append(MonthPoint(month=m, people=n, kudos_given=sum(g.values()), kudos_received=sum(r.values()),
                                gave_share=_share(len(g), n), received_share=_share(len(r), n)))
    this = trend[-1]

    # Per team, with small-group suppression.
    teams: dict[str, list[int]] = {}
    for p in people:
        teams.setdefault(team_of[p.id], []).append(p.id)
    sizes = {name: len(members) for name, members in teams.items()}
    hidden = hidden_groups(sizes, k)
    order = sorted(sizes, key=lambda name: (name == NO_TEAM, name.lower()))
    per_team: list[TeamRow] = []
    for name in order:
        if name in hidden:
            per_team.append(TeamRow(team=name, people=None, reportable=False))
            continue
        members = teams[name]
        per_team.append(TeamRow(
            team=name, people=len(members), reportable=True,
            kudos_given=sum(given.get(i, 0) for i in members),
            kudos_received=sum(received.get(i, 0) for i in members),
            gave_share=_share(sum(1 for i in members if given.get(i)), len(members)),
            received_share=_share(sum(1 for i in members if received.get(i)), len(members)),
        ))

    raw = q.team_matrix(session, org_id, period.start, period.end)
    cells = [[None if (r in hidden or c in hidden) else raw.get((_team_key(r), _team_key(c)), 0) for c in order]
             for r in order]
    matrix = Matrix(teams=order, reportable=[name not in hidden for name in order], cells=cells)

    names = {v.slug: v.name for v in config.values}
    counts = q.per_value(session, org_id, period.start, period.end)
    per_value = [ValueRow(slug=slug, name=names.get(slug, slug), kudos=counts.get(slug, 0),
                          share=_share(counts.get(slug, 0), this.kudos_given) or 0.0)
                 for slug in [*names, *sorted(set(counts) - set(names))]]

    quiet_since = bounds[-1 - QUIET_MONTHS]
    pairs = [PairFlag(a_to_b=p.a_to_b, b_to_a=p.b_to_a, same_team=team_of.get(p.a) == team_of.get(p.b))
             for p in q.exclusive_pairs(session, org_id, quiet_since, period.end)]

    recognition = Recognition(
        people=len(people), kudos_given=this.kudos_given, kudos_received=this.kudos_received,
        givers=len(given), receivers=len(received), gave_share=this.gave_share, received_share=this.received_share,
        top10_share=top_share(received, len(people)),
        not_recognised_90d=_not_recognised(trend[-1].people, received_by_month[-QUIET_MONTHS:]),
        per_value=per_value, per_team=per_team, matrix=matrix, exclusive_pairs=pairs,
        leaderboard=_leaderboard(config, people, received), trend=trend,
    )
    prev_quiet = _not_recognised(trend[-2].people, received_by_month[-QUIET_MONTHS - 1:-1])
    top_series = [top_share(r, p.people) for r, p in zip(received_by_month, trend, strict=True)]

    def kpi(key: str, label: str, unit: str, series: list[float | None], previous: float | None = None,
            value: float | None = None) -> Kpi:
        value = series[-1] if series else value
        previous = series[-2] if len(series) > 1 else previous
        return Kpi(key=key, label=label, value=value, previous=previous, change=_change(value, previous),
                   unit=unit, series=series)  # type: ignore[arg-type]

    kpis = [
        kpi("kudos_given", "Kudos given", "count", [float(p.kudos_given) for p in trend]),
        kpi("gave_share", "People who gave kudos", "share", [p.gave_share for p in trend]),
        kpi("received_share", "People recognised", "share", [p.received_share for p in trend]),
        kpi("top10_share", "Received by the top 10%", "share", top_series),
        kpi("not_recognised_90d", "Not recognised in 90 days", "count", [], float(prev_quiet),
            float(recognition.not_recognised_90d)),
    ]
    context = sections.SectionContext(session=session, org_id=org_id, config=config, start=period.start,
                                      end=period.end, now=now, months=[(m, *period.bounds(m)) for m in period.months],
                                      team_of=team_of, hidden_teams=hidden, themes_summary=themes_summary)
    names_shown = recognition.leaderboard.shown
    return Report(
        organization=config.organization.name, month=month, timezone=config.organization.timezone,
        period_start=period.start, period_end=period.end, generated_at=now, kpis=kpis,
        recognition=recognition, responsiveness=sections.responsiveness(context),
        practice=sections.practice(context),
        privacy=Privacy(min_group_size=k, leaderboard_names=names_shown, rules=rules_text(k, names_shown)),
    )


def _not_recognised(people: int, months: list[dict[int, int]]) -> int:
    """People (in scope at the end of the last month) who received nothing in these months."""
    return people - len(set().union(*months))


def _team_key(name: str) -> str | None:
    return None if name == NO_TEAM else name


def _leaderboard(config: AppConfig, people: list[q.PersonRow], received: dict[int, int], size: int = 10) -> Leaderboard:
    if not config.kudos.leaderboard:
        return Leaderboard(shown=False, reason="The kudos leaderboard is switched off (kudos.leaderboard).")
    if not config.reports.leaderboard_names:
        return Leaderboard(shown=False, reason="Names are not shown in reports (reports.leaderboard_names is off).")
    ranked = sorted(((received[p.id], p.name) for p in people if received.get(p.id) and not p.leaderboard_opt_out),
                    key=lambda x: (-x[0], x[1]))[:size]
    return Leaderboard(shown=True, entries=[LeaderEntry(rank=i + 1, name=n, received=c) for i, (c, n) in enumerate(ranked)])
