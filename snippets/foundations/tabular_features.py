"""A table turned into numbers by hand, the way the course's lesson 5 does it for the Titanic.

A linear model or a neural net needs every input as a number on a sensible scale:

- **missing values** are filled with the most common value of the column (its *mode*), computed
  on the training rows only, so that nothing about the validation rows leaks into training;
- **categories** become *one-hot* columns, one 0/1 column per category (`pclass_1`, `pclass_2`,
  `pclass_3`, ...), because a category's code (1, 2, 3) is not a quantity; the two-valued sex
  needs only one column, `sex_male`;
- a **long-tailed number** such as the fare (most tickets cheap, a few very dear) is replaced by
  its logarithm, `log(fare + 1)`, so that the few large values do not dominate;
- every number is divided by its largest training value, so all columns are between about 0
  and 1 and one learning rate suits every weight.

fastai's `TabularPandas` with `FillMissing`, `Categorify` and `Normalize` does the same (with
embeddings instead of one-hot columns); a random forest needs none of it but the filling.

Example:
    >>> from snippets.datasets import load_titanic
    >>> titanic = load_titanic()
    >>> features = TitanicFeatures.fit(titanic)
    >>> x = features(titanic)
    >>> x.shape, features.names[:4]
    (torch.Size([1309, 11]), ['age', 'sibsp', 'parch', 'log_fare'])
    >>> bool(x.min() >= 0 and x.max() <= 1)
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import Tensor

NUMBERS = ("age", "sibsp", "parch", "fare")
CATEGORIES = {"sex": ["male"], "pclass": [1, 2, 3], "embarked": ["C", "Q", "S"]}


# --8<-- [start:features]
@dataclass(frozen=True)
class TitanicFeatures:
    """The filling values and scales learned from the training rows; call it on any rows."""

    modes: dict[str, object]
    maxima: dict[str, float]

    @classmethod
    def fit(cls, train: pd.DataFrame) -> TitanicFeatures:
        """Learn the modes and the column maxima from the training rows.

        Raises:
            ValueError: if a needed column is missing.
        """
        missing = [c for c in (*NUMBERS, *CATEGORIES) if c not in train.columns]
        if missing:
            raise ValueError(f"the table lacks the columns {missing}")
        modes = {column: train[column].mode()[0] for column in (*NUMBERS, *CATEGORIES)}
        filled = train.fillna(modes)
        numbers = filled[list(NUMBERS)].assign(fare=np.log1p(filled["fare"]))
        return cls(modes, {column: float(numbers[column].max()) for column in NUMBERS})

    @property
    def names(self) -> list[str]:
        return ["age", "sibsp", "parch", "log_fare",
                *(f"{column}_{value}" for column, values in CATEGORIES.items() for value in values)]

    def __call__(self, df: pd.DataFrame) -> Tensor:
        """The rows of `df` as a float tensor, one column per name in `names`."""
        df = df.fillna(self.modes)
        columns = [df[c] / self.maxima[c] for c in ("age", "sibsp", "parch")]
        columns.append(np.log1p(df["fare"]) / self.maxima["fare"])
        columns += [(df[column] == value).astype(float) for column, values in CATEGORIES.items() for value in values]
        return torch.tensor(np.stack(columns, axis=1), dtype=torch.float32)
# --8<-- [end:features]
