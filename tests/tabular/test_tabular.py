"""Tabular helpers: preparation, embeddings as features, forest curves, and clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.ensemble import RandomForestRegressor

from snippets.tabular import (
    category_codes,
    check_table,
    embeddings_as_features,
    feature_importance,
    log_rmse,
    score_by_n_trees,
    tabular_pandas,
)
from tests.exact import exactly


@pytest.fixture
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 400
    colour = rng.choice(["red", "green", "blue"], n)
    size = rng.normal(10, 2, n)
    size[:20] = np.nan
    price = 100 + 5 * np.nan_to_num(size, nan=10) + np.where(colour == "red", 30, 0) + rng.normal(0, 1, n)
    return pd.DataFrame({"colour": pd.array(colour, dtype="str"), "size": size, "price": price})


def test_tabular_pandas_detects_str_columns_as_categories(table):
    to = tabular_pandas(table, "price", classification=False)
    assert to.cat_names == ["colour", "size_na"]  # pandas 3 'str' dtype is categorical; FillMissing adds size_na
    assert to.cont_names == ["size"]
    assert len(to.valid) == 80
    assert not to.train.xs.isna().any().any()
    assert abs(to.train.xs["size"].mean()) < 0.2  # normalised


def test_tabular_pandas_keeps_units_without_normalize(table):
    to = tabular_pandas(table, "price", classification=False, normalize=False)
    assert to.train.xs["size"].mean() == pytest.approx(10, abs=0.5)


def test_split_follows_the_seed(table):
    """The validation rows are fastai's `RandomSplitter`: the first 20% of `torch.randperm` under the seed."""
    valid_rows = {}
    for seed in (1, 2):
        torch.manual_seed(seed)
        expected = set(torch.randperm(400)[:80].tolist())
        to = tabular_pandas(table, "price", classification=False, seed=seed)
        valid_rows[seed] = set(to.valid.xs.index)
        assert valid_rows[seed] == expected
        assert set(to.train.xs.index) == set(range(400)) - expected
    assert valid_rows[1] != valid_rows[2]  # another seed, another split
    torch.manual_seed(0)  # the split must not depend on the global random state
    again = tabular_pandas(table, "price", classification=False, seed=1)
    assert set(again.valid.xs.index) == valid_rows[1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda df: df.drop(columns="price"), r"no column\(s\) \['price'\]"),
        (lambda df: df.assign(price=np.where(df.index < 3, np.nan, df.price)), "'price' has 3 missing value"),
        (lambda df: df.iloc[:0], "the table is empty"),
    ],
)
def test_bad_tables(table, change, message):
    with pytest.raises(ValueError, match=message):
        tabular_pandas(change(table), "price", classification=False)
    with pytest.raises(ValueError, match=message):
        check_table(change(table), "price")


def test_embeddings_as_features_looks_up_each_code():
    emb = torch.nn.Embedding(4, 3)
    xs = pd.DataFrame({"colour": [1, 3, 1], "size": [0.5, 1.5, 2.5]})
    out = embeddings_as_features([emb], xs, ["colour"])
    assert list(out.columns) == ["size", "colour_0", "colour_1", "colour_2"]
    np.testing.assert_allclose(out.loc[0, ["colour_0", "colour_1", "colour_2"]], emb.weight[1].detach())
    np.testing.assert_allclose(out.loc[0].iloc[1:], out.loc[2].iloc[1:])


@pytest.mark.parametrize(
    ("embeddings", "xs", "names", "message"),
    [
        ([], pd.DataFrame({"a": [0]}), ["a"], "got 0 embeddings for 1 categorical columns"),
        ([torch.nn.Embedding(2, 2)], pd.DataFrame({"a": [0]}), ["b"], "column 'b' is not in the table"),
        ([torch.nn.Embedding(2, 2)], pd.DataFrame({"a": [5]}), ["a"], "code 5 but only 2 embeddings"),
    ],
)
def test_embeddings_as_features_errors(embeddings, xs, names, message):
    with pytest.raises(ValueError, match=message):
        embeddings_as_features(embeddings, xs, names)


