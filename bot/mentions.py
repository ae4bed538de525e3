"""Real mentions of the people the bot names itself (the giver, the recipients, a request's owner).

A mention carries the person's platform identities inside the message (see
:class:`bot.messages.PersonMention`), so each adapter renders it natively without asking the
database: Slack ``<@U…>`` (shown by name even when the bot could not look the account up),
Teams ``<at>Name</at>`` with its mention entity, the console ``@handle``.
"""

from __future__ import annotations

from sqlalchemy.orm import object_session

from bot.messages import Neutral, PersonMention
from storage import people as people_repo
from storage.models import Person

# Platforms whose identities can be mentioned (a console "identity" is an email address).
MENTIONABLE = ("slack", "teams")


def mention(person: Person) -> Neutral:
    """The person as a mention token; their identities are read through the session they were
    loaded in (a person outside any session is mentioned by name only)."""
    session = object_session(person)
    found = (people_repo.identities(session, person.id)  # type: ignore[arg-type]  # sqlmodel's Session is a subclass
             if session is not None and person.id is not None else ())
    identities = tuple((i.platform, i.tenant, i.user_id) for i in found if i.platform in MENTIONABLE)
    return PersonMention(person_id=int(person.id or 0), name=person.name, handle=person.handle or "",
                         identities=identities).token()


def mention_all(people: list[Person], separator: str = ", ") -> Neutral:
    return Neutral(separator.join(mention(p) for p in people))
