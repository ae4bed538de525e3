"""Reminders, escalation and auto-confirmation, as a scheduler source and its tick handlers.

Every point of a request has a name ("first:50%", "escalate", "promise2:-1d", "autoconfirm1") and
an occurrence key ``req:<id>:<point>``; the scheduler dispatches it as a Tick under that key, and
the inbox's unique constraint makes it exactly once across restarts and replicas. Three schedules
share the plan: reminders and escalations (:func:`due_reminders`), auto-confirmations
(:func:`due_autoconfirms`) and the gentle notes that waited for business hours (:func:`due_notes`).

Points are computed from the request and app.yaml on every sweep (nothing is pickled). A point
may only be delivered at a business time of its recipient (each person's own timezone, workdays
and holidays), so nobody is reminded at night, at the weekend or on a holiday. After downtime,
when several points of one series are overdue at once, only the latest is sent and the others are
recorded as passed: one message, not a burst.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator
from sqlmodel import Session

from bot.calendar import BusinessCalendar
from bot.context import Ctx, Services
from bot.feature import Due, Tick
from bot.mentions import mention
from bot.messages import Actions, Block, Message, Section
from bot.requests import lifecycle
from bot.requests.handlers import refresh
from bot.requests.lifecycle import ref, tz_of
from bot.requests.render import owner_message, when
from bot.texts import t
from storage import people as people_repo
from storage import requests as repo
from storage.models import Person
from storage.request_models import Request

REMIND_JOB = "request.remind"
NOTE_JOB = "request.note"
AUTOCONFIRM_JOB = "request.autoconfirm"
TOLD = ":told"  # the requester's gentle note about a reminder or escalation
OWNER_TOLD = ":owner"  # the owner's note that their request was escalated


def _names(value: object) -> object:
    """Points passed over, as a list (ticks recorded by older versions wrote "a,b")."""
    return [name for name in value.split(",") if name] if isinstance(value, str) else value


class PointPayload(BaseModel):
    """A point of one request: which request, which point (a note, an auto-confirmation)."""

    request: int
    point: str


class ReminderPayload(PointPayload):
    """A reminder or an escalation, with the earlier points of its series that came due with it."""

    kind: Literal["remind", "escalate"] = "remind"
    passed: Annotated[list[str], BeforeValidator(_names)] = []


@dataclass(frozen=True)
class Point:
    name: str
    series: str  # "first" (until the first response), "promise" (until delivery), "autoconfirm"
    kind: str  # "remind" | "escalate" | "autoconfirm"
    at: datetime  # the earliest moment it may be delivered: a business time of its recipient


def _prefix(request: Request) -> str:
    return "" if request.assignment == 1 else f"a{request.assignment}:"


def escalation_recipient(session: Session, services: Services, request: Request, owner: Person,
                         create: bool = False) -> Person | None:
    """The category's escalation contact, else the owner's manager."""
    contact = services.config.requests.escalation_contacts.get(request.category or "") if request.category else None
    if contact:
        person = people_repo.by_email(session, services.org_id, contact)
        if person is None and create:
            person = people_repo.create(session, services.org_id, contact, services.clock.now(), email=contact)
        if person is not None or not create:
            return person
    return people_repo.get(session, owner.manager_id) if owner.manager_id else None


def planned(session: Session, services: Services, request: Request, owner: Person, requester: Person,
            cal: BusinessCalendar) -> list[Point]:
    settings = services.config.requests
    config = services.config
    points: list[Point] = []
    owner_tz = tz_of(config, owner)
    if request.status == "open":
        target = timedelta(seconds=request.first_response_target_s)
        pre = _prefix(request)
        for label, fraction in settings.reminder_points():
            moment = cal.add_business_time(request.sla_started_at, target * fraction, owner_tz)
            points.append(Point(f"{pre}first:{label}", "first", "remind", cal.next_business_time(moment, owner_tz)))
        moment = cal.add_business_time(request.sla_started_at, target * settings.escalate_fraction(), owner_tz)
        recipient = escalation_recipient(session, services, request, owner)
        points.append(Point(f"{pre}escalate", "first", "escalate",
                            cal.next_business_time(moment, tz_of(config, recipient or owner))))
    if request.status in ("promised", "reopened") and request.promised_at is not None:
        day = request.promised_at.astimezone(owner_tz).date()
        opening = time.fromisoformat(settings.business_hours.start)
        for label, offset in settings.promise_points():
            moment = datetime.combine(cal.add_workdays(day, offset) if offset else day, opening, owner_tz)
            at = cal.next_business_time(moment, owner_tz)
            if request.promise_made_at is not None and at <= request.promise_made_at:
                continue  # the promise was made after this point: nothing to remind of
            points.append(Point(f"promise{request.promise_version}:{label}", "promise", "remind", at))
    if request.status == "delivered" and request.delivered_at is not None:
        requester_tz = tz_of(config, requester)
        local = request.delivered_at.astimezone(requester_tz)
        day = cal.add_workdays(local.date(), settings.auto_confirm_days)
        at = cal.next_business_time(datetime.combine(day, local.time(), requester_tz), requester_tz)
        points.append(Point(f"autoconfirm{request.delivery_count}", "autoconfirm", "autoconfirm", at))
    return points


def _due_series(session: Session, services: Services, now: datetime, series: tuple[str, ...],
                statuses: tuple[str, ...]) -> Iterator[tuple[Request, Point, list[Point]]]:
    """Per request (in one of ``statuses``, the only ones with points of ``series``) and series:
    the latest point due now and the earlier ones it passes over."""
    cal = lifecycle.calendar(services)
    requests = [r for r in repo.active(session, services.org_id) if r.status in statuses]
    handled = repo.reminders(session, [r.id for r in requests if r.id is not None])
    for request in requests:
        owner = people_repo.get(session, request.owner_id)
        requester = people_repo.get(session, request.requester_id)
        if owner is None or requester is None:
            continue
        done = handled.get(request.id or 0, {})
        points = planned(session, services, request, owner, requester, cal)
        for name in series:
            due = [p for p in points if p.series == name and p.at <= now and p.name not in done]
            if due:
                latest = max(due, key=lambda p: p.at)
                yield request, latest, [p for p in due if p is not latest]


def due_reminders(session: Session, services: Services, now: datetime) -> Iterator[Due[ReminderPayload]]:
    """Reminders and escalations due now, at most one point per series and request."""
    for request, latest, passed in _due_series(session, services, now, ("first", "promise"),
                                                 ("open", "promised", "reopened")):
        yield Due(occurrence=f"req:{request.id}:{latest.name}",
                  payload=ReminderPayload(request=request.id or 0, point=latest.name,
                                          kind="escalate" if latest.kind == "escalate" else "remind",
                                          passed=[p.name for p in passed]))


def due_autoconfirms(session: Session, services: Services, now: datetime) -> Iterator[Due[PointPayload]]:
    """Delivered requests nobody confirmed in time."""
    for request, latest, _ in _due_series(session, services, now, ("autoconfirm",), ("delivered",)):
        yield Due(occurrence=f"req:{request.id}:{latest.name}",
                  payload=PointPayload(request=request.id or 0, point=latest.name))


def due_notes(session: Session, services: Services, now: datetime) -> Iterator[Due[PointPayload]]:
    """Gentle notes that waited for their recipient's business hours."""
    for note in repo.pending_notes(session, services.org_id, now):
        yield Due(occurrence=f"req:{note.request_id}:{note.point}",
                  payload=PointPayload(request=note.request_id, point=note.point))


