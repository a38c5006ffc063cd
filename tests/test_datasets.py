"""Offline datasets."""

from __future__ import annotations

import pytest
import torch

from snippets.datasets import load_digits


def test_digits_split_is_fixed_stratified_and_scaled():
    split = load_digits()
    assert len(split.x_train) + len(split.x_valid) == 1797
    assert split.x_train.dtype == torch.float32 and split.y_train.dtype == torch.long
    assert 0.0 <= split.x_train.min() and split.x_train.max() <= 1.0
    counts = torch.bincount(split.y_valid, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37  # about 36 of each digit
    again = load_digits()
    assert torch.equal(split.y_valid, again.y_valid)
    assert not torch.equal(split.y_valid, load_digits(seed=0).y_valid)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.2, 1.5])
def test_bad_valid_fraction(fraction):
    with pytest.raises(ValueError, match="valid_fraction must be between 0 and 1"):
        load_digits(valid_fraction=fraction)
