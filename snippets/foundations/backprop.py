"""Backpropagation by hand: every layer writes its own backward pass, from the chain rule.

`loss.backward()` fills in gradients for us. Here nothing does: each layer has a `forward`, which
keeps what it will need, and a `backward`, which takes the gradient of the loss with respect to
the layer's output and returns the gradient with respect to its input, storing the gradients of
its own parameters on the way. That is the chain rule: if the loss depends on `x` only through
`y = f(x)`, then `dL/dx = dL/dy * dy/dx`. Calling `backward` on the layers in reverse order hands
each one the gradient of its output, and every parameter gets its gradient: backpropagation.

For one layer, with `x` of shape (n, n_in) and the gradient `g = dL/dy` of the same shape as `y`:

- affine, `y = x @ W + b`: `dL/dW = x.T @ g`, `dL/db = g.sum(0)`, `dL/dx = g @ W.T`;
- ReLU, `y = max(0, x)`: `dL/dx = g` where `x > 0`, else 0;
- softmax and cross-entropy, averaged over the n rows: `dL/dlogits = (softmax(logits) - onehot) / n`.

No tensor here has `requires_grad`: the tests check every gradient against autograd's instead.
fastbook's chapter 17 builds the same kind of layers, with a mean squared error loss.

Example:
    >>> import torch
    >>> g = torch.Generator().manual_seed(0)
    >>> net = Network([Affine(4, 8, generator=g), ReLU(), Affine(8, 3, generator=g)])
    >>> x, y = torch.randn(16, 4, generator=g), torch.randint(0, 3, (16,), generator=g)
    >>> losses = [train_step(net, SoftmaxCrossEntropy(), x, y, lr=0.5) for _ in range(30)]
    >>> losses[-1] < losses[0] / 2
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from snippets.foundations._checks import check_batch, check_class_targets, check_float


# --8<-- [start:layers]
class Affine:
    """`y = x @ weight + bias`, with its backward pass written out.

    Args:
        n_in: input features.
        n_out: output features.
        generator: random generator for the initial weights (Kaiming: standard deviation `sqrt(2 / n_in)`).

    Raises:
        ValueError: if `n_in` or `n_out` is less than 1.
    """

    def __init__(self, n_in: int, n_out: int, generator: torch.Generator | None = None) -> None:
        if n_in < 1 or n_out < 1:
            raise ValueError(f"an affine layer needs n_in >= 1 and n_out >= 1, got {n_in} and {n_out}")
        self.weight = torch.randn(n_in, n_out, generator=generator) * math.sqrt(2 / n_in)
        self.bias = torch.zeros(n_out)
        self.weight_grad, self.bias_grad = torch.zeros_like(self.weight), torch.zeros_like(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        self.x = check_batch(x, self.weight.shape[0])  # kept for the backward pass
        return x @ self.weight + self.bias

    def backward(self, grad_out: Tensor) -> Tensor:
        self.weight_grad = self.x.T @ grad_out       # dL/dW: each weight's input times its output's gradient
        self.bias_grad = grad_out.sum(dim=0)         # dL/db: the bias is added to every row
        return grad_out @ self.weight.T              # dL/dx: what flows on to the layer before

    def parameters(self) -> list[tuple[Tensor, Tensor]]:
        """Each parameter with its gradient from the last backward pass."""
        return [(self.weight, self.weight_grad), (self.bias, self.bias_grad)]


class ReLU:
    """`y = max(0, x)`: the gradient passes where the input was positive and stops elsewhere."""

    def forward(self, x: Tensor) -> Tensor:
        self.positive = x > 0
        return x * self.positive

    def backward(self, grad_out: Tensor) -> Tensor:
        return grad_out * self.positive

    def parameters(self) -> list[tuple[Tensor, Tensor]]:
        return []


class SoftmaxCrossEntropy:
    """Softmax then cross-entropy, averaged over the batch: the loss, and its gradient w.r.t. the logits.

    Together the two have the simplest gradient of all: the predicted probabilities minus the
    one-hot targets, divided by the batch size.
    """

    def forward(self, logits: Tensor, targets: Tensor) -> Tensor:
        check_class_targets(targets, check_batch(logits, logits.shape[-1], "logits").shape[0], logits.shape[1])
        log_probs = logits - logits.logsumexp(dim=1, keepdim=True)   # log-softmax, stable for large logits
        self.probs, self.targets = log_probs.exp(), targets
        return -log_probs[torch.arange(len(targets)), targets].mean()

    def backward(self) -> Tensor:
        one_hot = torch.nn.functional.one_hot(self.targets, self.probs.shape[1]).to(self.probs.dtype)
        return (self.probs - one_hot) / len(self.targets)
# --8<-- [end:layers]


# --8<-- [start:network]
class Network:
    """Layers applied in order; `backward` runs them in reverse, the chain rule from the loss back."""

    def __init__(self, layers: Sequence[Affine | ReLU]) -> None:
        if not layers:
            raise ValueError("a network needs at least one layer")
        self.layers = list(layers)

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out: Tensor) -> None:
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)

    def parameters(self) -> list[tuple[Tensor, Tensor]]:
        return [pair for layer in self.layers for pair in layer.parameters()]


def train_step(network: Network, loss: SoftmaxCrossEntropy, x: Tensor, y: Tensor, lr: float) -> float:
    """One step of plain SGD with gradients from the hand-written backward passes; returns the loss.

    Raises:
        ValueError: if `lr` is not a positive number, or the inputs or targets do not fit the network.
    """
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    check_float(x, "inputs")
    value = loss.forward(network.forward(x), y)
    network.backward(loss.backward())
    for param, grad in network.parameters():
        param -= lr * grad
    return float(value)
# --8<-- [end:network]
