"""Bad input never breaks a handler: every stored text has a limit the grammar states clearly.

Limits are those of the columns the text ends in (``storage/*models.py``) or lower; PostgreSQL
refuses a string longer than its column and any NUL character, SQLite silently stores both, so
each case runs on both databases. The property-based tests push random command lines and clicks
through the real parser, handlers, dispatcher and outbox: each gives a record or a clear answer,
never the internal-error apology, a failed inbox row or a half-written record.
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, String, func, literal
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from bot.events import ActionInput, Actor, Address, CommandInput, Event, Mention
from bot.texts import t
from storage.models import (
    InboxEvent,
    Kudos,
    KudosRecipient,
    OutboxMessage,
    Person,
    Request,
    RequestEvent,
)
from storage.prompts_models import PromptSchedule, Story
from tests.support import ANA, BEN, Harness

HANA = "hana.sato@example.com"
INTERNAL_ERROR = t("internal_error")
LONG_NAME = "Dr. " + "Maximiliane Alexandra " * 14  # 312 characters, as Slack and Entra allow


def _count(h: Harness, model: type) -> int:
    with h.db.session() as session:
        return len(session.exec(select(model)).all())


def _records(h: Harness) -> tuple[int, ...]:
    return tuple(_count(h, m) for m in (Kudos, Request, RequestEvent, Story, PromptSchedule))


async def _refused(h: Harness, email: str, line: str, *expected: str) -> str:
    before = _records(h)
    out = await h.say(email, line)
    assert out and INTERNAL_ERROR not in out, (line[:80], out[:300])
    for text in expected:
        assert text in out, (line[:80], out[:600])
    assert _records(h) == before, line[:80]
    assert len(out) < 2000, "an error quotes at most a short excerpt of what was typed"
    return out


async def test_a_category_longer_than_its_column_is_refused(harness: Harness) -> None:
    await _refused(harness, ANA, "/request @ben fix the printer #" + "c" * 65, "64 characters")
    out = await harness.say(ANA, "/request @ben fix the printer #" + "c" * 64)
    assert "REQ-1 sent to Ben Brooks" in out


@pytest.mark.parametrize("line", [
    "/request @ben " + "x" * 10_000,
    "/story good " + "x" * 10_000,
    "/story bad anon " + "x" * 10_000,
    "/kudos @ben " + "x" * 10_000,
    "/prompts add #" + "g" * 400 + " weekdays 09:30",
    "/prompts add #general " + "weekdays " * 40 + "09:30",
], ids=["request", "story", "anonymous-story", "kudos", "prompt-channel", "prompt-when"])
async def test_ten_thousand_characters_get_a_clear_answer(harness: Harness, line: str) -> None:
    await _refused(harness, ANA, line, "characters")


async def test_long_step_texts_are_refused(harness: Harness) -> None:
    await harness.say(ANA, "/request @ben send me the Q3 figures")
    for verb in ("update", "decline", "done"):
        await _refused(harness, BEN, f"/request {verb} REQ-1 " + "y" * 10_000, "characters")
    await _refused(harness, ANA, "/request cancel REQ-1 " + "y" * 10_000, "characters")


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"], ids=["NUL", "BEL", "ESC", "DEL", "NEL"])
async def test_control_characters_are_refused_with_a_clear_message(harness: Harness, char: str) -> None:
    for line in (f"/kudos @ben thanks{char} for the help", f"/request @ben fix{char} the printer",
                 f"/story good nice{char} work", f"/story bad anon it{char} broke",
                 f"/prompts add #gen{char}eral weekdays 09:30"):
        await _refused(harness, ANA, line, "control character")


async def test_echoed_input_is_clipped(harness: Harness) -> None:
    for line in ("/request ack " + "x" * 5000, "/kudos top " + "9" * 5000, "/" + "z" * 5000,
                 "/kudos @" + "n" * 5000 + " thanks", "/prompts pause " + "p" * 5000,
                 "/culture report " + "2" * 5000, "/kudos @ben thanks #" + "v" * 5000):
        await _refused(harness, HANA if "culture" in line else ANA, line)


def _event(h: Harness, actor: Actor, given: CommandInput | ActionInput) -> Event:
    return Event(dedupe_key=f"test:{uuid.uuid4()}", actor=actor,
                 where=Address(platform=actor.platform, tenant=actor.tenant, conversation="console",
                               is_private=True, private_origin=True),
                 input=given, received_at=h.clock.now())


async def test_a_long_display_name_from_the_platform_is_stored_safely(harness: Harness) -> None:
    newcomer = Actor(platform="slack", tenant="T1", user_id="U0LONGNAME", name=LONG_NAME + "\x00\u200b", email="")
    out = await harness.send(_event(harness, newcomer, CommandInput(name="kudos", text="@ben thanks for the help")))
    assert "* gave kudos to *@ben*" in out, out
    mention = Mention(token="<@U0OTHER>", user_id="U0OTHER", name="\x07" + LONG_NAME, email="o" * 400 + "@x.example")
    out = await harness.send(_event(harness, newcomer, CommandInput(name="kudos", text="<@U0OTHER> thanks a lot",
                                                                    mentions=(mention,))))
    assert "* gave kudos to *@dr.maximiliane" in out, out
    with harness.db.session() as session:
        people = session.exec(select(Person).where(Person.name.like("Dr. Maximiliane%"))).all()
    assert len(people) == 2
    for person in people:
        assert 0 < len(person.name) <= 200 and len(person.handle or "") <= 80
        assert person.name.startswith("Dr. Maximiliane") and "\x00" not in person.name and "\x07" not in person.name
        assert person.email is None or len(person.email) <= 320
    assert _count(harness, Kudos) == 2


# --- random input, through the real parser and handlers ------------------------------------------

WORDS = ["@ben", "@chloe", "@ana", "@hana", "@nobody", "@", "<@UBEN>", "<@ULONG>", "#empathy", "#it", "#respect",
         "#", "#urgent", "!urgent", "!", "anon", "anonymous", "good", "bad", "REQ-1", "REQ-2", "req-999999999",
         "#1", "1", "0", "-1", "by", "Friday", "tomorrow 3pm", "2026-12-01", "yesterday", "weekdays", "09:30",
         "mon", "fri", "14:00", "Europe/Berlin", "UTC", "Mars/Olympus", "here", "#general", "<#C1>", "help",
         "list", "mine", "top", "2026-10", "2026-13", "leaderboard", "on", "off", "report", "add", "pause",
         "resume", "remove", "preview", "send-now", "ack", "promise", "update", "done", "confirm", "reopen",
         "rate", "5", "decline", "cancel", "show", "reassign", "thanks", "for", "the", "help", "\n", "\t",
         "\x00", "\x07", "\u202e", "\u200b", "👍🏽", "é", "&lt;", "<!channel>", "*bold*", "`code`", "'", '"', ";",
         "--", "%s", "{{ x }}", "{% if %}"]
COMMANDS = {
    "kudos": ["", "help", "mine", "top", "leaderboard", "@ben", "@chloe #empathy", "<@UBEN>"],
    "request": ["", "help", "list", "mine", "@ben", "@chloe", "ack", "acknowledge", "promise", "update",
                "done", "deliver", "confirm", "reopen", "rate", "decline", "cancel", "close", "show", "reassign"],
    "prompts": ["", "help", "add", "add #general", "add here", "list", "pause", "resume", "remove", "preview",
                "send-now"],
    "story": ["", "help", "good", "bad", "good anon", "bad anon", "bad anonymously"],
    "culture": ["", "report", "report 2026-10"],
    "help": [""],
    "home": [""],
    "unknown": ["", "x"],
}
ACTORS = [ANA, BEN, HANA, "newcomer@example.com"]


def _piece() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(WORDS),
        st.text(max_size=12),
        st.builds(lambda c, n: "#" + c * n, st.sampled_from("ax"), st.integers(60, 70)),
        st.builds(lambda n: "x" * n, st.sampled_from([199, 200, 201, 499, 500, 501, 1000, 1001, 3001, 10_000])),
    )


def _line(name: str) -> st.SearchStrategy[str]:
    heads = st.sampled_from(COMMANDS[name])
    return st.builds(lambda head, rest: " ".join([head, *rest]).strip(), heads, st.lists(_piece(), max_size=8))


MENTIONS = (Mention(token="<@UBEN>", user_id=BEN, email=BEN, name="Ben Brooks"),
            Mention(token="<@ULONG>", user_id="U0LONG", name=LONG_NAME))


def _actor(email: str) -> Actor:
    if email.startswith("newcomer"):
        return Actor(platform="console", tenant="local", user_id=email, email=email, name=LONG_NAME)
    return Actor(platform="console", tenant="local", user_id=email, email=email)


def _check_invariants(h: Harness) -> None:
    """Never a half-written record, never a failed handling."""
    with h.db.session() as session:
        failed = session.exec(select(InboxEvent).where((InboxEvent.last_error != "")
                                                       | (InboxEvent.processed_at.is_(None)))).all()
        assert failed == [], [f.last_error for f in failed]
        for kudos in session.exec(select(Kudos)):
            assert kudos.message.strip()
            assert session.exec(select(KudosRecipient).where(KudosRecipient.kudos_id == kudos.id)).first()
        for request in session.exec(select(Request)):
            kinds = [e.kind for e in session.exec(select(RequestEvent).where(RequestEvent.request_id == request.id))]
            assert kinds and kinds[0] == "created" and request.title.strip()
        for story in session.exec(select(Story)):
            assert story.text.strip()
        assert not session.exec(select(OutboxMessage).where(OutboxMessage.status == "failed")).all()
    _check_columns_fit(h)


def _is_text(column: Column[object]) -> bool:
    """VARCHAR and TEXT columns (sqlmodel's AutoString decorates a String)."""
    return isinstance(getattr(column.type, "impl_instance", column.type), String)


def _check_columns_fit(h: Harness) -> None:
    """Every stored string fits its column, and no text holds a NUL: what PostgreSQL enforces,
    checked on SQLite too (which would store anything)."""
    sqlite = h.db.engine.dialect.name == "sqlite"  # PostgreSQL cannot even hold a NUL
    with h.db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if _is_text(c)]
            if not columns:
                continue
            measures = [func.max(func.length(c)) for c in columns]
            measures += [func.max(func.instr(c, func.char(0))) if sqlite else literal(0) for c in columns]
            row = conn.execute(sa_select(*measures).select_from(table)).one()
            for column, longest, nuls in zip(columns, row[: len(columns)], row[len(columns):]):
                limit = getattr(column.type, "length", None)
                assert limit is None or (longest or 0) <= limit, (table.name, column.name, longest, limit)
                assert not nuls, (table.name, column.name, "NUL")


