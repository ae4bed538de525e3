"""Teams activities as neutral events: mentions, command text, card submits, dedupe keys.

Pure translation, no I/O: :mod:`adapters.teams.turns` looks members up and hands the result on.
"""

from __future__ import annotations

import hashlib

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microsoft_agents.activity import Activity

from bot.events import (
    ActionInput,
    Actor,
    Address,
    CommandInput,
    Event,
    Input,
    Mention,
    ReplyInput,
)
from bot.parser import split_command_line

PLATFORM = "teams"
ACTION_TOKEN = "action_token"  # the key render.card puts the bot's signature under
# Prefixes of the ids render.card gives a form's inputs: a text or choice, and a people picker
# (whose value Teams sends as the picked users' Entra object ids, separated by commas).
INPUT = "input:"
PEOPLE = "people:"
_TAGS = re.compile(r"<[^>]+>")
_LEADING_AT = re.compile(r"^\s*<at>.*?</at>", re.DOTALL)


@dataclass(frozen=True)
class MentionedUser:
    """A user named in a message by an ``<at>`` mention entity, before the email is known."""

    text: str
    user_id: str
    aad_object_id: str
    name: str

    @property
    def token(self) -> str:
        """Whitespace-free stand-in for the mention, the way the shared parser expects it."""
        return f"<@{self.user_id}>"


def tenant_of(activity: Activity) -> str:
    conversation = activity.conversation
    tenant = getattr(conversation, "tenant_id", None) if conversation else None
    if not tenant:
        channel_data = _channel_data(activity)
        tenant = (channel_data.get("tenant") or {}).get("id", "")
    return tenant or ""


def conversation_kind(activity: Activity) -> str:
    """personal | groupChat | channel. Teams does not always say (older clients, some events): a
    ``;messageid=`` thread or a team in channelData means a channel, ``isGroup`` a group chat."""
    conversation = activity.conversation
    kind = getattr(conversation, "conversation_type", None) or ""
    if kind in ("personal", "groupChat", "channel"):
        return kind
    data = _channel_data(activity)
    if ";messageid=" in (conversation.id if conversation else "") or data.get("team") or data.get("channel"):
        return "channel"
    if getattr(conversation, "is_group", None):
        return "groupChat"
    return kind or "personal"


def base_conversation_id(conversation_id: str) -> str:
    """A conversation without its thread: ``19:x@thread.tacv2;messageid=123`` -> ``19:x@thread.tacv2``.

    References are saved and looked up under this id, whatever kind of conversation it is.
    """
    return conversation_id.partition(";messageid=")[0]


def dedupe_key(activity: Activity) -> str:
    """Teams re-sends a turn that took over 15 s with the same activity id: id + conversation is unique.

    Hashed, so the inbox's key of an anonymous story does not name the author's personal chat.
    """
    digest = hashlib.sha256(f"{activity.id}\n{activity.conversation.id}".encode()).hexdigest()[:40]
    return f"teams:{digest}"


def team_and_channel(activity: Activity) -> tuple[str, str, str]:
    """(team id, team name, channel name) from channelData; the General channel has no name there."""
    data = _channel_data(activity)
    team = data.get("team") or {}
    channel = data.get("channel") or {}
    channel_name = channel.get("name") or ""
    if not channel_name and channel.get("id") and channel.get("id") == team.get("id"):
        channel_name = "General"
    return team.get("id") or "", team.get("name") or "", channel_name


def mentioned_users(activity: Activity) -> list[MentionedUser]:
    """Everyone ``<at>``-mentioned except the bot itself."""
    bot_id = activity.recipient.id if activity.recipient else ""
    found: list[MentionedUser] = []
    for mention in activity.get_mentions():
        who = mention.mentioned
        if who is None or not who.id or who.id == bot_id:
            continue
        text = mention.text or f"<at>{who.name}</at>"
        found.append(MentionedUser(text=text, user_id=who.id, aad_object_id=who.aad_object_id or "",
                                   name=who.name or ""))
    return found


def command_text(activity: Activity, users: list[MentionedUser]) -> str:
    """The message without the bot's @mention, each other mention replaced by its token, tags gone.

    The bot's mention text is the app's name in that team, which may differ from the name in the
    mention entity: when the entity's text is not in the message, the leading ``<at>`` tag is it.
    """
    bot_id = activity.recipient.id if activity.recipient else None
    text = activity.text or ""
    people = {user.text for user in users}
    for mention in activity.get_mentions():
        if mention.mentioned is not None and mention.mentioned.id == bot_id:
            said = mention.text or f"<at>{mention.mentioned.name}</at>"
            leading = _LEADING_AT.match(text)
            if said in text:
                text = text.replace(said, " ")
            elif leading and leading.group(0).strip() not in people:
                text = " " + text[leading.end():]
    for n, user in enumerate(users):
        text = text.replace(user.text, f" \x00{n}\x00 ")
    text = html.unescape(_TAGS.sub(" ", text)).replace("\xa0", " ")
    for n, user in enumerate(users):
        text = text.replace(f"\x00{n}\x00", user.token)
    return " ".join(text.split())


