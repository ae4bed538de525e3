"""No injection through user text: what a person typed reaches Slack, Teams and the terminal as
the text they typed, never as a mention, a masked link, a broadcast or a formatting escape; the
people the bot names itself are real mentions.

Each attack goes in through the real entry points (a signed slash command, a Teams activity, the
console), through kudos, request and story texts (named and anonymous), and is checked in what the
platform receives: Block Kit and the ``text`` fallback on Slack, the card JSON on Teams, the
printed lines on the console. Property tests drive random text through the templates and every
renderer.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.console.render import text as console_text
from adapters.slack.render import mrkdwn, render_blocks
from adapters.teams.render import WORD_JOINER, card, markdown
from bot.messages import Message, PersonMention, Section, escape, plain
from bot.texts import t
from tests.slack_support import ANA_ID, BEN_ID, CHLOE_ID, NEW_ID, SlackRig
from tests.support import ANA, Harness, base_config
from tests.teams_support import ANA_T, BEN_T, TeamsApp, bot_added_to_team, message, start_teams

EVIL = "U0EVIL001"
# What an attacker types, as Slack puts it on the wire: a literal "<" arrives as "&lt;", a real
# @channel as "<!channel>", a link made in the composer as "<url|label>".
SLACK_ATTACK = (
    "&lt;!channel&gt; <!channel> &lt;!here&gt; <!here> &lt;!everyone&gt; &lt;@U0EVIL001&gt; "
    "&lt;http://evil.example|click&gt; <http://evil.example|click here> &amp;lt; [x](http://evil.example) "
    "&lt;at&gt;Boss&lt;/at&gt; ```code``` `tick` *bold* _it_ ~gone~"
)
# The same attacks as a Teams client sends them (HTML-escaped text) and as console input.
TEAMS_ATTACK = ("&lt;!channel&gt; &lt;!here&gt; &lt;@U0EVIL001&gt; &lt;http://evil.example|click&gt; &amp;lt; "
                "[x](http://evil.example) [y][r] &lt;at&gt;Boss&lt;/at&gt; {{DATE(2017-02-14T06:00:00Z, SHORT)}} "
                "**bold** ```code``` `tick`")
CONSOLE_ATTACK = ("<!channel> <!here> <@U0EVIL001> <http://evil.example|click> &lt; [x](http://evil.example) "
                  "<at>Boss</at> ```code``` `tick`")
# Terminal controls are refused when typed (nothing is stored); the console still shows any that
# reach it (from an LLM, a platform profile) as symbols rather than obeying them.
CONSOLE_CONTROLS = "\x1b[2J\x1b]0;owned\x07 \r overwritten \x9b31m"
MULTILINE = "line one\n> line two\nline three"


# ---- what each platform may contain --------------------------------------------------------

def slack_strings(call: dict[str, Any]) -> list[str]:
    """The ``text`` fallback and every mrkdwn text in the blocks of one Web API call."""
    found = [str(call.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                assert node.get("verbatim") is True, node  # Slack must not auto-link "@channel" or "#x"
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(call.get("blocks") or [])
    return found


def assert_slack_safe(text: str, people: set[str]) -> None:
    """Only the bot's own mentions and plain (unmasked) links may be markup."""
    for match in re.finditer(r"<([^<>]*)>", text):
        inner = match.group(1)
        if inner.startswith("@"):
            assert inner[1:] in people, f"mention of {inner} in {text!r}"
        else:
            assert re.fullmatch(r"https?://[^|\s]+", inner), f"special sequence <{inner}> in {text!r}"
    assert "<!" not in text and EVIL not in text.replace("&lt;@U0EVIL001&gt;", "")


