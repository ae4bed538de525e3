"""``/request`` and its buttons: one path for text and clicks, so every step works everywhere.

A button is only a shortcut for the text command: its action id names the step and its value the
request number. Buttons that need an argument (a date, a reason, a person) answer with the exact
command to type, because the console has no forms (Slack and Teams may add modals later).
"""

from __future__ import annotations

from datetime import datetime

from bot.context import Ctx
from bot.errors import UserError
from bot.events import ActionInput, CommandInput, Mention
from bot.kudos import handlers as kudos_handlers
from bot.kudos import rules as kudos_rules
from bot.mentions import mention
from bot.messages import Block, Message, Section
from bot.requests import grammar, lifecycle
from bot.requests.dates import parse_due
from bot.requests.lifecycle import ref, tz_of
from bot.requests.render import (
    history_message,
    line,
    owner_message,
    requester_message,
    when,
)
from bot.resolve import resolve_person
from bot.texts import readable, t, t_plain
from storage import people as people_repo
from storage import requests as repo
from storage.models import Person
from storage.request_models import Request


async def on_command(ctx: Ctx[CommandInput]) -> None:
    given = ctx.input
    command = grammar.parse(given.text, given.mentions)
    match command:
        case grammar.Help():
            ctx.reply(t("requests.help", **_help_vars(ctx)))
        case grammar.ListMine():
            ctx.reply(list_message(ctx, ctx.person))
        case grammar.Create():
            create(ctx, command, given.mentions)
        case grammar.Reassign(number=number, target=target):
            request = lifecycle.load(ctx, number)
            reassign(ctx, request, resolve_person(ctx, target, "requests.unknown_owner"))
        case grammar.Step(verb=verb, number=number, text=text):
            step(ctx, verb, lifecycle.load(ctx, number, viewing=verb == "show"), text)


# The buttons request messages carry (see render.py); only "rate" carries an argument (the stars).
BUTTON_VERBS = frozenset({"ack", "accept", "promise", "done", "reassign", "decline", "confirm", "reopen", "rate",
                          "thank", "cancel"})


async def on_action(ctx: Ctx[ActionInput]) -> None:
    """A click on one of the request buttons.

    The click names a step and a request number, nothing more: whoever clicks can change the
    payload, so who may take the step is decided from the database (:func:`lifecycle.load` and
    the lifecycle's checks), exactly as for the typed command.
    """
    given = ctx.input
    verb = given.action_id.partition(":")[2]
    number_text, _, argument = given.value.partition(":")
    request = lifecycle.load(ctx, grammar.parse_ref(number_text, verb if verb in BUTTON_VERBS else "show"))
    if verb not in BUTTON_VERBS:
        raise UserError(t("requests.usage"))
    argument = argument if verb == "rate" else ""
    owner, requester = _parties(ctx, request)
    if verb == "accept":
        lifecycle.must_be(ctx.person, [owner], request, "promise a date for")
        if request.asked_due_at is None or request.asked_due_at <= ctx.now():
            raise UserError(t("requests.type_it", ref=ref(request), verb="promise", example="Friday 3pm"))
        _promise(ctx, request, owner, requester, request.asked_due_at)
    elif verb in ("promise", "reassign", "decline", "reopen"):
        # Check first that the step is the clicker's to take, then say what to type.
        belongs = [requester] if verb == "reopen" else [owner, requester] if verb == "reassign" else [owner]
        lifecycle.must_be(ctx.person, belongs, request, verb)
        example = {"promise": "Friday 3pm", "reassign": "@someone", "decline": "the reason",
                   "reopen": "what is still missing"}[verb]
        ctx.reply(t("requests.type_it", ref=ref(request), verb=verb, example=example))
    elif verb in grammar.STEPS or verb == "thank":
        step(ctx, verb, request, argument)


def _parties(ctx: Ctx[object], request: Request) -> tuple[Person, Person]:
    owner = people_repo.get(ctx.session, request.owner_id)
    requester = people_repo.get(ctx.session, request.requester_id)
    assert owner is not None and requester is not None
    return owner, requester


def refresh(ctx: Ctx[object], request: Request, owner: Person, requester: Person, *, to_requester: str = "",
            to_owner: str = "") -> None:
    """Update both sides' messages in place, then tell whoever needs to hear of the step."""
    ctx.tell(owner.id, owner_message(ctx.config, request, owner, requester))
    ctx.tell(requester.id, requester_message(ctx.config, request, owner, requester))
    if to_requester:
        ctx.tell(requester.id, to_requester)
    if to_owner:
        ctx.tell(owner.id, to_owner)


