"""Request metrics for the report, on a known dataset (and one figure computed end to end)."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from storage import request_metrics
from storage.models import Person, Team
from storage.request_models import Request
from tests.requests_support import request
from tests.support import ANA, BEN, T0, Harness

H = 3600
NOV = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def _person(h: Harness, handle: str) -> Person:
    with h.db.session() as session:
        return session.exec(select(Person).where(Person.handle == handle)).one()


def _add(h: Harness, number: int, owner: Person, requester: Person, **fields: object) -> None:
    base: dict[str, object] = {"org_id": h.runtime.services.org_id, "number": number, "requester_id": requester.id,
                                   "owner_id": owner.id, "title": f"r{number}", "created_at": NOV, "updated_at": NOV,
                                   "sla_started_at": NOV, "first_response_target_s": 4 * H,
                                   "first_response_due_at": NOV + timedelta(hours=4)}
    base.update(fields)
    with h.db.session() as session:
        session.add(Request(**base))


async def test_metrics_per_organisation_team_and_month(harness: Harness) -> None:
    ben, chloe, ana = _person(harness, "ben"), _person(harness, "chloe"), _person(harness, "ana")
    jonas, felix = _person(harness, "jonas"), _person(harness, "felix")
    at = NOV
    # Customer Care (ben, chloe own): four requests.
    _add(harness, 1, ben, felix, status="confirmed", first_response_at=at + timedelta(hours=1), first_response_business_s=1 * H,
         promised_at=at + timedelta(days=2), delivered_at=at + timedelta(days=1), delivery_count=1,
         resolution_business_s=8 * H, rating=5)
    _add(harness, 2, ben, felix, status="confirmed", first_response_at=at + timedelta(hours=6), first_response_business_s=6 * H,
         promised_at=at + timedelta(days=1), delivered_at=at + timedelta(days=2), delivery_count=1, promise_broken=True,
         resolution_business_s=16 * H, rating=3, reopen_count=1)
    _add(harness, 3, chloe, felix, status="open")  # unanswered, target passed
    _add(harness, 4, chloe, felix, status="promised", first_response_at=at + timedelta(hours=2),
         first_response_business_s=2 * H, promised_at=at + timedelta(days=1), promise_renegotiations=1)
    # Engineering: one answered in time, delivered on its promise.
    _add(harness, 5, jonas, ana, status="delivered", first_response_at=at + timedelta(hours=3), first_response_business_s=3 * H,
         promised_at=at + timedelta(days=3), delivered_at=at + timedelta(days=3), delivery_count=1, resolution_business_s=20 * H)
    # December: another month.
    _add(harness, 6, ben, felix, status="open", created_at=datetime(2026, 12, 2, 9, tzinfo=UTC),
         first_response_due_at=datetime(2026, 12, 2, 13, tzinfo=UTC))
    as_of = datetime(2026, 11, 30, 12, tzinfo=UTC)
    with harness.db.session() as session:
        org = request_metrics.organisation_metrics(session, harness.runtime.services.org_id, "2026-11", "Europe/Berlin", as_of)
        teams = request_metrics.team_metrics(session, harness.runtime.services.org_id, "2026-11", "Europe/Berlin", as_of)
        months = request_metrics.months_with_requests(session, harness.runtime.services.org_id, "Europe/Berlin")
        team_names = {t.id: t.name for t in session.exec(select(Team))}
    assert org.requests == 5
    assert (org.first_response_median_h, org.first_response_p90_h) == (2.5, 5.1)
    assert (org.resolution_median_h, org.resolution_p90_h) == (16.0, 19.2)
    assert org.acknowledged_within_target == 0.6  # 1, 4, 5 in time; 2 late; 3 unanswered
    assert (org.promises, org.promises_kept) == (4, 0.5)  # 1 and 5 kept; 2 broken; 4 passed undelivered
    assert org.unanswered == 1 and (org.ratings, org.csat_average) == (2, 4.0)
    assert (org.delivered, org.reopen_rate) == (3, 0.3333)
    assert [(team_names[t.team_id], t.requests) for t in teams] == [("Customer Care", 4), ("Engineering", 1)]
    care = teams[0]
    assert care.unanswered == 1 and care.csat_average == 4.0 and care.reopen_rate == 0.5
    assert months == ["2026-11", "2026-12"]
    with harness.db.session() as session:
        empty = request_metrics.organisation_metrics(session, harness.runtime.services.org_id, "2026-10", "Europe/Berlin", as_of)
    assert empty.requests == 0 and empty.csat_average is None and empty.promises_kept is None


async def test_business_hours_are_computed_when_the_step_happens(harness: Harness) -> None:
    # Created Tuesday 17:00 Berlin, acknowledged Wednesday 10:00: 0.5 h + 1 h of business time.
    harness.clock.set(T0 + timedelta(hours=7))
    await harness.say(ANA, "/request @ben check the refund")
    harness.clock.set(T0 + timedelta(days=1))
    await harness.say(BEN, "/request ack REQ-1")
    harness.clock.set(T0 + timedelta(days=1, hours=2))
    await harness.say(BEN, "/request done REQ-1")
    req = request(harness, 1)
    assert req.first_response_business_s == int(1.5 * H) and req.resolution_business_s == int(3.5 * H)
    assert req.first_response_at <= req.first_response_due_at
