"""The learning rate finder: train briefly with a growing learning rate and watch the loss.

Too small a learning rate and training crawls; too large and the loss jumps around or explodes.
fastai's `learn.lr_find()`, a version of Leslie Smith's *learning rate range test* (which raised
the rate linearly over several epochs and watched the accuracy), finds a good value in one short
run: start tiny, multiply the learning rate by the same factor after every minibatch, and record
the loss. The loss first barely moves, then falls fast, then blows up. A good learning rate is
where it falls fastest (the *steepest* point), or about a tenth of the learning rate at the
minimum, where it is about to blow up.

The run changes the model, so the finder puts the parameters back as they were afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

from snippets.foundations.batches import minibatches
from snippets.foundations.layers import Model
from snippets.foundations.loop import LossFn
from snippets.foundations.sgd import SGD


@dataclass
class LRFinderResult:
    """What `lr_find` saw: each step's learning rate and smoothed loss, and two suggestions."""

    lrs: list[float]
    losses: list[float]
    steepest: float
    minimum_over_10: float


# --8<-- [start:lr_find]
def lr_find(
    model: Model,
    loss_fn: LossFn,
    train: tuple[Tensor, Tensor],
    *,
    batch_size: int,
    start_lr: float = 1e-5,
    end_lr: float = 10.0,
    steps: int = 100,
    momentum: float = 0.9,
    smoothing: float = 0.98,
    generator: torch.Generator | None = None,
) -> LRFinderResult:
    """Run the learning rate range test with `SGD`, then restore the model's parameters.

    Args:
        model: the model to probe; its parameters are the same afterwards.
        loss_fn: `loss_fn(preds, targets)` returns a scalar tensor.
        train: the `(inputs, targets)` to take minibatches from (cycled if `steps` needs more).
        batch_size: rows per minibatch.
        start_lr: the first, tiny, learning rate.
        end_lr: the largest learning rate to try.
        steps: the number of minibatches, at least 5; the rate grows geometrically between them.
        momentum: SGD momentum during the test.
        smoothing: weight of the past in the loss's running average, in [0, 1).
        generator: random generator for the batch order.

    Returns:
        The learning rates and smoothed losses, up to the step where the loss exceeded four times its
        minimum (or became NaN or infinite), and the two suggested learning rates.

    Raises:
        ValueError: if the learning rates, `steps` or `smoothing` are out of range.

    Example:
        >>> from snippets.foundations import MLP, cross_entropy
        >>> g = torch.Generator().manual_seed(0)
        >>> x = torch.randn(256, 2, generator=g)
        >>> y = (x[:, 0] > 0).long()
        >>> model = MLP([2, 16, 2], generator=g)
        >>> before = [p.clone() for p in model.parameters()]
        >>> found = lr_find(model, cross_entropy, (x, y), batch_size=32, generator=g)
        >>> 0.01 < found.minimum_over_10 < 1
        True
        >>> all(torch.equal(a, b) for a, b in zip(before, model.parameters()))  # parameters put back
        True
    """
    if not (math.isfinite(start_lr) and math.isfinite(end_lr) and 0 < start_lr < end_lr):
        raise ValueError(f"need 0 < start_lr < end_lr, both finite; got start_lr={start_lr}, end_lr={end_lr}")
    if not isinstance(steps, int) or steps < 5:
        raise ValueError(f"steps must be an integer >= 5, got {steps!r}")
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
    saved = [p.detach().clone() for p in model.parameters()]
    optimizer = SGD(model.parameters(), lr=start_lr, momentum=momentum)
    factor = (end_lr / start_lr) ** (1 / (steps - 1))
    lrs: list[float] = []
    losses: list[float] = []
    average = 0.0
    def batches() -> Iterator[tuple[Tensor, Tensor]]:  # epoch after epoch, as long as the test needs
        while True:
            yield from minibatches(*train, batch_size, generator=generator)

    try:
        for step, (xb, yb) in zip(range(steps), batches(), strict=False):  # the batches never end
            optimizer.lr = start_lr * factor**step
            loss = loss_fn(model(xb), yb)
            if not math.isfinite(loss.item()):
                break
            average = smoothing * average + (1 - smoothing) * loss.item()
            smoothed = average / (1 - smoothing ** (step + 1))  # undo the running average's bias to 0
            if losses and smoothed > 4 * min(losses):
                break
            lrs.append(optimizer.lr)
            losses.append(smoothed)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    finally:
        with torch.no_grad():
            for p, value in zip(model.parameters(), saved, strict=True):
                p.copy_(value)
                p.grad = None
    if len(lrs) < 5:
        raise FloatingPointError(f"the loss blew up within {len(lrs)} steps: lower start_lr (it was {start_lr})")
    skip = max(1, len(lrs) // 10)  # the first steps: the running average is still settling (fastai skips them too)
    slopes = [(losses[i + 1] - losses[i]) / math.log(lrs[i + 1] / lrs[i]) for i in range(skip, len(lrs) - 1)]
    steepest = lrs[skip + min(range(len(slopes)), key=slopes.__getitem__)]
    minimum_over_10 = lrs[min(range(len(losses)), key=losses.__getitem__)] / 10
    return LRFinderResult(lrs, losses, steepest, minimum_over_10)
# --8<-- [end:lr_find]
