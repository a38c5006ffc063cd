"""Collaborative filtering: predict a user's rating of an item from everyone's ratings.

Every user and every item gets a vector of *latent factors*, learned from the ratings alone:
nobody says that a factor means "action" or "old film"; training finds whatever directions
explain the ratings best. The predicted rating is the dot product of the two vectors plus a
bias for the user (some people rate everything high) and one for the item (some films are
liked by almost everyone), squashed into the rating range.

Those vectors are *embeddings*: looking up row `i` of a matrix is the same as multiplying the
matrix by a one-hot vector for `i`, only much cheaper, so an embedding is a layer whose input
is an id.

The models take the batches of fastai's `CollabDataLoaders`: a long tensor of shape
(batch, 2) holding a user index and an item index (index 0 is fastai's `#na#`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
import torch
from torch import Tensor, nn

from snippets.datasets import check_valid_pct

if TYPE_CHECKING:  # fastai is imported inside the function: importing this module stays cheap
    from fastai.data.core import DataLoaders


def sigmoid_range(x: Tensor, low: float, high: float) -> Tensor:
    """Squash any number into (low, high) with a sigmoid.

    Examples:
        >>> sigmoid_range(torch.tensor([-100.0, 0.0, 100.0]), 0, 5.5)
        tensor([0.0000, 2.7500, 5.5000])
    """
    return torch.sigmoid(x) * (high - low) + low


def create_params(*size: int, std: float = 0.01) -> nn.Parameter:
    """A learnable tensor of the given size, started with small random numbers.

    Examples:
        >>> create_params(3, 2).shape
        torch.Size([3, 2])
    """
    return nn.Parameter(torch.randn(*size) * std)


def check_ids(x: Tensor, n_users: int, n_items: int) -> tuple[Tensor, Tensor]:
    """Split a (batch, 2) tensor of ids into users and items, refusing unknown ids.

    An id past the end of an embedding would make PyTorch fail with an index error deep
    inside the forward pass; this names the problem instead.

    Raises:
        ValueError: if `x` is not (batch, 2) integers, or an id is outside the known range.

    Examples:
        >>> users, items = check_ids(torch.tensor([[1, 2], [3, 4]]), n_users=5, n_items=5)
        >>> users.tolist(), items.tolist()
        ([1, 3], [2, 4])
    """
    if x.ndim != 2 or x.shape[1] != 2 or x.is_floating_point():
        raise ValueError(f"expected integer ids of shape (batch, 2), got {x.dtype} of shape {tuple(x.shape)}")
    users, items = x[:, 0], x[:, 1]
    for name, ids, n in (("user", users, n_users), ("item", items, n_items)):
        if len(ids) and (ids.min() < 0 or ids.max() >= n):
            bad = int(ids.max() if ids.max() >= n else ids.min())
            raise ValueError(f"unknown {name} id {bad}: known ids are 0..{n - 1}")
    return users, items


# --8<-- [start:dot_product]
class DotProduct(nn.Module):
    """Dot product of user and item factors, plus biases, squashed into the rating range.

    Args:
        n_users: number of user ids (fastai's `len(dls.classes["user"])`).
        n_items: number of item ids.
        n_factors: length of each latent-factor vector.
        y_range: the range predictions are squashed into; a little wider than the ratings,
            because a sigmoid never reaches its ends.

    Examples:
        >>> model = DotProduct(n_users=10, n_items=20, n_factors=5)
        >>> model(torch.tensor([[1, 2], [3, 4]])).shape
        torch.Size([2])
    """

    def __init__(self, n_users: int, n_items: int, n_factors: int = 50, y_range: tuple[float, float] = (0, 5.5)):
        super().__init__()
        self.user_factors = create_params(n_users, n_factors)
        self.item_factors = create_params(n_items, n_factors)
        self.user_bias = create_params(n_users)
        self.item_bias = create_params(n_items)
        self.y_range = y_range

    def forward(self, x: Tensor) -> Tensor:
        users, items = check_ids(x, len(self.user_bias), len(self.item_bias))
        dot = (self.user_factors[users] * self.item_factors[items]).sum(dim=1)
        return sigmoid_range(dot + self.user_bias[users] + self.item_bias[items], *self.y_range)
# --8<-- [end:dot_product]


# --8<-- [start:neural]
class NeuralCF(nn.Module):
    """Neural collaborative filtering: concatenate the two embeddings and feed them to an MLP.

    Instead of a fixed dot product, a small network learns how user and item factors combine,
    which lets the user and item embeddings have different sizes and lets other columns join in.

    Args:
        n_users: number of user ids.
        n_items: number of item ids.
        user_factors: size of each user embedding.
        item_factors: size of each item embedding.
        hidden: sizes of the hidden layers.
        y_range: the range predictions are squashed into.
        dropout: dropout probability after each hidden layer.

    Examples:
        >>> model = NeuralCF(n_users=10, n_items=20, user_factors=4, item_factors=6, hidden=[8])
        >>> model(torch.tensor([[1, 2], [3, 4]])).shape
        torch.Size([2])
    """

    def __init__(
        self,
        n_users: int,
        n_items: int,
        user_factors: int = 50,
        item_factors: int = 50,
        hidden: Sequence[int] = (100,),
        y_range: tuple[float, float] = (0, 5.5),
        dropout: float = 0.0,
    ):
        super().__init__()
        self.user_factors = nn.Embedding(n_users, user_factors)
        self.item_factors = nn.Embedding(n_items, item_factors)
        layers: list[nn.Module] = []
        sizes = [user_factors + item_factors, *hidden]
        for n_in, n_out in itertools.pairwise(sizes):
            layers += [nn.Linear(n_in, n_out), nn.ReLU(), nn.Dropout(dropout)]
        self.layers = nn.Sequential(*layers, nn.Linear(sizes[-1], 1))
        self.y_range = y_range

    def forward(self, x: Tensor) -> Tensor:
        users, items = check_ids(x, self.user_factors.num_embeddings, self.item_factors.num_embeddings)
        both = torch.cat([self.user_factors(users), self.item_factors(items)], dim=1)
        return sigmoid_range(self.layers(both).squeeze(1), *self.y_range)
# --8<-- [end:neural]


def check_ratings(ratings: pd.DataFrame, user: str = "user", item: str = "movie", rating: str = "rating") -> None:
    """Raise a clear error unless `ratings` has the three columns and no missing values in them.

    Raises:
        ValueError: naming the missing columns, or the column with NaNs and how many; on an
            empty table, or ratings that are not finite numbers.

    Examples:
        >>> check_ratings(pd.DataFrame({"user": [1], "movie": [2], "rating": [4.0]}))
        >>> check_ratings(pd.DataFrame({"user": [1], "rating": [4.0]}))
        Traceback (most recent call last):
        ...
        ValueError: ratings is missing column(s) ['movie']; it has ['user', 'rating']
    """
    missing = [c for c in (user, item, rating) if c not in ratings.columns]
    if missing:
        raise ValueError(f"ratings is missing column(s) {missing}; it has {list(ratings.columns)}")
    for column in (user, item, rating):
        n_missing = int(ratings[column].isna().sum())
        if n_missing:
            raise ValueError(f"ratings column {column!r} has {n_missing} missing value(s)")
    if len(ratings) == 0:
        raise ValueError("ratings is empty: there is nothing to learn from")
    values = pd.to_numeric(ratings[rating], errors="coerce")
    if values.isna().any() or not values.abs().lt(float("inf")).all():
        raise ValueError(f"ratings column {rating!r} must hold finite numbers")


# --8<-- [start:baseline]
class BiasBaseline:
    """The best model with no factors: global mean + user bias + item bias.

    Fitted in closed form, item biases first, then user biases on what is left (Koren, 2009).
    `reg` shrinks the biases of users and items with few ratings towards zero: an item rated
    once at 5 stars is not the best film ever.

    Args:
        reg_item: shrinkage for item biases (like adding that many ratings at the mean).
        reg_user: shrinkage for user biases.

    Examples:
        >>> train = pd.DataFrame({"user": [1, 1, 2], "movie": [10, 11, 10], "rating": [5.0, 3.0, 4.0]})
        >>> model = BiasBaseline(reg_item=0, reg_user=0).fit(train)
        >>> model.predict(pd.DataFrame({"user": [2], "movie": [11]})).round(2).tolist()
        [2.5]
    """

    def __init__(self, reg_item: float = 25.0, reg_user: float = 10.0) -> None:
        self.reg_item, self.reg_user = reg_item, reg_user

    def fit(
        self, ratings: pd.DataFrame, user: str = "user", item: str = "movie", rating: str = "rating"
    ) -> BiasBaseline:
        """Learn the global mean and the biases from a ratings table."""
        check_ratings(ratings, user, item, rating)
        self.columns = (user, item)
        self.mean = float(ratings[rating].mean())
        left = ratings[rating] - self.mean
        by_item = left.groupby(ratings[item])
        self.item_bias = by_item.sum() / (by_item.count() + self.reg_item)
        left = left - ratings[item].map(self.item_bias)
        by_user = left.groupby(ratings[user])
        self.user_bias = by_user.sum() / (by_user.count() + self.reg_user)
        return self

    def predict(self, pairs: pd.DataFrame, unknown: str = "error") -> pd.Series:
        """Predicted ratings for a table of (user, item) pairs.

        Args:
            pairs: a table with the user and item columns used in `fit`.
            unknown: what to do with a user or item that was not in the training ratings:
                `"error"` raises, `"zero"` gives it a bias of 0 (the usual cold-start guess).

        Raises:
            ValueError: if a user or item was not in the training ratings and `unknown="error"`.
        """
        if unknown not in ("error", "zero"):
            raise ValueError(f"unknown must be 'error' or 'zero', got {unknown!r}")
        user, item = self.columns
        for column, bias in ((user, self.user_bias), (item, self.item_bias)):
            new = set(pairs[column]) - set(bias.index)
            if new and unknown == "error":
                raise ValueError(
                    f"unknown {column} id(s) {sorted(new)[:5]} ({len(new)} in all): not in the training ratings; "
                    "pass unknown='zero' to predict them with a bias of 0"
                )
        user_bias = pairs[user].map(self.user_bias).fillna(0.0)
        item_bias = pairs[item].map(self.item_bias).fillna(0.0)
        return self.mean + user_bias + item_bias
# --8<-- [end:baseline]


def rmse(preds: Sequence[float] | Tensor, targets: Sequence[float] | Tensor) -> float:
    """Root mean squared error, the usual score for rating prediction.

    Raises:
        ValueError: on different shapes, empty input, or NaN or infinite values.

    Examples:
        >>> rmse([3.0, 4.0], [3.0, 2.0])  # the square root of 2; the last digits differ between CPUs
        1.41421356
    """
    p, t = torch.as_tensor(preds, dtype=torch.float64), torch.as_tensor(targets, dtype=torch.float64)
    if p.shape != t.shape or p.numel() == 0:
        raise ValueError(
            f"preds and targets must be non-empty and the same shape, got {tuple(p.shape)} and {tuple(t.shape)}"
        )
    if not (torch.isfinite(p).all() and torch.isfinite(t).all()):
        raise ValueError("rmse needs finite numbers: preds or targets hold NaN or infinity")
    return float(((p - t) ** 2).mean().sqrt())


# --8<-- [start:dataloaders]
def collab_dataloaders(
    ratings: pd.DataFrame,
    user: str = "user",
    item: str = "title",
    rating: str = "rating",
    valid_pct: float = 0.2,
    seed: int = 42,
    bs: int = 1024,
) -> DataLoaders:
    """fastai `CollabDataLoaders` for a ratings table, after checking it, with a fixed random split.

    A batch of 1,024 ratings (fastai's default is 64) makes an epoch of MovieLens 100k take a
    fraction of a second on a CPU; the learning rate stays the same.

    Raises:
        ValueError: if a column is missing or holds missing values, or `valid_pct` leaves the
            training or the validation ratings empty.
    """
    from fastai.collab import CollabDataLoaders

    check_ratings(ratings, user, item, rating)
    check_valid_pct(valid_pct, len(ratings))
    ratings = ratings[[user, item, rating]]  # fastai 2.8 fails to batch a table whose rating column comes first
    return CollabDataLoaders.from_df(
        ratings, user_name=user, item_name=item, rating_name=rating, valid_pct=valid_pct, seed=seed, bs=bs
    )
# --8<-- [end:dataloaders]