async def _drive(h: Harness, email: str, given: CommandInput | ActionInput) -> None:
    h.clock.advance(timedelta(hours=25))  # a fresh kudos budget for every example
    before = len(h.outbox())
    out = await h.send(_event(h, _actor(email), given))
    assert INTERNAL_ERROR not in out, out[:500]
    after = h.outbox()
    # Every command is answered (a record's receipt or a clear error); a click at least does no harm.
    if isinstance(given, CommandInput):
        assert len(after) > before, given
    for row in after[before:]:
        assert row.body and len(row.body) < 200_000
    _check_invariants(h)


EXAMPLES = settings(max_examples=int(os.environ.get("EXTRAMILE_EXAMPLES", "30")), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.parametrize("command", sorted(COMMANDS))
@EXAMPLES
@given(data=st.data())
async def test_random_command_lines_get_a_record_or_a_clear_answer(harness: Harness, command: str,
                                                                    data: st.DataObject) -> None:
    email = data.draw(st.sampled_from(ACTORS), label="actor")
    line = data.draw(_line(command), label="line")
    name = command if command != "unknown" else data.draw(st.sampled_from(["kudo", "x" * 300, "\x00", "req"]))
    await _drive(harness, email, CommandInput(name=name, text=line, mentions=MENTIONS))


ACTIONS = ["request:ack", "request:accept", "request:promise", "request:done", "request:reassign",
           "request:decline", "request:confirm", "request:reopen", "request:rate", "request:thank",
           "request:cancel", "request:show", "request:nonsense", "request", "prompts:kudos", "kudos:form"]


@EXAMPLES
@given(data=st.data())
async def test_random_clicks_and_forms_do_no_harm(harness: Harness, data: st.DataObject) -> None:
    if not _count(harness, Request):  # something to click on
        await harness.say(ANA, "/request @ben send me the Q3 figures by Friday")
    email = data.draw(st.sampled_from(ACTORS), label="actor")
    action = data.draw(st.sampled_from(ACTIONS), label="action")
    value = data.draw(st.one_of(st.sampled_from(["1", "1:5", "1:9", "2", "0", "", "1:", ":", "{}", '{"post":1}']),
                                st.text(max_size=20), _piece()), label="value")
    form = data.draw(st.dictionaries(st.sampled_from(["recipients", "value", "message"]),
                                     st.one_of(_piece(), st.lists(_piece(), max_size=3))), label="form")
    await _drive(harness, email, ActionInput(action_id=action, value=value, form=form))
