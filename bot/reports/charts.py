"""Inline SVG charts for the HTML report: no scripts, no fonts, no network.

Every chart scales to its container (``viewBox`` and ``width: 100%``), so it fits a 390 px phone
and prints crisply. Text is escaped here because the template inserts the SVG as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

ACCENT = "#2f6f5e"
MUTED = "#c9d6d1"


def _svg(width: int, height: int, title: str, body: str, css_class: str = "chart") -> Markup:
    return Markup(
        f'<svg class="{css_class}" viewBox="0 0 {width} {height}" role="img" preserveAspectRatio="xMinYMin meet">'
        f'<title>{escape(title)}</title>{body}</svg>'
    )


def sparkline(values: Sequence[float | None], title: str, width: int = 120, height: int = 32) -> Markup:
    """A six-month line; missing months are gaps. The last point is marked."""
    known = [v for v in values if v is not None]
    if len(values) < 2 or not known:
        return Markup("")
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = (width - 8) / (len(values) - 1)
    points = [(4 + i * step, height - 4 - ((v - low) / span) * (height - 8)) if v is not None else None
              for i, v in enumerate(values)]
    paths, current = [], []
    for p in points:
        if p is None:
            if len(current) > 1:
                paths.append(current)
            current = []
        else:
            current.append(p)
    if len(current) > 1:
        paths.append(current)
    body = "".join(
        f'<polyline fill="none" stroke="{ACCENT}" stroke-width="2" stroke-linejoin="round" '
        f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in path)}"/>' for path in paths)
    last = points[-1]
    if last is not None:
        body += f'<circle cx="{last[0]:.1f}" cy="{last[1]:.1f}" r="3" fill="{ACCENT}"/>'
    return _svg(width, height, title, body, "spark")


def bars(rows: Sequence[tuple[str, float]], title: str, fmt: str = "{:.0f}", width: int = 360) -> Markup:
    """Horizontal bars, one per row, labelled on the left and valued on the right."""
    if not rows:
        return Markup("")
    bar_h, gap, label_w, value_w = 18, 8, 150, 44
    height = len(rows) * (bar_h + gap) + gap
    top = max((v for _, v in rows), default=0) or 1
    body = []
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(1.0, (width - label_w - value_w) * value / top) if value else 0
        shown = label if len(label) <= 21 else label[:20] + "…"
        body.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" font-size="12">{escape(shown)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" fill="{ACCENT}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-size="12">{escape(fmt.format(value))}</text>')
    return _svg(width, height, title, "".join(body))


def columns(labels: Sequence[str], values: Sequence[float], title: str, width: int = 360, height: int = 140) -> Markup:
    """Monthly columns (the six-month trend), the last month highlighted."""
    if not values:
        return Markup("")
    n = len(values)
    slot = width / n
    top = max(values) or 1
    chart_h = height - 34
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = chart_h * value / top
        x = i * slot + slot * 0.15
        colour = ACCENT if i == n - 1 else MUTED
        body.append(
            f'<rect x="{x:.1f}" y="{16 + chart_h - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" rx="3" fill="{colour}"/>'
            f'<text x="{x + slot * 0.35:.1f}" y="{12 + chart_h - h:.1f}" text-anchor="middle" font-size="11">{value:.0f}</text>'
            f'<text x="{x + slot * 0.35:.1f}" y="{height - 4}" text-anchor="middle" font-size="11">{escape(label)}</text>')
    return _svg(width, height, title, "".join(body))


def abbreviation(name: str) -> str:
    """Column label of a team in the matrix: its initials (the legend spells them out)."""
    return "".join(w[0] for w in name.split()[:3]).upper() or "?"


def heatmap(teams: Sequence[str], cells: Sequence[Sequence[int | None]], title: str, hidden_label: str = "n/r") -> Markup:
    """The cross-team matrix: rows give, columns receive; hidden cells are hatched grey."""
    if not teams:
        return Markup("")
    n = len(teams)
    label_w, cell = 110, 40
    width, height = label_w + n * cell + 4, 30 + n * cell + 4
    top = max((v for row in cells for v in row if v is not None), default=0) or 1
    body = []
    for j, name in enumerate(teams):
        short = abbreviation(name)
        body.append(f'<text x="{label_w + j * cell + cell / 2}" y="20" text-anchor="middle" font-size="11">{escape(short)}</text>')
    for i, name in enumerate(teams):
        y = 28 + i * cell
        shown = name if len(name) <= 15 else name[:14] + "…"
        body.append(f'<text x="{label_w - 6}" y="{y + cell / 2 + 4}" text-anchor="end" font-size="11">{escape(shown)}</text>')
        for j in range(n):
            v = cells[i][j]
            x = label_w + j * cell
            if v is None:
                body.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" fill="#eee"/>'
                            f'<text x="{x + cell / 2}" y="{y + cell / 2 + 4}" text-anchor="middle" font-size="9" fill="#888">{hidden_label}</text>')
                continue
            alpha = 0.08 + 0.92 * (v / top)
            ink = "#fff" if alpha > 0.55 else "#222"
            body.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" fill="{ACCENT}" fill-opacity="{alpha:.2f}"/>'
                        f'<text x="{x + cell / 2}" y="{y + cell / 2 + 4}" text-anchor="middle" font-size="11" fill="{ink}">{v}</text>')
    return _svg(width, height, title, "".join(body))
