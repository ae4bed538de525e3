"""Demo requests, prompt posts and stories, so every section of the culture report has data.

Called by ``bot.demo.seed`` after the kudos; deterministic (its own seeded random). Requests are
written with their outcome already decided (business-time figures as the request lifecycle would
have stored them), since the demo has no real clock to let them happen.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from storage import prompts as prompts_repo
from storage import requests as requests_repo
from storage import stories as stories_repo
from storage.models import Person
from storage.request_models import Request

HOUR = 3600
REQUEST_TITLES = ["send me the Q3 figures", "review the onboarding checklist", "fix the VPN access for the new hire",
                  "update the price list", "share the customer feedback deck", "approve the travel budget"]
GOOD_STORIES = ["The support team stayed late so a customer could launch on time; the customer wrote to thank us.",
                "Finance answered a vendor question within an hour and saved the delivery deadline.",
                "Engineering paired with support to reproduce a customer bug and shipped a fix the same day.",
                "Sales shared the customer feedback deck with product before anyone asked for it.",
                "The onboarding checklist was updated overnight so the new hires could start on Monday."]
BAD_STORIES = ["A customer request waited three days because nobody knew who owned it; the customer escalated.",
               "The price list was updated late and sales quoted old prices to a customer.",
               "A delivery promise slipped twice without anyone telling the requester about the deadline."]


def seed_activity(session: Session, org_id: int, people: Sequence[Person], slugs: Sequence[str], now: datetime,
                  days: int, seed_value: int = 7, reminder_labels: Sequence[str] = ("50%", "100%")) -> None:
    if days <= 0 or len(people) < 2:
        return
    rng = random.Random(seed_value)
    for day in range(days, 0, -1):
        date = (now - timedelta(days=day)).replace(hour=9, minute=0, second=0, microsecond=0)
        if date.weekday() >= 5:
            continue
        for _ in range(rng.randint(0, 2)):
            _request(session, org_id, people, rng, date + timedelta(minutes=rng.randint(0, 420)), now,
                     reminder_labels)
        if date.weekday() == 1:  # Tuesday: a service-value prompt and its answers
            _prompt(session, org_id, people, slugs, rng, date, now)
        if rng.random() < 0.35:
            good = rng.random() < 0.7
            anonymous = rng.random() < 0.3
            author = rng.choice(people)
            stories_repo.add(session, org_id=org_id, kind="good" if good else "bad",
                             text=rng.choice(GOOD_STORIES if good else BAD_STORIES), anonymous=anonymous,
                             author_id=None if anonymous else author.id, source="command", post_id=None,
                             platform="console", values=rng.sample(list(slugs), k=1) if slugs else [],
                             now=date + timedelta(hours=rng.randint(1, 7)))


def _request(session: Session, org_id: int, people: Sequence[Person], rng: random.Random, at: datetime, now: datetime,
             reminder_labels: Sequence[str]) -> None:
    requester, owner = rng.sample(list(people), 2)
    target = 4 * HOUR
    first_s = int(rng.lognormvariate(8.3, 0.9))  # median ~ 1 business hour, a long tail
    answered = rng.random() < 0.93 and at + timedelta(seconds=first_s) < now
    promised = answered and rng.random() < 0.6
    delivered = answered and rng.random() < 0.8
    resolution_s = first_s + int(rng.lognormvariate(10.0, 0.8)) if delivered else None
    promise_at = at + timedelta(seconds=(resolution_s or first_s) + rng.choice((-1, 1, 1, 1)) * 3 * HOUR) if promised else None
    delivered_at = at + timedelta(seconds=resolution_s) if resolution_s else None
    reopened = delivered and rng.random() < 0.08
    request = Request(
        org_id=org_id, number=0, requester_id=requester.id, owner_id=owner.id, title=rng.choice(REQUEST_TITLES),
        status="confirmed" if delivered else ("acknowledged" if answered else "open"), platform="console",
        created_at=at, updated_at=delivered_at or at, sla_started_at=at, first_response_target_s=target,
        first_response_due_at=at + timedelta(seconds=target),
        acknowledged_at=at + timedelta(seconds=first_s) if answered else None,
        first_response_at=at + timedelta(seconds=first_s) if answered else None,
        first_response_business_s=first_s if answered else None,
        promised_at=promise_at, promise_version=1 if promised else 0,
        promise_broken=bool(promise_at and delivered_at and delivered_at > promise_at),
        delivered_at=delivered_at, delivery_count=1 if delivered else 0, resolution_business_s=resolution_s,
        closed_at=delivered_at, reopen_count=1 if reopened else 0,
        rating=rng.choice((3, 4, 4, 5, 5, 5)) if delivered and rng.random() < 0.6 else None,
    )
    requests_repo.create(session, request)
    if not answered:
        # The demo's history already reminded and escalated its unanswered requests; without this
        # the first sweep after `make run` would escalate weeks-old demo requests all at once.
        for point in [*(f"first:{label}" for label in reminder_labels), "escalate"]:
            requests_repo.mark_point(session, request.id, point, "sent", at, at + timedelta(seconds=target))


def _prompt(session: Session, org_id: int, people: Sequence[Person], slugs: Sequence[str], rng: random.Random,
            at: datetime, now: datetime) -> None:
    slug = rng.choice(list(slugs)) if slugs else None
    post = prompts_repo.record_post(session, org_id=org_id, kind="prompt", platform="console", channel="#general",
                                    prompt_key=f"demo-{slug}", value_slug=slug,
                                    text="When did someone go the extra mile for you this week?",
                                    occurrence=f"demo:prompt:{at.date().isoformat()}", posted_at=at)
    if post is None or post.id is None or rng.random() < 0.15:
        return
    for person in rng.sample(list(people), rng.randint(2, 9)):
        reply_at = at + timedelta(minutes=rng.randint(5, 600))
        if reply_at < now:
            prompts_repo.record_reply(session, post.id, person.id, reply_at)  # type: ignore[arg-type]
