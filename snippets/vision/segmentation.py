"""Segmentation of digits: a class for every pixel, and the U-Net that predicts it (fastbook chapter 15).

A classifier gives one answer per image. Segmentation gives one per pixel: here background, or
which digit's ink the pixel belongs to (11 classes: `0` background, `1 + d` for digit `d`). The
images are two MNIST digits side by side (`side_by_side`) or placed on a canvas
(`digit_canvases`); the digits never overlap, so `digit_masks` gives every pixel brighter than
`ink` inside a digit's box to that digit.

`unet_learner` builds fastai's `DynamicUnet` on a body: it runs the body on an image of the task's
size, hooks each of the body's top-level layers after which the picture's width changes (their
outputs are the skip connections), adds two convolutions in the middle, then one `UnetBlock` per hook: upsample by 2
(`PixelShuffle_ICNR`), concatenate the hooked activations (after a BatchNorm), two convolutions.
A last upsampling brings it to the input's size where the body halved it once more, and a final
"cross" concatenates the input image itself, then a residual block (`last_cross=False` leaves both
out), and a 1x1 convolution gives the classes. `tests/vision/test_segmentation.py` checks that
description against the model fastai builds on the small CNN's body.

The scores: **pixel accuracy** is mostly background (an all-background guess is right on most
pixels), so the ones to read are the **ink accuracy** (the pixels of digits, given the right
digit) and the **digit accuracy** (a digit counts as found when the most common prediction over
its ink is its class).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

CODES = ["background", *(str(d) for d in range(10))]


def side_by_side(images: np.ndarray, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two 28x28 digits next to each other, 28x56, and each one's ink box `(top, left, bottom, right)`.

    Args:
        images: `(n, 28, 28)` digits, `uint8` ink on a 0 background (as `load_mnist_sample`).
        pairs: `(m, 2)` positions in `images`: the left digit and the right one.

    Raises:
        ValueError: if the images are not 28x28 or `pairs` is not `(m, 2)`.

    Example:
        >>> digit = np.zeros((2, 28, 28), dtype=np.uint8)
        >>> digit[1, 5:20, 10:14] = 255  # a stroke in the second image
        >>> pictures, boxes = side_by_side(digit, np.array([[1, 1]]))
        >>> pictures.shape, boxes[0].tolist()  # the right copy's box is 28 pixels further right
        ((1, 28, 56), [[5, 10, 20, 14], [5, 38, 20, 42]])
    """
    images, pairs = np.asarray(images), np.asarray(pairs)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or pairs.ndim != 2 or pairs.shape[1] != 2:
        raise ValueError(f"expected (n, 28, 28) images and (m, 2) pairs, got {images.shape} and {pairs.shape}")
    pictures = np.concatenate([images[pairs[:, 0]], images[pairs[:, 1]]], axis=2)
    boxes = np.zeros((len(pairs), 2, 4), dtype=np.int64)
    for c, pair in enumerate(pairs):
        for d, index in enumerate(pair):
            rows, cols = np.nonzero(images[index])
            if len(rows):
                boxes[c, d] = (rows.min(), cols.min() + 28 * d, rows.max() + 1, cols.max() + 1 + 28 * d)
    return pictures, boxes


def digit_masks(canvases: np.ndarray, boxes: np.ndarray, labels: np.ndarray, ink: int = 64) -> np.ndarray:
    """The class of every pixel of each canvas: 0 for background, `1 + d` for the ink of digit `d`.

    Args:
        canvases: `(n, size, size)` `uint8`, as `digit_canvases` returns them.
        boxes: `(n, per_canvas, 4)` ink boxes, `(top, left, bottom, right)`, as `digit_canvases` returns them.
        labels: `(n, per_canvas)` the digits, in the order they were placed.
        ink: a pixel brighter than this, inside a digit's box, is that digit's.

    Raises:
        ValueError: if the shapes do not agree or a label is not a digit 0-9.

    Example:
        >>> canvas = np.zeros((1, 4, 4), dtype=np.uint8)
        >>> canvas[0, 1:3, 1] = 200  # a little stroke
        >>> digit_masks(canvas, np.array([[[1, 1, 3, 2]]]), np.array([[7]]))[0].tolist()
        [[0, 0, 0, 0], [0, 8, 0, 0], [0, 8, 0, 0], [0, 0, 0, 0]]
    """
    canvases, boxes, labels = np.asarray(canvases), np.asarray(boxes), np.asarray(labels)
    if canvases.ndim != 3 or boxes.shape[:2] != labels.shape or boxes.shape[0] != canvases.shape[0]:
        raise ValueError(f"shapes do not agree: canvases {canvases.shape}, boxes {boxes.shape}, labels {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"labels must be digits 0-9, got {labels.min()} to {labels.max()}")
    masks = np.zeros(canvases.shape, dtype=np.int64)
    for c in range(len(canvases)):
        for (top, left, bottom, right), label in zip(boxes[c], labels[c], strict=True):
            inside = canvases[c, top:bottom, left:right] > ink
            masks[c, top:bottom, left:right][inside] = 1 + label
    return masks


def ink_accuracy(predicted: Tensor, target: Tensor) -> float:
    """The share of digit pixels (target not background) predicted as the right digit.

    Example:
        >>> ink_accuracy(torch.tensor([[0, 3, 5]]), torch.tensor([[0, 3, 4]]))
        0.5
    """
    ink = target > 0
    if not ink.any():
        raise ValueError("the targets have no digit pixels")
    return float((predicted[ink] == target[ink]).float().mean())


def digit_accuracy(predicted: Tensor, target: Tensor, labels: np.ndarray, boxes: np.ndarray) -> float:
    """The share of digits whose ink is most often predicted as their class (background counts as a miss, and wins a
    tie, as the smallest class).

    Args:
        predicted: `(n, size, size)` predicted classes.
        target: `(n, size, size)` true classes (`digit_masks`).
        labels: `(n, per_canvas)` digits; boxes: `(n, per_canvas, 4)` their boxes.

    Example:
        >>> target = torch.tensor([[[0, 4, 4, 0]]])  # one canvas, one row: a 3's ink at columns 1 and 2
        >>> digit_accuracy(torch.tensor([[[0, 4, 4, 9]]]), target, np.array([[3]]), np.array([[[0, 1, 1, 3]]]))
        1.0
    """
    found = []
    for c in range(len(target)):
        for (top, left, bottom, right), label in zip(boxes[c], labels[c], strict=True):
            ink = target[c, top:bottom, left:right] == 1 + label
            guesses = predicted[c, top:bottom, left:right][ink]
            found.append(bool(len(guesses)) and int(torch.bincount(guesses).argmax()) == 1 + label)  # first maximum
    return float(np.mean(found))


def threshold_baseline(canvases: Tensor, digit: int, ink: int = 64) -> Tensor:
    """Every pixel brighter than `ink` called `digit` (say, the most common one), the rest background.

    Nothing learned but that constant: it finds the ink, and knows nothing of which digit it is.

    Example:
        >>> threshold_baseline(torch.tensor([[0, 200, 30]]), digit=1).tolist()
        [[0, 2, 0]]
    """
    return torch.where(torch.as_tensor(canvases) > ink, 1 + digit, 0)
