"""Stories, their values, LLM value suggestions, and the scrubbing that keeps anonymity real.

Report queries (used by the monthly culture report):

* :func:`by_value` — stories in [start, end) counted by (kind, value): kind is ``good``/``bad``;
  a story tagged with two values counts for each; an untagged story counts under the value the LLM
  suggested for it (``value_suggestion``) or under ``""`` (untagged).
* :func:`between` — the stories themselves (for digests and excerpts); anonymous ones carry no author.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from storage.db import add_unless_duplicate
from storage.models import InboxEvent, Kudos, KudosValue, Person
from storage.prompts_models import Story, StoryValue, ValueSuggestion


def add(session: Session, *, org_id: int, kind: str, text: str, anonymous: bool, author_id: int | None,
        source: str, post_id: int | None, platform: str, values: Sequence[str], now: datetime) -> Story:
    if anonymous and author_id is not None:
        raise ValueError("an anonymous story cannot have an author")
    story = Story(org_id=org_id, kind=kind, text=text, anonymous=anonymous, author_id=author_id, source=source,
                  post_id=post_id, platform=platform, created_at=now)
    session.add(story)
    session.flush()
    for slug in dict.fromkeys(values):
        session.add(StoryValue(story_id=story.id, value_slug=slug))
    session.flush()
    return story


def values_of(session: Session, story_ids: Sequence[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {}
    if story_ids:
        for sid, slug in session.exec(select(StoryValue.story_id, StoryValue.value_slug)
                                      .where(StoryValue.story_id.in_(list(story_ids)))):
            result.setdefault(sid, []).append(slug)
    return result


def between(session: Session, org_id: int, start: datetime, end: datetime) -> list[tuple[Story, list[str]]]:
    stories = list(session.exec(select(Story).where(Story.org_id == org_id, Story.created_at >= start,
                                                    Story.created_at < end).order_by(Story.id)))
    values = values_of(session, [s.id for s in stories])
    return [(s, sorted(values.get(s.id, []))) for s in stories]


def recent_good(session: Session, org_id: int, limit: int, include_anonymous: bool) -> list[Story]:
    query = select(Story).where(Story.org_id == org_id, Story.kind == "good")
    if not include_anonymous:
        query = query.where(Story.anonymous.is_(False))
    return list(session.exec(query.order_by(Story.id.desc()).limit(limit)))


def by_value(session: Session, org_id: int, start: datetime, end: datetime) -> Counter[tuple[str, str]]:
    """(kind, value slug or "") -> number of stories in [start, end)."""
    rows = between(session, org_id, start, end)
    suggested = suggestions(session, "story", [s.id for s, _ in rows])
    counts: Counter[tuple[str, str]] = Counter()
    for story, values in rows:
        for slug in values or [suggested.get(story.id, "")]:
            counts[(story.kind, slug)] += 1
    return counts


def suggestions(session: Session, subject: str, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.exec(select(ValueSuggestion.subject_id, ValueSuggestion.value_slug)
                             .where(ValueSuggestion.subject == subject,
                                    ValueSuggestion.subject_id.in_(list(ids)))).all())


def add_suggestion(session: Session, org_id: int, subject: str, subject_id: int, slug: str, now: datetime) -> bool:
    row = ValueSuggestion(org_id=org_id, subject=subject, subject_id=subject_id, value_slug=slug, created_at=now)
    return add_unless_duplicate(session, row) is not None


def untagged_stories(session: Session, org_id: int, since: datetime, include_anonymous: bool) -> list[Story]:
    tagged = select(StoryValue.story_id)
    done = select(ValueSuggestion.subject_id).where(ValueSuggestion.subject == "story")
    query = select(Story).where(Story.org_id == org_id, Story.created_at >= since, Story.id.not_in(tagged),
                                Story.id.not_in(done))
    if not include_anonymous:
        query = query.where(Story.anonymous.is_(False))
    return list(session.exec(query.order_by(Story.id)))


def untagged_kudos(session: Session, org_id: int, since: datetime) -> list[Kudos]:
    tagged = select(KudosValue.kudos_id)
    done = select(ValueSuggestion.subject_id).where(ValueSuggestion.subject == "kudos")
    return list(session.exec(select(Kudos).where(Kudos.org_id == org_id, Kudos.created_at >= since,
                                                 Kudos.id.not_in(tagged), Kudos.id.not_in(done)).order_by(Kudos.id)))


def get(session: Session, story_id: int) -> Story | None:
    return session.get(Story, story_id)


def people_names(session: Session, org_id: int) -> list[str]:
    """Everyone's display name, to find names written out in a blameless story."""
    return [n for n in session.exec(select(Person.name).where(Person.org_id == org_id)) if n]


def scrub_inbox(session: Session, dedupe_key: str, payload: str) -> None:
    """Replace a handled event's stored payload (anonymous stories keep no author in the inbox)."""
    session.execute(update(InboxEvent).where(InboxEvent.dedupe_key == dedupe_key).values(payload=payload))


def payload_of(session: Session, dedupe_key: str) -> dict[str, object] | None:
    row = session.exec(select(InboxEvent).where(InboxEvent.dedupe_key == dedupe_key)).first()
    return json.loads(row.payload) if row is not None else None


def export_records(session: Session, org_id: int) -> Iterator[dict[str, object]]:
    """``extramile export``: stories (anonymous ones without author) and value suggestions."""
    stories = list(session.exec(select(Story).where(Story.org_id == org_id).order_by(Story.id)))
    values = values_of(session, [s.id for s in stories])
    for s in stories:
        yield {"type": "story", "id": s.id, "kind": s.kind, "text": s.text, "anonymous": s.anonymous,
               "author_id": s.author_id, "source": s.source, "post_id": s.post_id, "platform": s.platform,
               "values": sorted(values.get(s.id, [])), "created_at": s.created_at.isoformat()}
    for v in session.exec(select(ValueSuggestion).where(ValueSuggestion.org_id == org_id).order_by(ValueSuggestion.id)):
        yield {"type": "value_suggestion", "subject": v.subject, "subject_id": v.subject_id, "value": v.value_slug,
               "created_at": v.created_at.isoformat()}
