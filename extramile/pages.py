"""``GET /privacy`` and ``GET /terms``: the README's "Privacy" and "Terms of use" sections as pages.

The Teams app package links to them (``privacyUrl``, ``termsOfUseUrl``), so they are served by the
same server as the bot, from the text the operator reads in the README, and cannot drift from it.
The Markdown is rendered by markdown-it with raw HTML off (it is escaped, and links with
``javascript:`` and similar schemes are not rendered as links), under a Content-Security-Policy
that allows no script.
"""

from __future__ import annotations

import html
import re
from functools import cache
from importlib import metadata
from pathlib import Path

from aiohttp import web
from markdown_it import MarkdownIt

README = Path(__file__).resolve().parents[1] / "README.md"
PAGES = {"/privacy": "Privacy", "/terms": "Terms of use"}
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_STYLE = ("body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}"
          "code{background:#f2f2f2;padding:0 .2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
          "padding:.2em .5em}")


def readme_text() -> str:
    """The README beside the code, else the one packaged as the distribution's long description."""
    if README.is_file():
        return README.read_text(encoding="utf-8")
    try:
        return metadata.metadata("extramile").get_payload() or ""  # type: ignore[attr-defined]
    except metadata.PackageNotFoundError:
        return ""


def section(markdown: str, title: str) -> str:
    """The body of the first heading called ``title`` (any level), up to the next heading of its level
    or above. Fenced code blocks are skipped when looking for headings."""
    lines = markdown.splitlines()
    level, body, fenced = 0, [], False
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        found = None if fenced else _HEADING.match(line)
        if level:
            if found and len(found.group(1)) <= level:
                break
            body.append(line)
        elif found and found.group(2).strip().lower() == title.lower():
            level = len(found.group(1))
    return "\n".join(body).strip()


@cache
def page(title: str) -> str | None:
    return render(title, section(readme_text(), title))


def render(title: str, markdown: str) -> str | None:
    """A small self-contained page; None when there is nothing to show."""
    if not markdown:
        return None
    rendered = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Extra Mile — {html.escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body><h1>Extra Mile — {html.escape(title)}</h1>\n{rendered}</body></html>\n")


async def serve(request: web.Request) -> web.Response:
    body = page(PAGES[request.path])
    if body is None:
        raise web.HTTPNotFound(text="This installation's README has no such section.")
    return web.Response(text=body, content_type="text/html", headers=_SECURITY_HEADERS)


def add_routes(app: web.Application) -> None:
    for path in PAGES:
        app.router.add_get(path, serve)
