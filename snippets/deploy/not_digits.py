"""Images that are not digits, made here, and the share of them the web app refuses.

The domain check of [`snippets.deploy.domain`][snippets.deploy.domain] is measured on these: a check that
refuses nothing is useless, and one that refuses real digits is worse. The sets stand for what a
public digit app receives sooner or later: noise, photographs, scribbles and letters.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from torch import nn

from snippets.deploy.app import BadImage, digit_input
from snippets.deploy.domain import DomainCheck, block_statistics


def out_of_domain_images(seed: int = 0) -> dict[str, list[Image.Image]]:
    """Images a digit app should refuse, made here: noise, photos, scribbles and letters, 26 to 40 of each.

    - random noise: grey and colour, at several sizes;
    - photographs: scikit-image's four colour photos, whole and in random crops;
    - scribbles: one to four random strokes on white, thin or thick (some look like a 1 or a 7:
      those a check on appearance cannot tell from a digit);
    - letters: A to Z drawn in a sans-serif font (O, I, S, Z, B... resemble digits too).

    Examples:
        >>> sets = out_of_domain_images()
        >>> {name: len(images) for name, images in sets.items()}
        {'random noise': 40, 'photographs': 40, 'scribbles': 40, 'letters': 26}
    """
    from snippets.datasets import sample_photos

    rng = np.random.default_rng(seed)
    noise = [Image.fromarray(rng.integers(0, 256, (size, size), dtype=np.uint8)) for size in (28, 64, 112, 200) * 5]
    noise += [Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)) for size in (28, 64, 112, 200) * 5]
    photos = []
    for photo in sample_photos().values():
        photos.append(Image.fromarray(photo))
        height, width = photo.shape[:2]
        for _ in range(9):
            side = int(rng.integers(48, min(height, width) // 2))
            top, left = int(rng.integers(0, height - side)), int(rng.integers(0, width - side))
            photos.append(Image.fromarray(photo[top : top + side, left : left + side]))
    scribbles = []
    for _ in range(40):
        canvas = Image.new("L", (112, 112), 255)
        draw = ImageDraw.Draw(canvas)
        for _ in range(int(rng.integers(1, 5))):
            points = [tuple(int(v) for v in rng.integers(8, 104, 2)) for _ in range(int(rng.integers(2, 5)))]
            draw.line(points, fill=0, width=int(rng.integers(3, 12)))
        scribbles.append(canvas)
    font = ImageFont.load_default(size=80)
    letters = []
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        canvas = Image.new("L", (112, 112), 255)
        ImageDraw.Draw(canvas).text((56, 56), letter, fill=0, font=font, anchor="mm")
        letters.append(canvas)
    return {"random noise": noise, "photographs": photos, "scribbles": scribbles, "letters": letters}


def read_image(path: str | Path) -> Image.Image:
    """The image in the file at `path`, decoded and the file closed (a thousand open files would hit OS limits)."""
    with Image.open(path) as image:
        return image.copy()


def share_refused(check: DomainCheck, model: nn.Sequential, meta: dict, images: Sequence[Image.Image]) -> float:
    """The share of `images` the app refuses: unreadable as a digit (blank), or outside the domain check."""
    refused = 0
    for image in images:
        try:
            x = digit_input(image, meta)
        except BadImage:
            refused += 1
            continue
        refused += int(not check.accepts(block_statistics(model, x))[0])
    return refused / len(images)
