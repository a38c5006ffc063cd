"""What `tabular_learner` builds, written out in PyTorch (fastbook chapter 15): embeddings and a stack of blocks.

`tabular_learner(dls)` trains fastai's `TabularModel`. With its defaults (`layers=[200, 100]`,
no dropout) that is:

1. one **embedding** per categorical column, `n` rows (the column's categories plus `#na#`) of
   `embedding_size(n)` numbers each, fastai's rule of thumb `min(600, round(1.6 * n ** 0.56))`,
   started as fastai's `trunc_normal_` starts them: a standard normal sample wrapped into
   (-2, 2) by `fmod`, times 0.01 (a spread of about 0.0087);
2. dropout on the embeddings (`embed_p`, 0 by default, which leaves them as they are);
3. the **continuous** columns through a `BatchNorm1d`, so they arrive on one scale;
4. both side by side, into one block per hidden layer: a `Linear` without bias, a ReLU (fastai's
   blocks share one ReLU object; it has no state, so one per block is the same), a
   `BatchNorm1d` (weight 1, bias 0.001, as fastai starts it; fastai drops the linear layer's bias
   whenever its block has BatchNorm), and
   dropout when `p` is above 0 (fastai's `LinBnDrop` with `lin_first=True`);
5. a last `Linear` (with a bias) to the outputs, and, for a regression with `y_range`, a scaled
   sigmoid that keeps every prediction inside the range.

`tests/foundations/test_tabular_model.py` builds the model `tabular_learner` builds for the same
table and checks that the two have the same layers in the same order, that fastai's weights load
into this one under the same names, and that both then compute the same outputs.

Example:
    >>> model = TabularNet([3, 10], n_continuous=2, n_out=2, layers=(8,))
    >>> [e.embedding_dim for e in model.embeds]  # embedding_size(3), embedding_size(10)
    [3, 6]
    >>> model(torch.tensor([[0, 9], [2, 0]]), torch.zeros(2, 2)).shape  # two rows, two scores each
    torch.Size([2, 2])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn


def embedding_size(n_categories: int) -> int:
    """fastai's rule of thumb for the width of a column's embedding: grows more slowly than the categories.

    Raises:
        ValueError: if `n_categories` is less than 1.

    Example:
        >>> tuple(embedding_size(n) for n in (2, 10, 100, 10_000))
        (2, 6, 21, 278)
    """
    if n_categories < 1:
        raise ValueError(f"a column needs at least one category, got {n_categories}")
    return min(600, round(1.6 * n_categories**0.56))


def _embedding(n: int, width: int) -> nn.Embedding:
    embedding = nn.Embedding(n, width)
    with torch.no_grad():  # fastai's trunc_normal_: a normal sample wrapped into (-2, 2) by fmod, times 0.01
        embedding.weight.normal_().fmod_(2).mul_(0.01)
    return embedding


def batchnorm_as_fastai(n: int) -> nn.BatchNorm1d:
    """A `BatchNorm1d` started as fastai's `BatchNorm` starts it: weight 1, bias 0.001 (PyTorch's: 1 and 0).

    The linear blocks of `vision_learner`'s head, `tabular_learner`'s model and the text classifier's head
    start their BatchNorm this way (not the tabular model's BatchNorm on the continuous columns, which is
    PyTorch's).

    Example:
        >>> norm = batchnorm_as_fastai(3)
        >>> norm.weight.tolist(), round(norm.bias[0].item(), 6)
        ([1.0, 1.0, 1.0], 0.001)
    """
    norm = nn.BatchNorm1d(n)
    with torch.no_grad():
        norm.bias.fill_(1e-3)
    return norm


def _block(n_in: int, n_out: int, p: float) -> nn.Sequential:
    layers = [nn.Linear(n_in, n_out, bias=False), nn.ReLU(), batchnorm_as_fastai(n_out)]
    return nn.Sequential(*layers, nn.Dropout(p)) if p > 0 else nn.Sequential(*layers)


class ScaledSigmoid(nn.Module):
    """A sigmoid stretched to `(low, high)`: fastai's `SigmoidRange`, for `y_range`."""

    def __init__(self, low: float, high: float) -> None:
        super().__init__()
        self.low, self.high = low, high

    def forward(self, x: Tensor) -> Tensor:
        return torch.sigmoid(x) * (self.high - self.low) + self.low


# --8<-- [start:tabular_net]
class TabularNet(nn.Module):
    """Embeddings for the categorical columns, BatchNorm for the continuous ones, then linear-ReLU-BatchNorm blocks.

    Args:
        n_categories: for each categorical column, how many codes it has (`#na#` included).
        n_continuous: how many continuous columns there are.
        n_out: outputs (classes, or targets of a regression).
        layers: the hidden layers' widths (fastai's default: 200 and 100).
        p: dropout after each hidden block: one probability for all, or one per block.
        embed_p: dropout on the concatenated embeddings.
        y_range: `(low, high)` to squash every output into, for a regression.
        embedding_sizes: a width per categorical column, in place of `embedding_size`'s.

    Raises:
        ValueError: if there are no input columns, a size is not positive, `p` gives the wrong
            number of probabilities, or `embedding_sizes` the wrong number of widths.
    """

    def __init__(self, n_categories: Sequence[int], n_continuous: int, n_out: int, layers: Sequence[int] = (200, 100),
                 p: float | Sequence[float] = 0.0, embed_p: float = 0.0, y_range: tuple[float, float] | None = None,
                 embedding_sizes: Sequence[int] | None = None) -> None:
        super().__init__()
        if not n_categories and n_continuous < 1:
            raise ValueError("no input columns: give categorical columns, continuous ones, or both")
        if min([*n_categories, *layers, n_out, 1]) < 1 or n_continuous < 0:
            raise ValueError(f"sizes must be positive: n_categories={list(n_categories)}, layers={list(layers)}, "
                             f"n_out={n_out}, n_continuous={n_continuous}")
        ps = [p] * len(layers) if isinstance(p, int | float) else list(p)
        if len(ps) != len(layers):
            raise ValueError(f"{len(ps)} dropout probabilities for {len(layers)} hidden layers")
        widths = list(embedding_sizes) if embedding_sizes is not None else [embedding_size(n) for n in n_categories]
        if len(widths) != len(n_categories):
            raise ValueError(f"{len(widths)} embedding sizes for {len(n_categories)} categorical columns")
        self.embeds = nn.ModuleList([_embedding(n, w) for n, w in zip(n_categories, widths, strict=True)])
        self.emb_drop = nn.Dropout(embed_p)
        self.bn_cont = nn.BatchNorm1d(n_continuous)  # empty without continuous columns, as fastai's
        sizes = [sum(widths) + n_continuous, *layers]
        blocks = [_block(a, b, q) for a, b, q in zip(sizes[:-1], sizes[1:], ps, strict=True)]
        blocks.append(nn.Sequential(nn.Linear(sizes[-1], n_out)))
        if y_range is not None:
            blocks.append(ScaledSigmoid(*y_range))
        self.layers = nn.Sequential(*blocks)

    def forward(self, x_cat: Tensor, x_cont: Tensor) -> Tensor:
        parts = []
        if self.embeds:
            parts.append(self.emb_drop(torch.cat([e(x_cat[:, i]) for i, e in enumerate(self.embeds)], dim=1)))
        if self.bn_cont.num_features:
            parts.append(self.bn_cont(x_cont))
        return self.layers(torch.cat(parts, dim=1))
# --8<-- [end:tabular_net]