def submitted_action(activity: Activity) -> ActionInput | None:
    """A card button: a message activity with ``value`` or an ``adaptiveCard/action`` invoke.

    Whether the bot signed it is :func:`action_token`'s part; this only reads what was submitted.
    """
    value = _submitted_data(activity)
    if not isinstance(value, dict) or not value.get("action_id"):
        return None
    form: dict[str, str | list[str]] = {}
    for key, given in value.items():
        key = str(key)
        if key.startswith(PEOPLE):
            form[key.removeprefix(PEOPLE)] = [user for user in str(given or "").split(",") if user.strip()]
        elif key.startswith(INPUT):
            form[key.removeprefix(INPUT)] = _form_value(given)
        elif key not in ("action_id", "value", "msteams", ACTION_TOKEN):
            form[key] = _form_value(given)
    return ActionInput(action_id=str(value["action_id"]), value=str(value.get("value") or ""), form=form)


def picked_people(activity: Activity) -> list[str]:
    """The users a submitted form's people pickers named (Entra object ids), without repeats."""
    value = _submitted_data(activity)
    if not isinstance(value, dict):
        return []
    picked = [user.strip() for key, given in value.items() if str(key).startswith(PEOPLE)
              for user in str(given or "").split(",")]
    return list(dict.fromkeys(user for user in picked if user))


def action_token(activity: Activity) -> str:
    """The signature the bot put on the button that was clicked ("" when there is none)."""
    value = _submitted_data(activity)
    token = value.get(ACTION_TOKEN) if isinstance(value, dict) else None
    return token if isinstance(token, str) else ""


def is_card_action_invoke(activity: Activity) -> bool:
    return activity.type == "invoke" and activity.name == "adaptiveCard/action"


def _submitted_data(activity: Activity) -> Any:
    value: Any = activity.value
    if activity.type == "invoke":
        if not is_card_action_invoke(activity) or not isinstance(value, dict):
            return None
        action = value.get("action")
        return action.get("data") if isinstance(action, dict) else None
    return value


def actor(activity: Activity, email: str = "", name: str = "") -> Actor:
    who = activity.from_property
    return Actor(platform=PLATFORM, tenant=tenant_of(activity), user_id=user_key(who.aad_object_id, who.id),
                 name=name or who.name or "", email=email)


def user_key(aad_object_id: str | None, user_id: str | None) -> str:
    """Identities use the Entra object id when Teams gives one: it is stable across chats and bots."""
    return aad_object_id or user_id or ""


def split_thread(conversation_id: str) -> tuple[str, str]:
    """A channel conversation id ``19:x@thread.tacv2;messageid=123`` -> (channel id, thread root id)."""
    channel, _, root = conversation_id.partition(";messageid=")
    return channel, root


def thread_root(activity: Activity) -> str:
    """The root post of the channel thread this message is in ("" outside a channel thread)."""
    return address(activity).thread


def address(activity: Activity) -> Address:
    """Channel posts: the conversation is the channel, the thread its root post (Teams threads every post)."""
    conversation, thread = activity.conversation.id, ""
    if conversation_kind(activity) == "channel":
        conversation, thread = split_thread(conversation)
    personal = conversation_kind(activity) == "personal"
    return Address(platform=PLATFORM, tenant=tenant_of(activity), conversation=conversation, thread=thread,
                   message=activity.id or "", is_private=personal, private_origin=personal)


def message_input(activity: Activity, mentions: tuple[Mention, ...], users: list[MentionedUser],
                  commands: frozenset[str], under_bot_post: bool = False) -> CommandInput | ReplyInput | None:
    """A command (``kudos @Ben ...``), or, in the thread of one of the bot's own posts (a prompt,
    a story thread), a thread reply unless it starts with a command.

    Teams delivers a channel message only when it @mentions the bot, so in any other thread the
    message was addressed to the bot: it is a command, and an unknown word gets the usual answer.
    """
    text = command_text(activity, users)
    split = split_command_line(text)
    if split is None:
        return None
    name, rest = split
    thread = address(activity).thread
    if under_bot_post and thread and thread != activity.id and name.lower() not in commands:
        return ReplyInput(text=text, mentions=mentions)
    return CommandInput(name=name, text=rest, mentions=mentions)


def event(activity: Activity, given: Input, who: Actor, received_at: datetime) -> Event:
    return Event(dedupe_key=dedupe_key(activity), actor=who, where=address(activity), input=given,
                 received_at=received_at)


def _form_value(value: Any) -> str | list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return "" if value is None else str(value)


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    if data is None:
        return {}
    if isinstance(data, dict):
        return data
    dumped = data.model_dump(by_alias=True, exclude_none=True) if hasattr(data, "model_dump") else {}
    return dumped if isinstance(dumped, dict) else {}
