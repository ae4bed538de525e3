"""One Teams turn: save where we are, learn who is who, hand the event to the core, answer fast.

Teams re-sends a turn that has not been answered within 15 s, so the handler only records the
event (``dispatcher.submit``) and returns; the core handles it in the background and its replies
go out through the outbox and :class:`adapters.teams.sender.TeamsSender`.

A card click counts only with the bot's signature (:mod:`adapters.teams.action_tokens`); without
it nothing is recorded, and an ``adaptiveCard/action`` invoke gets an error response. Every
``adaptiveCard/action`` invoke is answered with a Universal Actions response, never an empty body.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, ContentTypes, InvokeResponse
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from adapters.teams import inbound
from adapters.teams.action_tokens import ActionSigner
from bot.events import Input, Mention
from bot.ports import CorePort
from bot.texts import t

log = logging.getLogger(__name__)

LOOKUP_TIMEOUT_S = 5.0
_INSTALL_EVENTS = {"teamMemberAdded", "channelCreated", "channelRenamed", "teamRenamed", "channelRestored",
                   "teamRestored", "teamUnarchived"}


class TeamsTurns:
    """The SDK ``Agent`` the CloudAdapter calls for every activity posted to /api/messages."""

    def __init__(self, core: CorePort, signer: ActionSigner) -> None:
        self.core = core
        self.store = core.conversations
        self.signer = signer

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        if activity.type == ActivityTypes.installation_update:
            self._installation(activity)
            return
        if activity.type == ActivityTypes.conversation_update:
            self._conversation_update(activity)
            return
        if activity.type not in (ActivityTypes.message, ActivityTypes.invoke):
            self._save_reference(activity)
            return
        card_invoke = inbound.is_card_action_invoke(activity)
        if activity.type == ActivityTypes.invoke and not card_invoke:
            await _invoke_response(context, 501, None)  # no other invokes are declared in the manifest
            return
        action = inbound.submitted_action(activity)
        if action is not None and not self.signer.verify(inbound.action_token(activity), action.action_id,
                                                         action.value, activity.conversation.id):
            log.warning("Teams: ignored a card submit (%s) without the bot's signature", action.action_id[:64])
            if card_invoke:
                await _invoke_response(context, 200, _card_error("Unauthorized", t("teams.unsigned_button")))
            return
        given: Input | None = action
        if action is not None and (picked := inbound.picked_people(activity)):
            # People picked in a form: looked up like mentions, so a first-seen colleague links by email.
            given = replace(action, mentions=tuple([await self._picked(context, user) for user in picked]))
        if given is None and activity.type == ActivityTypes.message:
            users = inbound.mentioned_users(activity)
            mentions = tuple([await self._mention(context, user) for user in users])
            under_bot_post = bool(inbound.thread_root(activity)) and await asyncio.to_thread(
                self.store.bot_posted, inbound.thread_root(activity))
            given = inbound.message_input(activity, mentions, users, self.core.command_names, under_bot_post)
        anonymous = self.core.leaves_no_trace(given)
        if not anonymous or inbound.conversation_kind(activity) != "personal":
            self._save_reference(activity)
        if given is None:
            if card_invoke:  # a card action the bot never signed up for: say so on the card
                await _invoke_response(context, 200, _card_message(t("teams.unknown_button")))
            return
        who = activity.from_property
        email, name = await self._lookup(context, who.id or "", who.aad_object_id or "", who.name or "",
                                         remember=not anonymous)
        event = inbound.event(activity, given, inbound.actor(activity, email, name), self.core.now())
        await self.core.submit(event)  # records first; handled after the turn is answered
        if card_invoke:
            await _invoke_response(context, 200, _card_message(t("teams.button_received")))

    async def _mention(self, context: TurnContext, user: inbound.MentionedUser) -> Mention:
        email, name = await self._lookup(context, user.user_id, user.aad_object_id, user.name)
        return Mention(token=user.token, user_id=inbound.user_key(user.aad_object_id, user.user_id),
                       name=name or user.name, email=email)

    async def _picked(self, context: TurnContext, user: str) -> Mention:
        """A user picked in a form, by Entra object id (what the people picker gives)."""
        email, name = await self._lookup(context, user, "", "")
        return Mention(token=user, user_id=user, name=name, email=email)

    async def _lookup(self, context: TurnContext, user_id: str, aad_object_id: str, name: str,
                      remember: bool = True) -> tuple[str, str]:
        """(email, name) of a Teams user: from the member cache, else GET .../members/{id} once
        (kept in the cache unless ``remember`` is off: anonymous authors leave no trace)."""
        activity = context.activity
        tenant = inbound.tenant_of(activity)
        cached = self.store.member(tenant, user_id) if user_id else None
        if cached is not None and cached.email:
            return cached.email, cached.name or name
        client: Any = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
        if client is None or not hasattr(client, "get_conversation_member"):
            return "", name
        try:
            member: Any = await asyncio.wait_for(
                client.get_conversation_member(activity.conversation.id, user_id), LOOKUP_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001  the event still counts; the person is linked by email next time
            log.warning("Teams member lookup for %s failed: %s", user_id, exc)
            return "", name
        extra = member.model_extra or {}
        aad = getattr(member, "aad_object_id", None) or extra.get("objectId") or aad_object_id
        member_id = getattr(member, "id", None)
        if member_id is not None and user_id not in (member_id, aad):  # asked by user id or by Entra object id
            log.warning("Teams member lookup for %s answered for someone else; not used", user_id)
            return "", name
        email = (getattr(member, "email", None) or extra.get("email") or getattr(member, "user_principal_name", None)
                 or extra.get("userPrincipalName") or "")
        found_name = getattr(member, "name", None) or name
        if not remember:
            return email.lower(), found_name or ""
        self.store.save_member(tenant=tenant, user_id=member_id or user_id, aad_object_id=aad or "",
                               name=found_name or "", email=email, service_url=activity.service_url or "")
        return email.lower(), found_name or ""

    def _save_reference(self, activity: Activity, active: bool = True) -> None:
        """Keep this conversation's reference so the core can speak here (or to this person) first."""
        if not activity.conversation or not activity.conversation.id or not activity.service_url:
            return
        kind = inbound.conversation_kind(activity)
        team_id, team_name, channel_name = inbound.team_and_channel(activity)
        reference = activity.get_conversation_reference()
        reference.activity_id = None
        user_id = user_aad = ""
        if kind == "personal" and activity.from_property is not None and activity.from_property.id != (
                activity.recipient.id if activity.recipient else None):
            user_id, user_aad = activity.from_property.id or "", activity.from_property.aad_object_id or ""
        # A thread's conversation id carries ";messageid=..."; the conversation itself is the part before,
        # and the sender looks references up under that same id.
        conversation_id = inbound.base_conversation_id(activity.conversation.id)
        reference.conversation.id = conversation_id
        tenant = inbound.tenant_of(activity)
        saved = reference.model_dump_json(by_alias=True, exclude_none=True)
        self.store.save_conversation(tenant=tenant, conversation_id=conversation_id, kind=kind,
                                     service_url=activity.service_url, reference=saved, user_id=user_id,
                                     user_aad_id=user_aad, team_id=team_id, team_name=team_name,
                                     channel_name=channel_name, active=active)

    def _installation(self, activity: Activity) -> None:
        action = (activity.action or "").lower()
        if action.startswith("remove"):
            self._deactivate(activity)
        else:
            self._save_reference(activity)

    def _conversation_update(self, activity: Activity) -> None:
        bot_id = activity.recipient.id if activity.recipient else None
        removed = any(m.id == bot_id for m in activity.members_removed or [])
        event_type = (activity.channel_data or {}).get("eventType", "") if isinstance(activity.channel_data, dict) else ""
        if removed or event_type in ("teamDeleted", "teamArchived", "channelDeleted"):
            self._deactivate(activity, whole_team=event_type != "channelDeleted")
            return
        self._save_reference(activity)
        if event_type in _INSTALL_EVENTS:
            log.info("Teams: %s in %s", event_type, inbound.team_and_channel(activity)[1] or activity.conversation.id)

    def _deactivate(self, activity: Activity, whole_team: bool = True) -> None:
        tenant = inbound.tenant_of(activity)
        team_id, _, _ = inbound.team_and_channel(activity)
        if team_id and whole_team:
            self.store.deactivate_team(tenant, team_id)
        self.store.set_active(tenant, inbound.base_conversation_id(activity.conversation.id), False)
        log.info("Teams: app removed from %s; its conversation references are inactive", activity.conversation.id)


async def _invoke_response(context: TurnContext, status: int, body: dict[str, Any] | None) -> None:
    await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                         value=InvokeResponse(status=status, body=body)))


def _card_message(text: str) -> dict[str, Any]:
    """A Universal Actions response Teams shows on the card as a short message."""
    return {"statusCode": 200, "type": ContentTypes.message, "value": text}


def _card_error(code: str, text: str, status: int = 400) -> dict[str, Any]:
    """A Universal Actions error response (Teams shows the message on the card)."""
    return {"statusCode": status, "type": ContentTypes.error, "value": {"code": code, "message": text}}
