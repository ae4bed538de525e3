"""``/story``, stories from the weekly thread, the leaders' weekly digest, LLM value suggestions.

Anonymous stories leave no trace of who shared them: the author is never looked up (so someone the
bot has never seen is not registered), the story row has no author, nothing is logged about them,
the private receipt is sent under a ``forget:`` ref key (the outbox blanks the row once delivered)
and the stored inbox event is rewritten without the actor.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Literal

from rapidfuzz import process as fuzzy

from pydantic import BaseModel

from bot import limits
from bot.context import Ctx, Services
from bot.errors import UserError
from bot.events import Address, CommandInput, Event, ReplyInput, event_to_json
from bot.feature import Tick
from bot.mentions import mention
from bot.messages import Context, Message, Neutral, Section, escape
from bot.outbox import FORGET_PREFIX
from bot.stories import blameless, grammar
from bot.texts import readable, t
from storage import people as people_repo
from storage import stories as repo
from storage.models import Kudos, Person
from storage.prompts_models import PromptPost

log = logging.getLogger(__name__)

DIGEST_JOB = "stories.digest"
SUGGEST_JOB = "llm.suggest_value"


class DigestPayload(BaseModel):
    """One weekly digest: when it fell due."""

    at: datetime


class SuggestPayload(BaseModel):
    """A kudos or a story the LLM is asked to suggest a value for."""

    subject: Literal["story", "kudos"]
    id: int


async def on_command(ctx: Ctx[CommandInput]) -> None:
    given = ctx.input
    if grammar.looks_anonymous(given.text):
        _share_anonymously(ctx, given)
        return
    command = grammar.parse(given.text, given.mentions)
    if isinstance(command, grammar.Help):
        ctx.reply(t("stories.help", anonymous=ctx.config.stories.allow_anonymous))
        return
    values = _check_values(ctx, command.values)
    author = ctx.person
    text = _public_text(ctx, command.kind, command.text, given)
    story = repo.add(ctx.session, org_id=ctx.org_id, kind=command.kind, text=text, anonymous=False,
                     author_id=author.id, source="command", post_id=None, platform=ctx.event.where.platform,
                     values=values, now=ctx.now())
    ctx.announce("stories", _story_message(ctx, story.kind, text, values, mention(author)))
    if command.kind == "bad":
        _scrub_inbox(ctx, given, text, values, keep_actor=True)
    ctx.reply(t("stories.shared", kind=command.kind, anonymous=False))


def _share_anonymously(ctx: Ctx[object], given: CommandInput) -> None:
    """Everything on this path avoids the author: no ctx.person, no log line, a forgetful receipt."""
    receipt_key = f"{FORGET_PREFIX}{uuid.uuid4().hex}"
    try:
        if not ctx.event.where.private_origin:
            # The channel or group chat already saw who wrote this: it cannot be anonymous.
            raise UserError(t("stories.anonymous_needs_private"))
        command = grammar.parse(given.text, given.mentions)
        if not isinstance(command, grammar.Share):
            raise UserError(t("stories.usage"))
        if not ctx.config.stories.allow_anonymous:
            raise UserError(t("stories.anonymous_off"))
        values = _check_values(ctx, command.values)
    except UserError as exc:
        _scrub_inbox(ctx, given, "", (), keep_actor=False)
        ctx.reply(Message(text=exc.text, blocks=(Section(text=exc.text),), ref_key=receipt_key))
        return
    text = _public_text(ctx, command.kind, command.text, given)
    repo.add(ctx.session, org_id=ctx.org_id, kind=command.kind, text=text, anonymous=True, author_id=None,
             source="command", post_id=None, platform=ctx.event.where.platform, values=values, now=ctx.now())
    ctx.announce("stories", _story_message(ctx, command.kind, text, values, None))
    _scrub_inbox(ctx, given, text, values, keep_actor=False)
    receipt = t("stories.shared", kind=command.kind, anonymous=True)
    ctx.reply(Message(text=receipt, blocks=(Section(text=receipt),), ref_key=receipt_key))


def _scrub_inbox(ctx: Ctx[object], given: CommandInput, text: str, values: tuple[str, ...] | list[str],
                 keep_actor: bool) -> None:
    """Rewrite the stored event: blameless text, and for anonymous posts no actor and no conversation."""
    event = ctx.event
    where = event.where if keep_actor else Address(platform=event.where.platform, tenant=event.where.tenant)
    body = " ".join([text, *(f"#{v}" for v in values)]).strip()
    scrubbed = replace(event, actor=event.actor if keep_actor else None, where=where,
                       input=CommandInput(name=given.name, text=body))
    repo.scrub_inbox(ctx.session, event.dedupe_key, event_to_json(scrubbed))


def _check_values(ctx: Ctx[object], slugs: tuple[str, ...]) -> list[str]:
    known = [v.slug for v in ctx.config.values]
    for slug in slugs:
        if slug not in known:
            best = fuzzy.extractOne(slug, known, score_cutoff=50)
            raise UserError(t("stories.unknown_value", value=limits.clip(slug), suggestion=best[0] if best else "", values=known))
    return list(slugs)


def _public_text(ctx: Ctx[object], kind: str, text: str, given: CommandInput | None) -> str:
    mentions = given.mentions if given is not None else ()
    if kind != "bad":
        return readable(text, mentions)
    return blameless.redact(text, mentions, repo.people_names(ctx.session, ctx.org_id))


def _story_message(ctx: Ctx[object], kind: str, text: str, values: list[str], author: Neutral | None) -> Message:
    names = [escape(ctx.config.value(v).name) for v in values if ctx.config.value(v)]
    body = t("stories.post", kind=kind, text=text, author=author or "")
    tags = Neutral(" · ".join([t("stories.kind_label", kind=kind), *names]))
    return Message(text=body, blocks=(Section(text=body), Context(text=tags)))


def story_from_reply(ctx: Ctx[ReplyInput], post: PromptPost, person: Person) -> None:
    """A reply in the weekly story thread is a story (already public, so never anonymous)."""
    given = ctx.input
    kind, text, tags = grammar.thread_reply(given.text)
    if not text:
        return
    limits.check_text(text, limits.STORY, "Your story")
    values = [tag for tag in tags if ctx.config.value(tag)]
    if kind == "bad":
        text = blameless.redact(text, given.mentions, repo.people_names(ctx.session, ctx.org_id))
    repo.add(ctx.session, org_id=ctx.org_id, kind=kind, text=text, anonymous=False, author_id=person.id,
             source="thread", post_id=post.id, platform=ctx.event.where.platform, values=values, now=ctx.now())
    ctx.reply(t("stories.thread_kept", kind=kind))


# --- weekly digest to leaders --------------------------------------------------------------------

async def on_digest(ctx: Ctx[Tick[DigestPayload]]) -> None:
    end = ctx.now()
    start = end - timedelta(days=7)
    rows = repo.between(ctx.session, ctx.org_id, start, end)
    if not rows:
        return
    authors = {p.id: p.name for p in (people_repo.get(ctx.session, s.author_id) for s, _ in rows
                                      if s.author_id is not None) if p is not None}
    counts = repo.by_value(ctx.session, ctx.org_id, start, end)
    by_value = sorted(((ctx.config.value(slug).name if ctx.config.value(slug) else "untagged", kind, n)
                       for (kind, slug), n in counts.items()), key=lambda x: (-x[2], x[0]))
    items = [{"kind": s.kind, "text": s.text if len(s.text) <= 200 else s.text[:197] + "...",
                  "author": authors.get(s.author_id, "") if s.kind == "good" and not s.anonymous else ""}
             for s, _ in rows[-10:]]
    text = t("stories.digest", good=sum(1 for s, _ in rows if s.kind == "good"),
             bad=sum(1 for s, _ in rows if s.kind == "bad"), by_value=by_value, items=items)
    message = Message(text=text, blocks=(Section(text=text),))
    for email in ctx.config.roles.leaders:
        leader = people_repo.by_email(ctx.session, ctx.org_id, email)
        if leader is not None:
            ctx.tell(leader.id, message)


# --- LLM value suggestions ------------------------------------------------------------------------

async def prepare_suggestion(services: Services, event: Event, given: Tick[SuggestPayload]) -> str | None:
    """Ask the LLM for a value before the tick's transaction opens (see :data:`bot.feature.Prepare`)."""
    client = services.llm
    if client is None:
        return None
    subject, subject_id = given.payload.subject, given.payload.id
    with services.db.session() as session:
        if subject == "story":
            story = repo.get(session, subject_id)
            if story is None or (story.anonymous and not client.send_anonymous):
                return None
            text = story.text
        else:
            kudos = session.get(Kudos, subject_id)
            if kudos is None:
                return None
            text = kudos.message
    return await client.suggest_value(text, services.config.values)


async def on_suggest(ctx: Ctx[Tick[SuggestPayload]]) -> None:
    """Record the value suggested for an untagged kudos or story (off the 3-second path: a tick)."""
    payload = ctx.input.payload
    if ctx.prepared:
        repo.add_suggestion(ctx.session, ctx.org_id, payload.subject, payload.id, ctx.prepared, ctx.now())
