"""The outbox and the inbox: nothing lost, nothing twice."""

from datetime import timedelta

from bot.events import CommandInput
from bot.messages import Message
from bot.outbox import Delivered, RetryLater
from storage.models import OutboxMessage, SentMessage
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
