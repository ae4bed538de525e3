"""Teams tables: saved conversation references and the member cache.

Teams lets a bot speak first only into a conversation it has seen (or creates through the Bot
Connector), so every conversation reference is kept; members are cached so a mention or a DM
finds the person's email and Teams ids without asking the connector again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class TeamsConversation(SQLModel, table=True):
    """One conversation the bot is in: personal chat, group chat or a team channel.

    ``reference`` is the SDK's ConversationReference as JSON (service URL, bot account, conversation);
    ``active`` turns False when the app is uninstalled or Teams answers ``MessageWritesBlocked``.
    """

    __tablename__ = "teams_conversation"
    __table_args__ = (
        UniqueConstraint("tenant", "conversation_id"),
        Index("ix_teams_conversation_user", "tenant", "user_aad_id"),
        Index("ix_teams_conversation_channel", "tenant", "team_name", "channel_name"),
    )
    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=128)
    conversation_id: str = Field(max_length=300)
    # personal | groupChat | channel
    kind: str = Field(max_length=16)
    service_url: str = Field(max_length=500)
    # For a personal chat: the user it is with (Teams "29:" id and Entra object id).
    user_id: str = Field(default="", max_length=200)
    user_aad_id: str = Field(default="", max_length=128)
    team_id: str = Field(default="", max_length=300)
    team_name: str = Field(default="", max_length=200)
    channel_name: str = Field(default="", max_length=200)
    reference: str = Field(sa_column=Column(Text, nullable=False))
    active: bool = Field(default=True)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TeamsMember(SQLModel, table=True):
    """A Teams user as the roster / member lookup described them (the email links them to a person)."""

    __tablename__ = "teams_member"
    __table_args__ = (UniqueConstraint("tenant", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=128)
    user_id: str = Field(max_length=200)
    aad_object_id: str = Field(default="", max_length=128, index=True)
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320, index=True)
    service_url: str = Field(default="", max_length=500)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
