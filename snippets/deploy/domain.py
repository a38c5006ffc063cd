"""Is it a handwritten digit at all? Refusing inputs unlike anything the model was trained on.

A classifier always answers with one of its classes. Shown random noise, the app's CNN picks a
digit, often with high confidence: its softmax turns any scores into probabilities that add up to
1, so "none of these" cannot be said. Nor is the probability a good alarm: nothing in training
asked the network to be unsure, and noise gets about as high a top probability as a real digit.

This check looks inside the network instead. At each of its four convolutional blocks it
summarises an image by the mean and the standard deviation of each channel's activations; for
each class it keeps the mean of these summaries over the training digits, and one covariance of
how they spread around their class mean. An image's distance to a class mean is measured in units
of that spread (the Mahalanobis distance: a direction in which digits vary a lot counts little,
one in which they never vary counts a lot), and its distance at a block is the one to the nearest
class. Early blocks respond to contrast and texture, later ones to larger shapes, so together they
notice more kinds of oddity than the last block alone. Each block's distance is divided by the
distance 99% of the training digits stay within at that block, and the largest ratio is the
image's score; the threshold is the score that 99.5% of the training digits stay within.

After Lee, Lee, Lee and Shin (2018), "A Simple Unified Framework for Detecting Out-of-Distribution
Samples and Adversarial Attacks" (NeurIPS): class means with a shared covariance, on each channel's
mean at several layers. The paper also nudges each input before scoring it, and combines the layers
with weights fitted by logistic regression, in its main results on examples of the inputs to
refuse. Here the channels' standard deviations are added, nothing is nudged, and the largest scaled
distance needs no examples of what to refuse.

Example:
    >>> g = torch.Generator().manual_seed(0)
    >>> features = torch.cat([torch.randn(200, 2, generator=g), torch.randn(200, 2, generator=g) + 10])
    >>> labels = torch.tensor([0] * 200 + [1] * 200)
    >>> check = fit_domain_check([features], labels)
    >>> check.accepts([torch.tensor([[0.5, -0.5], [10.0, 10.5], [5.0, 5.0], [40.0, 0.0]])]).tolist()
    [True, True, False, False]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

FILE = "domain.safetensors"


# --8<-- [start:distances]
def nearest_class_distance(features: Tensor, means: Tensor, precision: Tensor) -> Tensor:
    """The Mahalanobis distance of each row of `features` (batch, d) to the nearest of `means` (classes, d).

    `precision` is the inverse of the covariance: `sqrt((x - mean) @ precision @ (x - mean))`.
    """
    if features.ndim != 2 or features.shape[1] != means.shape[1]:
        raise ValueError(f"expected features of shape (batch, {means.shape[1]}), got {tuple(features.shape)}")
    diff = features.double()[:, None, :] - means[None]                      # (batch, classes, d)
    squared = torch.einsum("bcf,fg,bcg->bc", diff, precision, diff)
    return squared.min(dim=1).values.clamp(min=0).sqrt()


@dataclass
class DomainCheck:
    """Per feature set (one per block): class means, inverse covariance and scale; and the score's threshold.

    Attributes:
        means: per feature set, (classes, d): the mean features of each class's training examples.
        precisions: per feature set, (d, d): the inverse of the covariance around the class means.
        scales: per feature set, the distance that 99% of the training examples stay within.
        threshold: the largest score accepted.
    """

    means: list[Tensor]
    precisions: list[Tensor]
    scales: list[float]
    threshold: float

    def scores(self, features: Sequence[Tensor]) -> Tensor:
        """Each image's largest distance to the nearest class, over the feature sets, in units of `scales`."""
        if len(features) != len(self.means):
            raise ValueError(f"expected {len(self.means)} feature sets, got {len(features)}")
        ratios = [nearest_class_distance(f, m, p) / scale
                  for f, m, p, scale in zip(features, self.means, self.precisions, self.scales, strict=True)]
        return torch.stack(ratios).max(dim=0).values

    def accepts(self, features: Sequence[Tensor]) -> Tensor:
        """True for each image whose score is within the threshold: it looks like the training data."""
        return self.scores(features) <= self.threshold
