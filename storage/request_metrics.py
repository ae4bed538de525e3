"""Request metrics for the monthly culture report, per organisation, team and month.

Business-time figures were computed by the core when each step happened (in the owner's own
timezone and business calendar) and stored on the request, so these are plain queries.

Definitions (a request belongs to the month, in the organisation's timezone, in which it was
created; to the team of its *owner*, who gives the service):

- ``first_response_median_h`` / ``_p90_h``: business hours from creation to the owner's first
  response (acknowledge, promise, update, done or decline), over requests that got one.
- ``resolution_median_h`` / ``_p90_h``: business hours from creation to (the last) delivery.
- ``acknowledged_within_target``: share of requests whose first response came by the target,
  over requests that got a first response or whose target has passed at ``as_of``.
- ``promises_kept``: share of promises delivered by the promised time, over promises whose
  outcome is known at ``as_of`` (delivered, or the promised time has passed). A promise moved
  before it was due is renegotiated (its new date counts); moved or delivered after it was due,
  it is broken.
- ``unanswered``: requests with no first response whose target has passed at ``as_of``.
- ``csat_average``: mean rating (1-5) of the rated requests; ``ratings`` how many were rated.
- ``reopen_rate``: share of delivered requests that were reopened at least once.

Shares and averages are ``None`` when their denominator is zero. Counts are included so the
report can apply its privacy threshold (``reports.min_group_size``) itself.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from storage.models import Person, Team
from storage.request_models import Request


@dataclass(frozen=True)
class RequestMetrics:
    """One group's figures (``team_id`` None = the whole organisation)."""

    month: str
    team_id: int | None
    team_name: str
    requests: int
    first_response_median_h: float | None
    first_response_p90_h: float | None
    resolution_median_h: float | None
    resolution_p90_h: float | None
    acknowledged_within_target: float | None
    promises: int
    promises_kept: float | None
    unanswered: int
    ratings: int
    csat_average: float | None
    delivered: int
    reopen_rate: float | None


def _month_bounds(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    year, mon = (int(x) for x in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=tz)
    end = datetime(year + (mon == 12), 1 if mon == 12 else mon + 1, 1, tzinfo=tz)
    return start, end


def _hours(seconds: Sequence[int]) -> tuple[float | None, float | None]:
    """Median and 90th percentile (inclusive method; a single value is both) in hours."""
    if not seconds:
        return None, None
    values = sorted(s / 3600 for s in seconds)
    median = statistics.median(values)
    p90 = values[0] if len(values) == 1 else statistics.quantiles(values, n=10, method="inclusive")[-1]
    return round(median, 2), round(p90, 2)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def compute(rows: Sequence[Request], month: str, as_of: datetime, team_id: int | None = None,
            team_name: str = "") -> RequestMetrics:
    """The figures of one group of requests (exposed for tests and ad-hoc groupings)."""
    first = [r.first_response_business_s for r in rows if r.first_response_business_s is not None]
    resolved = [r.resolution_business_s for r in rows if r.resolution_business_s is not None]
    judged = [r for r in rows if r.first_response_at is not None or r.first_response_due_at <= as_of]
    in_time = [r for r in judged if r.first_response_at is not None and r.first_response_at <= r.first_response_due_at]
    promised = [r for r in rows if r.promised_at is not None and
                (r.delivered_at is not None or r.promised_at <= as_of or r.promise_broken)]
    kept = [r for r in promised if not r.promise_broken and r.delivered_at is not None
            and r.delivered_at <= r.promised_at]  # type: ignore[operator]
    unanswered = [r for r in rows if r.first_response_at is None and r.first_response_due_at <= as_of
                  and r.status not in ("cancelled",)]
    rated = [r.rating for r in rows if r.rating is not None]
    delivered = [r for r in rows if r.delivery_count > 0]
    fr_med, fr_p90 = _hours(first)
    res_med, res_p90 = _hours(resolved)
    return RequestMetrics(
        month=month, team_id=team_id, team_name=team_name, requests=len(rows),
        first_response_median_h=fr_med, first_response_p90_h=fr_p90,
        resolution_median_h=res_med, resolution_p90_h=res_p90,
        acknowledged_within_target=_share(len(in_time), len(judged)),
        promises=len(promised), promises_kept=_share(len(kept), len(promised)),
        unanswered=len(unanswered), ratings=len(rated),
        csat_average=round(sum(rated) / len(rated), 2) if rated else None,
        delivered=len(delivered), reopen_rate=_share(len([r for r in delivered if r.reopen_count > 0]), len(delivered)),
    )


def _rows(session: Session, org_id: int, month: str, tz: str) -> list[tuple[Request, int | None]]:
    start, end = _month_bounds(month, ZoneInfo(tz))
    stmt = (select(Request, Person.team_id).join(Person, Person.id == Request.owner_id)
            .where(Request.org_id == org_id, Request.created_at >= start, Request.created_at < end)
            .order_by(Request.id))
    return [(r, team) for r, team in session.exec(stmt)]


def organisation_metrics(session: Session, org_id: int, month: str, tz: str, as_of: datetime) -> RequestMetrics:
    """``month`` is ``YYYY-MM`` in the IANA zone ``tz`` (the organisation's); ``as_of`` is "now"
    (the injected clock) and decides which targets and promises have passed."""
    return compute([r for r, _ in _rows(session, org_id, month, tz)], month, as_of)


def team_metrics(session: Session, org_id: int, month: str, tz: str, as_of: datetime) -> list[RequestMetrics]:
    """One entry per team that owned requests that month (by the owner's team), ordered by team
    name; requests of owners without a team are left out here (they count for the organisation)."""
    by_team: dict[int, list[Request]] = {}
    for request, team_id in _rows(session, org_id, month, tz):
        if team_id is not None:
            by_team.setdefault(team_id, []).append(request)
    names = {team.id: team.name for team in session.exec(select(Team).where(Team.org_id == org_id))}
    out = [compute(rows, month, as_of, team_id, names.get(team_id, "")) for team_id, rows in by_team.items()]
    return sorted(out, key=lambda m: m.team_name)


def months_with_requests(session: Session, org_id: int, tz: str) -> list[str]:
    """Every ``YYYY-MM`` (in ``tz``) with at least one request, oldest first."""
    zone = ZoneInfo(tz)
    stamps = session.exec(select(Request.created_at).where(Request.org_id == org_id)).all()
    return sorted({stamp.astimezone(zone).strftime("%Y-%m") for stamp in stamps})
