"""RMSProp and Adam from scratch: the same `step` and `zero_grad` as `SGD`, a different step.

SGD moves every parameter by `lr * gradient`, so a weight whose gradients are always tiny barely
moves and one whose gradients are huge overshoots. The adaptive optimisers divide each weight's
step by a running size of its own gradients:

- **RMSProp** keeps `v`, a moving average of the squared gradient, and steps by
  `lr * g / (sqrt(v) + eps)`: every weight moves at about the same speed, whatever the scale of
  its gradients.
- **Adam** adds momentum on top: `m`, a moving average of the gradient itself, replaces `g` in the
  numerator. Both averages start at zero, so early on they are too small; dividing by
  `1 - beta ** t` after `t` steps (*bias correction*) undoes that.

`Adam(weight_decay=wd)` adds `wd * p` to the gradient (L2, as `torch.optim.Adam`);
`Adam(weight_decay=wd, decoupled=True)` shrinks each weight by `lr * wd` of itself before the
step instead (as `torch.optim.AdamW`, and fastai's default optimiser): see
[`weight_decay`][snippets.foundations.weight_decay]. The tests check each class against its
`torch.optim` counterpart, parameter for parameter, over 20 steps.

Example:
    >>> import torch
    >>> w = torch.tensor([3.0, -2.0], requires_grad=True)
    >>> opt = Adam([w], lr=0.1)
    >>> for _ in range(100):
    ...     (w ** 2).sum().backward()
    ...     opt.step()
    ...     opt.zero_grad()
    >>> bool(w.abs().max() < 0.1)
    True
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import Tensor


def _trainable(params: Iterable[Tensor], lr: float, name: str) -> list[Tensor]:
    params = list(params)
    if not params:
        raise ValueError(f"{name} got no parameters to optimise")
    for i, p in enumerate(params):
        if not isinstance(p, Tensor) or not p.requires_grad:
            raise ValueError(f"parameter {i} must be a tensor with requires_grad=True")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"learning rate must be a positive number, got lr={lr!r}")
    return params


def _check_rate(value: float, name: str) -> None:
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {name}={value!r}")


class _Optimiser:
    params: list[Tensor]

    def zero_grad(self) -> None:
        """Forget the gradients, so that the next `backward()` does not add to them."""
        for p in self.params:
            p.grad = None


# --8<-- [start:rmsprop]
class RMSProp(_Optimiser):
    """Each step divided by a moving root-mean-square of that weight's gradients.

    Args:
        params: the tensors to train (each with `requires_grad=True`).
        lr: learning rate.
        alpha: how much of the running mean of squared gradients to keep at each step, in [0, 1).
        eps: added to the root-mean-square, so that a weight with no gradient yet does not divide by 0.

    Raises:
        ValueError: if `params` is empty, or a hyper-parameter is out of range.
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8) -> None:
        self.params = _trainable(params, lr, "RMSProp")
        _check_rate(alpha, "alpha")
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.square_avg = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self) -> None:
        for p, v in zip(self.params, self.square_avg, strict=True):
            if p.grad is None:
                continue
            v.mul_(self.alpha).add_((1 - self.alpha) * p.grad**2)   # v = alpha * v + (1 - alpha) * g^2
            p -= self.lr * p.grad / (v.sqrt() + self.eps)
# --8<-- [end:rmsprop]


# --8<-- [start:adam]
class Adam(_Optimiser):
    """Momentum and RMSProp together, with bias correction; weight decay as L2 or decoupled.

    Args:
        params: the tensors to train (each with `requires_grad=True`).
        lr: learning rate.
        betas: how much of the running mean of the gradient and of its square to keep, each in [0, 1).
        eps: added to the root-mean-square before dividing.
        weight_decay: strength of the pull of each weight towards zero, >= 0.
        decoupled: `False`: add `weight_decay * p` to the gradient (L2, `torch.optim.Adam`);
            `True`: shrink `p` by `lr * weight_decay * p` before the step (`torch.optim.AdamW`).

    One step count `t` serves every parameter; `torch.optim.Adam` keeps one per parameter, which
    differs only for a parameter that had no gradient at some steps.

    Raises:
        ValueError: if `params` is empty, or a hyper-parameter is out of range.
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled: bool = False,
    ) -> None:
        self.params = _trainable(params, lr, "Adam")
        if len(betas) != 2:
            raise ValueError(f"betas must be two numbers (for the gradient and its square), got {tuple(betas)}")
        for beta, name in zip(betas, ("betas[0]", "betas[1]"), strict=True):
            _check_rate(beta, name)
        if not (math.isfinite(weight_decay) and weight_decay >= 0):
            raise ValueError(f"weight_decay must be >= 0, got weight_decay={weight_decay!r}")
        self.lr, self.betas, self.eps = lr, betas, eps
        self.weight_decay, self.decoupled = weight_decay, decoupled
        self.avg = [torch.zeros_like(p) for p in self.params]         # m: moving average of g
        self.square_avg = [torch.zeros_like(p) for p in self.params]  # v: moving average of g^2
        self.t = 0

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        beta1, beta2 = self.betas
        for p, m, v in zip(self.params, self.avg, self.square_avg, strict=True):
            if p.grad is None:
                continue
            grad = p.grad
            if self.weight_decay and self.decoupled:
                p.mul_(1 - self.lr * self.weight_decay)               # AdamW: decay apart from the gradient
            elif self.weight_decay:
                grad = grad + self.weight_decay * p                   # Adam: L2, wd * p joins the gradient
            m.mul_(beta1).add_((1 - beta1) * grad)
            v.mul_(beta2).add_((1 - beta2) * grad**2)
            m_hat = m / (1 - beta1**self.t)                            # bias correction: the averages
            v_hat = v / (1 - beta2**self.t)                            # started at 0
            p -= self.lr * m_hat / (v_hat.sqrt() + self.eps)
# --8<-- [end:adam]
