"""A small convolutional network, built from stride-2 convolutions (fastbook chapter 13).

A convolution slides a small grid of weights (a *kernel*) over the image and responds where
the pixels match its pattern. With stride 2 each layer halves the height and width; doubling
the channels at the same time keeps the amount of computation per layer about the same, and
lets deeper layers see larger, more abstract patterns. Batch normalisation after each
convolution keeps the activations' scale steady, so training can use a high learning rate.

This is the network of the vision notebook and of the web app; both import it from here.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from torch import nn


# --8<-- [start:simple_cnn]
def conv(n_in: int, n_out: int, kernel_size: int = 3, act: bool = True, norm: bool = True) -> nn.Sequential:
    """A stride-2 convolution (halves height and width), batch norm unless `norm=False`, and ReLU unless `act=False`.

    Examples:
        >>> import torch
        >>> conv(1, 8)(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 8, 14, 14])
    """
    layers: list[nn.Module] = [nn.Conv2d(n_in, n_out, kernel_size, stride=2, padding=kernel_size // 2)]
    if norm:
        layers.append(nn.BatchNorm2d(n_out))
    if act:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def simple_cnn(
    n_classes: int = 10, n_in: int = 1, widths: Sequence[int] = (8, 16, 32, 64), norm: bool = True
) -> nn.Sequential:
    """A plain CNN for small images: stride-2 convolutions, then one score per class.

    `norm=False` leaves out batch normalisation, to see what it does.

    28x28 -> 14x14 (8 channels) -> 7x7 (16) -> 4x4 (32) -> 2x2 (64) -> 1x1 (n_classes).

    Examples:
        >>> import torch
        >>> model = simple_cnn()
        >>> model(torch.zeros(5, 1, 28, 28)).shape
        torch.Size([5, 10])
        >>> sum(p.numel() for p in model.parameters())
        30542
    """
    sizes = [n_in, *widths]
    body = [conv(a, b, kernel_size=5 if i == 0 else 3, norm=norm) for i, (a, b) in enumerate(itertools.pairwise(sizes))]
    head = conv(sizes[-1], n_classes, act=False, norm=norm)
    return nn.Sequential(*body, head, nn.AdaptiveAvgPool2d(1), nn.Flatten())
# --8<-- [end:simple_cnn]
