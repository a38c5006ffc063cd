"""What a CNN looks at: class activation maps (CAM) and Grad-CAM, read with PyTorch hooks.

A CNN's last convolutional layer still has a grid of positions; the network then averages each
channel over the grid and a linear layer turns the averages into class scores. **CAM** (Zhou et
al., CVPR 2016) moves the linear layer before the average: at each position, the class's weights
times the channels there. Its average over the grid, plus the bias, *is* the class score, so the
map shows where the score comes from. It needs that exact ending (average pooling, then linear).

**Grad-CAM** (Selvaraju et al., ICCV 2017) works on any layer of any CNN: each channel is weighted
by the average gradient of the class score with respect to it, the weighted channels are summed,
and negative values (evidence *against* the class) are cut off with a ReLU. On the layer before
the average pooling it gives the same map as CAM, divided by the number of positions (and without
the negative parts); on an earlier layer the grid is finer, so the map is sharper.

The layer's output is read with a *forward hook* (`register_forward_hook`), a function PyTorch
calls after the layer runs. fastbook (chapter 18) reads the gradient with a backward hook
(`register_backward_hook`, which PyTorch now deprecates for `register_full_backward_hook`) and
leaves out the final ReLU; here `torch.autograd.grad` asks for the gradient directly, which leaves
the parameters' `.grad` untouched. Every hook is removed when the `with` block ends, even after
an error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn


@dataclass
class Stored:
    """What a hook saw: the layer's input (`read="input"`) or output, from the last forward pass."""

    activations: Tensor | None = None


