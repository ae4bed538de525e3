"""Keeping the database's people in step with the app.yaml directory."""

from __future__ import annotations

from sqlmodel import Session

from bot.clock import Clock
from bot.config import AppConfig
from storage import people as repo
from storage.models import Organization

ORG_SLUG = "default"


def ensure_org(session: Session, config: AppConfig) -> Organization:
    """One app.yaml is one organisation; its Slack workspaces and Teams tenants all belong to it."""
    return repo.ensure_organization(session, ORG_SLUG, config.organization.name, config.organization.timezone)


def sync_people(session: Session, org_id: int, config: AppConfig, clock: Clock) -> int:
    """Create or refresh everyone listed under ``people:``; returns how many entries were synced."""
    now = clock.now()
    for entry in config.people:
        repo.upsert_directory_entry(session, org_id, now, name=entry.name, email=entry.email, handle=entry.handle,
                                    team=entry.team, timezone=entry.timezone)
    repo.set_managers(session, org_id, [(e.email, e.manager) for e in config.people if e.manager])
    return len(config.people)
