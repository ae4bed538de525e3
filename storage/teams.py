"""Teams conversation references and cached members: the SQL behind proactive messages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.db import Database
from storage.models import SentMessage
from storage.teams_models import TeamsConversation, TeamsMember


def save_conversation(session: Session, *, tenant: str, conversation_id: str, kind: str, service_url: str,
                      reference: str, now: datetime, user_id: str = "", user_aad_id: str = "",
                      team_id: str = "", team_name: str = "", channel_name: str = "",
                      active: bool = True) -> TeamsConversation:
    """Insert or refresh one conversation reference; a later turn re-activates it."""
    row = conversation(session, tenant, conversation_id)
    if row is None:
        row = TeamsConversation(tenant=tenant, conversation_id=conversation_id, kind=kind, service_url=service_url,
                                reference=reference, updated_at=now)
    row.kind, row.service_url, row.reference, row.updated_at, row.active = kind, service_url, reference, now, active
    # Keep what an earlier turn knew when this one does not say it (Teams omits team names often).
    row.user_id = user_id or row.user_id
    row.user_aad_id = user_aad_id or row.user_aad_id
    row.team_id = team_id or row.team_id
    row.team_name = team_name or row.team_name
    row.channel_name = channel_name or row.channel_name
    session.add(row)
    session.flush()
    return row


def conversation(session: Session, tenant: str, conversation_id: str) -> TeamsConversation | None:
    query = select(TeamsConversation).where(TeamsConversation.conversation_id == conversation_id)
    if tenant:
        query = query.where(TeamsConversation.tenant == tenant)
    return session.exec(query.order_by(TeamsConversation.id)).first()


def personal_conversation(session: Session, tenant: str, user: str) -> TeamsConversation | None:
    """The active personal chat with a user, by Entra object id or Teams user id."""
    query = select(TeamsConversation).where(
        TeamsConversation.kind == "personal", TeamsConversation.active.is_(True),
        (TeamsConversation.user_aad_id == user) | (TeamsConversation.user_id == user))
    if tenant:
        query = query.where(TeamsConversation.tenant == tenant)
    return session.exec(query.order_by(TeamsConversation.updated_at.desc())).first()


def channel_by_name(session: Session, tenant: str, team_name: str, channel_name: str) -> TeamsConversation | None:
    """A team channel by "Team name/Channel name" (case-insensitive), the way app.yaml names it."""
    query = select(TeamsConversation).where(TeamsConversation.kind == "channel")
    if tenant:
        query = query.where(TeamsConversation.tenant == tenant)
    for row in session.exec(query.order_by(TeamsConversation.updated_at.desc())).all():
        if row.team_name.lower() == team_name.lower() and row.channel_name.lower() == channel_name.lower():
            return row
    return None


def team_conversations(session: Session, tenant: str, team_name: str) -> Sequence[TeamsConversation]:
    """Every saved conversation of a team (any channel), newest first: a way in to list its channels."""
    query = select(TeamsConversation).where(TeamsConversation.kind == "channel")
    if tenant:
        query = query.where(TeamsConversation.tenant == tenant)
    rows = session.exec(query.order_by(TeamsConversation.updated_at.desc())).all()
    return [row for row in rows if row.team_name.lower() == team_name.lower()]


def installed_teams(session: Session, tenant: str) -> Sequence[TeamsConversation]:
    """Active team conversations (any channel of any team the bot is in), newest first."""
    query = select(TeamsConversation).where(TeamsConversation.team_id != "", TeamsConversation.active.is_(True))
    if tenant:
        query = query.where(TeamsConversation.tenant == tenant)
    return session.exec(query.order_by(TeamsConversation.updated_at.desc(), TeamsConversation.id)).all()


def set_active(session: Session, tenant: str, conversation_id: str, active: bool, now: datetime) -> bool:
    row = conversation(session, tenant, conversation_id)
    if row is None:
        return False
    row.active, row.updated_at = active, now
    session.add(row)
    return True


def deactivate_team(session: Session, tenant: str, team_id: str, now: datetime) -> int:
    """The app was removed from a team: none of its channels can be written to any more."""
    rows = session.exec(select(TeamsConversation).where(TeamsConversation.tenant == tenant,
                                                        TeamsConversation.team_id == team_id)).all()
    for row in rows:
        row.active, row.updated_at = False, now
        session.add(row)
    return len(rows)


def save_member(session: Session, *, tenant: str, user_id: str, now: datetime, aad_object_id: str = "",
                name: str = "", email: str = "", service_url: str = "") -> TeamsMember:
    row = session.exec(select(TeamsMember).where(TeamsMember.tenant == tenant, TeamsMember.user_id == user_id)).first()
    if row is None:
        row = TeamsMember(tenant=tenant, user_id=user_id, updated_at=now)
    row.aad_object_id = aad_object_id or row.aad_object_id
    row.name = name or row.name
    row.email = (email or row.email).lower()
    row.service_url = service_url or row.service_url
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


def member(session: Session, tenant: str, user: str) -> TeamsMember | None:
    """A cached member by Teams user id or Entra object id."""
    query = select(TeamsMember).where((TeamsMember.user_id == user) | (TeamsMember.aad_object_id == user))
    if tenant:
        query = query.where(TeamsMember.tenant == tenant)
    return session.exec(query.order_by(TeamsMember.updated_at.desc())).first()


def member_by_email(session: Session, tenant: str, email: str) -> TeamsMember | None:
    query = select(TeamsMember).where(TeamsMember.email == email.lower())
    if tenant:
        query = query.where(TeamsMember.tenant == tenant)
    return session.exec(query.order_by(TeamsMember.updated_at.desc())).first()


def any_active_conversation(session: Session, tenant: str) -> TeamsConversation | None:
    """Any live conversation of a tenant: it tells the service URL and the bot's account there."""
    query = select(TeamsConversation).where(TeamsConversation.active.is_(True))
    if tenant:
        query = query.where(TeamsConversation.tenant == tenant)
    return session.exec(query.order_by(TeamsConversation.updated_at.desc())).first()


