"""Property-based tests for the functions that take tables and texts: DataFrames in, DataLoaders or predictions out.

As in `test_properties.py`, Hypothesis generates the input (missing values, infinity, empty tables,
odd splits, any Unicode text) and each test states what must hold for all of it: either the result
is complete and finite, or the function raises a ValueError or TypeError whose message names the
problem. These functions build fastai or Hugging Face objects, so fewer examples are drawn.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from snippets.collab import collab_dataloaders
from snippets.nlp.pretrained import fine_tune, load_minilm, predict
from snippets.nlp.text import text_dataloaders
from snippets.tabular import tabular_pandas

slow = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.function_scoped_fixture])
shares = st.sampled_from([0.2, 0.2, 0.2, 0.5, 0.05, 0.0, 1.0, -0.2, 1.5, float("nan")])


def clear(error: Exception, *words: str) -> bool:
    return any(word in str(error) for word in words)


# Clean tables most of the time, so that the success branch is exercised; then, sometimes, one defect.
DEFECTS = [None, None, None, "missing value", "missing column"]


def with_defect(df: pd.DataFrame, column: str, defect: str | None) -> pd.DataFrame:
    if defect == "missing value" and len(df):
        df = df.astype({column: object})
        df.loc[df.index[0], column] = None
    elif defect == "missing column":
        df = df.drop(columns=column)
    return df


tables = st.lists(
    st.tuples(
        st.one_of(st.floats(-1e3, 1e3), st.just(float("nan"))),    # a number, sometimes missing
        st.sampled_from(["red", "green", "blue", None]),             # a category, sometimes missing
        st.one_of(st.integers(0, 3), st.just(None)),                 # a small integer column, sometimes missing
        st.sampled_from(["yes", "no"]),                              # the target
    ),
    min_size=0, max_size=40,
).map(lambda rows: pd.DataFrame(rows, columns=["size", "colour", "count", "target"]))


@slow
@given(tables, shares, st.sampled_from(DEFECTS))
def test_tabular_pandas_prepares_every_row_without_missing_values_or_refuses(df, valid_pct, defect):
    df = with_defect(df, "target", defect)
    try:
        to = tabular_pandas(df, "target", valid_pct=valid_pct)
    except ValueError as error:
        assert clear(error, "empty", "missing value", "valid_pct", "no column", "no value in any training row")
        event(f"refused: {str(error)[:40]}")
        return
    event("prepared")
    assert len(to.train) + len(to.valid) == len(df) and len(to.train) and len(to.valid)
    xs = pd.concat([to.train.xs, to.valid.xs])
    assert not xs.isna().any().any(), "missing values reached the model's input"
    assert np.isfinite(xs.to_numpy(dtype=float)).all()


ratings = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from(["Alien", "Heat", "Up"]),
              st.floats(0.5, 5)),
    max_size=40,
).map(lambda rows: pd.DataFrame(rows, columns=["user", "title", "rating"]))


@slow
@given(ratings, shares, st.sampled_from(DEFECTS), st.sampled_from(["user", "title", "rating"]))
def test_collab_dataloaders_split_every_rating_or_refuse(df, valid_pct, defect, column):
    df = with_defect(df, column, defect)
    if defect is None and column == "rating" and len(df) % 4 == 1:
        df.loc[df.index[-1], "rating"] = float("inf")
    try:
        dls = collab_dataloaders(df, valid_pct=valid_pct, bs=8)
    except ValueError as error:
        assert clear(error, "empty", "missing value", "finite", "valid_pct", "missing column")
        return
    event("split")
    assert len(dls.train_ds) + len(dls.valid_ds) == len(df) and len(dls.train_ds) and len(dls.valid_ds)


texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
text_rows = st.lists(st.tuples(texts, st.sampled_from(["fresh", "rotten"])), min_size=2, max_size=12).map(
    lambda rows: pd.DataFrame(rows, columns=["text", "label"]).assign(is_valid=lambda d: d.index % 3 == 0)
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_rows, st.sampled_from([*DEFECTS, "not a string"]), st.sampled_from(["text", "label"]))
def test_text_dataloaders_keep_every_row_or_refuse(df, defect, column):
    if defect == "not a string":
        df = df.astype({"text": object})
        df.loc[0, "text"] = 42
    else:
        df = with_defect(df, column, defect)
    try:
        dls = text_dataloaders(df, bs=4)
    except (ValueError, TypeError) as error:
        assert clear(error, "missing value", "training and validation", "must be a str", "no column")
        return
    event("built")
    assert len(dls.train_ds) + len(dls.valid_ds) == len(df)


@pytest.fixture(scope="module")
def minilm():
    tokenizer, model = load_minilm(num_labels=2)
    return tokenizer, model


@slow
@given(st.lists(texts, max_size=4), st.sampled_from([None, None, 42, None]))
def test_predict_gives_a_probability_row_per_text_or_refuses(minilm, batch, intruder):
    tokenizer, model = minilm
    if intruder is not None and batch:
        batch[0] = intruder
    try:
        probs = predict(model, tokenizer, batch)
    except (ValueError, TypeError) as error:
        assert clear(error, "no texts", "must be a str")
        return
    event("predicted")
    assert probs.shape == (len(batch), 2) and torch.isfinite(probs).all()
    assert torch.allclose(probs.sum(dim=1), torch.ones(len(batch)), atol=1e-5)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(texts, st.integers(0, 1)), min_size=1, max_size=3),
       st.sampled_from([None, None, -1, 2, 0.5]), st.sampled_from([1, 1, 0]),
       st.sampled_from([1e-5, 1e-5, 0.0, float("nan")]))
def test_fine_tune_gives_finite_losses_or_refuses(minilm, pairs, bad_label, epochs, lr):
    tokenizer, _ = minilm
    _, model = load_minilm(num_labels=2)  # a fresh head each time: training changes the model
    batch, labels = [text for text, _ in pairs], [label for _, label in pairs]
    if bad_label is not None:
        labels[0] = bad_label
    try:
        losses = fine_tune(model, tokenizer, batch, labels, epochs=epochs, lr=lr, batch_size=2, log=None)
    except (ValueError, TypeError) as error:
        assert clear(error, "labels", "epochs", "lr")
        return
    event("trained")
    assert len(losses) == epochs and all(math.isfinite(loss) for loss in losses)
