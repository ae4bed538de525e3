"""Internal requests: numbering, the audit log, reminder bookkeeping and the list queries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import Organization, Person
from storage.request_models import Request, RequestEvent, RequestReminder

# Statuses in which the owner still owes something (or the requester still has to confirm).
ACTIVE = ("open", "acknowledged", "promised", "reopened", "delivered")
# Statuses in which the owner still has to deliver.
OWED = ("open", "acknowledged", "promised", "reopened")


def create(session: Session, request: Request, attempts: int = 8) -> Request:
    """Insert with the next REQ number of the organisation.

    Creators of one organisation take turns: the organisation's row is locked (``FOR UPDATE`` on
    PostgreSQL; SQLite serialises writers anyway) until the transaction ends, so max + 1 is safe.
    The unique constraint on (org_id, number) stays as the safety net: should an insert still
    collide, it fails inside its savepoint and retries with the next number.
    """
    session.exec(select(Organization.id).where(Organization.id == request.org_id).with_for_update()).one()
    for _ in range(attempts):
        current = session.exec(select(func.max(Request.number)).where(Request.org_id == request.org_id)).one()
        request.number = (current or 0) + 1
        try:
            with session.begin_nested():
                session.add(request)
                session.flush()
            return request
        except IntegrityError:
            session.expunge(request) if request in session else None
            request.id = None
            continue
    raise RuntimeError("could not allocate a request number")


def by_number(session: Session, org_id: int, number: int) -> Request | None:
    return session.exec(select(Request).where(Request.org_id == org_id, Request.number == number)).first()


def get(session: Session, request_id: int) -> Request | None:
    return session.get(Request, request_id)


def save(session: Session, request: Request) -> None:
    session.add(request)
    session.flush()


def log(session: Session, request: Request, at: datetime, kind: str, actor_id: int | None = None,
        detail: str = "") -> RequestEvent:
    row = RequestEvent(request_id=request.id, at=at, actor_id=actor_id, kind=kind, detail=detail)
    session.add(row)
    session.flush()
    return row


def history(session: Session, request_id: int) -> list[tuple[RequestEvent, Person | None]]:
    rows = session.exec(
        select(RequestEvent, Person).join(Person, Person.id == RequestEvent.actor_id, isouter=True)
        .where(RequestEvent.request_id == request_id).order_by(RequestEvent.at, RequestEvent.id)
    ).all()
    return [(event, person) for event, person in rows]


def active(session: Session, org_id: int) -> Sequence[Request]:
    """Every request something may still happen to (the reminder source sweeps these)."""
    return session.exec(
        select(Request).where(Request.org_id == org_id, Request.status.in_(ACTIVE)).order_by(Request.id)
    ).all()


def requested_by(session: Session, person_id: int, statuses: Sequence[str] = ACTIVE) -> Sequence[Request]:
    return session.exec(
        select(Request).where(Request.requester_id == person_id, Request.status.in_(list(statuses)))
        .order_by(Request.number)
    ).all()


def owned_by(session: Session, person_id: int, statuses: Sequence[str] = ACTIVE) -> Sequence[Request]:
    return session.exec(
        select(Request).where(Request.owner_id == person_id, Request.status.in_(list(statuses)))
        .order_by(Request.number)
    ).all()


def overdue_for(session: Session, person_id: int, now: datetime) -> Sequence[Request]:
    """Requests involving the person whose first response or promise is past due."""
    return session.exec(
        select(Request).where(
            or_(Request.requester_id == person_id, Request.owner_id == person_id),
            or_(
                (Request.status == "open") & (Request.first_response_due_at < now),
                Request.status.in_(list(OWED)) & (Request.promised_at.is_not(None)) & (Request.promised_at < now),
            ),
        ).order_by(Request.number)
    ).all()


def reminders(session: Session, request_ids: Sequence[int]) -> dict[int, dict[str, RequestReminder]]:
    """Reminder points already dealt with, by request id and point name."""
    out: dict[int, dict[str, RequestReminder]] = {}
    if not request_ids:
        return out
    for row in session.exec(select(RequestReminder).where(RequestReminder.request_id.in_(list(request_ids)))):
        out.setdefault(row.request_id, {})[row.point] = row
    return out


def mark_point(session: Session, request_id: int, point: str, status: str, due_at: datetime,
               done_at: datetime | None) -> None:
    """Record a point as sent / passed / pending (an existing row is moved on, never duplicated)."""
    row = session.exec(select(RequestReminder).where(RequestReminder.request_id == request_id,
                                                     RequestReminder.point == point)).first()
    if row is None:
        session.add(RequestReminder(request_id=request_id, point=point, status=status, due_at=due_at, done_at=done_at))
    else:
        row.status, row.done_at = status, done_at
        session.add(row)
    session.flush()


def pending_notes(session: Session, org_id: int, now: datetime) -> Sequence[RequestReminder]:
    """Gentle notes waiting for the recipient's business hours that are due now."""
    return session.exec(
        select(RequestReminder).join(Request, Request.id == RequestReminder.request_id)
        .where(Request.org_id == org_id, RequestReminder.status == "pending", RequestReminder.due_at <= now)
        .order_by(RequestReminder.id)
    ).all()


def all_for_org(session: Session, org_id: int) -> Sequence[Request]:
    return session.exec(select(Request).where(Request.org_id == org_id).order_by(Request.number)).all()


def events_for_org(session: Session, org_id: int) -> Sequence[RequestEvent]:
    ids = select(Request.id).where(Request.org_id == org_id)
    return session.exec(select(RequestEvent).where(RequestEvent.request_id.in_(ids)).order_by(RequestEvent.id)).all()


def export_records(session: Session, org_id: int) -> Iterator[dict[str, Any]]:
    """``extramile export``: every request (``type: request``) and its audit log (``request_event``)."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    for r in all_for_org(session, org_id):
        yield {"type": "request", "id": r.id, "ref": f"REQ-{r.number}", "number": r.number,
               "requester_id": r.requester_id, "owner_id": r.owner_id, "title": r.title, "category": r.category,
               "urgent": r.urgent, "status": r.status, "platform": r.platform, "created_at": iso(r.created_at),
               "asked_due_at": iso(r.asked_due_at), "first_response_due_at": iso(r.first_response_due_at),
               "first_response_at": iso(r.first_response_at), "first_response_business_s": r.first_response_business_s,
               "promised_at": iso(r.promised_at), "promise_renegotiations": r.promise_renegotiations,
               "promise_broken": r.promise_broken, "delivered_at": iso(r.delivered_at), "delivery_note": r.delivery_note,
               "resolution_business_s": r.resolution_business_s, "closed_at": iso(r.closed_at),
               "auto_confirmed": r.auto_confirmed, "close_reason": r.close_reason, "reopen_count": r.reopen_count,
               "rating": r.rating, "rating_comment": r.rating_comment, "thanked_kudos_id": r.thanked_kudos_id}
    for e in events_for_org(session, org_id):
        yield {"type": "request_event", "id": e.id, "request_id": e.request_id, "at": iso(e.at),
               "actor_id": e.actor_id, "kind": e.kind, "detail": e.detail}
