"""Organisations with known answers for the culture-report tests, and the independent arithmetic.

The expected figures are computed here in plain Python from the list of kudos the test wrote,
never with the report's own code, so the report is checked against a second implementation.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from storage import kudos as kudos_repo
from storage import people as people_repo
from tests.support import Harness, base_config

BERLIN = ZoneInfo("Europe/Berlin")
# People are registered before the test months, so they are in scope for all of them.
CREATED = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
# Alpha 6, Beta 5, Gamma 7, Delta 4 (below min_group_size 5) and one person without a team.
TEAMS = {"Alpha": 6, "Beta": 5, "Gamma": 7, "Delta": 4, None: 1}
VALUES = ["respect", "empathy", "solutions", "extra-mile", "dependability", "proactive"]


@dataclass(frozen=True)
class Given:
    giver: str
    recipients: tuple[str, ...]
    values: tuple[str, ...]
    at: datetime


def people_yaml() -> str:
    lines = ["people:"]
    for team, size in TEAMS.items():
        for i in range(size):
            email = f"{(team or 'solo').lower()}{i}@example.org"
            team_part = f", team: {team}" if team else ""
            lines.append(f"  - {{name: {(team or 'Solo')} Person {i}, email: {email}{team_part}}}")
    return "\n".join(lines)


def known_org(database_url: str, extra: str = "") -> Harness:
    config = base_config(people_yaml() + "\n" + extra)
    return Harness(database_url, config, start=CREATED)


def emails() -> dict[str, str | None]:
    """Email -> team name (None: no team)."""
    return {f"{(team or 'solo').lower()}{i}@example.org": team for team, size in TEAMS.items() for i in range(size)}


def random_kudos(seed: int = 7, count: int = 160) -> list[Given]:
    """Kudos in September-November 2026, including ones either side of October's Berlin midnights."""
    rng = random.Random(seed)
    everyone = sorted(emails())
    quiet = {"gamma6@example.org", "alpha5@example.org"}  # never recognised
    pair = ("beta3@example.org", "gamma4@example.org")  # only recognise each other
    givers = [e for e in everyone if e not in pair]
    targets = [e for e in everyone if e not in quiet]
    start = datetime(2026, 9, 1, 6, tzinfo=UTC)
    out: list[Given] = []
    for _ in range(count):
        giver = rng.choice(givers)
        k = 1 if rng.random() < 0.8 else 2
        recipients = tuple(rng.sample([e for e in targets if e != giver], k))
        values = tuple(rng.sample(VALUES, rng.choice((0, 1, 1, 2))))
        at = start + timedelta(minutes=rng.randrange(0, 88 * 24 * 60))
        out.append(Given(giver, recipients, values, at))
    # Edges of October in Berlin: 00:30 on 1 October (CEST) is in; 00:30 on 1 November (CET) is out.
    out.append(Given("alpha0@example.org", ("beta0@example.org",), ("respect",), datetime(2026, 9, 30, 22, 30, tzinfo=UTC)))
    out.append(Given("alpha0@example.org", ("beta0@example.org",), ("respect",), datetime(2026, 10, 31, 23, 30, tzinfo=UTC)))
    for week in range(6):
        at = datetime(2026, 9, 10, 12, tzinfo=UTC) + timedelta(weeks=week)
        out.append(Given(pair[0], (pair[1],), (), at))
        out.append(Given(pair[1], (pair[0],), ("empathy",), at + timedelta(hours=1)))
    return out


def write(h: Harness, kudos: list[Given]) -> None:
    org_id = h.runtime.services.org_id
    with h.db.session() as session:
        ids = _ids(session, org_id)
        for g in kudos:
            kudos_repo.record(session, org_id=org_id, giver_id=ids[g.giver], recipient_ids=[ids[r] for r in g.recipients],
                              values=list(g.values), message="thanks", now=g.at, platform="console")


def _ids(session: Session, org_id: int) -> dict[str, int]:
    return {p.email: p.id for p in people_repo.all_people(session, org_id) if p.email and p.id is not None}


def in_month(at: datetime, month: str) -> bool:
    return at.astimezone(BERLIN).strftime("%Y-%m") == month


def expected(kudos: list[Given], month: str) -> dict[str, object]:
    """The recognition figures of ``month``, computed independently."""
    team = emails()
    people = len(team)
    these = [g for g in kudos if in_month(g.at, month)]
    received: dict[str, int] = {}
    for g in these:
        for r in g.recipients:
            received[r] = received.get(r, 0) + 1
    givers = {g.giver for g in these}
    top = math.ceil(people * 0.1)
    total_received = sum(received.values())
    year, mon = (int(x) for x in month.split("-"))
    end = datetime(year + (mon == 12), 1 if mon == 12 else mon + 1, 1, tzinfo=BERLIN)
    # "In 90 days": this month and the two before it, in Berlin.
    start3 = datetime(year - (mon <= 2), (mon - 3) % 12 + 1, 1, tzinfo=BERLIN)
    recent = {r for g in kudos if start3 <= g.at < end for r in g.recipients}
    per_team: dict[str, dict[str, int]] = {}
    for t in {t or "No team" for t in team.values()}:
        members = [e for e, tt in team.items() if (tt or "No team") == t]
        per_team[t] = {
            "people": len(members),
            "kudos_given": sum(1 for g in these if g.giver in members),
            "kudos_received": sum(received.get(m, 0) for m in members),
        }
    matrix: dict[tuple[str, str], int] = {}
    for g in these:
        for r in g.recipients:
            key = (team[g.giver] or "No team", team[r] or "No team")
            matrix[key] = matrix.get(key, 0) + 1
    return {
        "people": people,
        "kudos_given": len(these),
        "kudos_received": total_received,
        "givers": len(givers),
        "receivers": len(received),
        "gave_share": round(len(givers) / people, 4),
        "received_share": round(len(received) / people, 4),
        "top10_share": round(sum(sorted(received.values(), reverse=True)[:top]) / total_received, 4),
        "not_recognised_90d": sum(1 for e in team if e not in recent),
        "per_value": {v: sum(1 for g in these if v in g.values) for v in VALUES},
        "per_team": per_team,
        "matrix": matrix,
        "received": received,
    }
