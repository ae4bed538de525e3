"""``GET /reports/<token>``: a signed, expiring, revocable link to one month's culture report (HR only).

``?format=csv|json|md`` serves the other formats of the same report. An altered, expired or
revoked token, or one for somebody who is no longer in ``roles.hr``, gets 403 and nothing else.
"""

from __future__ import annotations

from aiohttp import web

from bot.reports import links, themes
from bot.feature import report_parts
from bot.reports.build import build_report
from bot.reports.render import EXTENSIONS, FORMATS, MEDIA_TYPES, render
from storage import people as people_repo

FORBIDDEN = "This report link is not valid or has expired. Ask the bot for a new one with /culture report."


async def serve_report(request: web.Request) -> web.Response:
    runtime = request.app["runtime"]
    services = runtime.services
    fmt = request.query.get("format", "html")
    if fmt not in FORMATS:
        return web.Response(status=400, text=f"format must be one of {', '.join(FORMATS)}")
    now = services.clock.now()
    with services.db.session() as session:
        try:
            grant = links.verify(links.secret(session, now), request.match_info["token"], now)
            links.check(session, grant, now)
        except links.BadToken:
            return web.Response(status=403, text=FORBIDDEN)
        person = people_repo.get(session, grant.person_id)
        if grant.org_id != services.org_id or person is None or "hr" not in services.config.roles.of(person.email or ""):
            return web.Response(status=403, text=FORBIDDEN)
    # The LLM's theme summary (if enabled) outside the database transaction; then the report.
    themes_summary = await themes.summary(services, grant.month)
    with services.db.session() as session:
        report = build_report(session, services.org_id, services.config, grant.month, now, themes_summary,
                              parts=report_parts(services.features))
    body = render(report, fmt)  # type: ignore[arg-type]
    headers = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex",
               "Referrer-Policy": "no-referrer"}
    if fmt != "html":
        headers["Content-Disposition"] = f'attachment; filename="culture-report-{grant.month}.{EXTENSIONS[fmt]}"'
    else:
        # The page needs nothing from anywhere: forbid every fetch, allow only its inline style.
        headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return web.Response(body=body, headers=headers, content_type=MEDIA_TYPES[fmt].split(";")[0],
                        charset="utf-8" if "charset" in MEDIA_TYPES[fmt] else None)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/reports/{token}", serve_report)
