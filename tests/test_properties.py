"""Property-based tests: whatever the input, a public function gives a right-sized finite answer or a clear error.

Hypothesis generates shapes, values (NaN and infinity included), dtypes and ids, and each test
states what must hold for all of them: either the result has the promised shape and no NaN, or
the function raises the documented exception with a message that names the problem. A silent
NaN loss, a broadcast to the wrong size or an IndexError from deep inside torch is a failure.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from snippets.collab import BiasBaseline, DotProduct, check_ids, rmse, sigmoid_range
from snippets.foundations import MLP, SGD, Affine, accuracy, cross_entropy, log_softmax, minibatches, mse, relu
from snippets.foundations.neighbours import nearest
from snippets.nlp.embeddings import BagOfEmbeddings, nearest_words
from snippets.tabular import check_table, log_rmse
from snippets.vision.pretrained import to_imagenet_batch, top_predictions

settings.register_profile("project", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("project")

floats = st.floats(allow_nan=True, allow_infinity=True, width=32)
finite = st.floats(-1e3, 1e3, width=32)
shapes = st.lists(st.integers(0, 5), min_size=0, max_size=3).map(tuple)


def tensor(shape, elements=floats, dtype=np.float32):
    return arrays(dtype, shape, elements=elements).map(torch.from_numpy)


@given(st.data())
def test_affine_and_mlp_outputs_are_right_sized_and_finite_or_refuse(data):
    n_in = data.draw(st.integers(1, 6))
    x = data.draw(shapes.flatmap(tensor))
    layer = Affine(n_in, 3, generator=torch.Generator().manual_seed(0))
    try:
        out = layer(x)
    except (ValueError, TypeError) as error:
        assert any(word in str(error) for word in ("2-D", "features", "empty", "NaN", "floating"))
        return
    assert out.shape == (x.shape[0], 3) and torch.isfinite(out).all()
    assert MLP([n_in, 4, 2])(x).shape == (x.shape[0], 2)


@given(shapes.flatmap(tensor))
def test_relu_keeps_shape_and_is_never_negative(x):
    try:
        out = relu(x)
    except (ValueError, TypeError):
        assert not torch.isfinite(x).all()
        return
    assert out.shape == x.shape and (out >= 0).all()


@given(st.data())
def test_losses_are_finite_scalars_or_refuse(data):
    n, k = data.draw(st.integers(0, 6)), data.draw(st.integers(0, 5))
    logits = data.draw(tensor((n, k), st.one_of(finite, floats)))
    n_targets = data.draw(st.integers(0, 6))
    targets = torch.from_numpy(data.draw(arrays(np.int64, (n_targets,), elements=st.integers(-2, 6))))
    for fn in (cross_entropy, accuracy):
        try:
            value = fn(logits, targets)
        except (ValueError, TypeError) as error:
            assert any(word in str(error) for word in ("NaN", "shape", "class indices", "2-D", "empty", "dtype"))
            continue
        assert value.ndim == 0 and torch.isfinite(value)
    try:
        out = log_softmax(logits)
    except (ValueError, TypeError):
        return
    assert out.shape == logits.shape and torch.isfinite(out).all() and (out <= 1e-6).all()


@given(st.data())
def test_mse_is_finite_and_nonnegative_or_refuses(data):
    a = data.draw(shapes.flatmap(tensor))
    b = data.draw(st.one_of(st.just(a.shape), shapes).flatmap(tensor))
    try:
        value = mse(a, b)
    except (ValueError, TypeError, FloatingPointError) as error:
        assert any(word in str(error) for word in ("NaN", "shape", "empty", "floating", "overflow"))
        return
    assert value.ndim == 0 and torch.isfinite(value) and value >= 0


@given(st.integers(-3, 40), st.integers(-2, 30), st.integers(-1, 12))
def test_minibatches_cover_every_row_once_or_refuse(n_x, n_y, batch_size):
    x, y = torch.zeros(max(n_x, 0), 2), torch.arange(max(n_y, 0))
    try:
        batches = list(minibatches(x, y, batch_size, generator=torch.Generator().manual_seed(0)))
    except ValueError as error:
        assert any(word in str(error) for word in ("same number of rows", "empty", "batch_size"))
        return
    assert sorted(torch.cat([yb for _, yb in batches]).tolist()) == list(range(len(y)))
    assert all(len(xb) <= batch_size for xb, _ in batches)


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(-1, 1), st.floats(-1, 1))
def test_sgd_refuses_bad_hyperparameters(lr, momentum, weight_decay):
    params = [torch.zeros(2, requires_grad=True)]
    try:
        SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    except ValueError as error:
        assert any(word in str(error) for word in ("lr", "momentum", "weight_decay"))
        return
    assert math.isfinite(lr) and lr > 0 and 0 <= momentum < 1 and weight_decay >= 0


@given(st.data())
def test_collab_models_refuse_unknown_ids(data):
    n_users, n_items = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    x = torch.from_numpy(data.draw(arrays(np.int64, (data.draw(st.integers(0, 4)), data.draw(st.integers(0, 3))),
                                          elements=st.integers(-2, 7))))
    model = DotProduct(n_users, n_items, n_factors=3)
    try:
        check_ids(x, n_users, n_items)
    except (ValueError, TypeError) as error:
        assert any(word in str(error) for word in ("id", "shape", "column", "empty", "dtype"))
        with pytest.raises((ValueError, TypeError)):
            model(x)
        return
    out = model(x)
    assert out.shape == (x.shape[0],) and ((out >= 0) & (out <= 5.5)).all()


@given(shapes.flatmap(tensor), st.floats(-5, 5), st.floats(-5, 5))
def test_sigmoid_range_stays_inside(x, low, high):
    try:
        out = sigmoid_range(x, low, high)
    except ValueError:
        return
    finite_x = torch.isfinite(x)
    assert out.shape == x.shape
    assert ((out[finite_x] >= min(low, high) - 1e-5) & (out[finite_x] <= max(low, high) + 1e-5)).all()


@given(st.lists(floats, max_size=5), st.lists(floats, max_size=5))
def test_rmse_and_log_rmse_are_finite_or_refuse(a, b):
    for fn in (rmse, log_rmse):
        try:
            value = fn(a, b)
        except ValueError as error:
            assert any(word in str(error) for word in ("same shape", "finite", "positive", "empty"))
            continue
        assert math.isfinite(value) and value >= 0


@given(st.data())
def test_nearest_gives_k_other_rows_or_refuses(data):
    n = data.draw(st.integers(1, 6))
    emb = data.draw(tensor((n, 3), finite))
    index, k = data.draw(st.integers(-1, n)), data.draw(st.integers(0, n + 1))
    try:
        found = nearest(emb, index, k=k)
    except ValueError as error:
        assert any(word in str(error) for word in ("outside", "neighbours", "k must"))
        return
    assert len(found) == k and index not in found and all(0 <= i < n for i in found)
    vocab = [f"w{i}" for i in range(n)]
    assert nearest_words(emb, vocab, vocab[index], k=k) == [vocab[i] for i in found]


@given(st.data())
def test_bag_of_embeddings_right_size_or_refuses(data):
    ids = torch.from_numpy(data.draw(arrays(np.int64, (data.draw(st.integers(0, 4)), data.draw(st.integers(0, 5))),
                                            elements=st.integers(-1, 8))))
    model = BagOfEmbeddings(vocab_size=8, n_factors=3, n_classes=2)
    try:
        out = model(ids)
    except ValueError as error:
        assert "token ids must" in str(error)
        return
    assert out.shape == (ids.shape[0], 2) and torch.isfinite(out).all()


ELEMENTS = {
    np.uint8: st.integers(0, 255),
    np.int16: st.integers(-5, 300),
    np.float32: st.one_of(st.floats(-2, 300, width=32), st.just(float("nan"))),
    np.float64: st.one_of(st.floats(0, 1), st.floats(-2, 300), st.just(float("inf"))),
}
image_arrays = st.sampled_from(list(ELEMENTS)).flatmap(
    lambda dtype: arrays(dtype, st.lists(st.integers(0, 6), min_size=1, max_size=3).map(tuple),
                         elements=ELEMENTS[dtype])
)


@given(st.lists(image_arrays, max_size=3))
def test_imagenet_batch_is_normalised_or_refuses(images):
    try:
        batch = to_imagenet_batch(images, size=8)
    except ValueError as error:
        assert any(word in str(error) for word in ("no images", "must be H x W", "empty", "NaN", "[0, 1]", "dtype"))
        return
    assert batch.shape == (len(images), 3, 8, 8) and torch.isfinite(batch).all()


@given(st.data())
def test_top_predictions_are_valid_probabilities_or_refuse(data):
    n_classes = data.draw(st.integers(1, 5))
    logits = data.draw(tensor((data.draw(st.integers(1, 3)), data.draw(st.integers(1, 5))), finite))
    k = data.draw(st.integers(-1, 6))
    try:
        top = top_predictions(logits, [f"c{i}" for i in range(n_classes)], k=k)
    except ValueError as error:
        assert "k must" in str(error) or "expected scores of shape" in str(error)
        return
    assert len(top) == len(logits) and all(len(row) == min(k, n_classes) for row in top)
    assert all(0 <= p <= 1 for row in top for _, p in row)


ratings_tables = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 4), st.one_of(st.floats(0.5, 5), st.just(float("nan")),
                                                              st.just(float("inf")))),
    max_size=12,
).map(lambda rows: pd.DataFrame(rows, columns=["user", "movie", "rating"]))


@given(ratings_tables, st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=5),
       st.sampled_from(["error", "zero"]))
def test_bias_baseline_predicts_finite_ratings_or_refuses(ratings, pairs, unknown):
    pairs = pd.DataFrame(pairs, columns=["user", "movie"])
    try:
        model = BiasBaseline(reg_item=1.0, reg_user=1.0).fit(ratings)
    except ValueError as error:
        assert any(word in str(error) for word in ("missing", "finite", "empty"))
        return
    try:
        predictions = model.predict(pairs, unknown=unknown)
    except ValueError as error:
        assert unknown == "error" and "unknown" in str(error)
        return
    assert len(predictions) == len(pairs) and np.isfinite(predictions).all()


@given(st.lists(st.tuples(st.one_of(st.floats(0, 1), st.just(float("nan"))), st.sampled_from(["a", "b", None])),
                max_size=6),
       st.sampled_from(["x", "y", "z"]))
def test_check_table_names_the_problem(rows, target):
    df = pd.DataFrame(rows, columns=["x", "y"])
    try:
        check_table(df, target)
    except ValueError as error:
        assert any(word in str(error) for word in ("no column", "empty", "missing value"))
        return
    assert target in df.columns and len(df) and not df[target].isna().any()
