"""Nearest neighbours by cosine similarity: the right rows, in order, and clear errors."""

from __future__ import annotations

import pytest
import torch

from snippets.foundations.neighbours import nearest
from tests.exact import exactly


def test_nearest_orders_by_angle_not_length():
    emb = torch.tensor([[1.0, 0.0], [10.0, 1.0], [0.0, 1.0], [-1.0, 0.0], [1.0, 1.0]])
    # cosines with row 0: 0.995, 0.0, -1.0, 0.707: row 1 is ten times longer but nearly parallel
    assert nearest(emb, 0, k=4) == [1, 4, 2, 3]


def test_nearest_errors():
    with pytest.raises(ValueError, match="outside"):
        nearest(torch.eye(3), 3)
    with pytest.raises(ValueError, match="only 1 candidates"):
        nearest(torch.eye(3), 0, k=2, candidates=[1])


def test_nearest_defaults_to_five_rows_and_never_answers_a_row_left_out():
    angles = torch.linspace(0, 3.0, 8)
    emb = torch.stack([angles.cos(), angles.sin()], dim=1)
    assert nearest(emb, 0) == [1, 2, 3, 4, 5]
    assert nearest(emb, 0, k=2, candidates=[6, 7]) == [6, 7]      # the furthest rows, the only ones allowed
    with pytest.raises(ValueError, match=exactly("index 8 is outside 0..7")):
        nearest(emb, 8)
