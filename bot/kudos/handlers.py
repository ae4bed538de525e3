"""``/kudos`` and its ways in: the command, the form, and react-to-give."""

from __future__ import annotations

from bot import limits, people
from bot.config import AppConfig
from bot.context import Ctx
from bot.dates import month_bounds, parse_month
from bot.errors import UserError
from bot.events import ActionInput, CommandInput, Mention, ReactionInput
from bot.kudos import grammar, rules
from bot.mentions import mention, mention_all
from bot.messages import (
    Block,
    Choice,
    Context,
    Fields,
    Form,
    Message,
    PeopleInput,
    Section,
    SelectInput,
    TextInput,
    escape,
)
from bot.parser import PersonRef
from bot.people import display
from bot.texts import readable, t, t_plain
from storage import kudos as repo
from storage import people as people_repo
from storage.models import Kudos, Person

FORM_ACTION = "kudos:form"


async def on_command(ctx: Ctx[CommandInput]) -> None:
    given = ctx.input
    command = grammar.parse(given.text, given.mentions)
    match command:
        case grammar.Help():
            ctx.reply(help_message(ctx))
        case grammar.OpenForm():
            # The usage, with the form for platforms that show forms in a message (Teams). Slack
            # opens the form as a modal before the core sees an empty /kudos (see form_for).
            usage = help_message(ctx)
            ctx.reply(Message(text=usage.text, blocks=(*usage.blocks, kudos_form(ctx.config))))
        case grammar.Mine():
            ctx.reply(mine_message(ctx, ctx.person))
        case grammar.Top(month=month):
            ctx.reply(top_message(ctx, month))
        case grammar.Leaderboard(show_me=show_me):
            people_repo.set_leaderboard_opt_out(ctx.session, ctx.person, not show_me)
            ctx.reply(t("kudos.leaderboard_set", on=show_me))
        case grammar.Give(recipients=refs, values=values, message=text):
            recipients = rules.resolve_recipients(ctx, refs)
            kudos = rules.give(ctx, ctx.person, recipients, values, readable(text, given.mentions))
            announce(ctx, kudos, ctx.person, recipients, list(values))


def kudos_form(config: AppConfig) -> Form:
    """The kudos form: people, a value, a message (``/kudos`` with nothing after it)."""
    return Form(
        action_id=FORM_ACTION, title=t_plain("kudos.form_title"), submit=t_plain("kudos.form_submit"),
        cancel=t_plain("kudos.form_cancel"),
        inputs=(
            PeopleInput(id="recipients", label=t_plain("kudos.form_who"), placeholder=t_plain("kudos.form_who_hint"),
                        max_selected=config.kudos.max_recipients),
            SelectInput(id="value", label=t_plain("kudos.form_value"), placeholder=t_plain("kudos.form_value_hint"),
                        options=tuple(Choice(value=v.slug, label=f"{v.emoji} {v.name}".strip()) for v in config.values),
                        optional=not config.kudos.require_value),
            TextInput(id="message", label=t_plain("kudos.form_message"), multiline=True,
                      max_length=config.kudos.max_length),
        ))


def form_for(config: AppConfig, given: CommandInput) -> Form | None:
    """``/kudos`` alone asks for the form; anything after it is a command of its own."""
    return kudos_form(config) if not given.text.strip() else None


async def on_form(ctx: Ctx[ActionInput]) -> None:
    """A submitted kudos form: people picked by platform id, a value, a message."""
    given = ctx.input
    form = kudos_form(ctx.config).read(given.form)
    users = form["recipients"]
    users = [users] if isinstance(users, str) else users
    known = {m.user_id: m for m in given.mentions}
    mentions = tuple(known.get(u) or Mention(token=u, user_id=u) for u in users)
    refs = tuple(PersonRef(raw=u, user_id=u, mention=m) for u, m in zip(users, mentions))
    value = form["value"]
    values = [value] if isinstance(value, str) and value else []
    message = str(form["message"])
    recipients = rules.resolve_recipients(ctx, refs)
    kudos = rules.give(ctx, ctx.person, recipients, values, message)
    announce(ctx, kudos, ctx.person, recipients, values)


def reaction_emojis(config: AppConfig) -> frozenset[str]:
    """The emoji that gives kudos (``kudos.reaction_emoji``): the only reaction that reaches :func:`on_reaction`."""
    return frozenset({config.kudos.reaction_emoji})