def _load(ctx: Ctx[Tick[PointPayload]]) -> tuple[Request, Person, Person] | None:
    request = repo.get(ctx.session, ctx.input.payload.request)
    if request is None:
        return None
    owner = people_repo.get(ctx.session, request.owner_id)
    requester = people_repo.get(ctx.session, request.requester_id)
    if owner is None or requester is None:
        return None
    return request, owner, requester


def _still_applies(request: Request, point: str) -> bool:
    if point.startswith(_prefix(request) + "first:") or point == _prefix(request) + "escalate":
        return request.status == "open"
    if point.startswith(f"promise{request.promise_version}:"):
        return request.status in ("promised", "reopened")
    return False


async def on_remind(ctx: Ctx[Tick[ReminderPayload]]) -> None:
    loaded = _load(ctx)
    if loaded is None:
        return
    request, owner, requester = loaded
    now = ctx.now()
    payload = ctx.input.payload
    point = payload.point
    for name in payload.passed:
        repo.mark_point(ctx.session, request.id, name, "passed", now, now)
        repo.log(ctx.session, request, now, "reminder passed", None, f"{name} (a later point was due too)")
    if not _still_applies(request, point):
        repo.mark_point(ctx.session, request.id, point, "passed", now, now)
        return
    repo.mark_point(ctx.session, request.id, point, "sent", now, now)
    if payload.kind == "escalate":
        _escalate(ctx, request, owner, requester, point)
        return
    r = ref(request)
    owner_tz = tz_of(ctx.config, owner)
    if point.startswith("promise") or ":promise" in point:
        text = t("requests.remind_promise", ref=r, requester=mention(requester), what=request.title,
                 when=when(request.promised_at, owner_tz))
    else:
        text = t("requests.remind_first", ref=r, requester=mention(requester), what=request.title,
                 due=when(request.first_response_due_at, owner_tz), overdue=request.first_response_due_at <= now)
    card = owner_message(ctx.config, request, owner, requester)
    blocks: list[Block] = [Section(text=text), *[b for b in card.blocks if isinstance(b, Actions)]]
    ctx.tell(owner.id, Message(text=text, blocks=tuple(blocks)))
    repo.log(ctx.session, request, now, "reminded", None, f"{point} to {owner.name}")
    _gently(ctx, request, requester, point + TOLD)