def assert_teams_safe(rendered: dict[str, Any], people: set[str]) -> list[str]:
    """No link, no mention but the bot's own (each with its entity), no card function, no entity."""
    texts = [item["text"] for item in rendered["body"] if item.get("type") == "TextBlock"]
    texts += [f"{fact['title']} {fact['value']}" for item in rendered["body"] for fact in item.get("facts", [])]
    entities = rendered.get("msteams", {}).get("entities", [])
    assert {e["mentioned"]["id"] for e in entities} <= people
    allowed = {e["text"] for e in entities}
    for text in texts:
        assert "](" not in text and "][" not in text and "{{" not in text, text
        assert not re.search(r"&#?\w+;", text), text  # CommonMark would decode an entity into "<"
        rest = text
        for tag in allowed:
            rest = rest.replace(tag, "")
        # Every other "<" is followed by a word joiner: no tag, no <at>, no autolink can start there.
        assert not re.search(f"<(?!{WORD_JOINER})", rest), f"markup in {text!r}"
    return texts


def assert_console_safe(text: str) -> None:
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text), repr(text)


# ---- Slack, end to end ----------------------------------------------------------------------

def slack_calls(rig: SlackRig) -> list[dict[str, Any]]:
    return [*rig.fake.called("chat.postMessage"), *rig.fake.called("chat.postEphemeral"),
            *rig.fake.called("chat.update")]


async def test_slack_kudos_request_and_story_texts_stay_text(rig: SlackRig) -> None:
    await rig.command("/kudos", f"<@{BEN_ID}|ben> #empathy thanks {SLACK_ATTACK}")
    await rig.command("/request", f"<@{CHLOE_ID}|chloe> check {SLACK_ATTACK}")
    await rig.command("/story", f"good {MULTILINE} {SLACK_ATTACK} #empathy")
    await rig.settle()
    await rig.until(lambda: len(rig.kudos()) == 1 and sum(
        c["channel"] in ("CKUDOS001", "CSTORIES1", CHLOE_ID) for c in rig.fake.called("chat.postMessage")) >= 3)
    await rig.settle()
    people = {ANA_ID, BEN_ID, CHLOE_ID}
    calls = slack_calls(rig)
    # No previews of the attacker's links or media under the bot's name.
    assert all(c["unfurl_links"] is False and c["unfurl_media"] is False for c in rig.fake.called("chat.postMessage"))
    for call in calls:
        for text in slack_strings(call):
            assert_slack_safe(text, people)
    announcement = next(c for c in calls if c.get("channel") == "CKUDOS001")
    for text in slack_strings(announcement):
        if "gave kudos" not in text:
            continue  # the context block under it: the value
        # The bot's own mentions are real; the attacker's text is there, escaped, to be read.
        assert f"<@{ANA_ID}>" in text and f"<@{BEN_ID}>" in text
        assert "&lt;!channel&gt;" in text and "@channel" in text and "&lt;@U0EVIL001&gt;" in text
        assert "&amp;lt;" in text and "&lt;at&gt;Boss&lt;/at&gt;" in text and "[x](<http://evil.example>)" in text
    owner_card = next(c for c in calls if c.get("channel") == CHLOE_ID and "asks you" in c["text"])
    assert f"<@{ANA_ID}> asks you: check &lt;!channel&gt; @channel" in owner_card["text"]
    story = next(c for c in calls if c.get("channel") == "CSTORIES1")
    for text in slack_strings(story):
        if "line one" in text:  # the section (the context under it holds the tags)
            assert "> line one\n> &gt; line two\n> line three" in text, text  # every line still quoted
            assert f"from <@{ANA_ID}>" in text


async def test_slack_anonymous_story_stays_text_and_names_nobody(rig: SlackRig) -> None:
    await rig.command("/story", f"good anon {MULTILINE} {SLACK_ATTACK} #empathy", user_id=NEW_ID)
    await rig.settle()
    await rig.until(lambda: any(c["channel"] == "CSTORIES1" for c in rig.fake.called("chat.postMessage")))
    post = next(c for c in rig.fake.called("chat.postMessage") if c["channel"] == "CSTORIES1")
    for text in slack_strings(post):
        assert_slack_safe(text, set())  # an anonymous story mentions nobody
        assert NEW_ID not in text
    assert "> line one\n> &gt; line two\n> line three" in post["text"]