def create(ctx: Ctx[object], command: grammar.Create, mentions: tuple[Mention, ...]) -> None:
    requester = ctx.person
    owner = resolve_person(ctx, command.owner, "requests.unknown_owner")
    cal = lifecycle.calendar(ctx.services)
    due = parse_due(command.when, ctx.now(), ctx.tz(requester), cal) if command.when else None
    what = readable(command.what, mentions)
    request = lifecycle.create(ctx, requester, owner, what, due, command.category, command.urgent)
    ctx.tell(owner.id, owner_message(ctx.config, request, owner, requester))
    ctx.tell(requester.id, requester_message(ctx.config, request, owner, requester))
    ctx.reply(t("requests.created", ref=ref(request), owner=owner.name, due=when(due, ctx.tz(requester)),
                first_response=when(request.first_response_due_at, ctx.tz(requester))))


def step(ctx: Ctx[object], verb: str, request: Request, text: str) -> None:
    owner, requester = _parties(ctx, request)
    actor = ctx.person
    r = ref(request)
    if verb == "show":
        _show(ctx, request, actor, owner, requester)
    elif verb == "ack":
        lifecycle.acknowledge(ctx, request, actor, owner)
        refresh(ctx, request, owner, requester, to_requester=t("requests.told_ack", ref=r, owner=mention(owner)))
        ctx.reply(t("requests.did", ref=r, what="acknowledged", other=requester.name))
    elif verb == "promise":
        wanted = text or ""
        if not wanted:
            if request.asked_due_at is None:
                raise UserError(t("requests.usage_step", verb="promise"))
            due = request.asked_due_at
            if due <= ctx.now():
                raise UserError(t("requests.type_it", ref=r, verb="promise", example="Friday 3pm"))
        else:
            due = parse_due(wanted, ctx.now(), ctx.tz(actor), lifecycle.calendar(ctx.services))
        _promise(ctx, request, owner, requester, due)
    elif verb == "update":
        lifecycle.update(ctx, request, actor, owner, requester, text)
        other = requester if actor.id == owner.id else owner
        ctx.tell(owner.id, owner_message(ctx.config, request, owner, requester))
        ctx.tell(requester.id, requester_message(ctx.config, request, owner, requester))
        ctx.tell(other.id, t("requests.told_update", ref=r, who=mention(actor), text=text))
        ctx.reply(t("requests.did", ref=r, what="sent your update", other=other.name))
    elif verb == "done":
        lifecycle.deliver(ctx, request, actor, owner, text)
        refresh(ctx, request, owner, requester,
                to_requester=t("requests.told_done", ref=r, owner=mention(owner), note=text,
                               days=ctx.config.requests.auto_confirm_days))
        ctx.reply(t("requests.did", ref=r, what="marked as done", other=requester.name))
    elif verb == "confirm":
        lifecycle.confirm(ctx, request, actor, requester)
        refresh(ctx, request, owner, requester, to_owner=t("requests.told_confirmed", ref=r, requester=mention(requester)))
        ctx.reply(t("requests.rate_ask", ref=r, owner=owner.name))
    elif verb == "reopen":
        lifecycle.reopen(ctx, request, actor, requester, text)
        refresh(ctx, request, owner, requester,
                to_owner=t("requests.told_reopened", ref=r, requester=mention(requester), why=text))
        ctx.reply(t("requests.did", ref=r, what="reopened", other=owner.name))
    elif verb == "rate":
        lifecycle.rate(ctx, request, actor, requester, text)
        refresh(ctx, request, owner, requester,
                to_owner=t("requests.told_rated", ref=r, requester=mention(requester), rating=request.rating,
                           comment=request.rating_comment))
        ctx.reply(t("requests.rated", ref=r, rating=request.rating, owner=owner.name,
                    thanked=request.thanked_kudos_id is not None))
    elif verb == "decline":
        lifecycle.decline(ctx, request, actor, owner, text)
        refresh(ctx, request, owner, requester,
                to_requester=t("requests.told_declined", ref=r, owner=mention(owner), reason=text))
        ctx.reply(t("requests.did", ref=r, what="declined", other=requester.name))
    elif verb == "cancel":
        lifecycle.cancel(ctx, request, actor, requester, text)
        refresh(ctx, request, owner, requester,
                to_owner=t("requests.told_cancelled", ref=r, requester=mention(requester), reason=text))
        ctx.reply(t("requests.did", ref=r, what="cancelled", other=owner.name))
    elif verb == "thank":
        thank(ctx, request, actor, owner, requester)
    else:  # pragma: no cover - the grammar only knows the verbs above
        raise UserError(t("requests.usage"))


