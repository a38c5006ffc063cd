"""Minibatches: the "stochastic" in stochastic gradient descent.

Computing the gradient on the whole training set for every step is slow; computing it
on one example is noisy and wastes the parallel hardware. A *minibatch* of a few dozen
examples is the compromise. Shuffling the order every epoch keeps the model from
seeing the same batches in the same order (which it could learn to exploit).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from snippets.foundations._checks import check_tensor


# --8<-- [start:minibatches]
def minibatches(
    x: Tensor,
    y: Tensor,
    batch_size: int,
    *,
    shuffle: bool = True,
    generator: torch.Generator | None = None,
) -> Iterator[tuple[Tensor, Tensor]]:
    """Split `(x, y)` into minibatches of `batch_size` rows (the last may be smaller).

    Args:
        x: inputs, one row per example.
        y: targets, one per row of `x`.
        batch_size: rows per batch, at least 1.
        shuffle: visit the rows in a random order (use it for training, not validation).
        generator: random generator for the order, for reproducible runs.

    Raises:
        ValueError: if `x` and `y` have different lengths, the data is empty, or
            `batch_size` is less than 1.

    Examples:
        >>> x, y = torch.arange(10.0).reshape(5, 2), torch.arange(5)
        >>> [yb.tolist() for _, yb in minibatches(x, y, 2, shuffle=False)]
        [[0, 1], [2, 3], [4]]
    """
    check_tensor(x, "x")
    check_tensor(y, "y")
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same number of rows, got {len(x)} and {len(y)}")
    if len(x) == 0:
        raise ValueError("cannot make minibatches from empty data")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    # --8<-- [start:minibatches_core]
    order = torch.randperm(len(x), generator=generator) if shuffle else torch.arange(len(x))
    return ((x[idx], y[idx]) for idx in order.split(batch_size))
    # --8<-- [end:minibatches_core]
# --8<-- [end:minibatches]