def test_log_rmse():
    assert log_rmse([100.0], [100.0]) == 0.0
    assert log_rmse([110.0], [100.0]) == pytest.approx(log_rmse([1100.0], [1000.0]))
    with pytest.raises(ValueError, match="positive"):
        log_rmse([0.0], [1.0])
    with pytest.raises(ValueError, match="positive"):
        log_rmse([np.nan], [1.0])
    with pytest.raises(ValueError, match="same shape"):
        log_rmse([1.0, 2.0], [1.0])


def test_more_trees_help_then_plateau(table):
    to = tabular_pandas(table, "price", classification=False, normalize=False)
    xs, y = to.train.xs, to.train.y.to_numpy()
    forest = RandomForestRegressor(40, random_state=0).fit(xs, y)
    curve = score_by_n_trees(forest, to.valid.xs, to.valid.y.to_numpy(), lambda p, t: float(np.abs(p - t).mean()))
    assert len(curve) == 40
    assert curve[-1] < curve[0]
    # The full curve's last point is the forest's own prediction.
    expected = float(np.abs(forest.predict(to.valid.xs) - to.valid.y.to_numpy()).mean())
    assert curve[-1] == pytest.approx(expected)
    assert list(feature_importance(forest, xs.columns).index[:2]) == ["colour", "size"]


def test_gaps_are_filled_with_the_median_of_the_training_rows_only():
    """Ten rows; the validation rows hold huge values that a fill computed over all rows would use.

    Column `a` has a gap in a training row (fastai's FillMissing), column `b` only in a validation
    row (filled before fastai sees it); both get the median of the *training* rows' values.
    """
    df = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) * 2, "y": [0, 1] * 5})
    probe = tabular_pandas(df, "y", valid_pct=0.3, seed=0, normalize=False)
    train, valid = list(probe.train.xs.index), list(probe.valid.xs.index)
    df.loc[valid, ["a", "b"]] = 1000.0  # a leak from validation rows would move the medians
    df.loc[train[0], "a"] = np.nan
    df.loc[valid[0], "b"] = np.nan
    by_hand_a = float(np.median([df.loc[i, "a"] for i in train[1:]]))  # the gap itself does not count
    by_hand_b = float(np.median([df.loc[i, "b"] for i in train]))

    to = tabular_pandas(df, "y", valid_pct=0.3, seed=0, normalize=False)

    assert [list(to.train.xs.index), list(to.valid.xs.index)] == [train, valid]
    filled = pd.concat([to.train.xs, to.valid.xs]).sort_index()
    assert filled.loc[train[0], "a"] == by_hand_a and filled.loc[train[0], "a_na"] == 2  # 2: "was missing"
    assert filled.loc[valid[0], "b"] == by_hand_b
    untouched = [i for i in range(10) if i not in (train[0], valid[0])]
    assert np.array_equal(filled.loc[untouched, ["a", "b"]].to_numpy(), df.loc[untouched, ["a", "b"]].to_numpy())


def test_defaults_seed_42_a_fifth_held_out_and_a_category_target(table):
    torch.manual_seed(42)
    expected = set(torch.randperm(400)[:80].tolist())
    to = tabular_pandas(table, "colour")
    assert set(to.valid.xs.index) == expected
    assert list(to.vocab) == ["blue", "green", "red"] and to.train.y.dtype == np.int8      # codes, not numbers
    quarter = tabular_pandas(table, "price", valid_pct=0.25, classification=False)
    assert len(quarter.valid) == 100 and quarter.train.y.dtype == np.float32


def test_a_two_valued_integer_column_is_continuous_unless_max_card_says_otherwise(table):
    flags = table.assign(flag=np.arange(400) % 2)
    assert "flag" in tabular_pandas(flags, "price", classification=False).cont_names
    assert "flag" in tabular_pandas(flags, "price", classification=False, max_card=2).cat_names


