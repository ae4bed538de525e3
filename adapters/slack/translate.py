"""Slack payloads -> neutral events. Pure functions: no network, no database, no decisions.

Slack escapes what a user typed: ``@ana`` arrives as ``<@U123>`` (or ``<@U123|ana>``), ``#general``
as ``<#C123|general>``. We hand the core whitespace-free tokens it can match against the mentions:
``<@U123>`` for a person, and for a channel what the user typed (``#general``), because Slack also
turns a typed ``#empathy`` value tag into a channel link when a channel of that name exists.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.events import (
    ActionInput,
    Actor,
    Address,
    ChannelMention,
    CommandInput,
    Event,
    Input,
    Mention,
    ReactionInput,
    ReplyInput,
)
from bot.parser import split_command_line

PLATFORM = "slack"

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")
# Slack requires action ids to be unique within a block; render.py suffixes duplicates with "~n".
_ACTION_SUFFIX = re.compile(r"~\d+$")


@dataclass(frozen=True)
class UserInfo:
    """What ``users.info`` told us about an account (cached by :mod:`adapters.slack.directory`)."""

    user_id: str
    name: str = ""
    email: str = ""
    timezone: str = ""
    is_bot: bool = False


def user_ids_in(text: str) -> list[str]:
    """Every user id mentioned in a message or command text, in order, without repeats."""
    return list(dict.fromkeys(m.group(1) for m in _USER.finditer(text or "")))


def normalise_text(text: str, users: Mapping[str, UserInfo]) -> tuple[str, tuple[Mention, ...], tuple[ChannelMention, ...]]:
    """Replace Slack's escapes by tokens and return the mentions the core resolves."""
    mentions: dict[str, Mention] = {}
    channels: dict[str, ChannelMention] = {}

    def user(match: re.Match[str]) -> str:
        user_id, label = match.group(1), match.group(2) or ""
        token = f"<@{user_id}>"
        info = users.get(user_id)
        mentions.setdefault(token, Mention(token=token, user_id=user_id, name=(info.name if info else "") or label,
                                           email=info.email if info else "", timezone=info.timezone if info else ""))
        return token

    def channel(match: re.Match[str]) -> str:
        channel_id, name = match.group(1), (match.group(2) or "").strip()
        token = f"#{name}" if name and not re.search(r"\s", name) else f"<#{channel_id}>"
        channels.setdefault(token, ChannelMention(token=token, channel_id=channel_id, name=name))
        return token

    text = _USER.sub(user, text or "")
    text = _CHANNEL.sub(channel, text)
    # Links and special mentions (<https://x|x>, <!here>) become what the user saw.
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"<!(here|channel|everyone)(?:\|[^>]*)?>", r"@\1", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.strip(), tuple(mentions.values()), tuple(channels.values())


def actor(team: str, user_id: str, info: UserInfo | None, fallback_name: str = "") -> Actor:
    return Actor(platform=PLATFORM, tenant=team, user_id=user_id, name=(info.name if info else "") or fallback_name,
                 email=info.email if info else "", timezone=info.timezone if info else "")


def _event(key: str, who: Actor | None, where: Address, given: Input, now: datetime) -> Event:
    return Event(dedupe_key=key, actor=who, where=where, input=given, received_at=now)


def is_private_channel(channel_id: str, channel_name: str = "") -> bool:
    return channel_id.startswith("D") or channel_name in ("directmessage", "mpdm")


def body_hash(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:32]


def command_event(body: Mapping[str, Any], users: Mapping[str, UserInfo], now: datetime) -> Event:
    """A slash command (``/kudos @ana thanks``) -> CommandInput; the trigger id is its dedupe key."""
    team = str(body.get("team_id", ""))
    user_id = str(body.get("user_id", ""))
    channel = str(body.get("channel_id", ""))
    text, mentions, channels = normalise_text(str(body.get("text", "")), users)
    name = str(body.get("command", "")).lstrip("/").lower()
    key = f"slack:{team}:cmd:{body.get('trigger_id') or body_hash(body)}"
    where = Address(platform=PLATFORM, tenant=team, conversation=channel,
                    is_private=is_private_channel(channel, str(body.get("channel_name", ""))), private_origin=True)
    return _event(key, actor(team, user_id, users.get(user_id), str(body.get("user_name", ""))), where,
                  CommandInput(name=name, text=text, mentions=mentions, channels=channels), now)


