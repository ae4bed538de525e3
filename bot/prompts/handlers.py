"""``/prompts`` for leaders, the posting tick, thread replies, and "make it a kudos"."""

from __future__ import annotations

import logging
import re
import zlib
from dataclasses import replace

from rapidfuzz import process as fuzzy

from bot import limits
from bot import people
from bot.context import Ctx, Services
from bot.errors import UserError
from bot.events import ActionInput, CommandInput, Event, Mention, ReplyInput
from bot.feature import Tick
from bot.messages import Actions, Button, Context, Message, Section, ToChannel
from bot.parser import tokenize
from bot.prompts import grammar, library
from bot.prompts import schedules as sched
from bot.texts import readable, t
from storage import people as people_repo
from storage import prompts as repo
from storage import stories as stories_repo
from storage.prompts_models import PromptPost, PromptSchedule

log = logging.getLogger(__name__)

KUDOS_ACTION = "prompts:kudos"
_OFFER_ID = re.compile(r"^[0-9]{1,9}$")
MANAGERS = frozenset({"leaders", "admins"})
_PRAISE = re.compile(r"\b(thank|thanks|thx|kudos|shout[- ]?out|props|grateful|appreciat\w*|helped|hero|"
                     r"amazing|awesome|brilliant|great job|well done|saved)\b", re.IGNORECASE)


# --- /prompts -----------------------------------------------------------------------------------

async def on_command(ctx: Ctx[CommandInput]) -> None:
    given = ctx.input
    command = grammar.parse(given.text, given.channels)
    if isinstance(command, grammar.Help):
        ctx.reply(t("prompts.help"))
        return
    if not (ctx.roles & MANAGERS):
        raise UserError(t("prompts.not_allowed"))
    sched.sync_config(ctx.session, ctx.org_id, ctx.config, ctx.now())
    match command:
        case grammar.Add():
            _add(ctx, command)
        case grammar.ListSchedules():
            ctx.reply(_list_message(ctx))
        case grammar.SetStatus(verb=verb, schedule_id=sid):
            _set_status(ctx, verb, sid)
        case grammar.Preview(schedule_id=sid, value=value):
            _preview(ctx, sid, value)
        case grammar.SendNow(schedule_id=sid):
            await _send_now(ctx, sid)


def _check_value(ctx: Ctx[object], slug: str | None) -> str | None:
    if not slug:
        return None
    known = [v.slug for v in ctx.config.values]
    if slug not in known:
        best = fuzzy.extractOne(slug, known, score_cutoff=50)
        raise UserError(t("prompts.unknown_value", value=limits.clip(slug), suggestion=best[0] if best else "", values=known))
    return slug


def _add(ctx: Ctx[object], command: grammar.Add) -> None:
    value = _check_value(ctx, command.value)
    where = ctx.event.where
    if not command.channel:
        if where.is_private or not where.conversation:
            raise UserError(t("prompts.here_private"))
        command = replace(command, channel=where.conversation)
    existing = [s for s in repo.schedules(ctx.session, ctx.org_id) if s.channel == command.channel]
    # The channel's timezone (another schedule of it), else the organisation's.
    timezone = command.timezone or (existing[0].timezone if existing else ctx.config.organization.timezone)
    platform = where.platform
    row = repo.add_schedule(ctx.session, org_id=ctx.org_id, kind="prompt", platform=platform, tenant=where.tenant,
                            channel=command.channel, channel_label=command.channel_label, when=command.when,
                            timezone=timezone, value_slug=value, created_by=ctx.person.id, created_at=ctx.now())
    sched.start_cursor(ctx.session, row, ctx.now())
    ctx.reply(t("prompts.added", id=row.id, channel=row.channel_label, when=row.when, timezone=row.timezone,
                value=_value_name(ctx, value), next=_next_text(ctx, row)))


def _next_text(ctx: Ctx[object], row: PromptSchedule) -> str:
    at = sched.next_firing(row, ctx.config, ctx.now())
    return at.strftime("%a %d %b %Y %H:%M %Z") if at else "not within 60 days"


def _value_name(ctx: Ctx[object], slug: str | None) -> str:
    value = ctx.config.value(slug) if slug else None
    return value.name if value else ""


def _list_message(ctx: Ctx[object]) -> Message:
    rows = []
    for row in repo.schedules(ctx.session, ctx.org_id):
        rows.append({"id": row.id, "kind": row.kind, "channel": row.channel_label or row.channel, "when": row.when,
                         "timezone": row.timezone, "value": _value_name(ctx, row.value_slug), "status": row.status,
                         "source": row.source, "next": _next_text(ctx, row) if row.status == "active" else ""})
    text = t("prompts.list", rows=rows)
    return Message(text=text, blocks=(Section(text=text),))


