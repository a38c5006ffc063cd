"""Datasets that load without a network.

Every loader here reads data that ships inside a pinned package, so that the notebooks
and tests run offline and in CI. Each docstring gives the source, the licence, the size
and what one item is, and shows the course's online path for readers who have a network.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass
class Split:
    """A fixed training / validation split of a classification dataset.

    Attributes:
        x_train: training inputs, one row per example.
        y_train: training targets (class indices).
        x_valid: validation inputs.
        y_valid: validation targets.
        classes: the name of each class, indexed by target.
    """

    x_train: Tensor
    y_train: Tensor
    x_valid: Tensor
    y_valid: Tensor
    classes: list[str]

    @property
    def train(self) -> tuple[Tensor, Tensor]:
        """`(x_train, y_train)`."""
        return self.x_train, self.y_train

    @property
    def valid(self) -> tuple[Tensor, Tensor]:
        """`(x_valid, y_valid)`."""
        return self.x_valid, self.y_valid


# --8<-- [start:digits]
def load_digits(valid_fraction: float = 0.2, seed: int = 42) -> Split:
    """Handwritten digits, 8x8 pixels, split into training and validation sets.

    Source: the UCI "Optical Recognition of Handwritten Digits" test set (Alpaydin and
    Kaynak, 1998), bundled with scikit-learn as `sklearn.datasets.load_digits`; licence
    CC BY 4.0. 1,797 images of the digits 0-9 (about 180 each), each 8x8 pixels with
    values 0-16. One row of `x_*` is an image flattened to 64 floats scaled to [0, 1];
    `y_*` holds the digit. The split is stratified (same class balance on both sides)
    and fixed by `seed`.

    The course uses full-size MNIST (28x28, 70,000 images) instead, which needs a download:
    `fastai.data.external.untar_data(URLs.MNIST)`.

    Args:
        valid_fraction: share of the images held out for validation, in (0, 1).
        seed: fixes which images are held out.

    Raises:
        ValueError: if `valid_fraction` is not strictly between 0 and 1.

    Examples:
        >>> split = load_digits()
        >>> split.x_train.shape, split.x_valid.shape
        (torch.Size([1437, 64]), torch.Size([360, 64]))
        >>> split.classes[:3], float(split.x_train.max())
        (['0', '1', '2'], 1.0)
    """
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    if not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction must be between 0 and 1 (exclusive), got {valid_fraction!r}")
    digits = sklearn_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    x_train, x_valid, y_train, y_valid = train_test_split(
        x, y, test_size=valid_fraction, random_state=seed, stratify=y
    )
    return Split(x_train, y_train, x_valid, y_valid, classes=[str(d) for d in digits.target_names])
# --8<-- [end:digits]
