"""The report's Practice section: service-value prompts (storage.prompts) and stories
(storage.stories).

Themes are extractive: the words that recur across the month's stories, with how many stories
mention them. Story texts are never quoted and authors never named (anonymous or not), and
people's names are left out of the themes, so nothing in this section points at a person.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from bot.reports.model import Cell, Highlights, Kpi, KpiCards, ReportSection, Table, TableView, Unit
from bot.reports.sections import ReportPart, SectionContext
from storage import report_queries
from storage import stories as stories_repo

KEY, TITLE = "practice", "Practice"
THEMES = 6
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'-]{3,}")
STOPWORDS = frozenset(["about", "above", "after", "again", "against", "almost", "along", "also", "although", "always", "among", "another", "anyone", "anything", "around", "because", "been", "before", "being", "below", "between", "both", "came", "cannot", "could", "didn", "does", "doing", "done", "down", "during", "each", "even", "every", "everyone", "from", "further", "gave", "getting", "give", "given", "going", "gone", "good", "great", "have", "having", "here", "hers", "herself", "himself", "into", "itself", "just", "know", "last", "later", "like", "made", "make", "many", "more", "most", "much", "must", "myself", "need", "needed", "never", "next", "once", "only", "other", "ours", "over", "really", "same", "should", "since", "some", "something", "still", "such", "sure", "take", "than", "thank", "thanks", "that", "their", "them", "themselves", "then", "there", "these", "they", "thing", "things", "this", "those", "though", "through", "till", "time", "today", "together", "told", "took", "under", "until", "upon", "very", "want", "wanted", "well", "went", "were", "what", "when", "where", "which", "while", "whole", "will", "with", "within", "without", "would", "year", "your", "yours", "yesterday", "again", "team", "teams", "colleague", "colleagues", "someone", "people", "person", "story", "stories", "week", "weeks", "month", "months"])


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def themes(texts: Iterable[str], exclude: set[str], top: int = THEMES) -> list[tuple[str, int]]:
    """The words most stories share (each story counts a word once), without names and filler."""
    counts: Counter[str] = Counter()
    for text in texts:
        words = {w.lower().strip("'-") for w in _WORD.findall(text)}
        counts.update(w for w in words if w not in STOPWORDS and w not in exclude and len(w) > 3)
    return [(w, n) for w, n in counts.most_common(top) if n > 1]


def report_section(context: SectionContext) -> ReportSection:
    session, org_id = context.session, context.org_id
    bounds = [start for _, start, _ in context.months] + [context.end]
    activity = report_queries.prompt_activity(session, org_id, bounds)
    stories = report_queries.stories_by_kind(session, org_id, bounds)
    if not any(a["posts"] for a in activity) and not any(stories):
        return ReportSection(key=KEY, title=TITLE, available=False,
                             note="No data yet: no prompts posted and no stories told in the last six months.")
    people = len(context.team_of)

    def kpi(key: str, label: str, unit: Unit, series: list[float | None]) -> Kpi:
        value, previous = series[-1], series[-2]
        change = round(value - previous, 4) if value is not None and previous is not None else None
        return Kpi(key=key, label=label, value=value, previous=previous, change=change, unit=unit, series=series)

    kpis = [
        kpi("prompt_posts", "Prompts posted", "count", [float(a["posts"]) for a in activity]),
        kpi("prompt_response_rate", "Prompts answered", "share", [_share(a["answered"], a["posts"]) for a in activity]),
        kpi("prompt_responders_share", "People who answered a prompt", "share",
            [_share(a["responders"], people) for a in activity]),
        kpi("stories_good", "Good stories", "count", [float(k.get("good", 0)) for k in stories]),
        kpi("stories_bad", "Bad stories (blameless)", "count", [float(k.get("bad", 0)) for k in stories]),
    ]
    counts = stories_repo.by_value(session, org_id, context.start, context.end)
    names = {v.slug: v.name for v in context.config.values}
    slugs = [*names, *sorted({slug for _, slug in counts} - set(names) - {""})]
    rows: list[list[Cell]] = [[slug, names.get(slug, slug), counts.get(("good", slug), 0), counts.get(("bad", slug), 0)]
                              for slug in slugs]
    if counts.get(("good", ""), 0) or counts.get(("bad", ""), 0):
        rows.append(["", "(no value)", counts.get(("good", ""), 0), counts.get(("bad", ""), 0)])
    exclude = report_queries.name_parts(session, org_id)
    texts = report_queries.story_texts(session, org_id, context.start, context.end)
    found = themes(texts, exclude)
    highlights = [f"“{word}” — in {n} of {len(texts)} stories" for word, n in found]
    if context.themes_summary:
        highlights.insert(0, f"Summary (written by the AI assistant from the stories): {context.themes_summary}")
    this = activity[-1]
    note = (f"{int(this['posts'])} prompts posted, {int(this['replies'])} answers from {int(this['responders'])} people; "
            f"{len(texts)} stories. Themes are the words most stories share (no quotes, no authors).")
    table = Table(name="practice_stories_per_value", title="Stories per value", columns=["value", "name", "good", "bad"],
                  rows=rows, note="A story tagged with two values counts for both; untagged ones under their suggested value.")
    return ReportSection(key=KEY, title=TITLE, available=True, note=note, kpis=kpis, tables=[table],
                         highlights=highlights, layout=[KpiCards(), TableView(table=table.name), Highlights()])


PART = ReportPart(KEY, TITLE, report_section)
