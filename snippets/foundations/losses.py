"""Loss functions and a metric, written out by hand.

A *loss* is the number the optimiser makes smaller: it must change smoothly when a
parameter changes a little, so that its gradient says which way to move. A *metric*
(accuracy here) is the number people care about; it is often flat almost everywhere
(a small change in a weight rarely flips a prediction), so it makes a poor loss.

- `mse`: mean squared error, for regression.
- `log_softmax` and `cross_entropy`: for classification. Softmax turns scores
  (logits) into probabilities that sum to 1; cross-entropy is minus the log of the
  probability given to the right class, averaged over the batch.
"""

from __future__ import annotations

import torch
from torch import Tensor

from snippets.foundations._checks import check_class_targets, check_float


def mse(preds: Tensor, targets: Tensor) -> Tensor:
    """Mean squared error between predictions and targets of the same shape.

    Raises:
        ValueError: if the shapes differ (broadcasting would silently compare the wrong pairs).
        FloatingPointError: if the errors are too large to square in the tensors' precision.

    Examples:
        >>> mse(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0]))
        tensor(2.)
    """
    check_float(preds, "preds")
    check_float(targets, "targets")
    if preds.shape != targets.shape:
        raise ValueError(
            f"preds and targets must have the same shape, got {tuple(preds.shape)} and {tuple(targets.shape)}"
        )
    if preds.numel() == 0:
        raise ValueError("preds is empty: the mean of no errors is undefined")
    loss = ((preds - targets) ** 2).mean()
    if not torch.isfinite(loss):
        raise FloatingPointError(f"the squared errors overflow {preds.dtype}: rescale the targets (or use float64)")
    return loss


# --8<-- [start:cross_entropy]
def log_softmax(logits: Tensor) -> Tensor:
    """Log of the softmax of each row, computed stably.

    `softmax(x)_i = exp(x_i) / sum_j exp(x_j)`, so its log is `x_i - log(sum_j exp(x_j))`.
    Subtracting the row's maximum first (the log-sum-exp trick) changes nothing
    mathematically but keeps `exp` from overflowing on large scores.

    Raises:
        TypeError: if `logits` is not a floating-point tensor.
        ValueError: if it holds NaN or infinity, or is not a non-empty (batch, classes) matrix.

    Examples:
        >>> log_softmax(torch.tensor([[1000.0, 1000.0]])).exp()
        tensor([[0.5000, 0.5000]])
    """
    check_float(logits, "logits")
    if logits.ndim != 2 or 0 in logits.shape:
        raise ValueError(f"logits must be a non-empty 2-D tensor (batch, classes), got shape {tuple(logits.shape)}")
    # --8<-- [start:log_softmax_core]
    biggest = logits.max(dim=1, keepdim=True).values
    shifted = logits - biggest
    return shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    # --8<-- [end:log_softmax_core]


def cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean negative log-probability of the right class.

    Args:
        logits: raw scores, shape (batch, classes).
        targets: the right class of each row, integers in [0, classes), shape (batch,).

    Raises:
        ValueError: on mismatched shapes, an empty batch, NaN scores or out-of-range classes.
        TypeError: if `targets` are not integers.

    Examples:
        >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
        >>> cross_entropy(logits, torch.tensor([0, 1]))
        tensor(0.1269)
    """
    check_float(logits, "logits")
    if logits.ndim != 2 or logits.shape[0] == 0:
        raise ValueError(f"logits must be a non-empty 2-D tensor (batch, classes), got shape {tuple(logits.shape)}")
    check_class_targets(targets, logits.shape[0], logits.shape[1])
    # --8<-- [start:cross_entropy_core]
    rows = torch.arange(len(targets))
    return -log_softmax(logits)[rows, targets.long()].mean()
    # --8<-- [end:cross_entropy_core]
# --8<-- [end:cross_entropy]


def accuracy(logits: Tensor, targets: Tensor) -> Tensor:
    """Fraction of rows whose highest score is the right class.

    Examples:
        >>> accuracy(torch.tensor([[2.0, 0.0], [3.0, 1.0]]), torch.tensor([0, 1]))
        tensor(0.5000)
    """
    check_float(logits, "logits")
    if logits.ndim != 2 or logits.shape[0] == 0:
        raise ValueError(f"logits must be a non-empty 2-D tensor (batch, classes), got shape {tuple(logits.shape)}")
    check_class_targets(targets, logits.shape[0], logits.shape[1])
    return (logits.argmax(dim=1) == targets).float().mean()