# --8<-- [end:distances]

    def save(self, folder: str | Path) -> Path:
        """Write the check to `folder/domain.safetensors` (tensors only, like the model's weights)."""
        from safetensors.torch import save_file

        tensors = {"scales": torch.tensor(self.scales, dtype=torch.float64),
                   "threshold": torch.tensor([self.threshold], dtype=torch.float64)}
        for i, (means, precision) in enumerate(zip(self.means, self.precisions, strict=True)):
            tensors |= {f"means.{i}": means.contiguous(), f"precision.{i}": precision.contiguous()}
        path = Path(folder) / FILE
        save_file(tensors, path)
        return path

    @classmethod
    def load(cls, folder: str | Path) -> DomainCheck:
        """Read the check that `save` wrote.

        Raises:
            FileNotFoundError: if `folder` has no `domain.safetensors` (export the model again: `make model`).
        """
        from safetensors.torch import load_file

        path = Path(folder) / FILE
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: export the model again (make model)")
        tensors = load_file(path)
        n = len(tensors["scales"])
        return cls([tensors[f"means.{i}"] for i in range(n)], [tensors[f"precision.{i}"] for i in range(n)],
                   tensors["scales"].tolist(), float(tensors["threshold"][0]))


# --8<-- [start:fit]
def fit_domain_check(features: Sequence[Tensor], labels: Tensor, quantile: float = 0.995) -> DomainCheck:
    """Class means and shared covariance of each set of training features; the threshold that accepts `quantile`.

    Args:
        features: one (examples, d) tensor per feature set (per block), for the training examples.
        labels: (examples,), their class indices.
        quantile: the share of training examples to accept, in (0, 1].

    Raises:
        ValueError: if the shapes disagree, a class has no example, or `quantile` is out of range.
    """
    if not 0 < quantile <= 1:
        raise ValueError(f"quantile must be in (0, 1], got {quantile}")
    classes = int(labels.max()) + 1
    counts = torch.bincount(labels, minlength=classes)
    if (counts == 0).any():
        raise ValueError(f"class(es) {torch.nonzero(counts == 0).flatten().tolist()} have no example")
    means, precisions, scales = [], [], []
    for f in features:
        if f.ndim != 2 or labels.shape != (len(f),):
            raise ValueError(f"need features (n, d) and labels (n,), got {tuple(f.shape)} and {tuple(labels.shape)}")
        x = f.double()
        class_means = torch.stack([x[labels == c].mean(dim=0) for c in range(classes)])
        centred = x - class_means[labels]
        covariance = centred.T @ centred / len(x)
        ridge = 1e-3 * covariance.diagonal().mean() * torch.eye(x.shape[1], dtype=x.dtype)  # for unused features
        precision = torch.linalg.inv(covariance + ridge)
        means.append(class_means)
        precisions.append(precision)
        scales.append(float(torch.quantile(nearest_class_distance(x, class_means, precision), 0.99)))
    check = DomainCheck(means, precisions, scales, threshold=torch.inf)
    check.threshold = float(torch.quantile(check.scores(features), quantile))
    return check
# --8<-- [end:fit]


def block_statistics(model: nn.Sequential, x: Tensor) -> list[Tensor]:
    """The mean and standard deviation of each channel after each of `simple_cnn`'s four blocks.

    Returns:
        One (images, 2 * channels) tensor per block: for the app's model 16, 32, 64 and 128 numbers.
    """
    statistics = []
    with torch.no_grad():
        for block in model[:-3]:                  # the body; the head, pooling and flattening are left out
            x = block(x)
            statistics.append(torch.cat([x.mean(dim=(2, 3)), x.std(dim=(2, 3))], dim=1))
    return statistics
