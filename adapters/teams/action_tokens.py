"""Card buttons the bot signed: a Teams ``value`` counts as a click only with a token from the bot.

Anyone can post a message activity whose ``value`` looks like a card submit (a Teams client, or a
script with a stolen session), naming any action and any value. So every ``Action.Submit`` /
``Action.Execute`` the bot renders carries ``action_token`` = HMAC-SHA256 over the action id, its
value and the conversation the card was sent to; :mod:`adapters.teams.turns` ignores a submit
whose token is missing or does not match. The core still re-checks who may do what.

The key is derived from ``EXTRAMILE_SECRET`` when set (the same on every replica), else it is a
random key generated once and kept in the database, under its own name, in the store report links
use (the core port's ``stored_secret``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

KEY_NAME = "teams_card_actions"


class ActionSigner:
    def __init__(self, configured_secret: str = "") -> None:
        self._configured = configured_secret
        self._key: bytes | None = None
        self._stored: Callable[[str], str] | None = None

    def bind(self, stored_secret: Callable[[str], str]) -> None:
        """Where the stored key comes from when ``EXTRAMILE_SECRET`` is not set (the core port)."""
        self._stored = stored_secret

    def sign(self, action_id: str, value: str, conversation_id: str) -> str:
        digest = hmac.new(self._secret(), _message(action_id, value, conversation_id), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def verify(self, token: object, action_id: str, value: str, conversation_id: str) -> bool:
        if not isinstance(token, str) or not token:
            return False
        return hmac.compare_digest(token.encode(), self.sign(action_id, value, conversation_id).encode())

    def _secret(self) -> bytes:
        """Derived once: from EXTRAMILE_SECRET for this purpose only, else the stored key."""
        if self._key is None:
            if self._configured:
                self._key = hmac.new(self._configured.encode(), KEY_NAME.encode(), hashlib.sha256).digest()
            else:
                if self._stored is None:
                    raise RuntimeError("ActionSigner is not bound to the key store yet")
                self._key = self._stored(KEY_NAME).encode()
        return self._key


def _message(action_id: str, value: str, conversation_id: str) -> bytes:
    """Length-prefixed parts, so no choice of values can make two different clicks sign alike."""
    parts = (conversation_id.partition(";messageid=")[0], action_id, value)
    return b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)