def test_the_table_is_empty_message_is_exact(table):
    with pytest.raises(ValueError, match=exactly("the table is empty")):
        check_table(table.iloc[:0], "price")


def test_embeddings_keep_the_tables_row_labels_and_take_fastais_int8_codes():
    emb = torch.nn.Embedding(3, 2)
    xs = pd.DataFrame({"colour": np.array([2, 0], dtype=np.int8), "size": [0.5, 1.5]}, index=[10, 11])
    out = embeddings_as_features([emb], xs, ["colour"])
    assert list(out.index) == [10, 11] and not out.isna().any().any()
    np.testing.assert_allclose(out.loc[10, ["colour_0", "colour_1"]], emb.weight[2].detach())


def test_a_code_equal_to_the_number_of_embeddings_is_refused():
    with pytest.raises(ValueError, match="column 'a' has code 2 but only 2 embeddings"):
        embeddings_as_features([torch.nn.Embedding(2, 2)], pd.DataFrame({"a": [0, 2]}), ["a"])


def test_log_rmse_refuses_a_zero_target_exactly():
    with pytest.raises(ValueError, match=exactly("log_rmse needs finite, positive numbers")):
        log_rmse([1.0], [0.0])


def test_a_numeric_target_is_still_a_category_unless_told_otherwise(table):
    flagged = table.assign(expensive=(table.price > table.price.median()).astype(int))
    to = tabular_pandas(flagged.drop(columns="price"), "expensive")
    assert list(to.vocab) == [0, 1] and to.train.y.dtype == np.int8            # codes of the classes 0 and 1


def test_a_continuous_column_with_no_value_in_training_rows_is_refused(table):
    torch.manual_seed(42)
    valid = torch.randperm(400)[:80].tolist()
    gappy = table.assign(size=np.where(np.isin(np.arange(400), valid), 1.0, np.nan))
    message = "column(s) ['size'] have no value in any training row: drop or fill them first"
    with pytest.raises(ValueError, match=exactly(message)):
        tabular_pandas(gappy, "price", classification=False)


def test_log_rmse_takes_pandas_nullable_integers():
    prices = pd.Series([100_000, 200_000], dtype="Int64")           # what read_csv gives for whole prices
    assert round(log_rmse(pd.Series([110_000, 220_000], dtype="Int64"), prices), 4) == 0.0953
    assert round(log_rmse([110_000.0, 220_000.0], prices), 4) == 0.0953


def test_a_text_value_seen_only_in_validation_gets_its_own_code_unless_reduce_memory_is_off():
    towns = pd.DataFrame({"town": ["Ames", "Boone", "Ames", None, "Cedar", "Boone"]})
    train = [0, 1, 2, 3]
    assert category_codes(towns, "town", train) == [1, 2, 1, 0, 3, 2]  # Cedar, only in validation: code 3
    assert category_codes(towns, "town", train, reduce_memory=False) == [1, 2, 1, 0, 0, 2]
    ids = pd.DataFrame({"user": [7, 8, 7, 8, 9]})  # integers are not made categoricals: 9 is #na# either way
    assert category_codes(ids, "user", [0, 1, 2, 3]) == category_codes(ids, "user", [0, 1, 2, 3], reduce_memory=False)
    assert category_codes(ids, "user", [0, 1, 2, 3])[-1] == 0


@pytest.mark.parametrize(("column", "train", "message"), [
    ("city", [0, 1], "the table has no column 'city'; it has ['town']"),
    ("town", [0, 0], "train must be distinct positions from 0 to 2"),
    ("town", [0, 5], "train must be distinct positions from 0 to 2"),
    ("town", [0, 1, 2], "need at least one training and one validation row; train has 3 of 3"),
    ("town", [], "need at least one training and one validation row; train has 0 of 3"),
])
def test_category_codes_bad_arguments(column, train, message):
    with pytest.raises(ValueError, match=exactly(message)):
        category_codes(pd.DataFrame({"town": ["a", "b", "c"]}), column, train)