async def test_slack_react_to_give_repeats_the_message_as_it_read(rig: SlackRig) -> None:
    """The reacted message is Slack markup (its own real @channel and mentions): the bot repeats it
    as the text people saw, and never broadcasts or mentions anyone with it."""
    rig.fake.add_message("CGENERAL1", "1763369000.000500", BEN_ID,
                         f"<!channel> fixed it, thanks <@{CHLOE_ID}> &amp; <@{EVIL}|eve>: see <http://evil.example|docs>")
    await rig.event({"type": "reaction_added", "user": ANA_ID, "reaction": "clap",
                     "item": {"type": "message", "channel": "CGENERAL1", "ts": "1763369000.000500"},
                     "item_user": BEN_ID, "event_ts": "1763369100.000600"})
    await rig.settle()
    await rig.until(lambda: any(c["channel"] == "CKUDOS001" for c in rig.fake.called("chat.postMessage")))
    post = next(c for c in rig.fake.called("chat.postMessage") if c["channel"] == "CKUDOS001")
    for text in slack_strings(post):
        assert_slack_safe(text, {ANA_ID, BEN_ID})
    assert "@channel fixed it, thanks @Chloe Chen &amp; @eve: see docs (<http://evil.example>)" in post["text"]


# ---- Teams, end to end ----------------------------------------------------------------------

TEAMS_CONFIG = ("\nchannels:\n  kudos: {slack: '#kudos', teams: 'Culture/Kudos'}\n"
                "  stories: {slack: '#service-stories', teams: 'Culture/Kudos'}\n")


@pytest.fixture
async def teams_app(database_url: str) -> AsyncIterator[TeamsApp]:
    server, connector, db, clock = await start_teams(database_url, base_config(TEAMS_CONFIG),
                                                     {"TEAMS_ALLOW_UNAUTHENTICATED": "1"})
    async with aiohttp.ClientSession() as http:
        yield TeamsApp(server, connector, db, clock, http)
    await server.stop()
    await connector.stop()
    db.dispose()


def cards(app: TeamsApp) -> list[dict[str, Any]]:
    return [a["content"] for call in app.connector.sent() for a in call.body.get("attachments") or []]


async def test_teams_kudos_request_and_stories_stay_text(teams_app: TeamsApp) -> None:
    c = teams_app.connector
    assert (await teams_app.post(bot_added_to_team(c.url))).status in (200, 201, 202)
    await teams_app.post(message(c.url, f"kudos <at>Ben</at> #empathy thanks {TEAMS_ATTACK}", mentions=(BEN_T,)))
    await teams_app.post(message(c.url, f"request <at>Ben</at> check {TEAMS_ATTACK}", mentions=(BEN_T,)))
    await teams_app.post(message(c.url, f"story good {MULTILINE} {TEAMS_ATTACK} #empathy"))
    await teams_app.post(message(c.url, f"story bad anon {MULTILINE} {TEAMS_ATTACK} #empathy"))
    await teams_app.settle()
    await c.wait_for(lambda: len([x for x in cards(teams_app) if "line one" in json.dumps(x)]) >= 2)
    await teams_app.settle()
    # Ana wrote (her Entra object id); Ben was @mentioned (his Teams user id): Teams takes either.
    people = {ANA_T["aadObjectId"], BEN_T["id"]}
    everything = cards(teams_app)
    texts = [text for rendered in everything for text in assert_teams_safe(rendered, people)]
    announcement = next(x for x in everything if "gave kudos" in json.dumps(x))
    # Ana and Ben are real mentions, with their entities.
    assert {e["mentioned"]["id"] for e in announcement["msteams"]["entities"]} == people
    assert "<at>Ana Alvarez</at>" in announcement["body"][0]["text"]
    body = announcement["body"][0]["text"]
    assert f"[{WORD_JOINER}" not in body and f"]{WORD_JOINER}(" in body  # the link is broken for good
    assert f"<{WORD_JOINER}at>Boss" in body and f"{{{WORD_JOINER}{{" in body and "\\*\\*bold\\*\\*" in body
    assert f"&{WORD_JOINER}lt;" in body  # the typed "&lt;" shows as typed
    # Stories, named and anonymous: the text is quoted on every line (Teams flattens what was typed
    # into one line on the way in; a Slack story's line breaks are checked by the property test).
    quoted = [text for text in texts if "line one" in text]
    assert len(quoted) == 2, quoted
    for text in quoted:
        assert all(line.startswith("> ") for line in text.split("\n")[1:]), text


