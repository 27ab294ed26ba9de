"""RFM scores by quintile cut points; every R×F cell has a name."""

from __future__ import annotations

import pytest

from core.rfm.model import RFM_SEGMENTS, cell_name, cells, cut_points, cut_ranks, score


def test_cut_ranks_split_into_fifths():
    assert cut_ranks(10) == [2, 4, 6, 8]
    assert cut_ranks(3) == [1, 2, 2, 3]
    assert cut_ranks(1) == [1, 1, 1, 1]


def test_equal_values_share_a_score_and_higher_is_better():
    values = [1, 1, 1, 1, 2, 3, 5, 8, 8, 20]
    cuts = cut_points(values)
    assert cuts == [1, 1, 3, 8]
    assert [score(v, cuts) for v in values] == [1, 1, 1, 1, 3, 3, 4, 4, 4, 5]


def test_recency_is_reversed():
    cuts = cut_points(list(range(1, 11)))
    assert score(1, cuts, higher_is_better=False) == 5
    assert score(10, cuts, higher_is_better=False) == 1


@pytest.mark.parametrize(("r", "f", "name"), [
    (5, 5, "champions"), (4, 4, "champions"), (5, 1, "new"), (4, 2, "potential"), (3, 4, "loyal"),
    (2, 3, "at_risk"), (1, 5, "cant_lose"), (3, 1, "hibernating"), (1, 1, "lost"),
])
def test_named_cells(r, f, name):
    assert cell_name(r, f) == name


def test_every_cell_is_named_and_every_name_is_used():
    grid = cells()
    assert len(grid) == 25
    assert {name for _, _, name in grid} == set(RFM_SEGMENTS)
