"""Affine functions and nonlinearities, built from raw tensors.

A neural network is a stack of *affine functions* (multiply by a matrix, add a vector)
with a *nonlinearity* between each pair. Without the nonlinearity, two affine functions
in a row are still one affine function, so depth would buy nothing; with ReLU between
them, a wide enough stack can approximate any continuous function on a bounded range of
inputs as closely as you like (the universal approximation theorem).

The numbers a layer stores and learns are its **parameters** (weights and biases). The
numbers it computes from an input are its **activations**: they exist only for that
input. `MLP.activations` returns them so that you can look at both.

Nothing here uses `torch.nn`: each parameter is a tensor created and initialised by
hand with `requires_grad=True`, so that autograd fills in its `.grad`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Protocol

import torch
from torch import Tensor

from snippets.foundations._checks import check_batch, check_float


class Model(Protocol):
    """What the training loop needs from a model: call it, list its parameters."""

    def __call__(self, x: Tensor) -> Tensor: ...

    def parameters(self) -> list[Tensor]: ...


# --8<-- [start:affine]
class Affine:
    """An affine layer, `x @ weight + bias`, with parameters created by hand.

    The weights start random with standard deviation `sqrt(2 / n_in)` (Kaiming or He
    initialisation): with ReLU after the layer, this keeps the activations at about
    the same scale from layer to layer, so that deep stacks train. The bias starts
    at zero.

    Args:
        n_in: number of input features.
        n_out: number of output features.
        generator: random generator for the initial weights, for reproducible runs.

    Raises:
        ValueError: if `n_in` or `n_out` is less than 1.

    Examples:
        >>> layer = Affine(3, 2, generator=torch.Generator().manual_seed(0))
        >>> layer(torch.ones(4, 3)).shape
        torch.Size([4, 2])
        >>> [tuple(p.shape) for p in layer.parameters()]
        [(3, 2), (2,)]
    """

    # --8<-- [start:affine_core]
    def __init__(self, n_in: int, n_out: int, *, generator: torch.Generator | None = None) -> None:
        if n_in < 1 or n_out < 1:
            raise ValueError(f"an affine layer needs n_in >= 1 and n_out >= 1, got n_in={n_in}, n_out={n_out}")
        std = math.sqrt(2 / n_in)
        self.weight = (torch.randn(n_in, n_out, generator=generator) * std).requires_grad_()
        self.bias = torch.zeros(n_out, requires_grad=True)

    def __call__(self, x: Tensor) -> Tensor:
        check_batch(x, self.weight.shape[0])
        return x @ self.weight + self.bias
    # --8<-- [end:affine_core]

    def parameters(self) -> list[Tensor]:
        """The layer's learnable tensors: `[weight, bias]`."""
        return [self.weight, self.bias]


# --8<-- [start:relu]
def relu(x: Tensor) -> Tensor:
    """The rectified linear unit: replace every negative number by zero.

    Raises:
        ValueError: on NaN or infinite inputs (it would pass NaN on silently).

    Examples:
        >>> relu(torch.tensor([-2.0, 0.0, 3.0]))
        tensor([0., 0., 3.])
    """
    check_float(x, "relu input")
    return x.clamp_min(0.0)
# --8<-- [end:relu]
# --8<-- [end:affine]


class LinearModel:
    """A single affine layer: linear regression, or logistic regression with a softmax loss.

    Args:
        n_in: number of input features.
        n_out: number of outputs (1 for regression, the number of classes for classification).
        generator: random generator for the initial weights.

    Examples:
        >>> model = LinearModel(64, 10, generator=torch.Generator().manual_seed(0))
        >>> model(torch.zeros(5, 64)).shape
        torch.Size([5, 10])
        >>> count_parameters(model)
        650
    """

    def __init__(self, n_in: int, n_out: int, *, generator: torch.Generator | None = None) -> None:
        self.layer = Affine(n_in, n_out, generator=generator)

    def __call__(self, x: Tensor) -> Tensor:
        return self.layer(x)

    def parameters(self) -> list[Tensor]:
        """The model's learnable tensors."""
        return self.layer.parameters()


# --8<-- [start:mlp]
class MLP:
    """A multi-layer perceptron: affine layers with ReLU between them.

    `MLP([64, 128, 10])` is `Affine(64, 128)`, ReLU, `Affine(128, 10)`. There is no
    ReLU after the last layer: it returns raw scores (logits) for the loss to use.

    Args:
        sizes: the width of each layer, inputs first and outputs last (at least two).
        generator: random generator for the initial weights.

    Raises:
        ValueError: if fewer than two sizes are given, or a size is less than 1.

    Examples:
        >>> model = MLP([64, 32, 10], generator=torch.Generator().manual_seed(0))
        >>> model(torch.zeros(5, 64)).shape
        torch.Size([5, 10])
        >>> [tuple(a.shape) for a in model.activations(torch.zeros(5, 64))]
        [(5, 32), (5, 10)]
    """

    # --8<-- [start:mlp_core]
    def __init__(self, sizes: Sequence[int], *, generator: torch.Generator | None = None) -> None:
        if len(sizes) < 2:
            raise ValueError(f"an MLP needs at least an input and an output size, got sizes={list(sizes)}")
        self.layers = [Affine(n_in, n_out, generator=generator) for n_in, n_out in itertools.pairwise(sizes)]

    def activations(self, x: Tensor) -> list[Tensor]:
        """Every layer's output for the batch `x`: after ReLU for hidden layers, logits last."""
        outputs = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = relu(x)
            outputs.append(x)
        return outputs

    def __call__(self, x: Tensor) -> Tensor:
        return self.activations(x)[-1]
    # --8<-- [end:mlp_core]

    def parameters(self) -> list[Tensor]:
        """Every layer's weight and bias, in order."""
        return [p for layer in self.layers for p in layer.parameters()]
# --8<-- [end:mlp]


def count_parameters(model: Model) -> int:
    """The number of learnable numbers in `model`.

    Examples:
        >>> count_parameters(MLP([64, 32, 10]))  # 64*32 + 32 + 32*10 + 10
        2410
    """
    return sum(p.numel() for p in model.parameters())
