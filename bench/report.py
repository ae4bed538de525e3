"""Benchmark: one month's culture report for a synthetic organisation of 5,000 people.

    /tmp/depvenv/bin/python bench/report.py [--pg URL] [--no-sqlite] [--runs 5]

Seeds 5,000 people in 48 teams (three of them smaller than ``reports.min_group_size``) and twelve
months of activity with bulk inserts: 250,000 kudos (with recipients and values), 50,000 requests,
20,000 stories and weekly prompts with about 20,000 answers. Then times:

- ``build+<format>``: building the report for the last month and rendering it (html, csv, json, md);
- ``raw SQL``: the exact statements the build ran, captured from SQLAlchemy and re-executed alone
  on the DBAPI cursor (the floor any implementation on these queries has to pay).

Goal (issue 7): each format under 2 s and at most 3x the raw queries. PostgreSQL runs in its own
schema, dropped afterwards. Medians of ``--runs`` runs are printed as a table.
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event, insert, text

from bot.config import parse_config
from bot.directory import ensure_org
from bot.feature import report_parts
from bot.reports.build import build_report
from bot.reports.render import FORMATS, Format, render
from extramile.features import FEATURES
from storage.db import Database
from storage.models import Kudos, KudosRecipient, KudosValue, Person, Team
from storage.prompts_models import PromptPost, PromptReply, Story, StoryValue
from storage.request_models import Request

PARTS = report_parts(FEATURES)

PEOPLE = 5_000
KUDOS = 250_000
REQUESTS = 50_000
STORIES = 20_000
MONTH = "2026-10"
NOW = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
START = datetime(2025, 11, 1, 0, 0, tzinfo=UTC)
VALUES = ["respect", "empathy", "solutions", "extra-mile", "dependability", "proactive"]
CONFIG = parse_config("organization: {name: Bench Corp, timezone: Europe/Berlin}\n")
CHUNK = 20_000
PROFILE = False


def seed(db: Database) -> int:
    rng = random.Random(2026)
    with db.session() as session:
        org_id = ensure_org(session, CONFIG).id
        assert org_id is not None
    sizes = [3, 4, 2] + [rng.randint(40, 140) for _ in range(44)]
    sizes.append(PEOPLE - sum(sizes))
    assert sizes[-1] > 0
    with db.engine.begin() as conn:
        conn.execute(insert(Team), [{"id": i + 1, "org_id": org_id, "name": f"Team {i + 1:02d}"} for i in range(len(sizes))])
        rows, pid = [], 0
        for team, size in enumerate(sizes, start=1):
            for _ in range(size):
                pid += 1
                rows.append({"id": pid, "org_id": org_id, "name": f"Person {pid}", "email": f"p{pid}@bench.example",
                             "handle": f"p{pid}", "team_id": team, "timezone": None, "leaderboard_opt_out": pid % 17 == 0,
                             "created_at": START - timedelta(days=30), "manager_id": None})
        conn.execute(insert(Person), rows)
        team_of = [0] + [t for t, size in enumerate(sizes, start=1) for _ in range(size)]
        members: dict[int, list[int]] = {}
        for p in range(1, PEOPLE + 1):
            members.setdefault(team_of[p], []).append(p)
        span = int((datetime(2026, 11, 1, tzinfo=UTC) - START).total_seconds())
        kudos, recipients, values = [], [], []
        for kid in range(1, KUDOS + 1):
            giver = rng.randint(1, PEOPLE)
            pool = members[team_of[giver]] if rng.random() < 0.6 else None
            chosen: set[int] = set()
            for _ in range(1 if rng.random() < 0.85 else 2):
                r = rng.choice(pool) if pool else rng.randint(1, PEOPLE)
                if r != giver:
                    chosen.add(r)
            if not chosen:
                chosen.add(giver % PEOPLE + 1)
            kudos.append({"id": kid, "org_id": org_id, "giver_id": giver, "message": "thanks for the help",
                          "created_at": START + timedelta(seconds=rng.randrange(span)), "platform": "slack",
                          "source": "command", "source_ref": ""})
            recipients.extend({"kudos_id": kid, "person_id": r} for r in chosen)
            values.extend({"kudos_id": kid, "value_slug": v} for v in rng.sample(VALUES, rng.choice((0, 1, 1, 2))))
            if len(kudos) >= CHUNK:
                _flush(conn, kudos, recipients, values)
        _flush(conn, kudos, recipients, values)
    seed_requests_and_stories(db, org_id, rng, span)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return org_id


def seed_requests_and_stories(db: Database, org_id: int, rng: random.Random, span: int) -> None:
    """50,000 requests with their outcomes, 20,000 stories, weekly prompts with answers."""
    hour = 3600
    with db.engine.begin() as conn:
        rows = []
        for number in range(1, REQUESTS + 1):
            at = START + timedelta(seconds=rng.randrange(span))
            first_s = int(rng.lognormvariate(8.3, 0.9))
            answered = rng.random() < 0.93
            delivered = answered and rng.random() < 0.8
            resolution_s = first_s + int(rng.lognormvariate(10.0, 0.8)) if delivered else None
            promised = answered and rng.random() < 0.6
            promise_at = at + timedelta(seconds=(resolution_s or first_s) + rng.choice((-1, 1, 1)) * 3 * hour) if promised else None
            delivered_at = at + timedelta(seconds=resolution_s) if resolution_s else None
            requester, owner = rng.randint(1, PEOPLE), rng.randint(1, PEOPLE)
            rows.append({
                "id": number, "org_id": org_id, "number": number, "requester_id": requester, "owner_id": owner,
                "title": "send me the figures", "category": None, "urgent": False,
                "status": "confirmed" if delivered else "open", "platform": "slack", "created_at": at,
                "updated_at": at, "asked_due_at": None, "assignment": 1, "sla_started_at": at,
                "first_response_target_s": 4 * hour, "first_response_due_at": at + timedelta(hours=4),
                "acknowledged_at": at + timedelta(seconds=first_s) if answered else None,
                "first_response_at": at + timedelta(seconds=first_s) if answered else None,
                "first_response_business_s": first_s if answered else None, "promised_at": promise_at,
                "promise_version": 1 if promised else 0, "promise_renegotiations": 0,
                "promise_broken": bool(promise_at and delivered_at and delivered_at > promise_at),
                "delivered_at": delivered_at, "delivery_count": 1 if delivered else 0, "delivery_note": "",
                "resolution_business_s": resolution_s, "closed_at": delivered_at, "auto_confirmed": False,
                "close_reason": "", "reopen_count": 1 if delivered and rng.random() < 0.05 else 0,
                "rating": rng.choice((3, 4, 5)) if delivered and rng.random() < 0.5 else None,
                "rating_comment": "", "thanked_kudos_id": None})
            if len(rows) >= CHUNK:
                conn.execute(insert(Request), rows)
                rows.clear()
        if rows:
            conn.execute(insert(Request), rows)
        words = ["customer", "deadline", "invoice", "handover", "weekend", "release", "support", "vendor", "launch"]
        stories, story_values = [], []
        for sid in range(1, STORIES + 1):
            anonymous = rng.random() < 0.3
            stories.append({"id": sid, "org_id": org_id, "kind": "good" if rng.random() < 0.7 else "bad",
                            "text": "The " + " and the ".join(rng.sample(words, 3)) + " went well thanks to the team.",
                            "anonymous": anonymous, "author_id": None if anonymous else rng.randint(1, PEOPLE),
                            "source": "command", "post_id": None, "platform": "slack",
                            "created_at": START + timedelta(seconds=rng.randrange(span))})
            story_values.extend({"story_id": sid, "value_slug": v} for v in rng.sample(VALUES, rng.choice((0, 1, 1, 2))))
        conn.execute(insert(Story), stories)
        conn.execute(insert(StoryValue), story_values)
        posts, replies, pid = [], [], 0
        for week in range(52):
            for channel in range(20):
                pid += 1
                at = START + timedelta(weeks=week, hours=9)
                posts.append({"id": pid, "org_id": org_id, "schedule_id": None, "kind": "prompt", "platform": "slack",
                              "channel": f"#team-{channel}", "prompt_key": "bench", "value_slug": rng.choice(VALUES),
                              "text": "When did someone go the extra mile for you?", "generated": False,
                              "occurrence": f"bench:{pid}", "posted_at": at})
                replies.extend({"post_id": pid, "person_id": person, "created_at": at + timedelta(hours=2)}
                               for person in rng.sample(range(1, PEOPLE + 1), rng.randint(0, 40)))
        conn.execute(insert(PromptPost), posts)
        conn.execute(insert(PromptReply), replies)


def _flush(conn: Any, kudos: list[dict[str, Any]], recipients: list[dict[str, Any]], values: list[dict[str, Any]]) -> None:
    if kudos:
        conn.execute(insert(Kudos), kudos)
    if recipients:
        conn.execute(insert(KudosRecipient), recipients)
    if values:
        conn.execute(insert(KudosValue), values)
    kudos.clear()
    recipients.clear()
    values.clear()


def timed(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(db: Database, label: str, runs: int) -> list[tuple[str, str, float, float]]:
    t0 = time.perf_counter()
    org_id = seed(db)
    print(f"{label}: seeded {PEOPLE:,} people, {KUDOS:,} kudos, {REQUESTS:,} requests, {STORIES:,} stories in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    with db.session() as session:
        build_report(session, org_id, CONFIG, MONTH, NOW, parts=PARTS)
    event.remove(db.engine, "before_cursor_execute", capture)
    statements = [(s, p) for s, p in captured if s.lstrip().upper().startswith(("SELECT", "WITH"))]

    def raw() -> None:
        conn = db.engine.raw_connection()
        try:
            cursor = conn.cursor()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            cursor.close()
        finally:
            conn.close()

    raw_s = timed(raw, runs)
    if PROFILE:
        conn = db.engine.raw_connection()
        cursor = conn.cursor()
        costs = []
        for statement, parameters in statements:
            t0 = time.perf_counter()
            cursor.execute(statement, parameters)
            rows = len(cursor.fetchall())
            costs.append((time.perf_counter() - t0, rows, " ".join(statement.split())[:150]))
        conn.close()
        for cost, rows, sql in sorted(costs, reverse=True)[:8]:
            print(f"  {label} {cost:7.3f} s {rows:6d} rows  {sql}", file=sys.stderr)
    results = [(label, "raw SQL", raw_s, 1.0)]

    def build_only() -> None:
        with db.session() as session:
            build_report(session, org_id, CONFIG, MONTH, NOW, parts=PARTS)

    build_s = timed(build_only, runs)
    results.append((label, "build (model)", build_s, build_s / raw_s))
    for fmt in FORMATS:
        def one(fmt: Format = fmt) -> None:
            with db.session() as session:
                render(build_report(session, org_id, CONFIG, MONTH, NOW, parts=PARTS), fmt)
        s = timed(one, runs)
        results.append((label, f"build+{fmt}", s, s / raw_s))
    print(f"{label}: {len(statements)} aggregate statements per report", file=sys.stderr)
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="also print the slowest statements")
    args = parser.parse_args(argv)
    global PROFILE
    PROFILE = args.profile
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # still drop the PostgreSQL schema when stopped
    results: list[tuple[str, str, float, float]] = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite:///{tmp}/bench.db")
            db.upgrade()
            results += bench(db, "SQLite", args.runs)
            db.dispose()
    if not args.no_pg:
        schema = f"bench_report_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            sep = "&" if "?" in args.pg else "?"
            db = Database(f"{args.pg}{sep}options=-csearch_path%3D{schema}")
            db.upgrade()
            results += bench(db, "PostgreSQL", args.runs)
            db.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print(f"{'database':<11} {'what':<14} {'median s':>9} {'x raw SQL':>10}")
    for label, what, seconds, ratio in results:
        verdict = "" if what == "raw SQL" else ("  ok" if seconds < 2 and ratio <= 3 else "  OVER GOAL")
        print(f"{label:<11} {what:<14} {seconds:>9.3f} {ratio:>10.2f}{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
