"""``extramile demo``: a believable organisation to try every feature on.

Seeds the 40 people of ``content/demo.yaml`` and three months of kudos before "now" (the clock),
deterministically (seeded random), so demos and screenshots are repeatable.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

import content
from bot.clock import Clock
from bot.config import AppConfig
from storage import kudos as kudos_repo
from storage import people as people_repo
from storage.models import Person

DEMO_SOURCE = "demo"


@dataclass(frozen=True)
class DemoResult:
    people: int
    kudos: int
    skipped: bool = False


def seed(session: Session, org_id: int, config: AppConfig, clock: Clock, days: int = 91, seed_value: int = 42) -> DemoResult:
    if kudos_repo.exists_with_source(session, org_id, DEMO_SOURCE):
        return DemoResult(people=people_repo.count(session, org_id), kudos=0, skipped=True)
    data = content.load_yaml("demo.yaml")
    now = clock.now()
    people: list[Person] = []
    for entry in data["people"]:
        people.append(people_repo.upsert_directory_entry(
            session, org_id, now - timedelta(days=days + 1), name=entry["name"], email=entry["email"],
            handle=entry.get("handle"), team=entry.get("team"), timezone=entry.get("timezone")))
    people_repo.set_managers(session, org_id, [(e["email"], e["manager"]) for e in data["people"] if e.get("manager")])
    rng = random.Random(seed_value)
    slugs = [v.slug for v in config.values]
    by_team: dict[int | None, list[Person]] = {}
    for p in people:
        by_team.setdefault(p.team_id, []).append(p)
    # A few quiet people, so "not recognised in 90 days" has something to show.
    quiet = {p.id for p in people[5::13]}
    # Two colleagues who only ever thank each other: the culture report flags such pairs for HR.
    pair = (people[3], people[17]) if len(people) > 17 else ()
    givers = [p for p in people if p not in pair]
    count = 0
    for day in range(days, 0, -1):
        date = now - timedelta(days=day)
        if date.weekday() >= 5:
            continue
        for _ in range(rng.randint(6, 14)):
            giver = rng.choice(givers)
            pool = by_team[giver.team_id] if rng.random() < 0.65 else people
            candidates = [p for p in pool if p.id != giver.id and p.id not in quiet]
            recipients = rng.sample(candidates, k=1 if rng.random() < 0.85 else 2)
            values = rng.sample(slugs, k=rng.choice((0, 1, 1, 1, 2))) if slugs else []
            at = date.replace(hour=rng.randint(7, 16), minute=rng.randint(0, 59), second=0, microsecond=0)
            kudos_repo.record(session, org_id=org_id, giver_id=giver.id, recipient_ids=[r.id for r in recipients],
                              values=values, message=rng.choice(data["messages"]), now=at, platform="console",
                              source=DEMO_SOURCE)
            count += 1
        if pair and date.weekday() == 4:
            for giver, recipient in (pair, pair[::-1]):
                kudos_repo.record(session, org_id=org_id, giver_id=giver.id, recipient_ids=[recipient.id],
                                  values=slugs[:1], message=rng.choice(data["messages"]),
                                  now=date.replace(hour=15, minute=30, second=0, microsecond=0),
                                  platform="console", source=DEMO_SOURCE)
                count += 1
    # Requests, prompts and stories too, so every section of the culture report shows something.
    from bot.reports.demo_activity import seed_activity

    seed_activity(session, org_id, people, slugs, now, days,
                  reminder_labels=[label for label, _ in config.requests.reminder_points()])
    return DemoResult(people=len(people), kudos=count)
