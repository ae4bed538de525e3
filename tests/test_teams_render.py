"""Neutral messages as Adaptive Cards 1.5."""

from __future__ import annotations

from adapters.teams.render import attachment, card
from bot.messages import Actions, Attachment, Button, Context, Fields, Message, Section


def test_every_block_renders_and_buttons_submit_action_id_and_value() -> None:
    message = Message(text="Kudos for Ben", blocks=(
        Section(text="*Ana* thanked <https://example.org/k/1|Ben>"),
        Fields(pairs=(("Value", "Empathy"),)),
        Context(text="2 of 5 kudos left today"),
        Actions(buttons=(Button("Say thanks", "kudos:thanks", "1", style="primary"),
                         Button("Undo", "kudos:undo", "1", style="danger"), Button("Later", "kudos:later"))),
    ), attachments=(Attachment(filename="report.html", title="Culture report", url="https://example.org/r"),))
    rendered = attachment(message)
    assert rendered["contentType"] == "application/vnd.microsoft.card.adaptive"
    body = rendered["content"]["body"]
    assert rendered["content"]["version"] == "1.5" and rendered["content"]["type"] == "AdaptiveCard"
    assert body[0] == {"type": "TextBlock", "text": "**Ana** thanked [Ben](https://example.org/k/1)", "wrap": True}
    assert body[1] == {"type": "FactSet", "facts": [{"title": "Value", "value": "Empathy"}]}
    assert body[2]["isSubtle"] is True and body[2]["size"] == "Small"
    actions = rendered["content"]["actions"]
    assert actions[0] == {"type": "Action.Submit", "title": "Say thanks", "style": "positive",
                          "data": {"action_id": "kudos:thanks", "value": "1"}}
    assert actions[1]["style"] == "destructive" and "style" not in actions[2]
    assert actions[2]["data"] == {"action_id": "kudos:later", "value": ""}
    assert actions[3] == {"type": "Action.OpenUrl", "title": "Culture report", "url": "https://example.org/r"}


def test_a_text_only_message_is_one_text_block() -> None:
    assert card(Message(text="Hello"))["body"] == [{"type": "TextBlock", "text": "Hello", "wrap": True}]