@contextlib.contextmanager
def hooked(layer: nn.Module, read: str = "output") -> Iterator[Stored]:
    """Keep what `layer` receives or returns on each forward pass, while the `with` block runs.

    Reading the input of a pooling layer gives the feature maps it pools (useful when the layer
    before it is used twice, like EfficientNet's shared activation module).

    Raises:
        ValueError: if `read` is not "input" or "output".

    Examples:
        >>> layer = nn.Linear(2, 3)
        >>> with hooked(layer) as stored:
        ...     _ = layer(torch.zeros(4, 2))
        >>> stored.activations.shape, len(layer._forward_hooks)
        (torch.Size([4, 3]), 0)
    """
    if read not in ("input", "output"):
        raise ValueError(f'read must be "input" or "output", got {read!r}')
    stored = Stored()

    def keep(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
        stored.activations = inputs[0] if read == "input" else output

    handle = layer.register_forward_hook(keep)
    try:
        yield stored
    finally:
        handle.remove()


def _targets(logits: Tensor, target: int | Tensor | None) -> Tensor:
    """One class per image: the given ones, or the predicted ones."""
    if target is None:
        return logits.argmax(dim=1)
    target = torch.as_tensor(target).reshape(-1)
    if len(target) not in (1, len(logits)):
        raise ValueError(f"give one target class, or one per image ({len(logits)}), not {len(target)}")
    target = target.expand(len(logits))
    if ((target < 0) | (target >= logits.shape[1])).any():
        raise ValueError(f"target classes must be in 0..{logits.shape[1] - 1}, got {target.tolist()}")
    return target


def class_activation_map(
    model: nn.Module, pool: nn.Module, fc: nn.Linear, x: Tensor, target: int | Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """CAM: the linear layer's weights for a class, applied at every position of the pooled feature maps.

    Args:
        model: the network, in eval mode.
        pool: its global average pooling layer (its input is read).
        fc: the linear layer after the pooling (`fc.weight` is classes x channels).
        x: a batch of images.
        target: the class to explain (one for all images, or one per image); the predicted class if None.

    Returns:
        `(maps, targets)`: maps of shape (batch, height, width) on the last layer's grid, and the classes
        explained. Each map's mean plus `fc.bias[target]` is the model's score for that class.

    Raises:
        ValueError: if a target class does not exist, or the number of targets is neither 1 nor the batch size.

    Examples:
        >>> net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
        >>> x = torch.randn(1, 1, 8, 8)
        >>> maps, targets = class_activation_map(net, net[1], net[3], x, target=1)
        >>> maps.shape, torch.allclose(maps.mean() + net[3].bias[1], net(x)[0, 1])
        (torch.Size([1, 6, 6]), True)
    """
    with torch.no_grad():
        with hooked(pool, read="input") as stored:
            logits = model(x)
        targets = _targets(logits, target)
        features = stored.activations  # (batch, channels, height, width)
        maps = torch.einsum("nc,nchw->nhw", fc.weight[targets], features)
    return maps, targets


def grad_cam(
    model: nn.Module, layer: nn.Module, x: Tensor, target: int | Tensor | None = None, read: str = "output"
) -> tuple[Tensor, Tensor]:
    """Grad-CAM: the layer's channels weighted by the class score's average gradient, summed, negatives cut.

    Args:
        model: the network, in eval mode.
        layer: the layer whose output is explained (a later layer: coarser and more about the class;
            an earlier one: finer and more about edges).
        x: a batch of images.
        target: the class to explain (one for all images, or one per image); the predicted class if None.
        read: explain the layer's "output" (the default) or its "input" (for a pooling layer: the
            feature maps it averages).

    Returns:
        `(maps, targets)`: maps of shape (batch, height, width) on the layer's grid, and the classes explained.

    Raises:
        ValueError: if a target class does not exist, the number of targets is neither 1 nor the
            batch size, or `read` is neither "input" nor "output".

    Examples:
        >>> net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
        >>> maps, targets = grad_cam(net, net[1], torch.randn(3, 1, 8, 8))
        >>> maps.shape, bool((maps >= 0).all()), len(net[1]._forward_hooks)
        (torch.Size([3, 6, 6]), True, 0)
    """
    # --8<-- [start:grad_cam]
    x = x.detach().requires_grad_()  # a gradient flows even through a frozen model
    with torch.enable_grad(), hooked(layer, read) as stored:
        logits = model(x)
        targets = _targets(logits, target)
        activations = stored.activations
        score = logits.gather(1, targets[:, None]).sum()  # images are independent: one backward pass
        (gradients,) = torch.autograd.grad(score, activations)
    weights = gradients.mean(dim=(2, 3), keepdim=True)  # one weight per image and channel
    maps = F.relu((weights * activations).sum(dim=1))
    return maps.detach(), targets
    # --8<-- [end:grad_cam]


def upsample(maps: Tensor, size: tuple[int, int]) -> Tensor:
    """Maps (batch, h, w) stretched to an image's size with bilinear interpolation, each scaled to 0-1.

    Examples:
        >>> upsample(torch.tensor([[[0.0, 2.0]]]), (2, 4))
        tensor([[[0.0000, 0.2500, 0.7500, 1.0000],
                 [0.0000, 0.2500, 0.7500, 1.0000]]])
    """
    big = F.interpolate(maps[:, None].float(), size=size, mode="bilinear", align_corners=False)[:, 0]
    low = big.amin(dim=(1, 2), keepdim=True)
    span = (big.amax(dim=(1, 2), keepdim=True) - low).clamp(min=1e-12)
    return (big - low) / span


def pointing_hits(maps: Tensor, boxes: np.ndarray | Tensor, size: tuple[int, int] | None = None) -> Tensor:
    """The pointing game (Zhang et al., ECCV 2016): does each map's highest cell point inside the object's box?

    The point is the centre of the map's highest cell, the grid stretched evenly over the image
    (the usual convention, the one `upsample` draws): on a coarse grid, a peak in a corner cell
    points at that cell's centre, not at the image's corner. (A cell's receptive field need not be
    centred there: padded stride-2 layers shift it by up to a few pixels.) A map with no
    positive value points nowhere and counts as a miss. This is the game's strict form: the paper
    allows 15 pixels of tolerance around the object and averages the hit rate per class; here a
    hit is a point inside the box, and the rate is over all images.

    Args:
        maps: (batch, height, width), on the layer's grid or already at the image's size.
        boxes: (batch, 4) as `(top, left, bottom, right)` pixel rows and columns, bottom and right excluded.
        size: the image's `(height, width)` in pixels; the maps' own size if None.

    Returns:
        A boolean per image; its mean is the hit rate. A uniformly random point hits with probability
        box area / image area.

    Raises:
        ValueError: if the batch sizes differ or a box is not 4 numbers.

    Examples:
        >>> grid = torch.zeros(2, 3, 3)
        >>> grid[0, 0, 0] = grid[1, 2, 1] = 1  # top-left cell; bottom-middle cell
        >>> pointing_hits(grid, np.array([[10, 10, 20, 20], [60, 40, 80, 50]]), size=(84, 84)).tolist()
        [True, True]
    """
    boxes = torch.as_tensor(np.asarray(boxes))
    if boxes.ndim != 2 or boxes.shape[1] != 4 or len(boxes) != len(maps):
        raise ValueError(
            f"expected {len(maps)} boxes of 4 numbers (top, left, bottom, right), got shape {tuple(boxes.shape)}"
        )
    rows, cols = maps.shape[1:]
    height, width = size if size is not None else (rows, cols)
    peak = maps.flatten(1).argmax(dim=1)
    row = (peak // cols + 0.5) * height / rows  # the centre of the highest cell, in pixels
    col = (peak % cols + 0.5) * width / cols
    top, left, bottom, right = boxes.unbind(dim=1)
    inside = (row >= top) & (row < bottom) & (col >= left) & (col < right)
    return inside & (maps.flatten(1).amax(dim=1) > 0)
