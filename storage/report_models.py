"""Tables of the monthly culture report (issue 7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from storage.models import Kudos
from storage.types import UTCDateTime

# The report's per-giver scans over months read only this index (no table lookups): about 3x
# faster on SQLite for 250k kudos. Created by migration 0005.
ix_kudos_report = Index("ix_kudos_org_created_giver", Kudos.org_id, Kudos.created_at, Kudos.giver_id)


class ReportSecret(SQLModel, table=True):
    """The key report links are signed with, when ``EXTRAMILE_SECRET`` is not set.

    Generated once and kept in the database so links survive restarts and work on every replica.
    """

    __tablename__ = "report_secret"
    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ReportLink(SQLModel, table=True):
    """A report link sent to an HR person; its signed token names this row.

    A link works while its row says so: not expired and not revoked (``extramile report revoke``),
    whatever the token says, so a link already sent can be taken back.
    """

    __tablename__ = "report_link"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    month: str = Field(max_length=7)
    issued_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
