"""People, identities, teams, the organisation and its workspaces."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from storage.models import Identity, Organization, Person, Team, Workspace

HANDLE_LENGTH: int = Person.__table__.c.handle.type.length  # type: ignore[attr-defined]


def ensure_organization(session: Session, slug: str, name: str, timezone: str) -> Organization:
    org = session.exec(select(Organization).where(Organization.slug == slug)).first()
    if org is None:
        org = Organization(slug=slug, name=name, timezone=timezone)
        session.add(org)
        session.flush()
    elif (org.name, org.timezone) != (name, timezone):
        org.name, org.timezone = name, timezone
        session.add(org)
    return org


def ensure_workspace(session: Session, org_id: int, platform: str, external_id: str, name: str = "") -> Workspace:
    ws = session.exec(
        select(Workspace).where(Workspace.platform == platform, Workspace.external_id == external_id)
    ).first()
    if ws is None:
        ws = Workspace(org_id=org_id, platform=platform, external_id=external_id, name=name)
        session.add(ws)
        session.flush()
    return ws


def ensure_team(session: Session, org_id: int, name: str) -> Team:
    team = session.exec(select(Team).where(Team.org_id == org_id, Team.name == name)).first()
    if team is None:
        team = Team(org_id=org_id, name=name)
        session.add(team)
        session.flush()
    return team


def get(session: Session, person_id: int) -> Person | None:
    return session.get(Person, person_id)


def by_email(session: Session, org_id: int, email: str) -> Person | None:
    return session.exec(select(Person).where(Person.org_id == org_id, Person.email == email.lower())).first()


def by_handle(session: Session, org_id: int, handle: str) -> Person | None:
    return session.exec(select(Person).where(Person.org_id == org_id, Person.handle == handle.lower())).first()


def by_identity(session: Session, platform: str, tenant: str, user_id: str) -> Person | None:
    return session.exec(
        select(Person).join(Identity, Identity.person_id == Person.id).where(
            Identity.platform == platform, Identity.tenant == tenant, Identity.user_id == user_id
        )
    ).first()


def identities(session: Session, person_id: int) -> Sequence[Identity]:
    return session.exec(select(Identity).where(Identity.person_id == person_id).order_by(Identity.id)).all()


def all_people(session: Session, org_id: int) -> Sequence[Person]:
    return session.exec(select(Person).where(Person.org_id == org_id).order_by(Person.id)).all()


def count(session: Session, org_id: int) -> int:
    return session.exec(select(func.count()).select_from(Person).where(Person.org_id == org_id)).one()


def handles(session: Session, org_id: int) -> list[tuple[str, str]]:
    """(handle, name) of everyone with a handle: the candidates for "did you mean"."""
    rows = session.exec(select(Person.handle, Person.name).where(Person.org_id == org_id, Person.handle.is_not(None)))
    return [(h, n) for h, n in rows if h]


def teams(session: Session, org_id: int) -> Sequence[Team]:
    return session.exec(select(Team).where(Team.org_id == org_id).order_by(Team.name)).all()


def free_handle(session: Session, org_id: int, wanted: str) -> str:
    """A handle not yet taken: ``ana``, then ``ana2``, ``ana3``..."""
    base = "".join(ch for ch in wanted.lower() if ch.isalnum() or ch in "._-") or "user"
    base = base[: HANDLE_LENGTH - 6]  # room for a numeric suffix within the column
    candidate, n = base, 1
    while by_handle(session, org_id, candidate) is not None:
        n += 1
        candidate = f"{base}{n}"
    return candidate


def create(
    session: Session,
    org_id: int,
    name: str,
    now: datetime,
    email: str | None = None,
    handle: str | None = None,
    timezone: str | None = None,
) -> Person:
    person = Person(
        org_id=org_id,
        name=name or (email or "someone"),
        email=email.lower() if email else None,
        handle=free_handle(session, org_id, handle or (email or name or "user").split("@")[0]),
        timezone=timezone or None,
        created_at=now,
    )
    session.add(person)
    session.flush()
    return person


def link_identity(session: Session, person_id: int, platform: str, tenant: str, user_id: str) -> Identity:
    ident = session.exec(
        select(Identity).where(Identity.platform == platform, Identity.tenant == tenant, Identity.user_id == user_id)
    ).first()
    if ident is None:
        ident = Identity(person_id=person_id, platform=platform, tenant=tenant, user_id=user_id)
        session.add(ident)
        session.flush()
    return ident


def upsert_directory_entry(
    session: Session,
    org_id: int,
    now: datetime,
    *,
    name: str,
    email: str,
    handle: str | None,
    team: str | None,
    timezone: str | None,
) -> Person:
    """Create or refresh a person from a directory (app.yaml people, demo); platform data stays."""
    person = by_email(session, org_id, email)
    if person is None:
        person = create(session, org_id, name, now, email=email, handle=handle, timezone=timezone)
    else:
        person.name = name
        if timezone:
            person.timezone = timezone
        if handle and person.handle != handle and by_handle(session, org_id, handle) is None:
            person.handle = handle
    if team:
        person.team_id = ensure_team(session, org_id, team).id
    session.add(person)
    session.flush()
    return person


def set_managers(session: Session, org_id: int, pairs: Iterable[tuple[str, str]]) -> None:
    """Set (person email, manager email) links once everyone exists."""
    for email, manager_email in pairs:
        person, manager = by_email(session, org_id, email), by_email(session, org_id, manager_email)
        if person is not None and manager is not None and person.manager_id != manager.id:
            person.manager_id = manager.id
            session.add(person)


def set_leaderboard_opt_out(session: Session, person: Person, opt_out: bool) -> None:
    person.leaderboard_opt_out = opt_out
    session.add(person)
