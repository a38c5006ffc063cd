"""Collaborative filtering: models, baselines, and clear errors for bad ratings or ids."""

from __future__ import annotations

import math

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
    create_params,
    rmse,
    sigmoid_range,
)
from tests.exact import exactly


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
    """Film 11 has one rating, film 10 three; `reg_item=5` counts as five more ratings at the mean.

    mean = (4 + 4 + 4 + 5) / 4 = 4.25, so the residuals are -0.25, -0.25, -0.25 and 0.75.
    Raw biases: film 10 -0.75 / 3 = -0.25, film 11 0.75 / 1 = 0.75.
    Shrunk: film 10 -0.75 / (3 + 5) = -0.09375, film 11 0.75 / (1 + 5) = 0.125.
    """
    train = pd.DataFrame({"user": [1, 2, 3, 1], "movie": [10, 10, 10, 11], "rating": [4.0, 4.0, 4.0, 5.0]})
    shrunk = BiasBaseline(reg_item=5, reg_user=0).fit(train)
    raw = BiasBaseline(reg_item=0, reg_user=0).fit(train)
    assert raw.item_bias.to_dict() == pytest.approx({10: -0.25, 11: 0.75})
    assert shrunk.item_bias.to_dict() == pytest.approx({10: -0.09375, 11: 0.125})


@pytest.fixture
def four_ratings() -> pd.DataFrame:
    """Users 1 and 2 rate film 10 at 5 and 4; users 1 and 3 rate film 11 at 2 and 1."""
    return pd.DataFrame({"user": [1, 2, 1, 3], "movie": [10, 10, 11, 11], "rating": [5.0, 4.0, 2.0, 1.0]})


def test_bias_baseline_biases_by_hand(four_ratings):
    """Item biases first, then user biases on what the item biases leave, each shrunk by its own `reg`.

    mean = (5 + 4 + 2 + 1) / 4 = 3; residuals 2, 1, -1, -2.
    Items (reg_item=1): film 10 (2 + 1) / (2 + 1) = 1, film 11 (-1 - 2) / (2 + 1) = -1.
    Left after the item biases: 2 - 1 = 1, 1 - 1 = 0, -1 + 1 = 0, -2 + 1 = -1.
    Users (reg_user=2): user 1 (1 + 0) / (2 + 2) = 0.25, user 2 0 / (1 + 2) = 0, user 3 -1 / (1 + 2) = -1/3.
    """
    model = BiasBaseline(reg_item=1, reg_user=2).fit(four_ratings)
    assert model.mean == pytest.approx(3.0)
    assert model.item_bias.to_dict() == pytest.approx({10: 1.0, 11: -1.0})
    assert model.user_bias.to_dict() == pytest.approx({1: 0.25, 2: 0.0, 3: -1 / 3})
    pairs = pd.DataFrame({"user": [3, 2, 1], "movie": [10, 11, 10]})
    assert model.predict(pairs).tolist() == pytest.approx([3 - 1 / 3 + 1, 3 + 0 - 1, 3 + 0.25 + 1])


def test_bias_baseline_unknown_ids(four_ratings):
    model = BiasBaseline(reg_item=1, reg_user=2).fit(four_ratings)  # the biases worked out in the test above
    new = pd.DataFrame({"user": [999, 1], "movie": [11, 99]})
    with pytest.raises(ValueError, match=r"unknown user id\(s\) \[999\]"):
        model.predict(new)
    # a new user gets a bias of 0: mean 3 + film 11's -1; so does a new film: mean 3 + user 1's 0.25
    assert model.predict(new, unknown="zero").tolist() == pytest.approx([2.0, 3.25])
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
    """The validation rows are fastai's `RandomSplitter`: the first 20% of `torch.randperm` under the seed."""
    valid_rows = {}
    for seed in (1, 2):
        torch.manual_seed(seed)
        expected = set(torch.randperm(3000)[:600].tolist())
        dls = collab_dataloaders(ratings, item="movie", bs=64, seed=seed)
        valid_rows[seed] = set(dls.valid_ds.items.index)
        assert valid_rows[seed] == expected
        assert set(dls.train_ds.items.index) == set(range(3000)) - expected
    assert valid_rows[1] != valid_rows[2]  # another seed, another split
    torch.manual_seed(0)  # the split must not depend on the global random state
    again = collab_dataloaders(ratings, item="movie", bs=64, seed=1)
    assert set(again.valid_ds.items.index) == valid_rows[1]


def test_rmse_errors():
    assert rmse([1.0, 2.0], [1.0, 2.0]) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        rmse([1.0], [1.0, 2.0])


def test_dot_product_adds_both_biases_to_the_dot_product_by_hand():
    """Two users, two items, two factors, set by hand: user 1 rates item 0 as
    sigmoid(1*3 + 2*(-1) + 0.5 - 1) * 5.5 = sigmoid(0.5) * 5.5."""
    model = DotProduct(n_users=2, n_items=2, n_factors=2, y_range=(0, 5.5))
    with torch.no_grad():
        model.user_factors.copy_(torch.tensor([[0.0, 0.0], [1.0, 2.0]]))
        model.item_factors.copy_(torch.tensor([[3.0, -1.0], [0.0, 0.0]]))
        model.user_bias.copy_(torch.tensor([0.0, 0.5]))
        model.item_bias.copy_(torch.tensor([-1.0, 2.0]))
        out = model(torch.tensor([[1, 0], [0, 1]]))
    by_hand = [5.5 / (1 + math.exp(-0.5)), 5.5 / (1 + math.exp(-2.0))]  # user 0, item 1: 0 + 0 + 2
    assert out.tolist() == pytest.approx(by_hand, rel=1e-6)