def _promise(ctx: Ctx[object], request: Request, owner: Person, requester: Person, due: datetime) -> None:
    outcome = lifecycle.promise(ctx, request, ctx.person, owner, due)
    r = ref(request)
    refresh(ctx, request, owner, requester,
            to_requester=t("requests.told_promise", ref=r, owner=mention(owner), outcome=outcome,
                           when=when(due, tz_of(ctx.config, requester))))
    ctx.reply(t("requests.promised", ref=r, when=when(due, ctx.tz(owner)), outcome=outcome, other=requester.name))


def reassign(ctx: Ctx[object], request: Request, new_owner: Person) -> None:
    owner, requester = _parties(ctx, request)
    old_assignment = request.assignment
    lifecycle.reassign(ctx, request, ctx.person, owner, requester, new_owner)
    r = ref(request)
    # The old owner's message is closed (no buttons); the new owner gets their own.
    ctx.tell(owner.id, owner_message(ctx.config, request, owner, requester, assignment=old_assignment,
                                     headline=t("requests.reassigned_away", ref=r, name=new_owner.name)))
    refresh(ctx, request, new_owner, requester,
            to_requester="" if ctx.person.id == requester.id else t("requests.told_reassigned", ref=r,
                                                                     name=new_owner.name))
    ctx.reply(t("requests.did", ref=r, what=f"reassigned to {new_owner.name}", other=requester.name))


def thank(ctx: Ctx[object], request: Request, actor: Person, owner: Person, requester: Person) -> None:
    """The one-click "thank the owner": a kudos under the same rules as any other."""
    lifecycle.must_be(actor, [requester], request, "thank the owner of")
    lifecycle.must_have_status(request, ("confirmed",), "be thanked for")
    if request.thanked_kudos_id is not None:
        raise UserError(t("requests.already_thanked", ref=ref(request), owner=owner.name))
    values = [ctx.config.values[0].slug] if ctx.config.kudos.require_value and ctx.config.values else []
    message = t_plain("requests.thank_message", ref=ref(request), what=request.title)
    kudos = kudos_rules.give(ctx, actor, [owner], values, message, source="request", source_ref=ref(request))
    request.thanked_kudos_id = kudos.id
    repo.save(ctx.session, request)
    repo.log(ctx.session, request, ctx.now(), "thanked", actor.id, f"kudos #{kudos.id}")
    ctx.tell(requester.id, requester_message(ctx.config, request, owner, requester))
    kudos_handlers.announce(ctx, kudos, actor, [owner], values)


def _show(ctx: Ctx[object], request: Request, actor: Person, owner: Person, requester: Person) -> None:
    if not lifecycle.may_see(ctx, request, viewing=True):  # load() checked it; a step never shows more
        raise UserError(t("requests.not_one_of_yours", ref=ref(request)))
    rows = repo.history(ctx.session, request.id)
    ctx.reply(history_message(ctx.config, request, actor, owner, requester, rows))


def list_blocks(ctx: Ctx[object], person: Person) -> tuple[str, list[Block]]:
    """My open requests both ways and what is overdue: for ``/request list`` and the Home."""
    def lines(rows: list[Request], other_of: str) -> list[str]:
        out = []
        for request in rows:
            other = people_repo.get(ctx.session, getattr(request, other_of))
            if other is not None:
                out.append(line(ctx.config, request, person, other))
        return out

    asked = lines(list(repo.requested_by(ctx.session, person.id)), "owner_id")
    assigned = lines(list(repo.owned_by(ctx.session, person.id)), "requester_id")
    overdue = [line(ctx.config, r, person, people_repo.get(ctx.session, r.owner_id if r.requester_id == person.id
                                                                     else r.requester_id))  # type: ignore[arg-type]
               for r in repo.overdue_for(ctx.session, person.id, ctx.now())]
    text = t("requests.list", asked=asked, assigned=assigned, overdue=overdue)
    return text, [Section(text=text)]


def list_message(ctx: Ctx[object], person: Person) -> Message:
    text, blocks = list_blocks(ctx, person)
    return Message(text=text, blocks=tuple(blocks))


def home_section(ctx: Ctx[object], person: Person) -> list[Block]:
    return list_blocks(ctx, person)[1]


def _help_vars(ctx: Ctx[object]) -> dict[str, object]:
    settings = ctx.config.requests
    return {"default": settings.first_response.default, "urgent": settings.first_response.urgent,
                "categories": sorted(settings.first_response.categories.items()), "days": settings.auto_confirm_days}
