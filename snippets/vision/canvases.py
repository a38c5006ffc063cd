"""Digits placed on larger canvases: images whose labels say *what* is there, and boxes that say *where*.

Real MNIST digits (28x28) pasted at random places on a black canvas, one or several per canvas,
never overlapping (each place is drawn uniformly until it is free). A classifier trained on the
canvases learns only from the labels; the boxes (never shown to it) then measure whether its
class activation maps point at the right digit.
"""

from __future__ import annotations

import numpy as np

DIGIT_SIZE = 28


def digit_canvases(
    images: np.ndarray, size: int = 84, per_canvas: int = 1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Paste 28x28 digits at random, non-overlapping places on black `size` x `size` canvases.

    Args:
        images: digits of shape (n, 28, 28), `uint8` ink on a 0 background (as `load_mnist_sample`);
            canvas `i` gets digits `i * per_canvas` to `i * per_canvas + per_canvas - 1`.
        size: the canvas side in pixels.
        per_canvas: digits on each canvas; `n` must be a multiple of it.
        seed: the random places' seed (the same seed, the same places).

    Returns:
        `(canvases, boxes)`: canvases (n / per_canvas, size, size) `uint8`, and boxes
        (n / per_canvas, per_canvas, 4): each digit's ink as `(top, left, bottom, right)` on its canvas,
        bottom and right excluded (`(0, 0, 0, 0)` for a blank image).

    Raises:
        ValueError: if the images are not (n, 28, 28), `n` is not a multiple of `per_canvas`, or the
            canvas has no room for them (the digits may cover at most a third of it: 3 on 84x84, 1 on 56x56).

    Examples:
        >>> digit = np.zeros((2, 28, 28), dtype=np.uint8)
        >>> digit[:, 4:24, 10:18] = 255
        >>> canvases, boxes = digit_canvases(digit, size=84, per_canvas=2, seed=1)
        >>> top, left, bottom, right = boxes[0, 1].tolist()
        >>> canvases.shape, int(canvases.sum() // 255), (bottom - top, right - left)
        ((1, 84, 84), 320, (20, 8))
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (DIGIT_SIZE, DIGIT_SIZE):
        raise ValueError(f"expected digits of shape (n, 28, 28), got {images.shape}")
    if per_canvas < 1 or len(images) % per_canvas:
        raise ValueError(f"{len(images)} digits do not make canvases of {per_canvas} each")
    room = size * size // (3 * DIGIT_SIZE * DIGIT_SIZE)  # digits cover at most a third of the canvas
    if per_canvas > room:
        raise ValueError(
            f"{per_canvas} digits per canvas, but a {size}x{size} canvas holds at most {room} at random places"
        )
    rng = np.random.default_rng(seed)
    n_canvases = len(images) // per_canvas
    canvases = np.zeros((n_canvases, size, size), dtype=np.uint8)
    boxes = np.zeros((n_canvases, per_canvas, 4), dtype=np.int64)
    for c in range(n_canvases):
        corners = _free_corners(rng, size, per_canvas)
        for d, (top, left) in enumerate(corners):
            image = images[c * per_canvas + d]
            canvases[c, top : top + DIGIT_SIZE, left : left + DIGIT_SIZE] = image
            rows, cols = np.nonzero(image)
            if len(rows):
                boxes[c, d] = (top + rows.min(), left + cols.min(), top + rows.max() + 1, left + cols.max() + 1)
    return canvases, boxes


def _free_corners(rng: np.random.Generator, size: int, count: int, tries: int = 100) -> list[tuple[int, int]]:
    """Top-left corners of `count` 28x28 squares that do not overlap: each drawn uniformly until it fits.

    If a square finds no free place in `tries` draws (the ones before it may have left no room), the
    canvas starts again; with the digits covering at most a third of it, a layout always exists.
    """
    corners: list[tuple[int, int]] = []
    failed = 0
    while len(corners) < count:
        top, left = (int(v) for v in rng.integers(0, size - DIGIT_SIZE + 1, size=2))
        if all(abs(top - t) >= DIGIT_SIZE or abs(left - c) >= DIGIT_SIZE for t, c in corners):
            corners.append((top, left))
            failed = 0
        else:
            failed += 1
            if failed == tries:
                corners, failed = [], 0
    return corners