def channels(session: Session, tenant: str) -> Sequence[TeamsConversation]:
    query = select(TeamsConversation).where(TeamsConversation.kind == "channel")
    if tenant:
        query = query.where(TeamsConversation.tenant == tenant)
    return session.exec(query.order_by(TeamsConversation.updated_at.desc())).all()


def bot_posted(session: Session, message_id: str) -> bool:
    """Did the bot post the message with this Teams id (the root of a prompt or story thread)?"""
    query = select(SentMessage.id).where(SentMessage.platform == "teams", SentMessage.message_id == message_id)
    return session.exec(query.limit(1)).first() is not None


class TeamsConversations:
    """The Teams adapter's :class:`bot.ports.ConversationStore`: the functions above, each call in
    its own transaction, at the time ``now`` tells (the core's clock)."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self.db = db
        self.now = now

    def save_conversation(self, *, tenant: str, conversation_id: str, kind: str, service_url: str, reference: str,
                          user_id: str = "", user_aad_id: str = "", team_id: str = "", team_name: str = "",
                          channel_name: str = "", active: bool = True) -> TeamsConversation:
        for attempt in range(2):
            try:
                with self.db.session() as session:
                    return save_conversation(
                        session, tenant=tenant, conversation_id=conversation_id, kind=kind, service_url=service_url,
                        reference=reference, now=self.now(), user_id=user_id, user_aad_id=user_aad_id,
                        team_id=team_id, team_name=team_name, channel_name=channel_name, active=active)
            except IntegrityError:  # two turns of a new conversation at once: the other one inserted it
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def conversation(self, tenant: str, conversation_id: str) -> TeamsConversation | None:
        with self.db.session() as session:
            return conversation(session, tenant, conversation_id)

    def personal_conversation(self, tenant: str, user: str) -> TeamsConversation | None:
        with self.db.session() as session:
            return personal_conversation(session, tenant, user)

    def any_active_conversation(self, tenant: str) -> TeamsConversation | None:
        with self.db.session() as session:
            return any_active_conversation(session, tenant)

    def channel_by_name(self, tenant: str, team_name: str, channel_name: str) -> TeamsConversation | None:
        with self.db.session() as session:
            return channel_by_name(session, tenant, team_name, channel_name)

    def team_conversations(self, tenant: str, team_name: str) -> Sequence[TeamsConversation]:
        with self.db.session() as session:
            return team_conversations(session, tenant, team_name)

    def installed_teams(self, tenant: str) -> Sequence[TeamsConversation]:
        with self.db.session() as session:
            return installed_teams(session, tenant)

    def channels(self, tenant: str) -> Sequence[TeamsConversation]:
        with self.db.session() as session:
            return channels(session, tenant)

    def set_active(self, tenant: str, conversation_id: str, active: bool) -> bool:
        with self.db.session() as session:
            return set_active(session, tenant, conversation_id, active, self.now())

    def deactivate_team(self, tenant: str, team_id: str) -> int:
        with self.db.session() as session:
            return deactivate_team(session, tenant, team_id, self.now())

    def save_member(self, *, tenant: str, user_id: str, aad_object_id: str = "", name: str = "", email: str = "",
                    service_url: str = "") -> TeamsMember:
        with self.db.session() as session:
            return save_member(session, tenant=tenant, user_id=user_id, now=self.now(),
                               aad_object_id=aad_object_id, name=name, email=email, service_url=service_url)

    def member(self, tenant: str, user: str) -> TeamsMember | None:
        with self.db.session() as session:
            return member(session, tenant, user)

    def member_by_email(self, tenant: str, email: str) -> TeamsMember | None:
        with self.db.session() as session:
            return member_by_email(session, tenant, email)

    def bot_posted(self, message_id: str) -> bool:
        with self.db.session() as session:
            return bot_posted(session, message_id)