# ---- the console -------------------------------------------------------------------------------

async def test_console_shows_typed_text_and_no_terminal_controls(harness: Harness) -> None:
    out = await harness.say(ANA, f"/kudos @ben #empathy thanks {CONSOLE_ATTACK}")
    out += await harness.say(ANA, f"/request @ben check {CONSOLE_ATTACK}")
    out += await harness.say(ANA, f"/story good {MULTILINE} {CONSOLE_ATTACK} #empathy")
    out += await harness.say(ANA, f"/story bad anon {MULTILINE} {CONSOLE_ATTACK} #empathy")
    assert_console_safe(out)
    assert "*@ana* gave kudos to *@ben*" in out
    assert "<!channel> <!here> <@U0EVIL001> <http://evil.example|click> &lt; [x](http://evil.example)" in out
    assert out.count("> line one\n    > > line two\n    > line three") == 2
    before = harness.kudos_count()
    refused = await harness.say(ANA, f"/kudos @ben #empathy thanks {CONSOLE_CONTROLS}")
    assert_console_safe(refused)
    assert "control character" in refused and harness.kudos_count() == before
    shown = console_text(escape(f"thanks {CONSOLE_CONTROLS}"))
    assert_console_safe(shown)
    assert "␛[2J␛]0;owned␇" in shown  # shown, not obeyed


# ---- any text, through the templates and every renderer ---------------------------------------

ANA_M = PersonMention(1, "Ana Alvarez", "ana", (("slack", "T0EXTRA", ANA_ID), ("teams", "tenant-1", "aad-ana")))
BEN_M = PersonMention(2, "Ben <Brooks>|*", "ben", (("slack", "T0EXTRA", BEN_ID), ("teams", "tenant-1", "aad-ben")))
FRAGMENTS = ["<!channel>", "<!here>", "<@U0EVIL001>", "<http://evil.example|click>", "&lt;", "&amp;", "&#10;",
             "[x](http://evil.example)", "<at>Boss</at>", "</at>", "{{DATE(2017-02-14T06:00:00Z, SHORT)}}", "\n",
             "\n> ", "> ", "`", "```", "*", "_", "~", "\\", "|", "<", ">", "&", "<@1|n=x>", "\x1b[31m", "\r"]
user_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=12).map("".join)


