"""The report's Recognition section: who gives and receives kudos, per value and per team, the
cross-team matrix, pairs who only recognise each other, the optional leaderboard.

One scan each for the six months of the trend (:mod:`storage.report_queries`); here the figures
are combined, the privacy rules applied and months compared. Teams the privacy rules hide show
"not reportable" in every table, rows and columns of the matrix alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.reports.model import Cards, Cell, Chart, Figure, Kpi, ReportSection, Table, TableView, Text, Unit
from bot.reports.privacy import NOT_REPORTABLE
from bot.reports.render import num, pct
from bot.reports.sections import ReportPart, SectionContext
from storage import report_queries as q

KEY, TITLE = "recognition", "Recognition"
# "Not recognised in 90 days" and the exclusive pairs look at this month and the two before it
# (89 to 92 days): the per-person monthly counts the trend already reads answer it, no extra scan.
QUIET_MONTHS = 3
LEADERBOARD_SIZE = 10
TEAM_COLUMNS = ["team", "people", "kudos_given", "kudos_received", "gave_share", "received_share"]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _change(value: float | None, previous: float | None) -> float | None:
    return round(value - previous, 4) if value is not None and previous is not None else None


def top_share(received: dict[int, int], people: int) -> float | None:
    """Share of all recognitions received by the top 10% of people (at least one person)."""
    total = sum(received.values())
    if not total or not people:
        return None
    top = max(1, math.ceil(people * 0.10))
    return round(sum(sorted(received.values(), reverse=True)[:top]) / total, 4)


def _kpi(key: str, label: str, unit: Unit, series: list[float | None], previous: float | None = None,
         value: float | None = None) -> Kpi:
    value = series[-1] if series else value
    previous = series[-2] if len(series) > 1 else previous
    return Kpi(key=key, label=label, value=value, previous=previous, change=_change(value, previous), unit=unit,
               series=series)


def _not_recognised(people: int, months: Sequence[dict[int, int]]) -> int:
    """People (in scope at the end of the last month) who received nothing in these months."""
    return people - len(set().union(*months))


def _team_key(name: str) -> str | None:
    return None if name == "No team" else name


def recognition_section(context: SectionContext) -> ReportSection:
    session, org_id, config, people = context.session, context.org_id, context.config, context.people
    # One scan each for the six months of the trend; this month is the last period.
    bounds = [start for _, start, _ in context.months] + [context.end]
    given_by_month = q.given_by_period(session, org_id, bounds)
    received_by_month = q.received_by_period(session, org_id, bounds)
    given, received = given_by_month[-1], received_by_month[-1]

    trend: list[list[Cell]] = []
    in_scope: list[int] = []
    for i, (month, _, _) in enumerate(context.months):
        n = sum(1 for p in people if p.created_at < bounds[i + 1])
        in_scope.append(n)
        g, r = given_by_month[i], received_by_month[i]
        trend.append([month, n, sum(g.values()), sum(r.values()), _share(len(g), n), _share(len(r), n)])
    people_now = len(people)
    kudos_given, kudos_received = sum(given.values()), sum(received.values())
    gave_share, received_share = _share(len(given), in_scope[-1]), _share(len(received), in_scope[-1])
    not_recognised = _not_recognised(in_scope[-1], received_by_month[-QUIET_MONTHS:])
    prev_quiet = _not_recognised(in_scope[-2], received_by_month[-QUIET_MONTHS - 1:-1])

    # Per team, with small-group suppression (the context knows which teams the rules hide).
    members: dict[str, list[int]] = {}
    for person in people:
        members.setdefault(context.team_of[person.id], []).append(person.id)
    order = context.teams
    hidden = context.hidden_teams
    team_rows: list[tuple[str, list[Cell]]] = []
    for name in order:
        ids = members[name]
        team_rows.append((name, [len(ids), sum(given.get(i, 0) for i in ids), sum(received.get(i, 0) for i in ids),
                                 _share(sum(1 for i in ids if given.get(i)), len(ids)),
                                 _share(sum(1 for i in ids if received.get(i)), len(ids))]))
    raw = q.team_matrix(session, org_id, context.start, context.end)
    matrix: list[list[Cell]] = [
        [r, *[NOT_REPORTABLE if (r in hidden or c in hidden) else raw.get((_team_key(r), _team_key(c)), 0)
              for c in order]] for r in order]

    names = {v.slug: v.name for v in config.values}
    counts = q.per_value(session, org_id, context.start, context.end)
    per_value: list[list[Cell]] = [[slug, names.get(slug, slug), counts.get(slug, 0),
                                    _share(counts.get(slug, 0), kudos_given) or 0.0]
                                   for slug in [*names, *sorted(set(counts) - set(names))]]

    team_of = context.team_of
    pairs = [p for p in q.exclusive_pairs(session, org_id, bounds[-1 - QUIET_MONTHS], context.end)]
    flags: list[list[Cell]] = [[i + 1, p.a_to_b, p.b_to_a, team_of.get(p.a) == team_of.get(p.b)]
                               for i, p in enumerate(pairs)]

    top_series = [top_share(r, n) for r, n in zip(received_by_month, in_scope, strict=True)]
    headline = [
        _kpi("kudos_given", "Kudos given", "count", [float(row[2]) for row in trend]),  # type: ignore[arg-type]
        _kpi("gave_share", "People who gave kudos", "share", [row[4] for row in trend]),  # type: ignore[misc]
        _kpi("received_share", "People recognised", "share", [row[5] for row in trend]),  # type: ignore[misc]
        _kpi("top10_share", "Received by the top 10%", "share", top_series),
        _kpi("not_recognised_90d", "Not recognised in 90 days", "count", [], float(prev_quiet), float(not_recognised)),
    ]
    figures = [
        Figure(key="people", label="People", value=people_now,
               detail="in the directory at the end of the month"),
        Figure(key="kudos_given", label="Kudos given", value=kudos_given,
               detail=f"by {len(given)} of {people_now} people ({pct(gave_share)})"),
        Figure(key="kudos_received", label="Recognitions received", value=kudos_received,
               detail=f"by {len(received)} people ({pct(received_share)})"),
        Figure(key="givers", label="People who gave kudos", value=len(given)),
        Figure(key="receivers", label="People recognised", value=len(received)),
        Figure(key="gave_share", label="Share who gave kudos", value=gave_share, unit="share"),
        Figure(key="received_share", label="Share recognised", value=received_share, unit="share"),
        Figure(key="top10_share", label="Top 10% received", value=top_share(received, people_now), unit="share",
               detail="of all recognitions"),
        Figure(key="not_recognised_90d", label="Not recognised in 90 days", value=not_recognised, detail="people"),
        Figure(key="exclusive_pairs", label="Flags for HR", value=len(pairs),
               detail="pairs recognised only each other over the last three months"),
    ]
    tables = [
        Table(name="recognition_trend", title="Recognition, last six months", columns=[
            "month", "people", "kudos_given", "kudos_received", "gave_share", "received_share"], rows=trend),
        Table(name="recognition_per_value", title="Kudos per value", columns=["value", "name", "kudos", "share"],
              rows=per_value, empty="No values configured."),
        Table(name="recognition_per_team", title="Recognition per team", columns=TEAM_COLUMNS,
              rows=context.team_rows(team_rows, len(TEAM_COLUMNS) - 1)),
        Table(name="recognition_team_matrix", title="Recognitions from team (row) to team (column)",
              columns=["from \\ to", *order], rows=matrix),
        Table(name="recognition_flags", title="Pairs who only recognise each other (last three months)",
              columns=["pair", "a_to_b", "b_to_a", "same_team"], rows=flags,
              empty="No pair recognised only each other over the last three months.",
              note="No names: HR can ask the bot's administrators to look into a pair under their own procedures."),
    ]
    layout: list[Cards | Chart | TableView | Text] = [
        Cards(figures=["kudos_given", "kudos_received", "top10_share", "not_recognised_90d"]),
        Chart(chart="columns", table="recognition_trend", title="Six months", label="Kudos given per month",
              labels="month", values="kudos_given"),
        Chart(chart="bars", table="recognition_per_value", title="Per value", label="Kudos per value",
              labels="name", values="kudos", empty="No values configured."),
        TableView(table="recognition_per_team"),
    ]
    if kudos_received:
        layout.append(Chart(chart="heatmap", table="recognition_team_matrix", title="Cross-team recognition",
                            label="Recognitions from team (row) to team (column)",
                            legend="Rows give, columns receive."))
    else:
        layout.append(Text(title="Cross-team recognition", text="No recognitions this month."))
    layout.append(TableView(table="recognition_flags"))
    shown, reason, entries = _leaderboard(context, received)
    if shown:
        tables.append(Table(name="recognition_leaderboard", title="Leaderboard", columns=["rank", "name", "received"],
                            rows=entries, empty="Nobody received kudos this month."))
        layout.append(TableView(table="recognition_leaderboard"))
    else:
        layout.append(Text(title="Leaderboard", text=reason))
    return ReportSection(key=KEY, title=TITLE, available=True, names=shown, headline=headline, figures=figures,
                         tables=tables, layout=list(layout))


def _leaderboard(context: SectionContext, received: dict[int, int]) -> tuple[bool, str, list[list[Cell]]]:
    """(shown, why not, rows): names only when both the kudos leaderboard and report names are on."""
    config = context.config
    if not config.kudos.leaderboard:
        return False, "The kudos leaderboard is switched off (kudos.leaderboard).", []
    if not config.reports.leaderboard_names:
        return False, "Names are not shown in reports (reports.leaderboard_names is off).", []
    ranked = sorted(((received[p.id], p.name) for p in context.people
                     if received.get(p.id) and not p.leaderboard_opt_out), key=lambda x: (-x[0], x[1]))
    return True, "", [[i + 1, name, count] for i, (count, name) in enumerate(ranked[:LEADERBOARD_SIZE])]


PART = ReportPart(KEY, TITLE, recognition_section)
