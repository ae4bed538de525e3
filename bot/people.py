"""Turning platform accounts and mentions into people, and people into roles and timezones."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot import limits
from bot.config import AppConfig
from bot.events import Actor, Mention
from storage import people as repo
from storage.models import Person


def find_actor(session: Session, org_id: int, actor: Actor) -> Person | None:
    """The person behind an account, without registering anyone (anonymous paths use this)."""
    person = repo.by_identity(session, actor.platform, actor.tenant, actor.user_id)
    if person is None and actor.email:
        person = repo.by_email(session, org_id, actor.email)
    return person


def storable_id(user_id: str) -> bool:
    """Whether a platform account id can be an identity (Slack's and Entra's ids are short and plain)."""
    return 0 < len(user_id) <= limits.PLATFORM_ID and limits.bad_character(user_id) is None


def _storable(actor: Actor) -> Actor:
    """What the platform says about an account, made to fit our columns.

    Slack and Entra allow display names longer than ``person.name`` and characters no database
    stores; nobody can fix those from the chat, so they are cut and cleaned rather than refused.
    An email or timezone that cannot be stored as it is would be wrong if cut: it is dropped.
    """
    return Actor(platform=actor.platform, tenant=actor.tenant, user_id=actor.user_id,
                 name=limits.fit(actor.name, limits.NAME), email=limits.fit_email(actor.email),
                 timezone=limits.fit_timezone(actor.timezone))


def resolve_actor(session: Session, org_id: int, actor: Actor, now: datetime) -> Person:
    """Find or register the person behind an account; the same email on two platforms is one person."""
    actor = _storable(actor)
    person = repo.by_identity(session, actor.platform, actor.tenant, actor.user_id)
    if person is not None:
        _refresh(session, person, actor.name, actor.email, actor.timezone)
        return person
    person = repo.by_email(session, org_id, actor.email) if actor.email else None
    if person is None:
        person = repo.create(session, org_id, actor.name, now, email=actor.email or None,
                             handle=(actor.email.split("@")[0] if actor.email else actor.name) or actor.user_id,
                             timezone=actor.timezone or None)
    else:
        _refresh(session, person, actor.name, actor.email, actor.timezone)
    repo.link_identity(session, person.id, actor.platform, actor.tenant, actor.user_id)
    return person


def _refresh(session: Session, person: Person, name: str, email: str, timezone: str) -> None:
    """Fill in what the platform knows and we do not; never overwrite a directory value."""
    changed = False
    if email and not person.email and repo.by_email(session, person.org_id, email) is None:
        person.email, changed = email.lower(), True
    if timezone and not person.timezone:
        person.timezone, changed = timezone, True
    if name and (not person.name or person.name == person.email):
        person.name, changed = name, True
    if changed:
        session.add(person)


def resolve_mention(session: Session, org_id: int, platform: str, tenant: str, mention: Mention, now: datetime) -> Person:
    actor = Actor(platform=platform, tenant=tenant, user_id=mention.user_id, name=mention.name,
                  email=mention.email, timezone=mention.timezone)
    return resolve_actor(session, org_id, actor, now)


def roles_of(config: AppConfig, person: Person | None) -> frozenset[str]:
    return config.roles.of(person.email or "") if person is not None else frozenset()


def timezone_of(config: AppConfig, person: Person | None) -> ZoneInfo:
    """A person's own zone, else the organisation's: "per day" and business hours follow it."""
    name = (person.timezone if person is not None else None) or config.organization.timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(config.organization.timezone)


def display(person: Person) -> str:
    return f"{person.name} (@{person.handle})" if person.handle else person.name
