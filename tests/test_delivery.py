"""The outbox and the inbox: nothing lost, nothing twice."""

import asyncio
from datetime import timedelta

from sqlalchemy import event as sqlalchemy_event
from sqlmodel import select

from bot.events import CommandInput
from bot.messages import Message
from bot.ports import Delivered, RetryLater
from storage.inbox import GroupCommit
from storage.models import InboxEvent, OutboxMessage, SentMessage
from tests.support import ANA, Harness, base_config


class FlakySender:
    """A platform that answers 429 with Retry-After: 30 while it is down."""

    platform = "console"
    min_interval = 0.0

    def __init__(self) -> None:
        self.down = True
        self.calls = 0
        self.accepted: list[str] = []

    async def send(self, item: OutboxMessage, message: Message, previous: SentMessage | None) -> Delivered:
        self.calls += 1
        if self.down:
            raise RetryLater("429 ratelimited", retry_after=30)
        self.accepted.append(item.label)
        return Delivered(conversation=item.destination, message_id=str(len(self.accepted)))


async def test_refused_messages_stay_queued_until_accepted(database_url: str) -> None:
    sender = FlakySender()
    h = Harness(database_url, base_config(), senders={"console": sender})
    h.seed_demo()
    await h.say(ANA, "/kudos @ben thanks")
    assert sender.accepted == [] and sender.calls == 3 and h.kudos_count() == 1
    h.clock.advance(timedelta(seconds=10))
    await h.runtime.worker.drain_once()  # Retry-After not yet over: no call at all
    assert sender.calls == 3
    h.clock.advance(timedelta(seconds=21))
    await h.runtime.worker.drain_once()  # still down
    assert sender.calls == 6 and sender.accepted == []
    sender.down = False
    h.clock.advance(timedelta(seconds=31))
    await h.runtime.worker.drain_once()
    assert len(sender.accepted) == 3
    assert {row.status for row in h.outbox()} == {"sent"}
    h.close()


async def test_accepted_but_unhandled_event_is_handled_after_restart(database_url: str) -> None:
    h = Harness(database_url, base_config())
    h.seed_demo()
    event = h.event(ANA, CommandInput(name="kudos", text="@ben thanks"))
    assert h.runtime.dispatcher.accept(event) is not None  # acknowledged, then the process "dies"
    h.close()
    restarted = Harness(database_url, base_config())
    assert await restarted.runtime.dispatcher.recover() == 1
    assert restarted.kudos_count() == 1
    assert await restarted.runtime.dispatcher.recover() == 0
    assert restarted.runtime.dispatcher.accept(event) is None  # a late re-delivery is still a duplicate
    restarted.close()


async def test_concurrent_submissions_share_a_commit_and_each_key_counts_once(database_url: str) -> None:
    """Slack re-sends while the first delivery is still being recorded: one of them wins, in one batch."""
    h = Harness(database_url, base_config())
    h.seed_demo()
    first = h.event(ANA, CommandInput(name="kudos", text="@ben thanks"), key="slack:evt-1")
    again = h.event(ANA, CommandInput(name="kudos", text="@ben thanks"), key="slack:evt-1")
    other = h.event(ANA, CommandInput(name="kudos", text="@chloe thanks"), key="slack:evt-2")
    outcomes = await asyncio.gather(*(h.runtime.dispatcher.submit(e) for e in (first, again, other)))
    assert outcomes == [True, False, True]
    await h.runtime.dispatcher.drain()
    assert h.kudos_count() == 2
    h.close()


async def test_a_batch_is_one_commit_and_a_key_repeated_in_it_counts_once(database_url: str) -> None:
    h = Harness(database_url, base_config())
    commits: list[object] = []
    sqlalchemy_event.listen(h.db.engine, "commit", commits.append)
    writer = GroupCommit(h.db)
    now = h.clock.now()
    ids = await asyncio.gather(*(writer.record(key, "{}", now) for key in ("k:a", "k:a", "k:b", "k:a")))
    assert isinstance(ids[0], int) and isinstance(ids[2], int) and ids[0] != ids[2]
    assert ids[1] is None and ids[3] is None
    assert len(commits) == 1
    assert await writer.record("k:b", "{}", now) is None  # and later, in another commit, still a duplicate
    assert len(commits) == 2
    h.close()


async def test_one_bad_record_does_not_fail_the_others_in_its_batch(database_url: str) -> None:
    h = Harness(database_url, base_config())
    writer = GroupCommit(h.db)
    now = h.clock.now()
    good = writer.record("k:good", "{}", now)
    bad = writer.record("k:bad", "{}", None)  # type: ignore[arg-type]  # violates NOT NULL
    later = writer.record("k:later", "{}", now)
    results = await asyncio.gather(good, bad, later, return_exceptions=True)
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert isinstance(results[1], Exception)
    with h.db.session() as session:
        keys = {row.dedupe_key for row in session.exec(select(InboxEvent)).all()}
    assert keys == {"k:good", "k:later"}
    h.close()


async def test_an_event_recorded_for_a_request_that_went_away_is_still_handled(database_url: str) -> None:
    """The client hung up (the request task is cancelled) after the event was queued for the commit:
    the event is in the inbox, so it must be handled, or Slack's re-send would be dropped as a duplicate."""
    h = Harness(database_url, base_config())
    h.seed_demo()
    event = h.event(ANA, CommandInput(name="kudos", text="@ben thanks"))
    request = asyncio.ensure_future(h.runtime.dispatcher.submit(event))
    await asyncio.sleep(0)  # queued for the next commit
    request.cancel()
    await h.runtime.dispatcher.drain()  # waits for the queued commit too, as a shutdown does
    assert request.cancelled()
    assert h.kudos_count() == 1
    assert await h.runtime.dispatcher.submit(event) is False
    h.close()
