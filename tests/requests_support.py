"""Helpers for the /request tests: clicks, sweeps and reading requests back."""

from __future__ import annotations

import io
import uuid

from sqlmodel import select

from bot.events import ActionInput
from storage.models import Kudos, Request, RequestEvent, RequestReminder
from tests.support import Harness


async def click(h: Harness, email: str, action_id: str, value: str) -> str:
    return await h.send(h.event(email, ActionInput(action_id=action_id, value=value), key=f"click:{uuid.uuid4()}"))


async def sweep(h: Harness) -> str:
    """One scheduler sweep at the harness clock's now, and the messages it produced."""
    start = h.out.tell()
    await h.runtime.scheduler.sweep()
    await h.runtime.worker.drain_once()
    h.out.seek(start)
    text = h.out.read()
    h.out.seek(0, io.SEEK_END)
    return text


def requests(h: Harness) -> list[Request]:
    with h.db.session() as session:
        return list(session.exec(select(Request).order_by(Request.number)).all())


def request(h: Harness, number: int) -> Request:
    return next(r for r in requests(h) if r.number == number)


def events(h: Harness, number: int) -> list[str]:
    with h.db.session() as session:
        req = session.exec(select(Request).where(Request.number == number)).one()
        return [e.kind for e in session.exec(select(RequestEvent).where(RequestEvent.request_id == req.id)
                                             .order_by(RequestEvent.id))]


def points(h: Harness, number: int) -> dict[str, str]:
    with h.db.session() as session:
        req = session.exec(select(Request).where(Request.number == number)).one()
        return {p.point: p.status for p in session.exec(select(RequestReminder).where(RequestReminder.request_id == req.id))}


def request_kudos(h: Harness) -> list[Kudos]:
    with h.db.session() as session:
        return list(session.exec(select(Kudos).where(Kudos.source == "request")).all())


def shell_until(email: str, env: dict[str, str], expected: str, timeout: float = 90) -> str:
    """Run the real ``extramile shell`` with stdin kept open until ``expected`` is printed (a
    scheduler sweep happens at start-up), then close stdin and return everything it printed."""
    import queue
    import subprocess
    import sys
    import threading
    import time

    from tests.support import REPO

    proc = subprocess.Popen([sys.executable, "-m", "extramile", "shell", "--as", email], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)  # type: ignore[union-attr]
    reader.start()
    seen = ""
    deadline = time.monotonic() + timeout
    try:
        while expected not in seen and time.monotonic() < deadline:
            try:
                seen += lines.get(timeout=0.5)
            except queue.Empty:
                if proc.poll() is not None:
                    break
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=60)
        reader.join(timeout=10)
        while not lines.empty():
            seen += lines.get()
    assert expected in seen, (seen, proc.stderr.read() if proc.stderr else "")
    return seen
