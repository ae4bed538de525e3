"""Small-group suppression for every breakdown by team or group.

Primary suppression hides each group with fewer than ``min_group_size`` people. Complementary
suppression then makes sure the hidden figures cannot be recovered by subtracting the shown groups
from the organisation's total: the hidden groups must be at least two, and together at least
``min_group_size`` people; while they are not, the smallest shown group is hidden too. The same
hidden set is applied to the rows and the columns of the cross-team matrix, so a row or column
total minus the visible cells only ever reveals the figure of the hidden groups *together*.
"""

from __future__ import annotations

from collections.abc import Mapping

NOT_REPORTABLE = "not reportable"


def hidden_groups(sizes: Mapping[str, int], min_group_size: int) -> set[str]:
    """The groups of a breakdown that must not be reported (sizes: people per group)."""
    hidden = {g for g, n in sizes.items() if n < min_group_size}
    if not hidden:
        return hidden
    shown = sorted((g for g in sizes if g not in hidden), key=lambda g: (sizes[g], g))
    while shown and (len(hidden) < 2 or sum(sizes[g] for g in hidden) < min_group_size):
        hidden.add(shown.pop(0))
    return hidden


def rules_text(min_group_size: int, names_shown: bool) -> list[str]:
    rules = [
        f"Any breakdown by team or group with fewer than {min_group_size} people shows \"{NOT_REPORTABLE}\".",
        ("When one group is hidden, the next smallest is hidden too, so no hidden figure can be worked out "
         "from the totals and the other groups (the same applies to the rows and columns of the team matrix)."),
        "Anonymous stories are never attributed; pairs flagged for HR are described without names.",
    ]
    rules.append("Names appear only in the leaderboard, which the organisation switched on; people who opted out are left out."
                 if names_shown else "No names appear in this report: the leaderboard with names is switched off.")
    return rules
