"""Tables of the service-value prompts and stories (issue 6; DDL in migration 0004).

Anonymity is a property of the schema: an anonymous :class:`Story` has ``author_id`` NULL and
nothing else in these tables points at its author.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _ts(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class PromptSchedule(SQLModel, table=True):
    """A prompt (``kind="prompt"``) or weekly story-thread (``kind="story_thread"``) schedule.

    ``source="config"`` rows mirror app.yaml (``config_key`` identifies the entry); their
    ``platform`` is empty and means "the first running platform". Others come from ``/prompts add``
    and keep the platform, tenant and channel id they were created in.
    """

    __tablename__ = "prompt_schedule"
    __table_args__ = (UniqueConstraint("org_id", "config_key"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    kind: str = Field(default="prompt", max_length=16)
    platform: str = Field(default="", max_length=16)
    tenant: str = Field(default="", max_length=128)
    channel: str = Field(max_length=300)
    channel_label: str = Field(default="", max_length=300)
    when: str = Field(max_length=200)
    timezone: str = Field(max_length=64)
    value_slug: str | None = Field(default=None, max_length=64)
    status: str = Field(default="active", max_length=16)  # active | paused | removed
    source: str = Field(default="command", max_length=16)  # command | config
    config_key: str | None = Field(default=None, max_length=64)
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(sa_column=_ts())


class PromptPost(SQLModel, table=True):
    """One prompt (or story-thread opener) posted to a channel; ``occurrence`` is unique."""

    __tablename__ = "prompt_post"
    __table_args__ = (Index("ix_prompt_post_org_posted", "org_id", "posted_at"),
                      Index("ix_prompt_post_channel", "platform", "channel"))
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id")
    schedule_id: int | None = Field(default=None, foreign_key="prompt_schedule.id", index=True)
    kind: str = Field(default="prompt", max_length=16)
    platform: str = Field(default="", max_length=16)
    channel: str = Field(max_length=300)
    prompt_key: str = Field(max_length=64)
    value_slug: str | None = Field(default=None, max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    generated: bool = Field(default=False)
    occurrence: str = Field(unique=True, max_length=300)
    posted_at: datetime = Field(sa_column=_ts())


class PromptReply(SQLModel, table=True):
    """Participation: someone answered a prompt post in its thread (once per person and post)."""

    __tablename__ = "prompt_reply"
    __table_args__ = (UniqueConstraint("post_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="prompt_post.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = Field(sa_column=_ts())


class Story(SQLModel, table=True):
    """A good or bad service story. Bad stories keep only their blameless (names replaced) text."""

    __table_args__ = (Index("ix_story_org_created", "org_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id")
    kind: str = Field(max_length=8)  # good | bad
    text: str = Field(sa_column=Column(Text, nullable=False))
    anonymous: bool = Field(default=False)
    author_id: int | None = Field(default=None, foreign_key="person.id")
    source: str = Field(default="command", max_length=16)  # command | thread
    post_id: int | None = Field(default=None, foreign_key="prompt_post.id")
    platform: str = Field(default="", max_length=16)
    created_at: datetime = Field(sa_column=_ts())


class StoryValue(SQLModel, table=True):
    __tablename__ = "story_value"
    story_id: int = Field(foreign_key="story.id", primary_key=True)
    value_slug: str = Field(primary_key=True, max_length=64, index=True)


class ValueSuggestion(SQLModel, table=True):
    """A value the LLM suggested for an untagged kudos or story (``subject`` kudos | story)."""

    __tablename__ = "value_suggestion"
    __table_args__ = (UniqueConstraint("subject", "subject_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id")
    subject: str = Field(max_length=16)
    subject_id: int
    value_slug: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=_ts())


class KudosOffer(SQLModel, table=True):
    """A praising reply in a prompt's thread, offered to its author as a kudos ("make it a kudos").

    The button carries only this row's id: who gives, to whom and with which words are read from
    here when it is clicked, because a click's payload is whatever the clicker's client sends.
    """

    __tablename__ = "kudos_offer"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id")
    post_id: int = Field(foreign_key="prompt_post.id", index=True)
    giver_id: int = Field(foreign_key="person.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_ts())


class KudosOfferRecipient(SQLModel, table=True):
    """Whom a :class:`KudosOffer` thanks, in the order the reply named them."""

    __tablename__ = "kudos_offer_recipient"
    offer_id: int = Field(foreign_key="kudos_offer.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    position: int = Field(default=0)
