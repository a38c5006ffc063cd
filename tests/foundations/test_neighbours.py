"""Nearest neighbours by cosine similarity: the right rows, in order, and clear errors."""

from __future__ import annotations

import pytest
import torch

from snippets.foundations.neighbours import nearest


def test_nearest_orders_by_angle_not_length():
    emb = torch.tensor([[1.0, 0.0], [10.0, 1.0], [0.0, 1.0], [-1.0, 0.0], [1.0, 1.0]])
    # cosines with row 0: 0.995, 0.0, -1.0, 0.707: row 1 is ten times longer but nearly parallel
    assert nearest(emb, 0, k=4) == [1, 4, 2, 3]


def test_nearest_errors():
    with pytest.raises(ValueError, match="outside"):
        nearest(torch.eye(3), 3)
    with pytest.raises(ValueError, match="only 1 candidates"):
        nearest(torch.eye(3), 0, k=2, candidates=[1])
