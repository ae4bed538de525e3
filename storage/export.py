"""Every record of an organisation as plain dicts, one per row, each with a ``type``.

The organisation's data is theirs to take: ``extramile export`` writes these as JSON Lines: the
organisation, its teams and people first, then each feature's records (each feature declares its
exporter, see :attr:`bot.feature.Feature.export`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlmodel import Session, select

from storage.models import (
    Identity,
    Kudos,
    KudosRecipient,
    KudosValue,
    Organization,
    Person,
    Team,
)

Record = dict[str, Any]


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def organization(session: Session, org_id: int) -> Iterator[Record]:
    org = session.get(Organization, org_id)
    if org is not None:
        yield {"type": "organization", "id": org.id, "name": org.name, "timezone": org.timezone}


def teams(session: Session, org_id: int) -> Iterator[Record]:
    for team in session.exec(select(Team).where(Team.org_id == org_id).order_by(Team.id)):
        yield {"type": "team", "id": team.id, "name": team.name}


def people(session: Session, org_id: int) -> Iterator[Record]:
    rows = session.exec(select(Person).where(Person.org_id == org_id).order_by(Person.id)).all()
    idents: dict[int, list[Record]] = {}
    ids = [p.id for p in rows]
    for ident in session.exec(select(Identity).where(Identity.person_id.in_(ids)).order_by(Identity.id)):
        idents.setdefault(ident.person_id, []).append(
            {"platform": ident.platform, "tenant": ident.tenant, "user_id": ident.user_id})
    for p in rows:
        yield {"type": "person", "id": p.id, "name": p.name, "email": p.email, "handle": p.handle,
               "team_id": p.team_id, "manager_id": p.manager_id, "timezone": p.timezone,
               "leaderboard_opt_out": p.leaderboard_opt_out, "created_at": _iso(p.created_at),
               "identities": idents.get(p.id, [])}


def kudos(session: Session, org_id: int) -> Iterator[Record]:
    recipients: dict[int, list[int]] = {}
    values: dict[int, list[str]] = {}
    ids_q = select(Kudos.id).where(Kudos.org_id == org_id)
    for kid, pid in session.exec(select(KudosRecipient.kudos_id, KudosRecipient.person_id)
                                 .where(KudosRecipient.kudos_id.in_(ids_q))):
        recipients.setdefault(kid, []).append(pid)
    for kid, slug in session.exec(select(KudosValue.kudos_id, KudosValue.value_slug).where(KudosValue.kudos_id.in_(ids_q))):
        values.setdefault(kid, []).append(slug)
    for k in session.exec(select(Kudos).where(Kudos.org_id == org_id).order_by(Kudos.id)):
        yield {"type": "kudos", "id": k.id, "giver_id": k.giver_id, "recipient_ids": sorted(recipients.get(k.id, [])),
               "values": sorted(values.get(k.id, [])), "message": k.message, "created_at": _iso(k.created_at),
               "platform": k.platform, "source": k.source, "source_ref": k.source_ref}


Exporter = Callable[[Session, int], Iterator[Record]]
CORE: tuple[Exporter, ...] = (organization, teams, people)


def export_all(session: Session, org_id: int, features: Sequence[Exporter] = ()) -> Iterator[Record]:
    """The organisation, its teams and people, then what each of ``features`` exports."""
    for exporter in (*CORE, *features):
        yield from exporter(session, org_id)
