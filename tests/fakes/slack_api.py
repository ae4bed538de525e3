"""A local fake of the Slack Web API (and Socket Mode), speaking real HTTP on 127.0.0.1.

The app under test uses the real ``slack_sdk`` client pointed here with ``SLACK_API_URL``
(``fake.api_url``). Every call is recorded (method + parameters, whether sent as query, form or
JSON). ``fail_next(n, status, retry_after)`` makes the next n calls (optionally of one method)
answer 429 with ``Retry-After`` or a 5xx, as Slack does under load.

Run stand-alone for a real process (``python -m tests.fakes.slack_api``): it prints its URL and
serves a JSON log of the calls at ``GET /_calls``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TEAM = "T0EXTRA"
BOT_USER = "UBOT0001"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200


@dataclass
class _Failure:
    status: int
    retry_after: float | None
    method: str | None


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=lambda: {"kudos": "CKUDOS001", "general": "CGENERAL1",
                                                              "service-stories": "CSTORIES1"})
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[_Failure] = field(default_factory=list)
    port: int = 0
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))  # type: ignore[type-arg]
    _runner: web.AppRunner | None = None
    socket_envelopes: list[dict[str, Any]] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    socket_connected: asyncio.Event = field(default_factory=asyncio.Event)

    # ---- set-up ------------------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, email: str, tz: str = "Europe/Berlin", is_bot: bool = False) -> None:
        self.users[user_id] = {"id": user_id, "team_id": TEAM, "name": email.split("@")[0], "real_name": name,
                               "tz": tz, "is_bot": is_bot, "deleted": False,
                               "profile": {"real_name": name, "display_name": name.split()[0], "email": email}}

    def add_message(self, channel: str, ts: str, user: str, text: str, thread_ts: str = "") -> None:
        message = {"type": "message", "ts": ts, "user": user, "text": text}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.messages.setdefault(channel, []).append(message)

    def fail_next(self, n: int, status: int = 500, retry_after: float | None = None, method: str | None = None) -> None:
        self.failures.extend(_Failure(status, retry_after, method) for _ in range(n))

    # ---- inspection --------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def called(self, method: str, ok_only: bool = True) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    # ---- server ------------------------------------------------------------------------------
    async def start(self, port: int = 0) -> FakeSlack:
        app = web.Application()
        app.router.add_get("/_calls", self._dump)
        app.router.add_get("/link", self._socket)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _dump(self, request: web.Request) -> web.Response:
        return web.json_response([{"method": c.method, "params": c.params, "status": c.status} for c in self.calls])

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.body_exists:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        for key in ("blocks", "view", "attachments"):
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        failure = next((f for f in self.failures if f.method in (None, method)), None)
        if failure is not None and method != "auth.test":
            self.failures.remove(failure)
            self.calls.append(Call(method, params, failure.status))
            headers = {"Retry-After": str(int(failure.retry_after))} if failure.retry_after is not None else {}
            if failure.status == 429:
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
            return web.Response(status=failure.status, text="<html>Slack is having trouble</html>",
                                content_type="text/html", headers=headers)
        self.calls.append(Call(method, params))
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        body = handler(params) if handler else {"ok": True}
        return web.json_response(body)

    # ---- Web API methods ---------------------------------------------------------------------
    def _next_ts(self) -> str:
        return f"1763370000.{next(self._ts):06d}"

    def _m_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://extramile-test.slack.com/", "team": "Extra Mile Test", "team_id": TEAM,
                "user": "extramile", "user_id": BOT_USER, "bot_id": "B0EXTRA"}

    def _m_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(p.get("user", "")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _m_users_lookupByEmail(self, p: dict[str, Any]) -> dict[str, Any]:
        email = str(p.get("email", "")).lower()
        user = next((u for u in self.users.values() if u["profile"]["email"].lower() == email), None)
        return {"ok": True, "user": user} if user else {"ok": False, "error": "users_not_found"}

    def _m_conversations_list(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channels": [{"id": cid, "name": name, "is_archived": False}
                                         for name, cid in self.channels.items()],
                "response_metadata": {"next_cursor": ""}}

    def _channel(self, value: str) -> str | None:
        if value.startswith("#"):
            return self.channels.get(value[1:])
        if value[:1] in ("C", "G", "D"):
            return value if value in self.channels.values() or value[:1] == "D" else None
        if value[:1] in ("U", "W"):
            return "D" + value[1:]  # the app's DM with that user
        return None

    def _m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(p.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        ts = self._next_ts()
        message = {"type": "message", "ts": ts, "user": BOT_USER, "bot_id": "B0EXTRA", "text": p.get("text", "")}
        self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _m_chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(p.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts"), "text": p.get("text", "")}

    def _m_chat_getPermalink(self, p: dict[str, Any]) -> dict[str, Any]:
        ts = str(p.get("message_ts", ""))
        return {"ok": True, "channel": p.get("channel"),
                "permalink": f"https://extramile-test.slack.com/archives/{p.get('channel')}/p{ts.replace('.', '')}"}

    def _history(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel", ""))
        ts = str(p.get("latest") or p.get("ts") or "")
        found = [m for m in self.messages.get(channel, []) if not ts or m["ts"] == ts]
        return {"ok": True, "messages": found[:1], "has_more": False}

    _m_conversations_history = _history
    _m_conversations_replies = _history

    def _m_views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": f"V{next(self._ts):08d}", **(p.get("view") or {})}}

    def _m_views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": f"V{next(self._ts):08d}", **(p.get("view") or {})}}

    def _m_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": "D" + str(p.get("users", "X")).split(",")[0][1:]}}

    # files_upload_v2: get an upload URL, POST the bytes there, complete (shares it with the comment).
    def _m_files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ts):08d}"
        self.files[file_id] = {"id": file_id, "name": p.get("filename"), "length": int(p.get("length") or 0)}
        return {"ok": True, "file_id": file_id, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        self.files.setdefault(file_id, {"id": file_id})["content"] = await request.read()
        return web.Response(text=f"OK - {len(self.files[file_id]['content'])}")

    def _m_files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        entries = p.get("files")
        entries = json.loads(entries) if isinstance(entries, str) else entries or []
        shared = [{**self.files.get(e["id"], {}), "title": e.get("title"), "channel": p.get("channel_id"),
                   "initial_comment": p.get("initial_comment")} for e in entries]
        for entry in shared:
            self.files[entry["id"]] = entry
        return {"ok": True, "files": [{"id": e["id"], "title": e.get("title")} for e in shared]}

    def _m_files_info(self, p: dict[str, Any]) -> dict[str, Any]:
        found = self.files.get(str(p.get("file")))
        return {"ok": True, "file": {k: v for k, v in (found or {}).items() if k != "content"}}

    def _m_apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"}

    # ---- Socket Mode -------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0EXTRA"}})
        self.socket_connected.set()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.socket_acks.append(json.loads(msg.data))
        finally:
            self._sockets.remove(ws)
        return ws

    async def push(self, envelope: dict[str, Any]) -> None:
        """Deliver a Socket Mode envelope to the connected app."""
        self.socket_envelopes.append(envelope)
        for ws in self._sockets:
            await ws.send_json(envelope)


async def _main() -> None:  # pragma: no cover - used by hand and by subprocess tests
    import sys

    fake = await FakeSlack().start(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(fake.api_url, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(_main())
