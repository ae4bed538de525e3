"""Open a page in headless Chromium at a phone's size through the DevTools protocol.

Headless Chromium will not make a window narrower than 500 px, so the phone is emulated with
``Emulation.setDeviceMetricsOverride`` (390 x 844, mobile), the way Chrome's device toolbar does.
The protocol is spoken over the browser's WebSocket with aiohttp; nothing but Chromium is needed.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


class DevTools:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    async def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        ident = next(self.ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        await self.ws.send_json(message)
        while True:
            data = json.loads((await self.ws.receive(timeout=60)).data)
            if data.get("id") == ident:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                return data.get("result", {})
            self.events.append(data)

    async def wait_event(self, method: str, timeout: float = 60) -> None:
        async def wait() -> None:
            while not any(e.get("method") == method for e in self.events):
                self.events.append(json.loads((await self.ws.receive()).data))
        await asyncio.wait_for(wait(), timeout)


async def probe_page(page: Path, script: str, profile: Path, width: int = 390, height: int = 844,
                     screenshot: Path | None = None) -> Any:
    """Load ``page`` on an emulated phone, return ``script``'s value, optionally save a full-page PNG."""
    assert CHROMIUM is not None
    proc = await asyncio.create_subprocess_exec(
        CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stderr is not None
        ws_url = ""
        while not ws_url:
            line = (await asyncio.wait_for(proc.stderr.readline(), 60)).decode()
            if not line:
                raise RuntimeError("chromium exited before opening DevTools")
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            ws_url = match.group(1) if match else ""
        async with aiohttp.ClientSession() as http, http.ws_connect(ws_url, max_msg_size=0) as ws:
            tools = DevTools(ws)
            target = (await tools.call("Target.createTarget", url="about:blank"))["targetId"]
            session = (await tools.call("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
            await tools.call("Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                             deviceScaleFactor=1, mobile=True)
            await tools.call("Page.enable", session)
            await tools.call("Page.navigate", session, url=page.as_uri())
            await tools.wait_event("Page.loadEventFired")
            result = await tools.call("Runtime.evaluate", session, expression=script, returnByValue=True)
            value = result["result"].get("value")
            if screenshot is not None:
                full = await tools.call("Runtime.evaluate", session, returnByValue=True,
                                        expression="document.documentElement.scrollHeight")
                shot = await tools.call("Page.captureScreenshot", session, format="png", captureBeyondViewport=True,
                                        clip={"x": 0, "y": 0, "width": width, "height": full["result"]["value"], "scale": 1})
                screenshot.write_bytes(base64.b64decode(shot["data"]))
            await tools.call("Browser.close")
            return value
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
