"""``/story`` under a name, bad input, the blameless rule, and the leaders' weekly digest."""

from __future__ import annotations

from datetime import timedelta

from bot.events import Mention
from bot.stories.blameless import redact
from tests.prompts_support import local, stories, sweep
from tests.support import ANA, BEN, CHLOE, Harness, base_config


async def test_good_story_under_a_name(harness: Harness) -> None:
    out = await harness.say(BEN, "/story good Chloe rebuilt the export overnight so our demo worked #extra-mile #dependability")
    assert "→ #service-stories:" in out
    assert "*A good service story* from @ben" in out and "Chloe rebuilt the export overnight" in out
    assert "good story · Going the extra mile · Dependability" in out
    [story] = stories(harness)
    assert story.author_id is not None and not story.anonymous and story.kind == "good"


async def test_bad_story_under_a_name_is_blameless(harness: Harness) -> None:
    out = await harness.say(BEN, "/story bad @chloe and Diego missed the cut-off, so the customer waited #solutions")
    assert "*A lesson learned* (blameless) from @ben" in out
    assert "A colleague and a colleague missed the cut-off" in out
    assert "chloe" not in out.lower() and "Diego" not in out
    assert stories(harness)[0].text == "A colleague and a colleague missed the cut-off, so the customer waited"


async def test_bad_input_shares_nothing(harness: Harness) -> None:
    cases = {
        "/story great things happened": "Start with `good` or `bad`",
        "/story good": "Help",  # no text: the help
        "/story bad #empathy": "Tell the story after \"bad\"",
        "/story good the team was great #empathyy": "Did you mean #empathy",
        "/story bad anon": "Tell the story after \"bad\"",
    }
    for line, expected in cases.items():
        out = await harness.say(ANA, line)
        if expected == "Help":
            assert "Tell the story" in out or "Share a service story" in out, out
        else:
            assert expected in out, (line, out)
        assert "#service-stories" not in out
    assert stories(harness) == []
    assert "Share a service story" in await harness.say(ANA, "/story help")


def test_redaction_rules() -> None:
    names = ["Ben Brooks", "Chloe Chen", "Will Thompson"]
    assert redact("<@U1|ben> was late", (), names) == "A colleague was late"
    assert redact("ask <at>Chloe Chen</at> next time", (), names) == "ask a colleague next time"
    assert redact("Ben Brooks and chloe chen forgot", (), names) == "A colleague and a colleague forgot"
    assert redact("thanks to Chloe, not @ben", (), names) == "thanks to a colleague, not a colleague"
    assert redact("mail ops@example.com", (), names) == "mail ops@example.com"
    assert redact("T1 broke", (Mention(token="T1", user_id="U9", name="Zed Zero"),), names) == "A colleague broke"


async def test_weekly_digest_to_leaders(database_url: str) -> None:
    h = Harness(database_url, base_config(), start=local(2026, 11, 16, 8, 0))  # Monday
    h.seed_demo()
    await sweep(h)  # the digest schedule starts now; nothing to send yet
    h.clock.set(local(2026, 11, 18, 12, 0))
    await h.say(BEN, "/story good Chloe walked me through the new tool #empathy")
    await h.say(CHLOE, "/story bad anon the request sat unanswered for a week #dependability")
    h.clock.set(local(2026, 11, 23, 9, 5))  # next Monday
    out = await sweep(h)
    assert "This week's service stories*: 1 good, 1 bad." in out
    for leader in ("Ana Alvarez", "Ines Kowalski", "Quinn Murphy", "Hana Sato", "Felix Wagner"):
        assert f"→ {leader} (@" in out, leader
    assert "Empathy (good): 1" in out and "Dependability (bad): 1" in out
    assert '"Chloe walked me through the new tool" — Ben Brooks' in out
    assert "Chloe Chen" not in out.split("the request sat unanswered")[1].split("\n")[0]
    # Once a week, however often the scheduler sweeps.
    h.clock.advance(timedelta(minutes=30))
    assert "This week's service stories" not in await sweep(h)
    h.close()
