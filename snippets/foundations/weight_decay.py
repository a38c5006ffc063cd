"""Weight decay, two ways: an L2 penalty added to the loss, or decay applied to the weights directly.

*L2 regularisation* adds `(wd / 2) * sum(p ** 2)` to the loss. Its gradient is `wd * p`, which the
optimiser then treats like any other gradient: every weight is pulled towards zero, and a large
weight has to pay for itself by lowering the loss. (fastbook writes the penalty as
`wd * sum(p ** 2)`, whose gradient is `2 * wd * p`; the factor of 2 only rescales `wd`.)

*Decoupled weight decay* (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", 2019)
shrinks each weight directly at every step, apart from the gradient. PyTorch's `AdamW` and fastai
implement it as `p <- p - lr * wd * p`, with the learning rate.

For plain SGD the two are the same update: `p - lr * (g + wd * p)` either way. For Adam they are
not: Adam divides each gradient by a running root-mean-square of that weight's gradients, so an
L2 term `wd * p` inside the gradient is divided too: weights with large gradients are decayed less
per step, weights with small ones more, while decoupled decay shrinks every weight by the same
fraction `lr * wd`. L2 also defines an objective, the penalised loss: any optimiser that converges
stops at a stationary point (in practice a minimum) of it; decoupled decay with Adam is not the
gradient of any penalty.
`torch.optim.Adam(weight_decay=wd)` is the L2 kind, `torch.optim.AdamW` the decoupled kind, and
fastai's default optimiser is Adam with decoupled decay (`decouple_wd=True`, "true weight decay";
`Learner(wd=...)` and `fit_one_cycle(..., wd=...)` set it). fastai also skips biases and
BatchNorm weights unless `wd_bn_bias=True`.

Example:
    >>> import torch
    >>> p = torch.tensor([3.0, -1.0], requires_grad=True)
    >>> l2_penalty([p], wd=0.1).backward()
    >>> p.grad                      # the gradient of the penalty is wd * p
    tensor([ 0.3000, -0.1000])
    >>> decay_weights([p], lr=0.5, wd=0.1)
    >>> p                           # each weight shrunk by lr * wd = 5%
    tensor([ 2.8500, -0.9500], requires_grad=True)
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor


def l2_penalty(parameters: Iterable[Tensor], wd: float) -> Tensor:
    """L2 regularisation: `(wd / 2) * sum(p ** 2)` over all parameters, to add to the loss.

    Its gradient with respect to each parameter is `wd * p`, the same as
    `torch.optim.SGD(weight_decay=wd)` or `torch.optim.Adam(weight_decay=wd)` adds to the gradient.

    Raises:
        ValueError: if `wd` is negative.
    """
    if wd < 0:
        raise ValueError(f"wd must be >= 0, got {wd}")
    return wd / 2 * sum((p**2).sum() for p in parameters)


@torch.no_grad()
def decay_weights(parameters: Iterable[Tensor], lr: float, wd: float) -> None:
    """Decoupled weight decay: shrink each parameter in place, `p <- p - lr * wd * p`.

    Call it before the optimiser's step, as `torch.optim.AdamW` and fastai's optimisers do.

    Raises:
        ValueError: if `lr` or `wd` is negative.
    """
    if lr < 0 or wd < 0:
        raise ValueError(f"lr and wd must be >= 0, got lr={lr}, wd={wd}")
    for p in parameters:
        p.mul_(1 - lr * wd)
