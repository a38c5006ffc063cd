"""The training loop: predict, measure the loss, compute gradients, step, repeat.

Everything a deep-learning library's `fit` does comes down to these few lines. Each
epoch visits every training example once, in shuffled minibatches; after each epoch
the model is scored on the validation set, which it never trains on, so that the
printed numbers say how well it generalises.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import torch
from torch import Tensor

from snippets.foundations.batches import minibatches
from snippets.foundations.layers import Model
from snippets.foundations.losses import accuracy

LossFn = Callable[[Tensor, Tensor], Tensor]
_ADVICE = "lower the learning rate, or check the inputs for extreme values"


class Optimizer(Protocol):
    """What `fit` needs from an optimiser: `step()` and `zero_grad()` (ours or `torch.optim`'s)."""

    def step(self) -> None: ...

    def zero_grad(self) -> None: ...


@dataclass
class EpochStats:
    """The numbers `fit` reports after one epoch."""

    epoch: int
    train_loss: float
    valid_loss: float
    metric: float


@dataclass
class History:
    """What happened during `fit`: one `EpochStats` per epoch and the loss of every batch."""

    epochs: list[EpochStats] = field(default_factory=list)
    batch_losses: list[float] = field(default_factory=list)


@torch.no_grad()
def evaluate(model: Model, loss_fn: LossFn, x: Tensor, y: Tensor, metric: LossFn = accuracy) -> tuple[float, float]:
    """Loss and metric of `model` on `(x, y)`, without tracking gradients.

    Examples:
        >>> from snippets.foundations import LinearModel, cross_entropy
        >>> model = LinearModel(2, 3)
        >>> loss, acc = evaluate(model, cross_entropy, torch.zeros(4, 2), torch.tensor([0, 1, 2, 0]))
        >>> round(loss, 4), acc   # all-zero inputs give equal scores: loss log(3)
        (1.0986, 0.5)
    """
    preds = model(x)
    return loss_fn(preds, y).item(), metric(preds, y).item()


def _finite_loss(model: Model, loss_fn: LossFn, xb: Tensor, yb: Tensor, where: str) -> Tensor:
    """Predict and score one batch; raise FloatingPointError if training has diverged."""
    try:
        loss = loss_fn(model(xb), yb)
    except FloatingPointError as error:  # the loss itself overflowed: the predictions have run away
        raise FloatingPointError(f"the loss overflowed at {where}: {_ADVICE}") from error
    except ValueError as error:  # a layer refused NaN/inf activations: have the parameters blown up?
        if not all(torch.isfinite(p).all() for p in model.parameters()):
            raise FloatingPointError(f"the parameters became NaN or infinite before {where}: {_ADVICE}") from error
        raise
    if not math.isfinite(loss.item()):
        raise FloatingPointError(f"the loss became {loss.item()} at {where}: {_ADVICE}")
    return loss


# --8<-- [start:fit]
def fit(
    model: Model,
    loss_fn: LossFn,
    optimizer: Optimizer,
    train: tuple[Tensor, Tensor],
    valid: tuple[Tensor, Tensor],
    *,
    epochs: int,
    batch_size: int,
    metric: LossFn = accuracy,
    generator: torch.Generator | None = None,
    log: Callable[[str], None] | None = print,
) -> History:
    """Train `model` with minibatch SGD and report each epoch as a line of plain text.

    Args:
        model: anything callable with a `parameters()` method, such as `MLP`.
        loss_fn: `loss_fn(preds, targets)` returns a scalar tensor.
        optimizer: has `step()` and `zero_grad()`, such as `SGD`.
        train: the `(inputs, targets)` to learn from.
        valid: the `(inputs, targets)` to score after each epoch.
        epochs: passes over the training data, at least 1.
        batch_size: rows per minibatch.
        metric: `metric(preds, targets)`, reported after each epoch.
        generator: random generator for the batch order.
        log: where each line of the report goes (`None`: nowhere).

    Returns:
        The per-epoch statistics and every batch's training loss.

    Raises:
        ValueError: if `epochs` is less than 1, or the data is empty or mismatched.
        FloatingPointError: if the loss becomes NaN or infinite (lower the learning rate).

    Examples:
        >>> from snippets.foundations import SGD, LinearModel, cross_entropy
        >>> g = torch.Generator().manual_seed(0)
        >>> x = torch.randn(100, 2, generator=g)
        >>> y = (x.sum(dim=1) > 0).long()
        >>> model = LinearModel(2, 2, generator=g)
        >>> history = fit(model, cross_entropy, SGD(model.parameters(), lr=0.5), (x, y), (x, y),
        ...               epochs=2, batch_size=20, generator=g)
        epoch  train_loss  valid_loss    accuracy
            0      0.8337      0.4134      0.9000
            1      0.3617      0.3057      0.9200
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    say = log or (lambda line: None)
    history = History()
    say(f"{'epoch':>5}  {'train_loss':>10}  {'valid_loss':>10}  {metric.__name__:>10}")
    # --8<-- [start:fit_core]
    for epoch in range(epochs):
        total, count = 0.0, 0
        for xb, yb in minibatches(*train, batch_size, generator=generator):
            loss = _finite_loss(model, loss_fn, xb, yb, f"epoch {epoch}, batch {len(history.batch_losses)}")
            loss.backward()  # fills p.grad for every parameter
            optimizer.step()  # moves every parameter against its gradient
            optimizer.zero_grad()  # backward() adds to .grad, so clear it for the next batch
            history.batch_losses.append(loss.item())
            total, count = total + loss.item() * len(xb), count + len(xb)
        valid_loss, score = evaluate(model, loss_fn, *valid, metric=metric)
        stats = EpochStats(epoch, total / count, valid_loss, score)
        history.epochs.append(stats)
        say(f"{epoch:>5}  {stats.train_loss:>10.4f}  {stats.valid_loss:>10.4f}  {stats.metric:>10.4f}")
    # --8<-- [end:fit_core]
    return history
# --8<-- [end:fit]