def _escalate(ctx: Ctx[object], request: Request, owner: Person, requester: Person, point: str) -> None:
    now = ctx.now()
    r = ref(request)
    recipient = escalation_recipient(ctx.session, ctx.services, request, owner, create=True)
    if recipient is None:
        repo.log(ctx.session, request, now, "escalation", None,
                 "nobody to escalate to (no manager, no category contact)")
        return
    tz = tz_of(ctx.config, recipient)
    ctx.tell(recipient.id, t("requests.escalation", ref=r, owner=mention(owner), requester=mention(requester),
                             what=request.title, since=when(request.sla_started_at, tz),
                             due=when(request.first_response_due_at, tz)))
    repo.log(ctx.session, request, now, "escalated", None, f"to {recipient.name}")
    _gently(ctx, request, owner, point + OWNER_TOLD)
    if recipient.id != requester.id:
        _gently(ctx, request, requester, point + TOLD)


def _gently(ctx: Ctx[object], request: Request, person: Person, point: str) -> None:
    """A note about a reminder or escalation, but only in the person's own business hours;
    outside them it waits as a ``pending`` point for their next business time."""
    now = ctx.now()
    cal = lifecycle.calendar(ctx.services)
    tz = tz_of(ctx.config, person)
    if cal.is_business_time(now, tz):
        ctx.tell(person.id, _note_text(ctx, request, point))
        repo.mark_point(ctx.session, request.id, point, "sent", now, now)
    else:
        repo.mark_point(ctx.session, request.id, point, "pending", cal.next_business_time(now, tz), None)


def _note_text(ctx: Ctx[object], request: Request, point: str) -> str:
    owner = people_repo.get(ctx.session, request.owner_id)
    requester = people_repo.get(ctx.session, request.requester_id)
    name = owner.name if owner else "the owner"
    if point.endswith(OWNER_TOLD):
        recipient = escalation_recipient(ctx.session, ctx.services, request, owner) if owner else None
        return t("requests.escalated_owner", ref=ref(request), name=recipient.name if recipient else "a lead",
                 requester=requester.name if requester else "the requester")
    if point.removesuffix(TOLD).endswith("escalate"):
        return t("requests.note_escalated", ref=ref(request), owner=name)
    return t("requests.note_reminded", ref=ref(request), owner=name)


async def on_note(ctx: Ctx[Tick[PointPayload]]) -> None:
    loaded = _load(ctx)
    if loaded is None:
        return
    request, owner, requester = loaded
    point = ctx.input.payload.point
    repo.mark_point(ctx.session, request.id, point, "sent", ctx.now(), ctx.now())
    if request.status in repo.ACTIVE:
        ctx.tell((owner if point.endswith(OWNER_TOLD) else requester).id, _note_text(ctx, request, point))


async def on_autoconfirm(ctx: Ctx[Tick[PointPayload]]) -> None:
    loaded = _load(ctx)
    if loaded is None:
        return
    request, owner, requester = loaded
    now = ctx.now()
    point = ctx.input.payload.point
    repo.mark_point(ctx.session, request.id, point, "sent", now, now)
    if request.status != "delivered" or point != f"autoconfirm{request.delivery_count}":
        return
    lifecycle.confirm(ctx, request, None, requester, auto=True)
    days = ctx.config.requests.auto_confirm_days
    refresh(ctx, request, owner, requester,
            to_requester=t("requests.auto_confirmed", ref=ref(request), owner=owner.name, days=days),
            to_owner=t("requests.told_confirmed", ref=ref(request), requester=requester.name))
