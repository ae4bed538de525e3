"""The life of a request and who may move it.

open → acknowledged → promised → delivered → confirmed (or reopened); declined and cancelled
carry reasons. Each function checks who is acting and in which state the request is, changes it,
and writes the audit log; a refusal is a :class:`UserError` and changes nothing. Business-time
figures for the metrics are computed here, when the step happens.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import people
from bot.calendar import BusinessCalendar
from bot.config import AppConfig
from bot.context import Ctx, Services
from bot.errors import UserError
from bot.texts import t
from storage import people as people_repo
from storage import requests as repo
from storage.models import Person
from storage.request_models import Request

OWED = repo.OWED
LABELS = {
    "open": "waiting for a first response", "acknowledged": "acknowledged", "promised": "promised",
    "delivered": "delivered, waiting for confirmation", "reopened": "reopened", "confirmed": "confirmed",
    "declined": "declined", "cancelled": "cancelled",
}


def calendar(services: Services) -> BusinessCalendar:
    return services.calendar


def ref(request: Request) -> str:
    return f"REQ-{request.number}"


def tz_of(config: AppConfig, person: Person | None) -> ZoneInfo:
    return people.timezone_of(config, person)


def load(ctx: Ctx[object], number: int, viewing: bool = False) -> Request:
    """The request numbered ``number`` if the actor is one of its parties, else one refusal.

    The refusal is the same whether the request exists or not and names nobody, so nobody can
    learn which numbers exist, who asked whom, or how far a request got. It comes before
    anything else is read from the command (a date, a person) for the same reason. Parties are
    the requester and the owner; ``viewing`` (``show``) also lets the owner's manager and admins in.
    """
    request = repo.by_number(ctx.session, ctx.org_id, number)
    if request is None or not may_see(ctx, request, viewing):
        raise UserError(t("requests.not_one_of_yours", ref=f"REQ-{number}"))
    return request


def may_see(ctx: Ctx[object], request: Request, viewing: bool = False) -> bool:
    actor = ctx.person
    if actor.id in (request.requester_id, request.owner_id):
        return True
    if not viewing:
        return False
    owner = people_repo.get(ctx.session, request.owner_id)
    return (owner is not None and owner.manager_id == actor.id) or "admins" in ctx.roles


def first_response_due(services: Services, start: datetime, target: timedelta, owner: Person) -> datetime:
    """When ``target`` of the owner's business time after ``start`` is used up (may be a closing time;
    reminders themselves wait for the next business moment)."""
    return calendar(services).add_business_time(start, target, tz_of(services.config, owner))


def must_be(actor: Person, allowed: list[Person | None], request: Request, step: str) -> None:
    """Only the people a step belongs to may take it."""
    if actor.id not in {p.id for p in allowed if p is not None}:
        names = " or ".join(p.name for p in allowed if p is not None)
        raise UserError(t("requests.not_yours", ref=ref(request), step=step, who=names))


def must_have_status(request: Request, statuses: tuple[str, ...], step: str) -> None:
    if request.status not in statuses:
        raise UserError(t("requests.wrong_state", ref=ref(request), step=step, status=LABELS[request.status]))


def create(ctx: Ctx[object], requester: Person, owner: Person, what: str, due: datetime | None, category: str | None,
           urgent: bool) -> Request:
    if owner.id == requester.id:
        raise UserError(t("requests.self"))
    now = ctx.now()
    target = ctx.config.requests.first_response.target(category, urgent)
    request = Request(org_id=ctx.org_id, number=0, requester_id=requester.id, owner_id=owner.id, title=what,
                      category=category, urgent=urgent, status="open", platform=ctx.event.where.platform or "console",
                      created_at=now, updated_at=now, asked_due_at=due, sla_started_at=now,
                      first_response_target_s=int(target.total_seconds()),
                      first_response_due_at=first_response_due(ctx.services, now, target, owner))
    repo.create(ctx.session, request)
    detail = f"to {owner.name}: {what}"
    repo.log(ctx.session, request, now, "created", requester.id, detail)
    return request


def _first_response(ctx: Ctx[object], request: Request, owner: Person) -> None:
    """The owner answered: the first-response clock stops (once per assignment)."""
    now = ctx.now()
    if request.acknowledged_at is None:
        request.acknowledged_at = now
    if request.first_response_at is None:
        request.first_response_at = now
        seconds = calendar(ctx.services).business_duration(request.created_at, now, tz_of(ctx.config, owner))
        request.first_response_business_s = int(seconds.total_seconds())


def acknowledge(ctx: Ctx[object], request: Request, actor: Person, owner: Person) -> None:
    must_be(actor, [owner], request, "acknowledge")
    if request.status != "open":
        raise UserError(t("requests.already_acknowledged", ref=ref(request), status=LABELS[request.status]))
    _first_response(ctx, request, owner)
    request.status = "acknowledged"
    _touch(ctx, request, "acknowledged", actor)


def promise(ctx: Ctx[object], request: Request, actor: Person, owner: Person, when: datetime) -> str:
    """Commit to a date; returns "promised", "renegotiated" (moved before it was due) or "late" (moved
    after it had passed: the earlier promise counts as broken)."""
    must_be(actor, [owner], request, "promise a date for")
    must_have_status(request, OWED, "get a promise")
    now = ctx.now()
    _first_response(ctx, request, owner)
    outcome = "promised"
    if request.promised_at is not None and request.status in ("promised", "reopened"):
        if now < request.promised_at:
            outcome = "renegotiated"
            request.promise_renegotiations += 1
        else:
            outcome = "late"
            request.promise_broken = True
    previous = request.promised_at
    request.promised_at, request.promise_made_at = when, now
    request.promise_version += 1
    request.status = "promised"
    detail = _utc(when) if previous is None else f"{_utc(previous)} → {_utc(when)}"
    _touch(ctx, request, outcome, actor, detail)
    return outcome


def update(ctx: Ctx[object], request: Request, actor: Person, owner: Person, requester: Person, text: str) -> None:
    must_be(actor, [owner, requester], request, "post an update on")
    must_have_status(request, repo.ACTIVE, "get updates")
    if actor.id == owner.id and request.status == "open":
        _first_response(ctx, request, owner)
        request.status = "acknowledged"
    _touch(ctx, request, "update", actor, text)


def deliver(ctx: Ctx[object], request: Request, actor: Person, owner: Person, note: str) -> None:
    must_be(actor, [owner], request, "mark as done")
    must_have_status(request, OWED, "be marked done")
    now = ctx.now()
    _first_response(ctx, request, owner)
    if request.promised_at is not None and now > request.promised_at:
        request.promise_broken = True
    request.status, request.delivered_at, request.delivery_note = "delivered", now, note
    request.delivery_count += 1
    seconds = calendar(ctx.services).business_duration(request.created_at, now, tz_of(ctx.config, owner))
    request.resolution_business_s = int(seconds.total_seconds())
    _touch(ctx, request, "delivered", actor, note)


def confirm(ctx: Ctx[object], request: Request, actor: Person | None, requester: Person, auto: bool = False) -> None:
    if not auto:
        assert actor is not None
        must_be(actor, [requester], request, "confirm")
    must_have_status(request, ("delivered",), "be confirmed")
    request.status, request.closed_at, request.auto_confirmed = "confirmed", ctx.now(), auto
    _touch(ctx, request, "auto-confirmed" if auto else "confirmed", actor)


def reopen(ctx: Ctx[object], request: Request, actor: Person, requester: Person, why: str) -> None:
    must_be(actor, [requester], request, "reopen")
    must_have_status(request, ("delivered", "confirmed"), "be reopened")
    request.status, request.closed_at = "reopened", None
    request.reopen_count += 1
    _touch(ctx, request, "reopened", actor, why)


def rate(ctx: Ctx[object], request: Request, actor: Person, requester: Person, text: str) -> None:
    must_be(actor, [requester], request, "rate")
    must_have_status(request, ("confirmed",), "be rated")
    score, _, comment = text.strip().partition(" ")
    if score not in {"1", "2", "3", "4", "5"}:
        raise UserError(t("requests.bad_rating", ref=ref(request), given=score))
    request.rating, request.rating_comment = int(score), comment.strip()
    _touch(ctx, request, "rated", actor, f"{score}/5 {comment.strip()}".strip())


def decline(ctx: Ctx[object], request: Request, actor: Person, owner: Person, reason: str) -> None:
    must_be(actor, [owner], request, "decline")
    must_have_status(request, OWED, "be declined")
    _first_response(ctx, request, owner)
    request.status, request.closed_at, request.close_reason = "declined", ctx.now(), reason
    _touch(ctx, request, "declined", actor, reason)


def cancel(ctx: Ctx[object], request: Request, actor: Person, requester: Person, reason: str) -> None:
    must_be(actor, [requester], request, "cancel")
    must_have_status(request, OWED, "be cancelled")
    request.status, request.closed_at, request.close_reason = "cancelled", ctx.now(), reason
    _touch(ctx, request, "cancelled", actor, reason)


def reassign(ctx: Ctx[object], request: Request, actor: Person, owner: Person, requester: Person, new_owner: Person) -> None:
    """A new owner gets a fresh first-response clock; the old owner's promise does not bind them."""
    must_be(actor, [owner, requester], request, "reassign")
    must_have_status(request, OWED, "be reassigned")
    if new_owner.id == owner.id:
        raise UserError(t("requests.same_owner", ref=ref(request), name=owner.name))
    if new_owner.id == requester.id:
        raise UserError(t("requests.self"))
    now = ctx.now()
    target = timedelta(seconds=request.first_response_target_s)
    request.owner_id = new_owner.id
    request.assignment += 1
    request.status, request.sla_started_at, request.acknowledged_at = "open", now, None
    request.first_response_due_at = first_response_due(ctx.services, now, target, new_owner)
    request.promised_at = request.promise_made_at = None
    _touch(ctx, request, "reassigned", actor, f"{owner.name} → {new_owner.name}")


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _touch(ctx: Ctx[object], request: Request, kind: str, actor: Person | None, detail: str = "") -> None:
    request.updated_at = ctx.now()
    repo.save(ctx.session, request)
    repo.log(ctx.session, request, ctx.now(), kind, actor.id if actor else None, detail)
