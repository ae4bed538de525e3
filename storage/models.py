"""The tables. Every row that belongs to an organisation carries ``org_id``; no query crosses it.

An *organisation* is one deployment's app.yaml; a *workspace* is a Slack team or a Teams tenant
that belongs to it. People belong to the organisation, so the same email on Slack and Teams is one
person with two identities and one history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _ts(nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    timezone: str = Field(default="UTC", max_length=64)


class Workspace(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=128)
    name: str = Field(default="", max_length=200)


class Team(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("org_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=200)


class Person(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("org_id", "email"),
        UniqueConstraint("org_id", "handle"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    handle: str | None = Field(default=None, max_length=80)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="person.id")
    timezone: str | None = Field(default=None, max_length=64)
    leaderboard_opt_out: bool = Field(default=False)
    created_at: datetime = Field(sa_column=_ts())


class Identity(SQLModel, table=True):
    """One platform account of a person (Slack user in a team, Teams user in a tenant, console)."""

    __table_args__ = (UniqueConstraint("platform", "tenant", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Field(max_length=16)
    tenant: str = Field(max_length=128)
    user_id: str = Field(max_length=128)


class Kudos(SQLModel, table=True):
    __table_args__ = (Index("ix_kudos_org_created", "org_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id")
    giver_id: int = Field(foreign_key="person.id", index=True)
    message: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_ts())
    platform: str = Field(default="console", max_length=16)
    # Where the kudos came from when it is not a command: a reacted-to message, a confirmed request.
    source: str = Field(default="command", max_length=32)
    source_ref: str = Field(default="", max_length=500)


class KudosRecipient(SQLModel, table=True):
    __tablename__ = "kudos_recipient"
    kudos_id: int = Field(foreign_key="kudos.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True)


class KudosValue(SQLModel, table=True):
    __tablename__ = "kudos_value"
    kudos_id: int = Field(foreign_key="kudos.id", primary_key=True)
    value_slug: str = Field(primary_key=True, max_length=64, index=True)


class InboxEvent(SQLModel, table=True):
    """Every inbound event, recorded under its platform dedupe key before it is handled.

    The unique key makes re-deliveries no-ops; ``processed_at`` is set in the same transaction as
    the handler's writes, so an event acknowledged but not yet handled is picked up after a crash.
    """

    __tablename__ = "inbox_event"
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True, max_length=300)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(sa_column=_ts())
    processed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True, index=True))
    attempts: int = Field(default=0)
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class OutboxMessage(SQLModel, table=True):
    """A message the core decided to send, written in the same transaction as the decision.

    Delivered by :mod:`bot.outbox` with retries; it stays here until the platform accepted it.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id")
    platform: str = Field(max_length=16)
    tenant: str = Field(max_length=128)
    # dm | channel | ephemeral | conversation | update
    kind: str = Field(max_length=16)
    destination: str = Field(max_length=300)
    thread: str = Field(default="", max_length=128)
    user: str = Field(default="", max_length=128)
    ref_key: str = Field(default="", max_length=200, index=True)
    # Human label for logs and the console ("@ana (private)", "#kudos").
    label: str = Field(default="", max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(sa_column=_ts())
    created_at: datetime = Field(sa_column=_ts())
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    platform_ref: str = Field(default="", max_length=300)
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class SentMessage(SQLModel, table=True):
    """Where a message with a ``ref_key`` landed, so it can be updated in place later."""

    __tablename__ = "sent_message"
    __table_args__ = (UniqueConstraint("platform", "ref_key"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    ref_key: str = Field(max_length=200)
    conversation: str = Field(max_length=300)
    message_id: str = Field(max_length=300)


class SchedulerCursor(SQLModel, table=True):
    """How far a schedule has been swept, so a restart knows which firings it missed."""

    __tablename__ = "scheduler_cursor"
    name: str = Field(primary_key=True, max_length=200)
    swept_until: datetime = Field(sa_column=_ts())


# Teams conversation references and member cache (issue 4).
# Service-value prompts and stories (issue 6).
from storage.prompts_models import (  # noqa: E402,F401
    KudosOffer,
    KudosOfferRecipient,
    PromptPost,
    PromptReply,
    PromptSchedule,
    Story,
    StoryValue,
    ValueSuggestion,
)
from storage.report_models import ReportLink, ReportSecret  # noqa: E402,F401  (the culture report's tables)

# Internal requests (issue 5).
from storage.request_models import Request, RequestEvent, RequestReminder  # noqa: E402,F401
from storage.teams_models import TeamsConversation, TeamsMember  # noqa: E402,F401
