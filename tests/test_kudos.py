"""Kudos through the real dispatcher, storage and outbox (console sender)."""

from datetime import timedelta

from bot.events import Actor, ReactionInput
from tests.support import ANA, BEN, CHLOE, FELIX, Harness, base_config


async def test_kudos_recorded_announced_and_told(harness: Harness) -> None:
    out = await harness.say(ANA, "/kudos @ben @chloe #empathy thanks for the handover")
    assert harness.kudos_count() == 1
    assert "→ #kudos:" in out and "*@ana* gave kudos to *@ben, @chloe* for Empathy" in out
    assert "→ Ben Brooks (@ben, private)" in out and "→ Chloe Chen (@chloe, private)" in out
    assert "You have 3 of 5 left today" in out  # two recipients count two


async def test_each_bad_input_records_nothing(harness: Harness) -> None:
    cases = {
        "/kudos thanks all": "Who is it for",
        "/kudos @ana thanks me": "can't give kudos to yourself",
        "/kudos @bne thanks": "Did you mean @ben (Ben Brooks)",
        "/kudos @ben #empathyy thanks": "Did you mean #empathy",
        "/kudos @ben": "Say what the kudos is for",
        "/kudos @ben " + "x" * 501: "at most 500",
        "/kudos @ben @chloe @diego @emma @farid @grace thanks": "at most 5 at once",
    }
    for line, expected in cases.items():
        out = await harness.say(ANA, line)
        assert expected in out, (line, out)
        assert "#kudos" not in out
    assert harness.kudos_count() == 0
    assert all(row.kind == "ephemeral" for row in harness.outbox())


async def test_budget_resets_at_givers_midnight(database_url: str) -> None:
    h = Harness(database_url, base_config("kudos: {daily_budget: 2}"))
    h.seed_demo()
    # 09:00 UTC is 04:00 in New York (EST): Felix's day started at 05:00 UTC and ends in 20 h.
    assert "1 of 2 left" in await h.say(FELIX, "/kudos @gabriela thanks")
    assert "0 of 2 left" in await h.say(FELIX, "/kudos @henrik thanks")
    out = await h.say(FELIX, "/kudos @isla thanks")
    assert "used all 2 of today's kudos" in out and "America/New_York" in out and "(in 20 h 0 min)" in out
    assert h.kudos_count() == 2
    h.clock.advance(timedelta(hours=19))  # 04:00 UTC next day: still 23:00 in New York
    assert "used all" in await h.say(FELIX, "/kudos @isla thanks")
    h.clock.advance(timedelta(hours=1, minutes=1))
    assert "1 of 2 left" in await h.say(FELIX, "/kudos @isla thanks")
    h.close()


async def test_budget_counts_recipients(database_url: str) -> None:
    h = Harness(database_url, base_config("kudos: {daily_budget: 2}"))
    h.seed_demo()
    out = await h.say(ANA, "/kudos @ben @chloe @diego thanks team")
    assert "You have 2 kudos left today, and this one needs 3" in out
    assert h.kudos_count() == 0
    h.close()


async def test_require_value(database_url: str) -> None:
    h = Harness(database_url, base_config("kudos: {require_value: true}"))
    h.seed_demo()
    assert "Please tag at least one value" in await h.say(ANA, "/kudos @ben thanks")
    assert h.kudos_count() == 0
    h.close()


async def test_same_delivery_twice_records_and_sends_once(harness: Harness) -> None:
    first = await harness.say(ANA, "/kudos @ben thanks", key="slack:Ev123")
    second = await harness.say(ANA, "/kudos @ben thanks", key="slack:Ev123")
    assert "#kudos" in first and second == ""
    assert harness.kudos_count() == 1
    assert len(harness.outbox()) == 3


async def test_mine_and_top(harness: Harness) -> None:
    await harness.say(ANA, "/kudos @ben thanks")
    await harness.say(CHLOE, "/kudos @ben thanks too")
    await harness.say(BEN, "/kudos @chloe welcome")
    mine = await harness.say(BEN, "/kudos mine")
    assert "Given: 1" in mine and "Received: 2" in mine and "Left today: 4 of 5" in mine
    top = await harness.say(ANA, "/kudos top")
    assert top.index("Ben Brooks (@ben) — 2") < top.index("Chloe Chen (@chloe) — 1")
    await harness.say(BEN, "/kudos leaderboard off")
    assert "Ben Brooks" not in await harness.say(ANA, "/kudos top")
    assert "No kudos yet" in await harness.say(ANA, "/kudos top 2026-01")


async def test_top_refused_when_leaderboard_off(database_url: str) -> None:
    h = Harness(database_url, base_config("kudos: {leaderboard: false}"))
    h.seed_demo()
    assert "leaderboard is switched off" in await h.say(ANA, "/kudos top")
    h.close()


async def test_reaction_gives_kudos_to_author_under_the_same_rules(harness: Harness) -> None:
    author = Actor(platform="console", tenant="local", user_id=BEN, email=BEN)
    reaction = ReactionInput(emoji="clap", item_author=author, item_link="https://x/p1", item_text="Fixed the VPN")
    out = await harness.send(harness.event(ANA, reaction))
    assert "gave kudos to *@ben*" in out and harness.kudos_count() == 1
    own = ReactionInput(emoji="clap", item_author=Actor(platform="console", tenant="local", user_id=ANA, email=ANA))
    assert "yourself" in await harness.send(harness.event(ANA, own))
    other = ReactionInput(emoji="thumbsup", item_author=author)
    assert await harness.send(harness.event(ANA, other)) == ""
    assert harness.kudos_count() == 1


async def test_unknown_command_and_help(harness: Harness) -> None:
    assert 'I don\'t know the command "foo"' in await harness.say(ANA, "foo bar")
    assert "/kudos @ana" in await harness.say(ANA, "help")
