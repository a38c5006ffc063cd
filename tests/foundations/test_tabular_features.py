"""Titanic features by hand: learned from the training rows only, one-hot columns, clear errors."""

from __future__ import annotations

import pytest
import torch

from snippets.datasets import load_titanic
from snippets.foundations.tabular_features import TitanicFeatures


def test_titanic_features_learn_from_training_rows_only():
    titanic = load_titanic()
    train, valid = titanic.iloc[:1000], titanic.iloc[1000:].copy()
    features = TitanicFeatures.fit(train)
    valid["fare"] = valid["fare"] * 1000                 # nothing about the validation rows changes the fit
    assert TitanicFeatures.fit(train) == features
    x = features(valid)
    assert x.shape == (len(valid), len(features.names)) and not torch.isnan(x).any()
    assert x.dtype == torch.float32
    is_male = torch.tensor((valid.sex == "male").values, dtype=torch.float32)
    assert (x[:, features.names.index("sex_male")] == is_male).all()
    one_hot = x[:, features.names.index("pclass_1"):features.names.index("pclass_3") + 1]
    assert (one_hot.sum(dim=1) == 1).all()
    with pytest.raises(ValueError, match="lacks the columns"):
        TitanicFeatures.fit(titanic.drop(columns=["fare"]))
