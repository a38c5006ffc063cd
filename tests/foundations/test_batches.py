"""Minibatches: every row once per epoch, in a reproducible shuffled order."""

from __future__ import annotations

import pytest
import torch

from snippets.foundations import minibatches
from tests.exact import exactly


def test_every_row_exactly_once_with_pairs_kept(generator):
    x = torch.arange(23.0).unsqueeze(1)
    y = torch.arange(23)
    batches = list(minibatches(x, y, 5, generator=generator))
    assert [len(yb) for _, yb in batches] == [5, 5, 5, 5, 3]
    seen = torch.cat([yb for _, yb in batches])
    assert sorted(seen.tolist()) == list(range(23))
    assert seen.tolist() != list(range(23))  # shuffled
    for xb, yb in batches:
        assert xb.squeeze(1).long().tolist() == yb.tolist()


def test_same_seed_same_order():
    x, y = torch.zeros(10, 1), torch.arange(10)
    first = [yb.tolist() for _, yb in minibatches(x, y, 3, generator=torch.Generator().manual_seed(3))]
    second = [yb.tolist() for _, yb in minibatches(x, y, 3, generator=torch.Generator().manual_seed(3))]
    assert first == second


@pytest.mark.parametrize(
    ("x", "y", "batch_size", "message"),
    [
        (torch.zeros(3, 2), torch.zeros(4), 2, "same number of rows, got 3 and 4"),
        (torch.zeros(0, 2), torch.zeros(0), 2, "empty data"),
        (torch.zeros(3, 2), torch.zeros(3), 0, "batch_size must be an integer >= 1"),
        (torch.zeros(3, 2), torch.zeros(3), 1.5, "batch_size must be an integer >= 1"),
    ],
)
def test_bad_input_fails_at_call_time(x, y, batch_size, message):
    # The error comes when minibatches() is called, not later inside the training loop.
    with pytest.raises(ValueError, match=message):
        minibatches(x, y, batch_size)


def test_errors_name_the_argument_at_fault_exactly():
    for args, message in [(([1, 2], torch.zeros(2)), "x must be a torch.Tensor, got list"),
                          ((torch.zeros(2, 1), (0, 1)), "y must be a torch.Tensor, got tuple"),
                          ((torch.zeros(0, 1), torch.zeros(0)), "cannot make minibatches from empty data")]:
        with pytest.raises((TypeError, ValueError), match=exactly(message)):
            list(minibatches(*args, 2))
