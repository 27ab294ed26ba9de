"""RFM scoring rules: quintile scores from cut points, and the named cells of the R×F grid.

Recency is the days from a member's last paid fact (a visit, or an order with status paid) to the
date computed; frequency the number of those facts; monetary their amounts summed (integer cents).
Only members with at least one paid fact are scored.

Scores 1–5 by quintile: sort a measure's values over all scored members ascending; the cut points
are the values at ranks ⌈n·i/5⌉ (i = 1..4). A value's score is 1 + the number of cut points it
exceeds, so equal values always share a score; recency is reversed (fewer days is better, 5).

Named cells from the R (rows) × F (columns) scores:

| R \\ F | 1           | 2           | 3         | 4         | 5         |
|--------|-------------|-------------|-----------|-----------|-----------|
| 5      | new         | potential   | potential | champions | champions |
| 4      | potential   | potential   | potential | champions | champions |
| 3      | hibernating | hibernating | loyal     | loyal     | loyal     |
| 2      | hibernating | hibernating | at_risk   | at_risk   | cant_lose |
| 1      | lost        | lost        | at_risk   | at_risk   | cant_lose |
"""

from __future__ import annotations

import math

RFM_SEGMENTS = ("champions", "loyal", "potential", "new", "at_risk", "cant_lose", "hibernating", "lost")

_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: ("new", "potential", "potential", "champions", "champions"),
    4: ("potential", "potential", "potential", "champions", "champions"),
    3: ("hibernating", "hibernating", "loyal", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    1: ("lost", "lost", "at_risk", "at_risk", "cant_lose"),
}


def cell_name(r: int, f: int) -> str:
    """The named cell of an R and F score (1–5 each)."""
    return _GRID[r][f - 1]


def cells() -> list[tuple[int, int, str]]:
    """Every (r, f, name) of the grid."""
    return [(r, f, _GRID[r][f - 1]) for r in range(1, 6) for f in range(1, 6)]


def cut_ranks(n: int) -> list[int]:
    """The 1-based ranks whose values are the four quintile cut points of n sorted values."""
    return [max(1, math.ceil(n * i / 5)) for i in range(1, 5)]


def cut_points(sorted_values: list[int]) -> list[int]:
    """The four quintile cut points of ascending values (empty list for no values)."""
    if not sorted_values:
        return []
    return [sorted_values[k - 1] for k in cut_ranks(len(sorted_values))]


def score(value: int, cuts: list[int], *, higher_is_better: bool = True) -> int:
    """1–5: one plus the number of cut points the value exceeds (reversed when lower is better)."""
    above = sum(1 for c in cuts if value > c)
    return 1 + above if higher_is_better else 5 - above
