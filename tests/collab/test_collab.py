"""Collaborative filtering: models, baselines, and clear errors for bad ratings or ids."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from snippets.collab import (
    BiasBaseline,
    DotProduct,
    NeuralCF,
    check_ids,
    check_ratings,
    collab_dataloaders,
    rmse,
    sigmoid_range,
)


@pytest.fixture
def ratings() -> pd.DataFrame:
    """Synthetic ratings with a known structure: a bias and one hidden taste per user and item."""
    g = torch.Generator().manual_seed(0)
    users, items = torch.randint(0, 30, (3000,), generator=g), torch.randint(0, 40, (3000,), generator=g)
    user_bias, item_bias = torch.randn(30, generator=g) * 0.5, torch.randn(40, generator=g) * 0.5
    user_taste, item_taste = torch.randn(30, generator=g), torch.randn(40, generator=g)
    stars = 3 + user_bias[users] + item_bias[items] + user_taste[users] * item_taste[items]
    stars = stars.clamp(1, 5).round()
    return pd.DataFrame({"user": users, "movie": items, "rating": stars})


def test_sigmoid_range_stays_inside():
    out = sigmoid_range(torch.tensor([-1e4, -1.0, 0.0, 1.0, 1e4]), 1.0, 5.0)
    assert out.min() >= 1.0
    assert out.max() <= 5.0
    assert out[2].item() == pytest.approx(3.0)


@pytest.mark.parametrize("model_cls", [DotProduct, NeuralCF])
def test_models_learn_hidden_tastes(ratings, model_cls):
    torch.manual_seed(0)
    model = model_cls(30, 40)
    x = torch.tensor(ratings[["user", "movie"]].values)
    y = torch.tensor(ratings["rating"].values, dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    before = rmse(model(x).detach(), y)
    for _ in range(200):
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = rmse(model(x).detach(), y)
    assert after < 0.6 * before


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (torch.tensor([[1, 40]]), "unknown item id 40: known ids are 0..39"),
        (torch.tensor([[30, 1]]), "unknown user id 30: known ids are 0..29"),
        (torch.tensor([[-1, 1]]), "unknown user id -1"),
        (torch.tensor([[1.0, 2.0]]), "expected integer ids of shape \\(batch, 2\\)"),
        (torch.tensor([1, 2]), "expected integer ids of shape \\(batch, 2\\)"),
    ],
)
@pytest.mark.parametrize("model_cls", [DotProduct, NeuralCF])
def test_unknown_or_malformed_ids_raise(model_cls, x, message):
    with pytest.raises(ValueError, match=message):
        model_cls(30, 40)(x)


def test_check_ids_splits_columns():
    users, items = check_ids(torch.tensor([[0, 1], [2, 3]]), 3, 4)
    assert users.tolist() == [0, 2]
    assert items.tolist() == [1, 3]


def test_bias_baseline_beats_global_mean(ratings):
    train, valid = ratings.iloc[:2400], ratings.iloc[2400:]
    model = BiasBaseline().fit(train)
    assert rmse(model.predict(valid, unknown="zero").tolist(), valid.rating.tolist()) < rmse(
        [train.rating.mean()] * len(valid), valid.rating.tolist()
    )


def test_bias_baseline_shrinks_rare_items():
    train = pd.DataFrame({"user": [1, 2, 3, 1], "movie": [10, 10, 10, 11], "rating": [4.0, 4.0, 4.0, 5.0]})
    shrunk = BiasBaseline(reg_item=5, reg_user=0).fit(train)
    raw = BiasBaseline(reg_item=0, reg_user=0).fit(train)
    assert abs(shrunk.item_bias[11]) < abs(raw.item_bias[11])


def test_bias_baseline_unknown_ids(ratings):
    model = BiasBaseline().fit(ratings)
    new = pd.DataFrame({"user": [999], "movie": [0]})
    with pytest.raises(ValueError, match=r"unknown user id\(s\) \[999\]"):
        model.predict(new)
    assert model.predict(new, unknown="zero").iloc[0] == pytest.approx(model.mean + model.item_bias[0])
    with pytest.raises(ValueError, match="unknown must be 'error' or 'zero'"):
        model.predict(new, unknown="ignore")


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"user": [1], "rating": [3.0]}), r"missing column\(s\) \['movie'\]"),
        (pd.DataFrame({"user": [1, None], "movie": [1, 2], "rating": [3.0, 4.0]}), "'user' has 1 missing value"),
        (pd.DataFrame({"user": [1, 2], "movie": [1, 2], "rating": [3.0, float("nan")]}), "'rating' has 1 missing"),
    ],
)
def test_bad_ratings_tables(frame, message):
    with pytest.raises(ValueError, match=message):
        check_ratings(frame)
    with pytest.raises(ValueError, match=message):
        BiasBaseline().fit(frame)
    with pytest.raises(ValueError, match=message):
        collab_dataloaders(frame, item="movie")


def test_collab_dataloaders_fixed_split(ratings):
    first = collab_dataloaders(ratings, item="movie", bs=64)
    second = collab_dataloaders(ratings, item="movie", bs=64)
    assert len(first.valid_ds) == 600
    assert first.valid_ds.items.index.equals(second.valid_ds.items.index)


def test_rmse_errors():
    assert rmse([1.0, 2.0], [1.0, 2.0]) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        rmse([1.0], [1.0, 2.0])