async def on_reaction(ctx: Ctx[ReactionInput]) -> None:
    """React-to-give: the configured emoji on someone's message gives its author a kudos."""
    given = ctx.input
    if given.item_author is None:
        return
    author = people.resolve_actor(ctx.session, ctx.org_id, given.item_author, ctx.now())
    excerpt = limits.fit(given.item_text, 10_000)  # someone else's words: made storable, not refused
    if len(excerpt) > 120:
        excerpt = excerpt[:117] + "..."
    message = t_plain("kudos.reaction_message", emoji=given.emoji, excerpt=excerpt)
    kudos = rules.give(ctx, ctx.person, [author], [], message, source="reaction", source_ref=given.item_link)
    announce(ctx, kudos, ctx.person, [author], [])


def announce(ctx: Ctx[object], kudos: Kudos, giver: Person, recipients: list[Person], values: list[str]) -> None:
    """The public announcement, a private note to each recipient, and a receipt for the giver."""
    value_names = [ctx.config.value(v).name for v in values if ctx.config.value(v)]
    emojis = " ".join(ctx.config.value(v).emoji for v in values if ctx.config.value(v) and ctx.config.value(v).emoji)
    names = mention_all(recipients)
    by = mention(giver)
    text = t("kudos.announcement", giver=by, names=names, message=kudos.message, values=value_names)
    blocks: list[Block] = [Section(text=text)]
    if value_names:
        blocks.append(Context(text=escape(f"{emojis} {' · '.join(value_names)}".strip())))
    ctx.announce("kudos", Message(text=text, blocks=tuple(blocks)))
    for person in recipients:
        ctx.tell(person.id, t("kudos.received", giver=by, message=kudos.message, values=value_names))
    left = rules.budget(ctx, giver)
    ctx.reply(t("kudos.sent", names=", ".join(r.name for r in recipients), left=left.left, limit=left.limit))


def help_message(ctx: Ctx[object]) -> Message:
    values = [(v.slug, v.name) for v in ctx.config.values]
    text = t("kudos.help", values=values, budget=ctx.config.kudos.daily_budget,
             max_recipients=ctx.config.kudos.max_recipients, emoji=ctx.config.kudos.reaction_emoji,
             leaderboard=ctx.config.kudos.leaderboard, require_value=ctx.config.kudos.require_value)
    return Message(text=text, blocks=(Section(text=text),))


def mine_message(ctx: Ctx[object], person: Person) -> Message:
    tz = ctx.tz(person)
    start, end = month_bounds(ctx.now().astimezone(tz).strftime("%Y-%m"), tz)
    given = repo.given_count(ctx.session, person.id, start, end)
    received = repo.received_count(ctx.session, person.id, start, end)
    left = rules.budget(ctx, person)
    recent = repo.recent_received(ctx.session, person.id, start, end)
    text = t("kudos.mine", given=given, received=received, left=left.left, limit=left.limit,
             month=start.astimezone(tz).strftime("%B %Y"), recent=recent)
    return Message(text=text, blocks=(
        Section(text=t("kudos.mine_title", month=start.astimezone(tz).strftime("%B %Y"))),
        Fields(pairs=(("Given", str(given)), ("Received", str(received)), ("Left today", f"{left.left} of {left.limit}"))),
        *([Section(text=t("kudos.mine_recent", recent=recent))] if recent else []),
    ))


def top_message(ctx: Ctx[object], month: str | None) -> Message:
    if not ctx.config.kudos.leaderboard:
        raise UserError(t("kudos.leaderboard_off"))
    tz = ctx.tz(ctx.person)
    month = month or ctx.now().astimezone(tz).strftime("%Y-%m")
    start, end = month_bounds(parse_month(month), tz)
    rows = repo.leaderboard(ctx.session, ctx.org_id, start, end)
    text = t("kudos.top", month=start.astimezone(tz).strftime("%B %Y"),
             rows=[(i + 1, display(p), n) for i, (p, n) in enumerate(rows)])
    return Message(text=text, blocks=(Section(text=text),))


def home_section(ctx: Ctx[object], person: Person) -> list[Block]:
    """The kudos part of a person's Home: this month's figures and what they received."""
    return list(mine_message(ctx, person).blocks)