@pytest.mark.parametrize(
    ("x", "message"),
    [
        ([[3, 0], [0, 0]], "unknown user id 3: known ids are 0..2"),  # one past the last id
        ([[0, 0], [-1, 1]], "unknown user id -1: known ids are 0..2"),
        ([[0, 5], [1, 1]], "unknown item id 5: known ids are 0..1"),
    ],
)
def test_check_ids_names_the_offending_id(x, message):
    with pytest.raises(ValueError, match=exactly(message)):
        check_ids(torch.tensor(x), n_users=3, n_items=2)


@pytest.mark.parametrize(("preds", "targets"), [([1.0, float("nan")], [1.0, 2.0]), ([1.0, 2.0], [float("inf"), 2.0])])
def test_rmse_refuses_nan_or_infinity_on_either_side(preds, targets):
    with pytest.raises(ValueError, match=r"^rmse needs finite numbers: preds or targets hold NaN or infinity$"):
        rmse(preds, targets)


def test_rmse_of_integer_ratings_by_hand():
    assert rmse([1, 2, 4], [2, 2, 2]) == pytest.approx(math.sqrt((1 + 0 + 4) / 3))


def test_parameters_start_small_and_the_model_has_fifty_factors_by_default():
    values = create_params(200, 50).detach()
    assert 0.008 < values.std().item() < 0.012 and abs(values.mean().item()) < 0.002
    model = DotProduct(n_users=4, n_items=3)
    assert model.user_factors.shape == (4, 50) and model.item_factors.shape == (3, 50)


def test_check_ratings_messages():
    with pytest.raises(ValueError, match=r"^ratings is empty: there is nothing to learn from$"):
        check_ratings(pd.DataFrame({"user": [], "item": [], "rating": []}), item="item")
    with pytest.raises(ValueError, match=r"^ratings column 'rating' must hold finite numbers$"):
        check_ratings(pd.DataFrame({"user": [1], "item": [2], "rating": ["five"]}), item="item")


def test_collab_dataloaders_read_the_columns_they_are_given(ratings):
    """Other column names, another share held out; and fastai's defaults: title, seed 42, batches of 1024."""
    renamed = ratings.rename(columns={"user": "reader", "movie": "book", "rating": "stars"})
    dls = collab_dataloaders(renamed, user="reader", item="book", rating="stars", valid_pct=0.1, bs=100)
    assert len(dls.valid_ds) == 300 and dls.bs == 100
    assert list(dls.classes) == ["reader", "book"] and dls.train_ds.y_names == ["stars"]
    assert len(dls.classes["book"]) == ratings.movie.nunique() + 1              # every film and #na#
    default = collab_dataloaders(ratings.rename(columns={"movie": "title"}))
    torch.manual_seed(42)
    assert set(default.valid_ds.items.index) == set(torch.randperm(3000)[:600].tolist())
    assert default.bs == 1024
    message = "ratings is missing column(s) ['rating']; it has ['reader', 'book', 'stars']"
    with pytest.raises(ValueError, match=exactly(message)):
        collab_dataloaders(renamed, user="reader", item="book")


def test_neural_cf_stacks_every_hidden_layer_and_defaults_to_fifty_factors():
    model = NeuralCF(n_users=5, n_items=6, hidden=[16, 8], dropout=0.0)
    linears = [m for m in model.layers if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(100, 16), (16, 8), (8, 1)]
    assert model(torch.tensor([[0, 1], [4, 5]])).shape == (2,)


def test_bias_baseline_defaults_and_messages(four_ratings):
    assert (BiasBaseline().reg_item, BiasBaseline().reg_user) == (25.0, 10.0)
    renamed = four_ratings.rename(columns={"rating": "stars"})
    model = BiasBaseline(reg_item=1, reg_user=2).fit(renamed, rating="stars")
    assert model.mean == pytest.approx(3.0)
    new = pd.DataFrame({"user": [7, 8, 9, 10, 11, 12, 1], "movie": [10] * 7})
    message = ("unknown user id(s) [7, 8, 9, 10, 11] (6 in all): not in the training ratings; "
               "pass unknown='zero' to predict them with a bias of 0")
    with pytest.raises(ValueError, match=exactly(message)):
        model.predict(new)


def test_collab_dataloaders_find_the_columns_by_name_in_any_order(ratings):
    """fastai alone fails to make a batch when the rating column comes first (negative numpy strides)."""
    renamed = ratings.rename(columns={"user": "reader", "movie": "book", "rating": "stars"})
    dls = collab_dataloaders(renamed[["stars", "book", "reader"]], user="reader", item="book", rating="stars", bs=64)
    x, y = dls.one_batch()
    assert list(dls.classes) == ["reader", "book"] and x.shape == (64, 2) and y.shape == (64, 1)
    assert set(y.flatten().tolist()) <= set(ratings.rating)


def test_an_infinite_rating_is_refused_like_a_missing_one():
    with pytest.raises(ValueError, match=r"^ratings column 'rating' must hold finite numbers$"):
        check_ratings(pd.DataFrame({"user": [1, 2], "item": [2, 3], "rating": [4.0, float("inf")]}), item="item")


def test_rmse_computes_in_float64_whatever_it_is_given():
    """10000.1 is not a float32 number (the nearest is 10000.099609...): in float32 the error would be off by 4e-4."""
    assert rmse([10000.1], [10000.0]) == pytest.approx(0.1, rel=1e-9)
    assert rmse([10000.0], [10000.1]) == pytest.approx(0.1, rel=1e-9)
