"""Tables of internal requests (issue 5): the request, its audit log, and its reminder points.

Business-time figures (first response, resolution) are computed by the core when the step happens
and stored here, so the monthly metrics are plain queries and never depend on today's calendar.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _ts(nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Request(SQLModel, table=True):
    """One request from a requester to an owner, numbered REQ-n per organisation."""

    __table_args__ = (
        UniqueConstraint("org_id", "number", name="uq_request_org_number"),
        Index("ix_request_org_status", "org_id", "status"),
        Index("ix_request_org_created", "org_id", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id")
    number: int
    requester_id: int = Field(foreign_key="person.id", index=True)
    owner_id: int = Field(foreign_key="person.id", index=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    category: str | None = Field(default=None, max_length=64)
    urgent: bool = Field(default=False)
    # open | acknowledged | promised | delivered | reopened | confirmed | declined | cancelled
    status: str = Field(default="open", max_length=16)
    platform: str = Field(default="console", max_length=16)
    created_at: datetime = Field(sa_column=_ts())
    updated_at: datetime = Field(sa_column=_ts())
    asked_due_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    # The first-response clock of the current owner (restarts on reassignment).
    assignment: int = Field(default=1)
    sla_started_at: datetime = Field(sa_column=_ts())
    first_response_target_s: int = Field(default=0)
    first_response_due_at: datetime = Field(sa_column=_ts())
    acknowledged_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    # The very first response of any owner, for metrics (never reset).
    first_response_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    first_response_business_s: int | None = Field(default=None)
    promised_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    promise_made_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    promise_version: int = Field(default=0)
    promise_renegotiations: int = Field(default=0)
    promise_broken: bool = Field(default=False)
    delivered_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    delivery_count: int = Field(default=0)
    delivery_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    resolution_business_s: int | None = Field(default=None)
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    auto_confirmed: bool = Field(default=False)
    close_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    reopen_count: int = Field(default=0)
    rating: int | None = Field(default=None)
    rating_comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    thanked_kudos_id: int | None = Field(default=None, foreign_key="kudos.id")


class RequestEvent(SQLModel, table=True):
    """The audit log: every step of a request, who took it and when (``/request show``)."""

    __tablename__ = "request_event"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    at: datetime = Field(sa_column=_ts())
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=32)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class RequestReminder(SQLModel, table=True):
    """A reminder point of a request that has been dealt with: ``sent``, ``passed`` (skipped after
    downtime because a later point was due too) or ``pending`` (a gentle note waiting for the
    recipient's business hours). The occurrence key itself is made exactly-once by the inbox."""

    __tablename__ = "request_reminder"
    __table_args__ = (UniqueConstraint("request_id", "point", name="uq_request_reminder_point"),)
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    point: str = Field(max_length=120)
    status: str = Field(max_length=16)
    due_at: datetime = Field(sa_column=_ts())
    done_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
