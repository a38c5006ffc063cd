"""fastai's mid-level data API for a task no built-in block fits: do two images show the same digit? (fastbook ch. 11)

The data block API answers a fixed list of questions (what the input is, what the target is, how
to split). A pair of images whose partner is drawn afresh at each read, with a "same or not"
target that depends on the draw, is not on that list. One level down, fastai builds everything
from the same few parts, and a new task needs only new parts:

- a `Transform` turns an item into what the model reads (`encodes`), and may also turn it back
  into something to look at (`decodes`) and learn a state from items (`setups`; inside a
  `TfmdLists` or `Datasets` with splits, from the training items);
- a `Pipeline` applies several, sorted by their `order` attribute, and decodes in reverse;
- a `TfmdLists` is a list of items with a pipeline, split into training and validation items;
- a `Datasets` holds one pipeline per element of its tuples (the input, the target, or more);
- either one's `.dataloaders(after_item=..., before_batch=..., after_batch=...)` makes the batches.

Here, `SiameseTransform` (the book's name) opens a file and draws a second one, of the same digit
half of the time, into a `SiameseImage`, a tuple that knows how to `show` itself; `SiameseModel`
(chapter 15) runs one encoder on both images and a head on the two feature maps side by side.
`NormalizeMean` is the book's smallest transform with all three methods.

Two changes from the book's draw, both shown by the tests (their effect on accuracy is not
measured): the partner is drawn from the item's own split (the book's draws from every file, so a
training pair can hold a validation image), and never the item itself (the book's can pair a file
with itself, an easy "same"). As in the book, validation partners are drawn once; here with a seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from fastai.data.transforms import Transform  # fasttransform's, as fastai exports it
from fastai.torch_core import fastuple, show_image
from fastai.vision.core import PILImageBW
from torch import Tensor, nn


class NormalizeMean(Transform):
    """Subtract the mean of the items it is set up on (`setups`), and add it back (`decodes`): the book's example.

    Its methods have no type hints on purpose: fastai dispatches `encodes`, `decodes` and `setups`
    on the hint, and an input of another type passes through unchanged, without an error (with
    `x: float`, an integer or a tensor would not be centred).

    Example:
        >>> from fastai.data.core import Pipeline
        >>> centred = Pipeline([NormalizeMean()])
        >>> centred.setup([1.0, 2.0, 6.0])  # the mean, 3.0, is learned from these items
        >>> centred(4.0), centred.decode(centred(4.0))
        (1.0, 4.0)
    """

    def setups(self, items):  # no type hints: see above
        self.mean = sum(items) / len(items)

    def encodes(self, x):
        return x - self.mean

    def decodes(self, x):
        return x + self.mean


# --8<-- [start:siamese_image]
class SiameseImage(fastuple):
    """Two images and whether they show the same digit: `(image1, image2, same)`.

    `show` draws the two side by side with a grey bar between them and "same" or "different" above;
    it expects single-channel images of the same size (PIL images or tensors). fastai's item
    transforms (`ToTensor`, `Resize`) and batch transforms apply to each element by its type, so
    the pair stays a `SiameseImage` of two images and a flag, which they leave alone. A batch of
    them has no `show_batch` until one is registered for the type (fastai's Siamese tutorial does).

    Example:
        >>> pair = SiameseImage(torch.zeros(1, 28, 28), torch.ones(1, 28, 28), True)
        >>> ax = pair.show()
        >>> ax.get_title(), ax.images[0].get_array().shape
        ('same', (28, 60))
    """

    def show(self, ctx=None, **kwargs):
        image1, image2, same = self
        t1, t2 = (torch.as_tensor(np.array(im))[None] if not isinstance(im, Tensor) else im.float()
                  for im in (image1, image2))
        t1, t2 = (t / t.max() if t.max() > 1 else t for t in (t1, t2))  # each scaled to 0-1 by its maximum
        bar = torch.full((t1.shape[0], t1.shape[1], 4), 0.5)
        title = "same" if bool(same) else "different"
        return show_image(torch.cat([t1, bar, t2], dim=2), title=title, ctx=ctx, cmap="gray", **kwargs)
# --8<-- [end:siamese_image]


# --8<-- [start:siamese_transform]
class SiameseTransform(Transform):
    """A file in, a `SiameseImage` out: the file's image, a partner's image, and whether their labels match.

    Each validation file gets its partner once, here, drawn with `seed`: the validation pairs are
    the same every epoch and on every machine. A training file gets a new partner each time it is
    read (Python's `random`, which fastai's `set_seed` seeds), so each epoch sees new pairs. Half of
    the partners, on average, carry the same label. A partner comes from the file's own split and
    is never the file itself.

    Args:
        files: every item (a path to an image file); `encodes` takes one of them (a `str` is made
            a `Path`), and it must be in one of the splits.
        label_func: the label of a file (for example fastai's `parent_label`).
        splits: the training and validation positions in `files` (what a fastai splitter returns).
        seed: the seed of the validation pairs.
        keep_images: keep each image once opened, instead of opening its file at every read (as
            the book does). Worth it when the images fit in memory and batches are read in the main
            process (`num_workers=0`): DataLoader workers would each fill a copy of their own, lost
            when they stop at the end of a pass.

    Raises:
        ValueError: if the two splits overlap, or a split has fewer than two labels (no different
            partner to draw) or a label with a single file (no same partner); when encoding, if the
            file is in neither split.

    Example:
        >>> files = [Path(f"{label}/{i}.png") for label in "ab" for i in range(4)]  # a/0.png ... b/3.png
        >>> tfm = SiameseTransform(files, lambda f: f.parent.name, splits=([0, 1, 4, 5], [2, 3, 6, 7]))
        >>> partner, same = tfm.valid[files[2]]
        >>> (partner.parent.name == "a") == same, partner in (files[3], files[6], files[7])  # another validation file
        (True, True)
    """

    def __init__(self, files: Sequence[Path], label_func: Callable[[Path], str],
                 splits: tuple[Sequence[int], Sequence[int]], seed: int = 42, keep_images: bool = False) -> None:
        super().__init__()
        files = [Path(f) for f in files]
        self.images: dict[Path, PILImageBW] | None = {} if keep_images else None  # file -> image, once opened
        train, valid = (list(map(int, split)) for split in splits)
        if set(train) & set(valid):
            raise ValueError("the training and validation splits share items")
        self.label_func = label_func
        self.split_of = {files[i]: s for s, split in enumerate((train, valid)) for i in split}
        self.files_by_label = []  # per split: label -> its files
        self.place = {}  # file -> its position among its split's files of its label
        for split in (train, valid):
            by_label: dict[str, list[Path]] = {}
            for i in split:
                same_label = by_label.setdefault(label_func(files[i]), [])
                self.place[files[i]] = len(same_label)
                same_label.append(files[i])
            if len(by_label) < 2 or min(map(len, by_label.values())) < 2:
                raise ValueError("each split needs at least two labels, each with at least two files, to draw pairs")
            self.files_by_label.append(by_label)
        rng = random.Random(seed)
        self.valid = {files[i]: self._draw(files[i], rng) for i in valid}

    def _draw(self, file: Path, rng: random.Random | None = None) -> tuple[Path, bool]:
        rng = rng or random
        if file not in self.split_of:
            raise ValueError(f"{file} is in neither split: pairs are drawn for the files the transform was made with")
        by_label = self.files_by_label[self.split_of[file]]
        same = rng.random() < 0.5
        label = self.label_func(file)
        if not same:
            label = rng.choice([other for other in by_label if other != label])
            return rng.choice(by_label[label]), False
        # any file of the same label but this one: rng.choice on the list without it draws
        # _randbelow(its length), as randrange(its length) does; counted past the file's own place
        # instead of building that list
        k = rng.randrange(len(by_label[label]) - 1)
        return by_label[label][k + (k >= self.place[file])], True

    def encodes(self, file):  # no hint: fastai would pass other types through
        file = Path(file)
        partner, same = self.valid.get(file) or self._draw(file)
        return SiameseImage(self._open(file), self._open(partner), int(same))

    def _open(self, file: Path) -> PILImageBW:
        if self.images is None:
            return PILImageBW.create(file)
        if file not in self.images:
            self.images[file] = PILImageBW.create(file)
        return self.images[file]
# --8<-- [end:siamese_transform]


# --8<-- [start:siamese_model]
class SiameseModel(nn.Module):
    """One encoder for both images, and a head on their two feature maps side by side (fastbook chapter 15).

    The same weights read both images, so the head compares like with like. The two feature maps
    are joined along the channels, so the head reads twice the encoder's channels: with
    `learner_parts.head`, which pools, `head(2 * channels, n_out)`, for maps of any (equal) size.

    Example:
        >>> encoder = nn.Conv2d(1, 4, kernel_size=3)
        >>> head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2))
        >>> SiameseModel(encoder, head)(torch.zeros(5, 1, 28, 28), torch.zeros(5, 1, 28, 28)).shape
        torch.Size([5, 2])
    """

    def __init__(self, encoder: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.encoder, self.head = encoder, head

    def forward(self, image1: Tensor, image2: Tensor) -> Tensor:
        features = torch.cat([self.encoder(image1), self.encoder(image2)], dim=1)
        return self.head(features)


def siamese_splitter(model: SiameseModel) -> list[list[nn.Parameter]]:
    """Two parameter groups, the encoder's and the head's: `freeze()` then trains the head, and the encoder's
    BatchNorm layers only (fastai's `train_bn=True`)."""
    return [list(model.encoder.parameters()), list(model.head.parameters())]
# --8<-- [end:siamese_model]


def pixel_distance(image1: Tensor, image2: Tensor) -> Tensor:
    """The root-mean-square difference of two batches of images, pixel by pixel: one number per pair.

    A baseline with nothing learned but a threshold: two images of the same digit should differ less.

    Raises:
        ValueError: if the two batches differ in shape.

    Example:
        >>> pixel_distance(torch.zeros(2, 1, 2, 2), torch.tensor([0.0, 2.0]).view(2, 1, 1, 1).expand(2, 1, 2, 2))
        tensor([0., 2.])
    """
    if image1.shape != image2.shape:
        raise ValueError(f"the two batches differ in shape: {tuple(image1.shape)} and {tuple(image2.shape)}")
    return (image1.float() - image2.float()).flatten(1).pow(2).mean(dim=1).sqrt()


def best_threshold(distances: Tensor, same: Tensor) -> tuple[float, float]:
    """The distance below which "same" is most often right on these pairs, and that accuracy.

    Every midpoint between two sorted distances is tried; fit it on training pairs, score it on
    validation pairs.

    Raises:
        ValueError: if the two have different lengths or there are no pairs.

    Example:
        >>> best_threshold(torch.tensor([0.0, 0.5, 1.0, 2.0]), torch.tensor([1, 1, 0, 1]))
        (0.75, 0.75)
    """
    if len(distances) != len(same) or len(distances) == 0:
        raise ValueError(f"need as many labels as distances, and at least one: {len(distances)} and {len(same)}")
    d, _ = distances.float().sort()
    candidates = torch.cat([d[:1] - 1, (d[1:] + d[:-1]) / 2, d[-1:] + 1])
    same = same.bool()
    accuracies = torch.stack([((distances < t) == same).float().mean() for t in candidates])
    best = int(accuracies.argmax())
    return float(candidates[best]), float(accuracies[best])


__all__ = ["NormalizeMean", "SiameseImage", "SiameseModel", "SiameseTransform", "best_threshold",
           "pixel_distance", "siamese_splitter"]
