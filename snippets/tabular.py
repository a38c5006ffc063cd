"""Tabular data: a table of categorical and continuous columns, for neural nets and forests.

Two families of models dominate tables. **Decision-tree ensembles** (random forests,
gradient boosting) need almost no preparation and are hard to beat. **Neural networks** need
every column turned into numbers: continuous columns normalised, missing values filled, and
each categorical column given an *entity embedding*, a learned vector per category, exactly
like the user and item factors of collaborative filtering. The embeddings a network learns can
then be handed to a forest as extra features.

fastai's `TabularPandas` does the preparation once (`Categorify`, `FillMissing`, `Normalize`),
and its processed columns feed both families, so that they are compared on the same split.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from snippets.datasets import check_valid_pct

if TYPE_CHECKING:  # fastai is imported inside the functions: importing this module stays cheap
    from fastai.tabular.core import TabularPandas


def check_table(df: pd.DataFrame, target: str, columns: Sequence[str] = ()) -> None:
    """Raise a clear error unless `df` has the target and the given columns, and a complete target.

    Raises:
        ValueError: naming missing columns, or how many target values are missing.

    Examples:
        >>> check_table(pd.DataFrame({"age": [30], "income": [">50K"]}), "income")
        >>> check_table(pd.DataFrame({"age": [30]}), "income")
        Traceback (most recent call last):
        ...
        ValueError: the table has no column(s) ['income']; it has ['age']
    """
    missing = [c for c in (target, *columns) if c not in df.columns]
    if missing:
        raise ValueError(f"the table has no column(s) {missing}; it has {list(df.columns)}")
    if len(df) == 0:
        raise ValueError("the table is empty")
    n_missing = int(df[target].isna().sum())
    if n_missing:
        raise ValueError(f"target column {target!r} has {n_missing} missing value(s): drop or fill those rows first")


def _fill_gaps_seen_only_in_validation(df: pd.DataFrame, cont: list[str], train: pd.DataFrame) -> pd.DataFrame:
    """Prepare continuous columns for fastai's `FillMissing`, which learns from the training rows only.

    A column with no value in any training row gives nothing to learn (its median is NaN, which
    would reach the model): refuse it. A column whose gaps all fall in validation rows makes
    `FillMissing` stop with a bare assertion: fill those gaps with the training median, as
    `FillMissing` would have.
    """
    empty = [c for c in cont if train[c].isna().all()]
    if empty:
        raise ValueError(f"column(s) {empty} have no value in any training row: drop or fill them first")
    only_valid = [c for c in cont if df[c].isna().any() and not train[c].isna().any()]
    return df.assign(**{c: df[c].fillna(train[c].median()) for c in only_valid}) if only_valid else df


# --8<-- [start:tabular_pandas]
def tabular_pandas(
    df: pd.DataFrame,
    target: str,
    valid_pct: float = 0.2,
    seed: int = 42,
    classification: bool = True,
    max_card: int = 1,
    normalize: bool = True,
) -> TabularPandas:
    """Prepare a table with fastai: categories to codes, missing values filled, numbers normalised.

    Which columns are categorical is decided by `fastai.tabular.core.cont_cat_split`: float
    columns, and integer columns with more than `max_card` distinct values, are continuous;
    everything else (text, pandas 3's `str` dtype included) is categorical.

    `TabularPandas` is built with its default `reduce_memory=True`, which turns every text column
    of the whole table into a pandas categorical before the split: the category codes then cover
    every category in the table, validation rows included, and 0 (`#na#`) is left for missing
    values and for values new to the table (new data through `test_dl`). `category_codes` shows
    the difference with `reduce_memory=False`, which learns codes from the training rows only.

    Args:
        df: the table, one row per example.
        target: the column to predict.
        valid_pct: share of rows held out, chosen at random with `seed`.
        seed: fixes the split.
        classification: predict a category (`CategoryBlock`) or a number (`RegressionBlock`).
        max_card: integer columns with at most this many values are treated as categories.
        normalize: scale continuous columns to mean 0, std 1 (a network needs it; trees do not,
            and their plots read better in the original units).

    Returns:
        The prepared table. Its `.train.xs` and `.valid.xs` are the processed columns, ready for
            scikit-learn, and `.dataloaders(bs)` feeds a `tabular_learner`.

    Raises:
        ValueError: if the target column is missing or has missing values, `valid_pct` leaves
            the training or the validation rows empty, or a continuous column has no value in any
            training row.
    """
    from fastai.data.block import CategoryBlock, RegressionBlock
    from fastai.data.transforms import RandomSplitter
    from fastai.tabular.core import Categorify, FillMissing, Normalize, TabularPandas, cont_cat_split

    check_table(df, target)
    check_valid_pct(valid_pct, len(df))
    cont, cat = cont_cat_split(df, max_card=max_card, dep_var=target)
    splits = RandomSplitter(valid_pct=valid_pct, seed=seed)(range(len(df)))
    df = _fill_gaps_seen_only_in_validation(df, cont, train=df.iloc[list(splits[0])])
    return TabularPandas(
        df,
        procs=[Categorify, FillMissing, *([Normalize] if normalize else [])],
        cat_names=cat,
        cont_names=cont,
        y_names=target,
        splits=splits,
        y_block=CategoryBlock() if classification else RegressionBlock(),
    )
# --8<-- [end:tabular_pandas]


def category_codes(df: pd.DataFrame, column: str, train: Sequence[int], reduce_memory: bool = True) -> list[int]:
    """The codes fastai's `Categorify` gives a categorical column, with the rows `train` for training.

    `Categorify` learns the codes in its setup, from the training rows, but `TabularPandas`'
    default `reduce_memory=True` first turns each text column of the *whole* table into a pandas
    categorical, and `Categorify` keeps every category of that dtype. So a value seen only in
    validation rows gets a code of its own, whose embedding no training row updates. With
    `reduce_memory=False` the codes come from the training rows only, and such a value gets code
    0 (fastai's `#na#`), like a missing value. Integer columns are not turned into categoricals:
    their codes come from the training rows either way.

    Args:
        df: the table.
        column: the categorical column.
        train: positions (0 to `len(df) - 1`) of the training rows; the other rows are validation.
        reduce_memory: passed to `TabularPandas`.

    Returns:
        The code of each row, in the order of `df`.

    Raises:
        ValueError: if the column is missing, or `train` is not distinct positions in the table
            that leave at least one training and one validation row.

    Examples:
        >>> colours = pd.DataFrame({"colour": ["blue", "red", "blue", "red", "white"]})
        >>> category_codes(colours, "colour", train=[0, 1, 2, 3])  # white: only in validation
        [1, 2, 1, 2, 3]
        >>> category_codes(colours, "colour", train=[0, 1, 2, 3], reduce_memory=False)
        [1, 2, 1, 2, 0]
    """
    from fastai.tabular.core import Categorify, TabularPandas

    if column not in df.columns:
        raise ValueError(f"the table has no column {column!r}; it has {list(df.columns)}")
    train = [int(i) for i in train]
    if len(set(train)) != len(train) or not all(0 <= i < len(df) for i in train):
        raise ValueError(f"train must be distinct positions from 0 to {len(df) - 1}")
    valid = sorted(set(range(len(df))) - set(train))
    if not train or not valid:
        raise ValueError(f"need at least one training and one validation row; train has {len(train)} of {len(df)}")
    table = df[[column]].reset_index(drop=True)
    to = TabularPandas(
        table, procs=[Categorify], cat_names=[column], splits=(train, valid), reduce_memory=reduce_memory
    )
    return [int(code) for code in to.items[column].sort_index()]


# --8<-- [start:embeddings]
def embeddings_as_features(embeddings: Sequence[torch.nn.Embedding], xs: pd.DataFrame, cat_names: Sequence[str]):
    """Replace each categorical code column by the entity embedding a network learned for it.

    A column with 17 codes and an 8-number embedding, such as Adult's `education`, becomes 8
    continuous columns (`education_0` ... `education_7`): categories the network found alike get
    close numbers, which a decision tree can split on in ways that raw codes do not allow.

    Args:
        embeddings: one `nn.Embedding` per categorical column, in the order of `cat_names`
            (for a fastai tabular learner: `learn.model.embeds`).
        xs: processed columns, with the category codes used to train those embeddings.
        cat_names: the categorical columns of `xs`.

    Raises:
        ValueError: if the counts differ, a column is missing, or a code has no embedding.

    Examples:
        >>> emb = [torch.nn.Embedding(3, 2)]
        >>> out = embeddings_as_features(emb, pd.DataFrame({"colour": [0, 2], "size": [1.0, 2.0]}), ["colour"])
        >>> list(out.columns)
        ['size', 'colour_0', 'colour_1']
    """
    if len(embeddings) != len(cat_names):
        raise ValueError(f"got {len(embeddings)} embeddings for {len(cat_names)} categorical columns")
    for name in cat_names:
        if name not in xs.columns:
            raise ValueError(f"column {name!r} is not in the table")
    out = [xs.drop(columns=list(cat_names))]
    for emb, name in zip(embeddings, cat_names, strict=True):
        codes = torch.as_tensor(xs[name].to_numpy(dtype=np.int64))
        if len(codes) and int(codes.max()) >= emb.num_embeddings:
            raise ValueError(f"column {name!r} has code {int(codes.max())} but only {emb.num_embeddings} embeddings")
        with torch.no_grad():
            vectors = emb(codes).numpy()
        out.append(pd.DataFrame(vectors, index=xs.index, columns=[f"{name}_{i}" for i in range(vectors.shape[1])]))
    return pd.concat(out, axis=1)
# --8<-- [end:embeddings]


def log_rmse(preds: Sequence[float] | np.ndarray, targets: Sequence[float] | np.ndarray) -> float:
    """RMSE between the logs of two sets of positive numbers (Kaggle's score for prices).

    On a log scale an error of 10% counts the same for a cheap house as for a mansion.

    Raises:
        ValueError: on different lengths, empty input, or a value that is not positive.

    Examples:
        >>> round(log_rmse([110_000, 220_000], [100_000, 200_000]), 4)
        0.0953
    """
    p, t = np.asarray(preds, dtype=float), np.asarray(targets, dtype=float)
    if p.shape != t.shape or p.size == 0:
        raise ValueError(f"preds and targets must be non-empty and the same shape, got {p.shape} and {t.shape}")
    if (p <= 0).any() or (t <= 0).any() or not (np.isfinite(p).all() and np.isfinite(t).all()):
        raise ValueError("log_rmse needs finite, positive numbers")
    return float(np.sqrt(np.mean((np.log(p) - np.log(t)) ** 2)))


# --8<-- [start:trees]
def score_by_n_trees(forest, xs: pd.DataFrame, y: np.ndarray, metric: Callable) -> list[float]:
    """The score of a fitted random forest using only its first 1, 2, ..., n trees.

    A forest's prediction is the mean of its trees' predictions, so one fit gives the whole
    curve: more trees never hurt, they just stop helping.

    Examples:
        >>> from sklearn.ensemble import RandomForestRegressor
        >>> x = pd.DataFrame({"a": np.arange(20.0)})
        >>> forest = RandomForestRegressor(5, random_state=0).fit(x, np.arange(20.0))
        >>> len(score_by_n_trees(forest, x, np.arange(20.0), lambda p, t: float(np.abs(p - t).mean())))
        5
    """
    per_tree = np.stack([tree.predict(xs.to_numpy()) for tree in forest.estimators_])
    running_mean = per_tree.cumsum(axis=0) / np.arange(1, len(per_tree) + 1)[:, None]
    return [metric(p, y) for p in running_mean]
# --8<-- [end:trees]


def feature_importance(forest, columns: Sequence[str]) -> pd.Series:
    """A fitted forest's feature importances by column, largest first.

    Examples:
        >>> from sklearn.ensemble import RandomForestRegressor
        >>> x = pd.DataFrame({"signal": np.arange(50.0), "noise": np.zeros(50)})
        >>> forest = RandomForestRegressor(10, random_state=0).fit(x, np.arange(50.0))
        >>> feature_importance(forest, x.columns).index[0]
        'signal'
    """
    return pd.Series(forest.feature_importances_, index=list(columns)).sort_values(ascending=False)