def rendered_texts(text: str) -> list[tuple[str, str]]:
    giver, names = ANA_M.token(), BEN_M.token()
    return [
        ("announcement", t("kudos.announcement", giver=giver, names=names, message=text, values=[text])),
        ("received", t("kudos.received", giver=giver, message=text, values=[])),
        ("story", t("stories.post", kind="good", text=text, author=giver)),
        ("anonymous", t("stories.post", kind="bad", text=text, author="")),
        ("request", t("requests.owner_card", ref="REQ-1", requester=giver, what=text)),
        ("update", t("requests.told_update", ref="REQ-1", who=giver, text=text)),
        ("escaped", escape(text)),
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(user_text)
def test_no_user_text_ever_produces_a_special_sequence(text: str) -> None:
    for name, neutral in rendered_texts(text):
        slack = mrkdwn(neutral, "T0EXTRA")
        assert_slack_safe(slack, {ANA_ID, BEN_ID})
        entities: list[dict[str, Any]] = []
        teams = markdown(neutral, entities, "tenant-1")
        rendered = {"body": [{"type": "TextBlock", "text": teams}], "msteams": {"entities": entities}}
        assert_teams_safe(rendered, {"aad-ana", "aad-ben"})
        assert_console_safe(console_text(neutral))
        # A quoted user text stays quoted on every line, whatever line breaks it holds.
        if name in ("story", "anonymous"):
            for rendering in (slack, teams):
                assert all(line.startswith(">") for line in rendering.split("\n")[1:]), (name, rendering)


@settings(max_examples=200, deadline=None)
@given(user_text, user_text, st.text(st.characters(blacklist_characters="\r"), max_size=8))
def test_no_display_name_breaks_out_of_a_mention(name: str, handle: str, user_id: str) -> None:
    """Names and handles come from Slack profiles and Entra: the bot's own mention of someone cannot
    be used to inject either, on a platform where they have an identity or where they have none."""
    person = PersonMention(7, name, handle, (("slack", "T0EXTRA", user_id), ("teams", "tenant-1", user_id)))
    neutral = t("kudos.announcement", giver=person.token(), names=BEN_M.token(), message="hi", values=[])
    assert PersonMention.from_token(person.token()[2:-1]).token() == person.token()
    assert mrkdwn(neutral, "T0EXTRA").endswith(f'gave kudos to *<@{BEN_ID}>*: "hi"')
    for tenant in ("T0EXTRA", "T0OTHER"):
        slack = mrkdwn(neutral, tenant)
        assert "\n" not in slack
        assert_slack_safe(slack, {BEN_ID, user_id})
    for tenant in ("tenant-1", "tenant-2"):
        entities: list[dict[str, Any]] = []
        teams = markdown(neutral, entities, tenant)
        assert "\n" not in teams
        assert_teams_safe({"body": [{"type": "TextBlock", "text": teams}], "msteams": {"entities": entities}},
                          {"aad-ben", user_id})
    console = console_text(neutral)
    assert "\n" not in console
    assert_console_safe(console)


@settings(max_examples=200, deadline=None)
@given(user_text)
def test_escaped_text_reads_as_itself(text: str) -> None:
    assert plain(escape(text)) == text.replace("\r\n", "\n").replace("\r", "\n")


def test_the_bot_mentions_people_natively_and_no_one_else() -> None:
    neutral = t("kudos.announcement", giver=ANA_M.token(), names=BEN_M.token(), message="hi <@U0EVIL001>", values=[])
    assert mrkdwn(neutral, "T0EXTRA") == f':tada: *<@{ANA_ID}>* gave kudos to *<@{BEN_ID}>*: "hi &lt;@U0EVIL001&gt;"'
    entities: list[dict[str, Any]] = []
    assert markdown(neutral, entities, "tenant-1") == (
        ':tada: **<at>Ana Alvarez</at>** gave kudos to **<at>Ben Brooks</at>**: "hi <\u2060@U0EVIL001>"')
    # A name cannot break out of the <at> tag; the entity text matches the tag exactly.
    assert entities[1] == {"type": "mention", "text": "<at>Ben Brooks</at>",
                           "mentioned": {"id": "aad-ben", "name": "Ben Brooks"}}
    assert console_text(neutral) == ':tada: *@ana* gave kudos to *@ben*: "hi <@U0EVIL001>"'
    # No identity on the platform (or another Slack workspace): the name, as text.
    assert mrkdwn(neutral, "T0OTHER") == ':tada: *Ana Alvarez* gave kudos to *Ben &lt;Brooks&gt;|**: "hi &lt;@U0EVIL001&gt;"'
    blocks = render_blocks(Message(text=neutral, blocks=(Section(text=neutral),)), "T0EXTRA")
    assert blocks[0]["text"] == {"type": "mrkdwn", "text": mrkdwn(neutral, "T0EXTRA"), "verbatim": True}
    assert card(Message(text=neutral), "tenant-1")["msteams"]["entities"] == entities


def test_a_fake_slack_cannot_see_a_fake_mention() -> None:
    """A typed "<@1|n=Eve>" (the neutral token's shape) is escaped like any other text."""
    neutral = t("kudos.received", giver=ANA_M.token(), message="<@1|n=Eve|id=slack/T0EXTRA/U0EVIL001>", values=[])
    assert "U0EVIL001>" not in mrkdwn(neutral).replace("U0EVIL001&gt;", "")
    assert "<at>Eve" not in markdown(neutral, [])