def _schedule(ctx: Ctx[object], schedule_id: int) -> PromptSchedule:
    row = repo.get_schedule(ctx.session, ctx.org_id, schedule_id)
    if row is None or row.status == "removed":
        raise UserError(t("prompts.no_such", id=schedule_id))
    return row


def _set_status(ctx: Ctx[object], verb: str, schedule_id: int) -> None:
    row = _schedule(ctx, schedule_id)
    if verb == "remove" and row.source == "config":
        raise UserError(t("prompts.config_remove", id=row.id))
    status = {"pause": "paused", "resume": "active", "remove": "removed"}[verb]
    repo.set_status(ctx.session, row, status)
    ctx.reply(t("prompts.status_set", id=row.id, channel=row.channel_label or row.channel, status=status))


def _pick(ctx: Ctx[object], row: PromptSchedule | None, value: str | None, platform: str, channel: str,
          kind: str = "prompt") -> library.LibraryPrompt:
    if kind == "story_thread":
        pool = list(library.story_openers())
    else:
        pool = library.candidates(value, {v.slug for v in ctx.config.values})
    used = repo.used_keys(ctx.session, platform, channel, kind)
    return library.next_prompt(pool, used, seed=f"{platform}:{channel}")


def _preview(ctx: Ctx[object], schedule_id: int | None, value: str | None) -> None:
    value = _check_value(ctx, value)
    if schedule_id is not None:
        row = _schedule(ctx, schedule_id)
        where = sched.where_of(row, ctx.services)
        kind = row.kind
        chosen = _pick(ctx, row, row.value_slug, where.platform, where.conversation, kind)
    else:
        kind = "prompt"
        chosen = _pick(ctx, None, value, ctx.event.where.platform, "preview")
    ctx.reply(t("prompts.preview", message=_render(ctx, chosen.text, chosen.value or None, kind).text))


async def _send_now(ctx: Ctx[object], schedule_id: int) -> None:
    row = _schedule(ctx, schedule_id)
    where = ctx.event.where
    active = ctx.services.active_platforms
    platform = row.platform or (where.platform if where.platform in active or not active else active[0])
    channel = row.channel if row.platform else (ctx.config.channels.resolve(row.channel, platform) or row.channel)
    post = _create_post(ctx, row, platform, channel, occurrence=f"prompt:{row.id}:now:{ctx.event.dedupe_key}",
                        chosen=_pick(ctx, row, row.value_slug, platform, channel, row.kind), generated=None)
    if post is None:
        return
    ctx.send(ToChannel(channel=channel), _render(ctx, post.text, post.value_slug, post.kind, post.id))
    ctx.reply(t("prompts.sent_now", id=row.id, channel=row.channel_label or row.channel))


# --- posting ------------------------------------------------------------------------------------

def _create_post(ctx: Ctx[object], row: PromptSchedule, platform: str, channel: str, occurrence: str,
                 chosen: library.LibraryPrompt, generated: str | None) -> PromptPost | None:
    return repo.record_post(
        ctx.session, org_id=ctx.org_id, schedule_id=row.id, kind=row.kind, platform=platform, channel=channel,
        prompt_key=library.GENERATED_KEY if generated else chosen.key,
        value_slug=(row.value_slug or chosen.value or None) if row.kind == "prompt" else None,
        text=generated or chosen.text, generated=bool(generated), occurrence=occurrence, posted_at=ctx.now())


def _render(ctx: Ctx[object], text: str, value_slug: str | None, kind: str, post_id: int | None = None) -> Message:
    value = ctx.config.value(value_slug) if value_slug else None
    body = t("prompts.post" if kind == "prompt" else "stories.thread_post", text=text,
             value=value.name if value else "", emoji=value.emoji if value else "")
    hint = Context(text=t("prompts.post_hint" if kind == "prompt" else "stories.thread_hint"))
    return Message(text=body, blocks=(Section(text=body), hint), ref_key=f"{repo.POST_REF}{post_id}" if post_id else "")


async def on_post(ctx: Ctx[Tick[sched.PostPayload]]) -> None:
    """A due firing: pick the next prompt (or a fresh one from the LLM) and post it, once."""
    given = ctx.input
    row = repo.get_schedule(ctx.session, ctx.org_id, given.payload.schedule)
    if row is None or row.status != "active":
        log.info("prompt schedule %s is no longer active; firing %s not posted", given.payload.schedule,
                 given.occurrence)
        return
    where = ctx.event.where
    chosen = _pick(ctx, row, row.value_slug, where.platform, where.conversation, row.kind)
    generated: str | None = None
    if row.kind == "prompt" and ctx.prepared:
        value_slug, generated = ctx.prepared
        chosen = replace(chosen, value=value_slug)
    post = _create_post(ctx, row, where.platform, where.conversation, given.occurrence, chosen, generated)
    if post is None:
        return
    ctx.post_here(_render(ctx, post.text, post.value_slug, post.kind, post.id))


