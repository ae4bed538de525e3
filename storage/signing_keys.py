"""Signing keys kept in the database, one per purpose, when ``EXTRAMILE_SECRET`` is not set.

Each key is generated once (the first replica to need it wins a race through the primary key) and
kept, so what it signed stays valid across restarts and on every replica. The rows live in the
``report_secret`` table, which report links introduced; other purposes add rows under their own name.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage.models import ReportSecret


def existing_secret(session: Session, name: str) -> str | None:
    """The key called ``name`` if one was ever created (reading it never creates one)."""
    row = session.get(ReportSecret, name)
    return row.value if row is not None else None


def stored_secret(session: Session, name: str, now: datetime) -> str:
    """The key called ``name``, created on first use."""
    row = session.get(ReportSecret, name)
    if row is not None:
        return row.value
    try:
        with session.begin_nested():
            session.add(ReportSecret(name=name, value=secrets.token_urlsafe(48), created_at=now))
    except IntegrityError:  # another process created it at the same moment: use theirs
        pass
    row = session.get(ReportSecret, name)
    assert row is not None
    return row.value
