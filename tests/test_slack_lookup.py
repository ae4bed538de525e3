"""When Slack's ``users.info`` fails: a bounded retry on the acknowledgement path, and announcements
that still name people, because the bot mentions them (``<@U…>``), which Slack shows by name."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Identity, Person
from tests.fakes.slack_api import FakeSlack
from tests.slack_support import ANA_ID, BEN_ID, SlackRig


def announcement(rig: SlackRig) -> str:
    return next(c["text"] for c in rig.fake.called("chat.postMessage") if c["channel"] == "CKUDOS001")


async def test_a_failed_lookup_is_retried_and_links_the_person_by_email(rig: SlackRig, fake: FakeSlack) -> None:
    fake.fail_next(2, status=503, method="users.info")  # one failure for each of Ana and Ben
    await rig.command("/kudos", f"<@{BEN_ID}> #empathy thanks for the quick answer")
    await rig.settle()
    await rig.until(lambda: any(c["channel"] == "CKUDOS001" for c in rig.fake.called("chat.postMessage")))
    text = announcement(rig)
    assert f"*<@{ANA_ID}>* gave kudos to *<@{BEN_ID}>*" in text and "someone" not in text
    with rig.db.session() as session:
        ben = session.exec(select(Person).join(Identity, Identity.person_id == Person.id)
                           .where(Identity.user_id == BEN_ID)).one()
    # Ben's Slack account is the directory's Ben (found by the email the retried lookup returned).
    assert ben.email == "ben.brooks@example.com" and ben.name == "Ben Brooks"
    assert len(fake.called("users.info", ok_only=False)) == 4


async def test_when_slack_cannot_say_who_it_is_the_announcement_still_names_them(rig: SlackRig,
                                                                                 fake: FakeSlack) -> None:
    fake.fail_next(20, status=503, method="users.info")
    await rig.command("/kudos", f"<@{BEN_ID}> #empathy thanks for the quick answer")
    await rig.settle()
    await rig.until(lambda: any(c["channel"] == "CKUDOS001" for c in rig.fake.called("chat.postMessage")))
    text = announcement(rig)
    assert f"*<@{ANA_ID}>* gave kudos to *<@{BEN_ID}>*" in text and "someone" not in text
    # The lookup is bounded: a few tries per account, then the event goes in with what Slack sent.
    assert len(fake.called("users.info", ok_only=False)) <= 6
