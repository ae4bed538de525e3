"""Aggregate SQL behind the monthly culture report (recognition), and the report-link secret.

Every query is scoped to one organisation and a half-open period ``[start, end)``; the report
builder (:mod:`bot.reports.build`) combines them and applies the privacy rules. Counts here are
raw: suppression of small groups happens in the builder, never in SQL.

Definitions (kept in one place so the README and the JSON schema can quote them):
- *kudos given*: kudos messages written in the period (one per ``/kudos``, whatever the recipients).
- *kudos received*: recognitions received (a kudos to two people counts one for each).
- *people in scope*: people in the directory who existed before the period ended.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from storage.models import Kudos, KudosRecipient, KudosValue, Person, Team
from storage.signing_keys import existing_secret, stored_secret


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    team: str | None
    leaderboard_opt_out: bool
    created_at: datetime


@dataclass(frozen=True)
class ExclusivePair:
    """Two people whose every kudos in the window went to each other."""

    a: int
    b: int
    a_to_b: int
    b_to_a: int


def _in_period(org_id: int, start: datetime, end: datetime):  # type: ignore[no-untyped-def]
    return and_(Kudos.org_id == org_id, Kudos.created_at >= start, Kudos.created_at < end)


def people_in_scope(session: Session, org_id: int, end: datetime) -> list[PersonRow]:
    stmt = (
        select(Person.id, Person.name, Team.name, Person.leaderboard_opt_out, Person.created_at)
        .outerjoin(Team, Team.id == Person.team_id)
        .where(Person.org_id == org_id, Person.created_at < end)
        .order_by(Person.id)
    )
    return [PersonRow(i, n, t, bool(o), c) for i, n, t, o, c in session.execute(stmt)]


def count_people(session: Session, org_id: int, end: datetime) -> int:
    stmt = select(func.count()).select_from(Person).where(Person.org_id == org_id, Person.created_at < end)
    return int(session.execute(stmt).scalar_one())


def _bucket(bounds: Sequence[datetime]):  # type: ignore[no-untyped-def]
    """Which of the periods ``[bounds[i], bounds[i+1])`` a kudos falls in, portable to every engine."""
    return case(*[(Kudos.created_at < b, i) for i, b in enumerate(bounds[1:-1])], else_=len(bounds) - 2)


def given_by_period(session: Session, org_id: int, bounds: Sequence[datetime]) -> list[dict[int, int]]:
    """Kudos given per person in each period (consecutive periods; one scan for all of them)."""
    bucket = _bucket(bounds).label("bucket")
    stmt = (
        select(bucket, Kudos.giver_id, func.count())
        .where(_in_period(org_id, bounds[0], bounds[-1]))
        .group_by(bucket, Kudos.giver_id)
    )
    out: list[dict[int, int]] = [{} for _ in bounds[1:]]
    for b, person, n in session.execute(stmt):
        out[int(b)][int(person)] = int(n)
    return out


def received_by_period(session: Session, org_id: int, bounds: Sequence[datetime]) -> list[dict[int, int]]:
    """Recognitions received per person in each period."""
    bucket = _bucket(bounds).label("bucket")
    stmt = (
        select(bucket, KudosRecipient.person_id, func.count())
        .select_from(KudosRecipient)
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(_in_period(org_id, bounds[0], bounds[-1]))
        .group_by(bucket, KudosRecipient.person_id)
    )
    out: list[dict[int, int]] = [{} for _ in bounds[1:]]
    for b, person, n in session.execute(stmt):
        out[int(b)][int(person)] = int(n)
    return out


def per_value(session: Session, org_id: int, start: datetime, end: datetime) -> dict[str, int]:
    """Kudos tagged with each value (a kudos with two values counts for both)."""
    stmt = (
        select(KudosValue.value_slug, func.count())
        .join(Kudos, Kudos.id == KudosValue.kudos_id)
        .where(_in_period(org_id, start, end))
        .group_by(KudosValue.value_slug)
    )
    return {str(s): int(n) for s, n in session.execute(stmt)}


def team_matrix(session: Session, org_id: int, start: datetime, end: datetime) -> dict[tuple[str | None, str | None], int]:
    """Recognitions from the giver's team (row) to the recipient's team (column); None = no team."""
    giver, recipient = aliased(Person), aliased(Person)
    giver_team, recipient_team = aliased(Team), aliased(Team)
    stmt = (
        select(giver_team.name, recipient_team.name, func.count())
        .select_from(KudosRecipient)
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .join(giver, giver.id == Kudos.giver_id)
        .join(recipient, recipient.id == KudosRecipient.person_id)
        .outerjoin(giver_team, giver_team.id == giver.team_id)
        .outerjoin(recipient_team, recipient_team.id == recipient.team_id)
        .where(_in_period(org_id, start, end))
        .group_by(giver_team.name, recipient_team.name)
    )
    return {(g, r): int(n) for g, r, n in session.execute(stmt)}


def exclusive_pairs(session: Session, org_id: int, since: datetime, end: datetime, min_each: int = 2) -> list[ExclusivePair]:
    """Pairs who only recognise each other: each gave at least ``min_each`` kudos in the window,
    all of them to the other (a pattern HR may want to look at, e.g. kudos traded for rewards).

    SQL finds the givers whose recognitions all went to one person (few rows); matching them up
    is a dictionary lookup.
    """
    stmt = (
        select(Kudos.giver_id, func.min(KudosRecipient.person_id), func.count())
        .select_from(KudosRecipient)
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(_in_period(org_id, since, end))
        .group_by(Kudos.giver_id)
        .having(func.min(KudosRecipient.person_id) == func.max(KudosRecipient.person_id))
    )
    solo = {int(g): (int(r), int(n)) for g, r, n in session.execute(stmt)}
    pairs = []
    for giver, (recipient, given) in sorted(solo.items()):
        back = solo.get(recipient)
        if giver < recipient and back is not None and back[0] == giver and given >= min_each and back[1] >= min_each:
            pairs.append(ExclusivePair(giver, recipient, given, back[1]))
    return pairs


def existing_link_secret(session: Session) -> str | None:
    """The stored signing key if one was ever created (reading it never creates one)."""
    return existing_secret(session, "report_links")


def link_secret(session: Session, now: datetime) -> str:
    """The stored signing key for report links, created on first use (EXTRAMILE_SECRET wins over it)."""
    return stored_secret(session, "report_links", now)


# --- Responsiveness and practice: lean column reads for the other features' figures ----------
# The report reads only the columns it needs (rows, not ORM objects): for 50,000 requests a year
# this is several times faster, and the figures stay those of storage.request_metrics.compute.

REQUEST_FIELDS = ("status", "first_response_at", "first_response_due_at", "first_response_business_s",
                  "resolution_business_s", "promised_at", "promise_broken", "delivered_at", "delivery_count",
                  "reopen_count", "rating")


def requests_for_metrics(session: Session, org_id: int, bounds: Sequence[datetime]) -> list[list[Any]]:
    """Per period: rows with :data:`REQUEST_FIELDS` plus ``team`` (the owner's team name, or None)."""
    from storage.request_models import Request

    bucket = case(*[(Request.created_at < b, i) for i, b in enumerate(bounds[1:-1])], else_=len(bounds) - 2)
    stmt = (
        select(bucket.label("bucket"), *[getattr(Request, f) for f in REQUEST_FIELDS], Team.name.label("team"))
        .join(Person, Person.id == Request.owner_id)
        .outerjoin(Team, Team.id == Person.team_id)
        .where(Request.org_id == org_id, Request.created_at >= bounds[0], Request.created_at < bounds[-1])
    )
    out: list[list[Any]] = [[] for _ in bounds[1:]]
    for row in session.execute(stmt):
        out[int(row.bucket)].append(row)
    return out


def prompt_activity(session: Session, org_id: int, bounds: Sequence[datetime]) -> list[dict[str, int]]:
    """Per period: prompts posted, posts answered, answers and distinct people who answered."""
    from storage.prompts_models import PromptPost, PromptReply

    bucket = case(*[(PromptPost.posted_at < b, i) for i, b in enumerate(bounds[1:-1])], else_=len(bounds) - 2)
    in_range = and_(PromptPost.org_id == org_id, PromptPost.kind == "prompt", PromptPost.posted_at >= bounds[0],
                    PromptPost.posted_at < bounds[-1])
    out = [{"posts": 0, "answered": 0, "replies": 0, "responders": 0} for _ in bounds[1:]]
    for b, n in session.execute(select(bucket, func.count()).where(in_range).group_by(bucket)):
        out[int(b)]["posts"] = int(n)
    stmt = (
        select(bucket, func.count(func.distinct(PromptReply.post_id)), func.count(),
               func.count(func.distinct(PromptReply.person_id)))
        .select_from(PromptReply)
        .join(PromptPost, PromptPost.id == PromptReply.post_id)
        .where(in_range)
        .group_by(bucket)
    )
    for b, answered, replies, responders in session.execute(stmt):
        out[int(b)].update(answered=int(answered), replies=int(replies), responders=int(responders))
    return out


def stories_by_kind(session: Session, org_id: int, bounds: Sequence[datetime]) -> list[dict[str, int]]:
    """Per period: stories told, by kind (good / bad)."""
    from storage.prompts_models import Story

    bucket = case(*[(Story.created_at < b, i) for i, b in enumerate(bounds[1:-1])], else_=len(bounds) - 2)
    stmt = (
        select(bucket, Story.kind, func.count())
        .where(Story.org_id == org_id, Story.created_at >= bounds[0], Story.created_at < bounds[-1])
        .group_by(bucket, Story.kind)
    )
    out: list[dict[str, int]] = [{} for _ in bounds[1:]]
    for b, kind, n in session.execute(stmt):
        out[int(b)][str(kind)] = int(n)
    return out


def story_texts(session: Session, org_id: int, start: datetime, end: datetime,
                include_anonymous: bool = True) -> list[str]:
    """The texts of the period's stories, for themes (never their authors). An LLM summary passes
    ``include_anonymous=False`` unless app.yaml allows sending anonymous text."""
    from storage.prompts_models import Story

    stmt = select(Story.text).where(Story.org_id == org_id, Story.created_at >= start, Story.created_at < end)
    if not include_anonymous:
        stmt = stmt.where(Story.anonymous == False)  # noqa: E712  (SQL expression)
    return [str(t) for t in session.execute(stmt).scalars()]


def request_counts(session: Session, org_id: int, bounds: Sequence[datetime]) -> list[int]:
    """Requests created per period (the six-month sparkline; the other figures read rows)."""
    from storage.request_models import Request

    bucket = case(*[(Request.created_at < b, i) for i, b in enumerate(bounds[1:-1])], else_=len(bounds) - 2)
    stmt = (select(bucket, func.count())
            .where(Request.org_id == org_id, Request.created_at >= bounds[0], Request.created_at < bounds[-1])
            .group_by(bucket))
    out = [0 for _ in bounds[1:]]
    for b, n in session.execute(stmt):
        out[int(b)] = int(n)
    return out


def name_parts(session: Session, org_id: int) -> set[str]:
    """Every word of every person's name and handle, lower-cased (kept out of story themes)."""
    parts: set[str] = set()
    for name, handle in session.execute(select(Person.name, Person.handle).where(Person.org_id == org_id)):
        parts.update(w for w in re.split(r"[\s.@_'-]+", f"{name} {handle or ''}".lower()) if w)
    return parts
