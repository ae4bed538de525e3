"""Kudos: recording them and the queries the kudos commands need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import Kudos, KudosRecipient, KudosValue, Person


def record(
    session: Session,
    *,
    org_id: int,
    giver_id: int,
    recipient_ids: Sequence[int],
    values: Sequence[str],
    message: str,
    now: datetime,
    platform: str,
    source: str = "command",
    source_ref: str = "",
) -> Kudos:
    kudos = Kudos(org_id=org_id, giver_id=giver_id, message=message, created_at=now, platform=platform,
                  source=source, source_ref=source_ref)
    session.add(kudos)
    session.flush()
    for pid in dict.fromkeys(recipient_ids):
        session.add(KudosRecipient(kudos_id=kudos.id, person_id=pid))
    for slug in dict.fromkeys(values):
        session.add(KudosValue(kudos_id=kudos.id, value_slug=slug))
    session.flush()
    return kudos


def given_units_since(session: Session, giver_id: int, since: datetime) -> int:
    """How many recipient-kudos a giver has given since an instant (the budget counts recipients)."""
    stmt = (
        select(func.count())
        .select_from(KudosRecipient)
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(Kudos.giver_id == giver_id, Kudos.created_at >= since)
    )
    return session.exec(stmt).one()


def received_count(session: Session, person_id: int, start: datetime, end: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(KudosRecipient)
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(KudosRecipient.person_id == person_id, Kudos.created_at >= start, Kudos.created_at < end)
    )
    return session.exec(stmt).one()


def given_count(session: Session, person_id: int, start: datetime, end: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(KudosRecipient)
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(Kudos.giver_id == person_id, Kudos.created_at >= start, Kudos.created_at < end)
    )
    return session.exec(stmt).one()


@dataclass(frozen=True)
class ReceivedItem:
    giver_name: str
    message: str
    created_at: datetime


def recent_received(session: Session, person_id: int, start: datetime, end: datetime, limit: int = 5) -> list[ReceivedItem]:
    stmt = (
        select(Person.name, Kudos.message, Kudos.created_at)
        .join(KudosRecipient, KudosRecipient.kudos_id == Kudos.id)
        .join(Person, Person.id == Kudos.giver_id)
        .where(KudosRecipient.person_id == person_id, Kudos.created_at >= start, Kudos.created_at < end)
        .order_by(col(Kudos.created_at).desc())
        .limit(limit)
    )
    return [ReceivedItem(n, m, c) for n, m, c in session.exec(stmt)]


def leaderboard(session: Session, org_id: int, start: datetime, end: datetime, limit: int = 10) -> list[tuple[Person, int]]:
    """Most recognised people in a period, leaving out everyone who switched the leaderboard off."""
    received = func.count(KudosRecipient.kudos_id).label("received")
    stmt = (
        select(Person, received)
        .join(KudosRecipient, KudosRecipient.person_id == Person.id)
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(Kudos.org_id == org_id, Kudos.created_at >= start, Kudos.created_at < end,
               Person.leaderboard_opt_out == False)  # noqa: E712  (SQL expression)
        .group_by(Person.id)
        .order_by(received.desc(), Person.name)
        .limit(limit)
    )
    return [(p, n) for p, n in session.exec(stmt)]


def values_of(session: Session, kudos_id: int) -> list[str]:
    return list(session.exec(select(KudosValue.value_slug).where(KudosValue.kudos_id == kudos_id)))


def count_all(session: Session, org_id: int) -> int:
    return session.exec(select(func.count()).select_from(Kudos).where(Kudos.org_id == org_id)).one()


def exists_with_source(session: Session, org_id: int, source: str) -> bool:
    return session.exec(select(Kudos.id).where(Kudos.org_id == org_id, Kudos.source == source).limit(1)).first() is not None
