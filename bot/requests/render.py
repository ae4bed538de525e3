"""The owner's and the requester's messages about a request, and the audit-log table.

Each side has one message per request (``Message.ref_key`` ``request:<id>:owner`` /
``request:<id>:requester``) that is updated in place as the request moves, so Slack and Teams
show its current state and the buttons that still make sense.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import AppConfig
from bot.mentions import mention
from bot.messages import Actions, Block, Button, Context, Fields, Message, Section, escape
from bot.requests.lifecycle import LABELS, OWED, ref, tz_of
from bot.texts import t
from storage.models import Person, RequestEvent
from storage.request_models import Request

ACTION = "request"  # action ids are "request:<verb>", the value is the request number


def when(instant: datetime | None, tz: ZoneInfo) -> str:
    """``Fri 20 Nov 17:30 CET`` in the reader's own zone."""
    if instant is None:
        return ""
    return instant.astimezone(tz).strftime("%a %d %b %H:%M %Z")


def owner_ref_key(request: Request, assignment: int | None = None) -> str:
    n = request.assignment if assignment is None else assignment
    return f"request:{request.id}:owner" if n == 1 else f"request:{request.id}:owner:{n}"


def requester_ref_key(request: Request) -> str:
    return f"request:{request.id}:requester"


def _fields(config: AppConfig, request: Request, reader: Person, owner: Person, requester: Person) -> Fields:
    tz = tz_of(config, reader)
    # Field values are neutral markup: people are mentions, anything typed is escaped.
    pairs: list[tuple[str, str]] = [("Status", LABELS[request.status]), ("From", mention(requester)),
                                    ("Owner", mention(owner))]
    if request.asked_due_at:
        pairs.append(("Asked by", when(request.asked_due_at, tz)))
    if request.promised_at:
        pairs.append(("Promised for", when(request.promised_at, tz)))
    if request.status == "open":
        pairs.append(("First response due", when(request.first_response_due_at, tz)))
    if request.category:
        pairs.append(("Category", escape(f"#{request.category}")))
    if request.urgent:
        pairs.append(("Priority", "urgent"))
    if request.delivery_note and request.status in ("delivered", "confirmed"):
        pairs.append(("Delivery note", escape(request.delivery_note)))
    if request.close_reason and request.status in ("declined", "cancelled"):
        pairs.append(("Reason", escape(request.close_reason)))
    if request.rating:
        comment = f" — {request.rating_comment}" if request.rating_comment else ""
        pairs.append(("Rating", escape(f"{request.rating}/5{comment}")))
    return Fields(pairs=tuple(pairs))


def _button(label: str, verb: str, request: Request, value: str = "", style: str = "default") -> Button:
    return Button(label=label, action_id=f"{ACTION}:{verb}", value=value or str(request.number),
                  style=style)  # type: ignore[arg-type]


def owner_message(config: AppConfig, request: Request, owner: Person, requester: Person,
                  assignment: int | None = None, headline: str = "") -> Message:
    text = t("requests.owner_card", ref=ref(request), requester=mention(requester), what=request.title)
    blocks: list[Block] = [Section(text=text), _fields(config, request, owner, owner, requester)]
    current = assignment is None or assignment == request.assignment
    if current and request.status in OWED:
        buttons: list[Button] = []
        if request.status == "open":
            buttons.append(_button("Acknowledge", "ack", request, style="primary"))
        if request.asked_due_at and request.status in ("open", "acknowledged"):
            buttons.append(_button(f"Promise {when(request.asked_due_at, tz_of(config, owner))}", "accept", request))
        buttons += [_button("Promise a date", "promise", request), _button("Done", "done", request, style="primary"),
                    _button("Reassign", "reassign", request), _button("Decline", "decline", request, style="danger")]
        blocks.append(Actions(buttons=tuple(buttons)))
    blocks.append(Context(text=headline or t("requests.card_hint", ref=ref(request))))
    return Message(text=text, blocks=tuple(blocks), ref_key=owner_ref_key(request, assignment))


def requester_message(config: AppConfig, request: Request, owner: Person, requester: Person,
                      headline: str = "") -> Message:
    text = t("requests.requester_card", ref=ref(request), owner=mention(owner), what=request.title)
    blocks: list[Block] = [Section(text=text), _fields(config, request, requester, owner, requester)]
    buttons: list[Button] = []
    if request.status == "delivered":
        buttons = [_button("Confirm", "confirm", request, style="primary"), _button("Reopen", "reopen", request)]
    elif request.status == "confirmed":
        if request.rating is None:
            buttons = [_button("★" * n, "rate", request, value=f"{request.number}:{n}") for n in range(1, 6)]
        if request.thanked_kudos_id is None:
            buttons.append(_button(escape(f"Thank {owner.name}"), "thank", request, style="primary"))
    elif request.status in OWED:
        buttons = [_button("Cancel", "cancel", request, style="danger")]
    if buttons:
        blocks.append(Actions(buttons=tuple(buttons)))
    blocks.append(Context(text=headline or t("requests.card_hint", ref=ref(request))))
    return Message(text=text, blocks=tuple(blocks), ref_key=requester_ref_key(request))


def history_message(config: AppConfig, request: Request, reader: Person, owner: Person, requester: Person,
                    rows: list[tuple[RequestEvent, Person | None]]) -> Message:
    tz = tz_of(config, reader)
    lines = [(when(event.at, tz), who.name if who else "Extra Mile", event.kind, event.detail) for event, who in rows]
    text = t("requests.show", ref=ref(request), what=request.title, lines=lines)
    return Message(text=text, blocks=(Section(text=t("requests.owner_card", ref=ref(request), requester=mention(requester),
                                                     what=request.title)),
                                      _fields(config, request, reader, owner, requester),
                                      Section(text=t("requests.show_log", lines=lines))))


def line(config: AppConfig, request: Request, reader: Person, other: Person) -> str:
    tz = tz_of(config, reader)
    due = request.promised_at or request.asked_due_at
    return t("requests.list_line", ref=ref(request), what=request.title, other=other.name,
             status=LABELS[request.status], due=when(due, tz) if due else "")
