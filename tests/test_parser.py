import pytest

from bot.errors import UserError
from bot.events import Mention
from bot.kudos import grammar
from bot.parser import split_command_line, tokenize


def test_kudos_head_message_and_trailing_values() -> None:
    cmd = grammar.parse("@ana @ben #empathy thanks for staying late, @ana! #extra-mile")
    assert isinstance(cmd, grammar.Give)
    assert [r.handle for r in cmd.recipients] == ["ana", "ben"]
    assert cmd.values == ("empathy", "extra-mile")
    assert cmd.message == "thanks for staying late, @ana!"


def test_platform_mentions_are_tokens() -> None:
    mentions = (Mention(token="<@U1>", user_id="U1", name="Ana"),)
    cmd = grammar.parse("<@U1> #respect great call", mentions)
    assert isinstance(cmd, grammar.Give)
    assert cmd.recipients[0].user_id == "U1" and cmd.message == "great call"


def test_subcommands_and_errors() -> None:
    assert isinstance(grammar.parse("help"), grammar.Help)
    assert isinstance(grammar.parse(""), grammar.OpenForm)
    assert grammar.parse("top 2026-10") == grammar.Top(month="2026-10")
    with pytest.raises(UserError, match="YYYY-MM"):
        grammar.parse("top october")
    with pytest.raises(UserError, match="Who is it for"):
        grammar.parse("thanks everyone")


def test_split_command_line() -> None:
    assert split_command_line("/Kudos @ana hi") == ("kudos", "@ana hi")
    assert split_command_line("   ") is None
    assert [t.kind for t in tokenize("@a #b c")] == ["person", "tag", "word"]