async def prepare_post(services: Services, event: Event, given: Tick[sched.PostPayload]) -> tuple[str, str] | None:
    """A fresh prompt from the LLM, before the posting transaction opens: (value slug, text), or None
    to use the library (no LLM configured, or any failure)."""
    client = services.llm
    if client is None:
        return None
    with services.db.session() as session:
        row = repo.get_schedule(session, services.org_id, given.payload.schedule)
        if row is None or row.status != "active" or row.kind != "prompt":
            return None
        values = services.config.values
        value = services.config.value(row.value_slug or "") or values[zlib.crc32(given.occurrence.encode()) % len(values)]
        stories = [s.text for s in stories_repo.recent_good(session, services.org_id, 5,
                                                             include_anonymous=client.send_anonymous)]
    text = await client.fresh_prompt(value, stories)
    return (value.slug, text) if text else None


# --- replies in a prompt's thread ---------------------------------------------------------------

async def on_reply(ctx: Ctx[ReplyInput]) -> None:
    given = ctx.input
    where = ctx.event.where
    if ctx.event.actor is None or not where.thread:
        return
    post = repo.post_for_thread(ctx.session, where.platform, where.thread, where.conversation)
    if post is None:
        return  # not one of ours
    person = ctx.person
    repo.record_reply(ctx.session, post.id, person.id, ctx.now())
    if post.kind == "story_thread":
        from bot.stories.handlers import story_from_reply

        story_from_reply(ctx, post, person)
        return
    _offer_kudos(ctx, post, person.id, given.text, given.mentions)


def _offer_kudos(ctx: Ctx[object], post: PromptPost, giver_id: int, text: str, mentions: tuple[Mention, ...]) -> None:
    """A reply praising a mentioned colleague: offer to turn it into a kudos with one click."""
    if not _PRAISE.search(text):
        return
    recipients: list[int] = []
    for token in tokenize(text, mentions):
        if token.kind != "person" or token.person is None:
            continue
        ref = token.person
        if ref.mention is not None and not people.storable_id(ref.mention.user_id):
            person = None
        elif ref.mention is not None:
            person = people.resolve_mention(ctx.session, ctx.org_id, ctx.event.where.platform,
                                            ctx.event.where.tenant, ref.mention, ctx.now())
        else:
            person = people_repo.by_handle(ctx.session, ctx.org_id, ref.handle)
        if person is not None and person.id != giver_id and person.id not in recipients:
            recipients.append(person.id)
    if not recipients:
        return
    recipients = recipients[: ctx.config.kudos.max_recipients]
    names = [p.name for p in (people_repo.get(ctx.session, i) for i in recipients) if p is not None]
    words = limits.fit(readable(text, mentions), ctx.config.kudos.max_length)  # the reply is already posted: made storable
    offer = repo.add_kudos_offer(ctx.session, ctx.org_id, post.id, giver_id, words, recipients, ctx.now())
    offer_text = t("prompts.kudos_offer", names=", ".join(names))
    button = Button(t("prompts.kudos_button"), KUDOS_ACTION, str(offer.id), style="primary")
    ctx.reply(Message(text=offer_text, blocks=(Section(text=offer_text), Actions(buttons=(button,)))))


async def on_make_kudos(ctx: Ctx[ActionInput]) -> None:
    """The "make it a kudos" button: the reply becomes a kudos, under the usual kudos rules.

    The button's value is the id of the stored offer and nothing else is taken from the click:
    the giver must be the clicker, and recipients and words are those stored with the reply.
    Someone else's offer and one that does not exist get the same answer.
    """
    from bot.kudos import handlers as kudos_handlers
    from bot.kudos import rules

    value = ctx.input.value.strip()
    found = repo.kudos_offer(ctx.session, ctx.org_id, int(value)) if _OFFER_ID.match(value) else None
    giver = ctx.person
    if found is None or found[0].giver_id != giver.id:
        raise UserError(t("prompts.kudos_stale"))
    offer, to = found
    source_ref = f"prompt:{offer.post_id}:{giver.id}"
    if repo.kudos_given_from_reply(ctx.session, ctx.org_id, source_ref):
        raise UserError(t("prompts.kudos_done"))
    recipients = [p for p in (people_repo.get(ctx.session, i) for i in to) if p is not None and p.org_id == ctx.org_id]
    text = offer.text
    values = [tok.tag for tok in tokenize(text) if tok.kind == "tag" and ctx.config.value(tok.tag)]
    kudos = rules.give(ctx, giver, recipients, values, text, source="prompt-reply", source_ref=source_ref)
    kudos_handlers.announce(ctx, kudos, giver, recipients, values)