def home_event(body: Mapping[str, Any], users: Mapping[str, UserInfo], now: datetime) -> Event:
    """``app_home_opened`` -> the ``home`` command, answered with a ToHome message (views.publish)."""
    event = body["event"]
    team = str(body.get("team_id", ""))
    user_id = str(event.get("user", ""))
    where = Address(platform=PLATFORM, tenant=team, conversation=str(event.get("channel", "")), is_private=True)
    return _event(f"slack:{team}:ev:{body.get('event_id') or body_hash(body)}", actor(team, user_id, users.get(user_id)),
                  where, CommandInput(name="home"), now)


def team_of(body: Mapping[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, Mapping):
        return str(team.get("id", ""))
    return str(body.get("team_id") or (body.get("user") or {}).get("team_id", ""))


def action_id_of(raw: str) -> str:
    return _ACTION_SUFFIX.sub("", raw)


def action_event(body: Mapping[str, Any], action: Mapping[str, Any], users: Mapping[str, UserInfo], now: datetime) -> Event:
    """A button click -> ActionInput.

    The dedupe key names the click *on this state of the message*: user, container, action, value
    and a digest of what the message or view showed. Slack gives each click its own trigger id, so
    a double click would otherwise count twice; a message updated in place (new content, new view
    hash) makes a new click count again.
    """
    team = team_of(body)
    user_id = str((body.get("user") or {}).get("id", ""))
    container = body.get("container") or {}
    channel = str((body.get("channel") or {}).get("id", "") or container.get("channel_id", ""))
    message = body.get("message") or {}
    view = body.get("view") or {}
    state = view.get("hash") or hashlib.sha256(json.dumps([message.get("text", ""), message.get("blocks", [])],
                                                          sort_keys=True).encode()).hexdigest()[:16]
    spot = container.get("message_ts") or view.get("id") or body.get("trigger_id") or body_hash(body)
    raw_id = str(action.get("action_id", ""))
    value = str(action.get("value") or (action.get("selected_option") or {}).get("value", "") or "")
    digest = hashlib.sha256(f"{user_id}|{spot}|{raw_id}|{value}|{state}".encode()).hexdigest()[:32]
    thread = str(message.get("thread_ts", "")) if message.get("thread_ts") != message.get("ts") else ""
    where = Address(platform=PLATFORM, tenant=team, conversation=channel, thread=thread,
                    message=str(container.get("message_ts", "")), is_private=is_private_channel(channel))
    return _event(f"slack:{team}:act:{digest}", actor(team, user_id, users.get(user_id), str((body.get("user") or {}).get("name", ""))),
                  where, ActionInput(action_id=action_id_of(raw_id), value=value), now)


def form_values(view: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """A submitted view's inputs by block id: text, selected option(s), users, conversations, dates."""
    form: dict[str, str | list[str]] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in actions.values():
            kind = element.get("type", "")
            if "selected_users" in element or kind == "multi_users_select":
                form[block_id] = list(element.get("selected_users") or [])
            elif "selected_options" in element or kind.startswith("multi_"):
                form[block_id] = [o.get("value", "") for o in element.get("selected_options") or []] or list(
                    element.get("selected_conversations") or element.get("selected_channels") or [])
            elif "selected_option" in element:
                form[block_id] = str((element.get("selected_option") or {}).get("value", ""))
            elif "selected_user" in element:
                form[block_id] = str(element.get("selected_user") or "")
            elif "selected_conversation" in element or "selected_channel" in element:
                form[block_id] = str(element.get("selected_conversation") or element.get("selected_channel") or "")
            elif "selected_date" in element:
                form[block_id] = str(element.get("selected_date") or "")
            else:
                form[block_id] = str(element.get("value") or "")
    return form


def submission_event(body: Mapping[str, Any], users: Mapping[str, UserInfo], now: datetime) -> Event:
    """A submitted modal -> ActionInput(action_id=callback_id, form=...).

    The channel the modal was opened from travels in ``private_metadata`` so errors and receipts go
    back there. One view is submitted once: its id and hash are the dedupe key.
    """
    view = body["view"]
    team = team_of(body)
    user_id = str((body.get("user") or {}).get("id", ""))
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    channel = str(meta.get("channel", "")) if isinstance(meta, dict) else ""
    key = f"slack:{team}:view:{view.get('id', '')}:{view.get('hash', '') or body_hash(body)}"
    where = Address(platform=PLATFORM, tenant=team, conversation=channel, is_private=is_private_channel(channel))
    form = form_values(view)
    picked = [u for v in form.values() if isinstance(v, list) for u in v if u[:1] in ("U", "W")]
    mentions = tuple(Mention(token=u, user_id=u, name=info.name, email=info.email, timezone=info.timezone)
                     for u in dict.fromkeys(picked) if (info := users.get(u)) is not None)
    return _event(key, actor(team, user_id, users.get(user_id)), where,
                  ActionInput(action_id=str(view.get("callback_id", "")), form=form, mentions=mentions), now)


def readable_text(text: str, users: Mapping[str, UserInfo]) -> str:
    """A Slack message as the people in the channel read it: ``<@U1>`` is ``@Ana Alvarez``, ``<!here>``
    is ``@here``, a link ``label (url)``, ``&amp;`` is ``&``. The bot quotes such text (react-to-give)
    and must not turn its mentions and broadcasts into its own."""
    plain, mentions, _ = normalise_text(text, users)
    for mention in mentions:
        plain = plain.replace(mention.token, f"@{mention.name or 'someone'}")
    return plain


def reaction_event(body: Mapping[str, Any], users: Mapping[str, UserInfo], item_text: str, item_link: str,
                   now: datetime) -> Event:
    """``reaction_added`` -> ReactionInput with the message author, its permalink and its text as read."""
    event = body["event"]
    team = str(body.get("team_id", ""))
    item = event.get("item") or {}
    author_id = str(event.get("item_user", ""))
    channel = str(item.get("channel", ""))
    where = Address(platform=PLATFORM, tenant=team, conversation=channel, message=str(item.get("ts", "")),
                    is_private=is_private_channel(channel))
    emoji = str(event.get("reaction", "")).split("::")[0]  # "clap::skin-tone-3" is still :clap:
    given = ReactionInput(emoji=emoji, item_author=actor(team, author_id, users.get(author_id)) if author_id else None,
                          item_link=item_link, item_text=readable_text(item_text, users))
    return _event(f"slack:{team}:ev:{body.get('event_id') or body_hash(body)}",
                  actor(team, str(event.get("user", "")), users.get(str(event.get("user", "")))), where, given, now)


def reply_event(body: Mapping[str, Any], users: Mapping[str, UserInfo], now: datetime) -> Event:
    """A person's message inside a thread -> ReplyInput (prompt and story threads use these)."""
    event = body["event"]
    team = str(body.get("team_id", ""))
    user_id = str(event.get("user", ""))
    channel = str(event.get("channel", ""))
    text, mentions, _ = normalise_text(str(event.get("text", "")), users)
    where = Address(platform=PLATFORM, tenant=team, conversation=channel, thread=str(event.get("thread_ts", "")),
                    message=str(event.get("ts", "")), is_private=is_private_channel(channel))
    return _event(f"slack:{team}:ev:{body.get('event_id') or body_hash(body)}", actor(team, user_id, users.get(user_id)),
                  where, ReplyInput(text=text, mentions=mentions), now)


def direct_message_event(body: Mapping[str, Any], users: Mapping[str, UserInfo], now: datetime,
                         commands: frozenset[str]) -> Event | None:
    """A line typed to the bot in its Messages tab (``kudos @ana thanks``) -> the same CommandInput
    as the slash command, so Slack reads the one grammar Teams and the console read. Inside a
    thread of that DM, only a known command is one; anything else there is a thread reply."""
    event = body["event"]
    team = str(body.get("team_id", ""))
    user_id = str(event.get("user", ""))
    channel = str(event.get("channel", ""))
    text, mentions, channels = normalise_text(str(event.get("text", "")), users)
    split = split_command_line(text)
    if split is None:
        return None
    name, rest = split
    in_thread = bool(event.get("thread_ts")) and event.get("thread_ts") != event.get("ts")
    if in_thread and name not in commands:
        return reply_event(body, users, now)
    # A command typed in a thread of the DM is answered in that thread.
    where = Address(platform=PLATFORM, tenant=team, conversation=channel, message=str(event.get("ts", "")),
                    thread=str(event.get("thread_ts", "")) if in_thread else "", is_private=True,
                    private_origin=True)
    return _event(f"slack:{team}:ev:{body.get('event_id') or body_hash(body)}", actor(team, user_id, users.get(user_id)),
                  where, CommandInput(name=name, text=rest, mentions=mentions, channels=channels), now)


def is_person_direct_message(event: Mapping[str, Any]) -> bool:
    """A message (with or without a file) a person wrote to the bot in its direct message."""
    return (event.get("type") == "message" and event.get("subtype") in (None, "file_share")
            and not event.get("bot_id") and bool(event.get("user")) and event.get("channel_type") == "im")


def is_person_thread_message(event: Mapping[str, Any]) -> bool:
    """A message a person wrote in a thread (not the parent, not a bot, not an edit or a join)."""
    return (event.get("type") == "message" and event.get("subtype") in (None, "thread_broadcast")
            and not event.get("bot_id") and bool(event.get("user"))
            and bool(event.get("thread_ts")) and event.get("thread_ts") != event.get("ts"))
