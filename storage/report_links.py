"""Issued report links: recorded when sent, so that a link already sent can be revoked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, select

from storage.models import Person
from storage.report_models import ReportLink


def add_report_link(session: Session, org_id: int, person_id: int, month: str, issued_at: datetime,
                    expires_at: datetime) -> ReportLink:
    row = ReportLink(org_id=org_id, person_id=person_id, month=month, issued_at=issued_at, expires_at=expires_at)
    session.add(row)
    session.flush()
    return row


def report_link(session: Session, link_id: int) -> ReportLink | None:
    return session.get(ReportLink, link_id)


def active_links(session: Session, now: datetime) -> Sequence[tuple[ReportLink, Person | None]]:
    """Links that still work (not revoked, not expired), oldest first, with their HR person."""
    return session.exec(
        select(ReportLink, Person).join(Person, Person.id == ReportLink.person_id, isouter=True)
        .where(ReportLink.revoked_at.is_(None), ReportLink.expires_at > now)  # type: ignore[union-attr]
        .order_by(ReportLink.id)
    ).all()


def link_with_person(session: Session, link_id: int) -> tuple[ReportLink, Person | None] | None:
    row = session.get(ReportLink, link_id)
    return None if row is None else (row, session.get(Person, row.person_id))


def revoke(session: Session, links: Sequence[ReportLink], now: datetime) -> None:
    for row in links:
        row.revoked_at = now
        session.add(row)
    session.flush()
