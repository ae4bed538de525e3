"""Turning ``@someone`` in a command into a Person, with a "did you mean" when nobody matches.

Shared by every command that names people (``/kudos``, ``/request``), so a mention resolves the
same way everywhere: a platform mention registers the person on first sight; a typed ``@handle``
must be someone we know, else the error suggests the closest handle.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import process as fuzzy

from bot import limits, people
from bot.context import Ctx
from bot.errors import UserError
from bot.parser import PersonRef
from bot.texts import t
from storage import people as people_repo
from storage.models import Person


def resolve_person(ctx: Ctx[object], ref: PersonRef, unknown_text: str = "kudos.unknown_person") -> Person:
    """The person a reference names; :class:`UserError` (text ``unknown_text``) when unknown."""
    person: Person | None
    if ref.mention is not None and not people.storable_id(ref.mention.user_id):
        person = None  # not an account id any platform gives out (a forged form): nobody
    elif ref.mention is not None:
        person = people.resolve_mention(ctx.session, ctx.org_id, ctx.event.where.platform,
                                        ctx.event.where.tenant, ref.mention, ctx.now())
    else:
        person = people_repo.by_handle(ctx.session, ctx.org_id, ref.handle)
    if person is None:
        handle = ref.handle or (ref.mention.name if ref.mention else "") or ref.raw
        raise UserError(t(unknown_text, handle=limits.clip(handle.lstrip("@")),
                          suggestion=suggest_handle(ctx, ref.handle[: limits.HANDLE])))
    return person


def resolve_people(ctx: Ctx[object], refs: Sequence[PersonRef], unknown_text: str = "kudos.unknown_person") -> list[Person]:
    """Each distinct person named, in order."""
    found: list[Person] = []
    for ref in refs:
        person = resolve_person(ctx, ref, unknown_text)
        if person.id not in {p.id for p in found}:
            found.append(person)
    return found


def suggest_handle(ctx: Ctx[object], handle: str) -> str:
    """``@ben (Ben Brooks)`` for the closest known handle, or "" when nothing is close."""
    candidates = {h: name for h, name in people_repo.handles(ctx.session, ctx.org_id)}
    best = fuzzy.extractOne(handle, list(candidates), score_cutoff=60) if candidates else None
    return f"@{best[0]} ({candidates[best[0]]})" if best else ""
