"""Stochastic gradient descent, with momentum and weight decay, by hand.

One step moves every parameter a little against its gradient:

    p = p - lr * grad

*Weight decay* adds `weight_decay * p` to the gradient. That is the gradient of the
penalty `weight_decay / 2 * sum(p ** 2)`, so it pulls every weight towards zero and
keeps the model from leaning hard on a few large weights (it regularises).

*Momentum* keeps a running direction, `velocity = momentum * velocity + grad`, and
steps along it instead of along the latest gradient alone: noisy minibatch gradients
average out and the steps build up speed along directions that agree.

This is the same update as `torch.optim.SGD` (with `dampening=0`, `nesterov=False`);
the tests check that both give the same parameters after many steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import Tensor


# --8<-- [start:sgd]
class SGD:
    """Stochastic gradient descent with optional momentum and weight decay.

    Args:
        params: the tensors to train (each with `requires_grad=True`).
        lr: learning rate, the size of each step; must be positive.
        momentum: how much of the previous direction to keep, in [0, 1).
        weight_decay: strength of the pull of each weight towards zero, >= 0.

    Raises:
        ValueError: if `params` is empty, a tensor does not require gradients, or a
            hyper-parameter is out of range.

    Examples:
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = SGD([w], lr=0.1)
        >>> (w ** 2).sum().backward()   # gradient 2 * w = 2
        >>> opt.step()
        >>> w
        tensor([0.8000], requires_grad=True)
    """

    def __init__(
        self, params: Iterable[Tensor], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("SGD got no parameters to optimise")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise ValueError(f"parameter {i} must be a tensor with requires_grad=True")
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"learning rate must be a positive number, got lr={lr!r}")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got momentum={momentum!r}")
        if not (math.isfinite(weight_decay) and weight_decay >= 0):
            raise ValueError(f"weight_decay must be >= 0, got weight_decay={weight_decay!r}")
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.velocity: list[Tensor | None] = [None] * len(self.params)

    # --8<-- [start:sgd_step]
    @torch.no_grad()
    def step(self) -> None:
        """Move each parameter one step against its gradient (parameters without a gradient are skipped)."""
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            grad = p.grad
            if self.weight_decay:
                grad = grad + self.weight_decay * p
            if self.momentum:
                v = self.velocity[i]
                v = grad.clone() if v is None else v * self.momentum + grad
                self.velocity[i] = v
                grad = v
            p -= self.lr * grad
    # --8<-- [end:sgd_step]

    def zero_grad(self) -> None:
        """Forget the gradients, so that the next `backward()` does not add to them."""
        for p in self.params:
            p.grad = None
# --8<-- [end:sgd]
