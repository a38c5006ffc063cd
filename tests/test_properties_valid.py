"""Property-based tests, the other half: on input that is valid by construction, the answer is right.

`tests/test_properties.py` asks that any input gives a right-sized answer *or* a clear refusal; a
function that refused everything would pass it. Here Hypothesis builds only valid input (finite
numbers, matching shapes, ids in range), so each function must succeed, and its answer is compared
with one computed independently: PyTorch's or NumPy's own formula, or the property written out.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from snippets.collab import DotProduct, rmse, sigmoid_range
from snippets.foundations import Affine, accuracy, cross_entropy, log_softmax, minibatches, mse, relu
from snippets.foundations.neighbours import nearest
from snippets.tabular import log_rmse
from snippets.vision.pretrained import IMAGENET_MEAN, IMAGENET_STD, to_imagenet_batch

finite = st.floats(-100, 100, width=32)
positive = st.floats(0.01, 1e4)


ROWS, COLUMNS, CLASSES = st.integers(1, 6), st.integers(1, 5), st.integers(2, 5)


def matrices(rows=ROWS, cols=COLUMNS, elements=finite):
    return st.tuples(rows, cols).flatmap(lambda shape: arrays(np.float32, shape, elements=elements)).map(
        torch.from_numpy
    )


@given(matrices())
def test_affine_is_x_times_weight_plus_bias(x):
    layer = Affine(x.shape[1], 3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        layer.bias += torch.tensor([1.0, -2.0, 0.5])  # a bias that is not zero, so adding it matters
        expected = torch.stack([
            torch.stack([sum(x[i, k] * layer.weight[k, j] for k in range(x.shape[1])) + layer.bias[j]
                         for j in range(3)])
            for i in range(x.shape[0])
        ])
        assert torch.allclose(layer(x), expected, rtol=1e-4, atol=1e-3)


@given(matrices())
def test_relu_is_max_of_zero_and_x(x):
    assert torch.equal(relu(x), torch.where(x > 0, x, torch.zeros_like(x)))


@given(st.data())
def test_losses_and_accuracy_match_pytorch(data):
    logits = data.draw(matrices(cols=CLASSES))
    n, k = logits.shape
    targets = torch.from_numpy(data.draw(arrays(np.int64, (n,), elements=st.integers(0, k - 1))))
    assert torch.allclose(log_softmax(logits), torch.log_softmax(logits, dim=1), atol=1e-4)
    assert torch.allclose(cross_entropy(logits, targets), F.cross_entropy(logits, targets), atol=1e-4)
    right = sum(int(torch.argmax(logits[i]) == targets[i]) for i in range(n))
    assert accuracy(logits, targets).item() == pytest.approx(right / n)


@given(st.data())
def test_mse_is_the_mean_squared_difference(data):
    a = data.draw(matrices())
    b = data.draw(arrays(np.float32, tuple(a.shape), elements=finite).map(torch.from_numpy))
    expected = sum(float(a_ - b_) ** 2 for a_, b_ in zip(a.flatten(), b.flatten(), strict=True)) / a.numel()
    assert mse(a, b).item() == pytest.approx(expected, rel=1e-4, abs=1e-4)


@given(st.integers(1, 40), st.integers(1, 12), st.integers(0, 1000))
def test_minibatches_deal_every_row_once_in_batches_of_the_size_asked(n, batch_size, seed):
    x, y = torch.arange(n)[:, None].float(), torch.arange(n)
    batches = list(minibatches(x, y, batch_size, generator=torch.Generator().manual_seed(seed)))
    assert sorted(torch.cat([yb for _, yb in batches]).tolist()) == list(range(n))
    sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    assert [len(yb) for _, yb in batches] == sizes
    assert all(torch.equal(xb[:, 0].long(), yb) for xb, yb in batches)  # rows stay with their labels


@given(st.lists(finite, min_size=1, max_size=8), st.floats(-5, 0), st.floats(0.5, 6))
def test_sigmoid_range_is_the_scaled_sigmoid(values, low, width):
    x, high = torch.tensor(values), low + width
    expected = torch.tensor([low + width / (1 + math.exp(-v)) for v in values], dtype=torch.float32)
    assert torch.allclose(sigmoid_range(x, low, high), expected, atol=1e-4)


@given(st.data())
def test_dot_product_stays_in_its_range_for_every_known_id(data):
    n_users, n_items = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    n = data.draw(st.integers(1, 6))
    users = data.draw(arrays(np.int64, (n,), elements=st.integers(0, n_users - 1)))
    items = data.draw(arrays(np.int64, (n,), elements=st.integers(0, n_items - 1)))
    out = DotProduct(n_users, n_items, n_factors=3)(torch.from_numpy(np.stack([users, items], axis=1)))
    assert out.shape == (n,) and ((out > 0) & (out < 5.5)).all()


@given(st.data())
def test_rmse_and_log_rmse_follow_their_formulas(data):
    n = data.draw(st.integers(1, 8))
    a = data.draw(st.lists(positive, min_size=n, max_size=n))
    b = data.draw(st.lists(positive, min_size=n, max_size=n))
    squares = [(x - y) ** 2 for x, y in zip(a, b, strict=True)]
    log_squares = [(math.log(x) - math.log(y)) ** 2 for x, y in zip(a, b, strict=True)]
    assert rmse(a, b) == pytest.approx(math.sqrt(sum(squares) / n), rel=1e-4, abs=1e-3)
    assert log_rmse(a, b) == pytest.approx(math.sqrt(sum(log_squares) / n), rel=1e-6, abs=1e-9)


@given(st.data())
def test_nearest_gives_the_k_most_similar_other_rows_best_first(data):
    n = data.draw(st.integers(2, 7))
    rows = data.draw(st.lists(st.lists(st.floats(-10, 10).filter(lambda v: abs(v) > 0.1), min_size=3, max_size=3),
                              min_size=n, max_size=n))
    emb = torch.tensor(rows)
    index, k = data.draw(st.integers(0, n - 1)), data.draw(st.integers(1, n - 1))
    found = nearest(emb, index, k=k)
    cos = [float(emb[i] @ emb[index] / (emb[i].norm() * emb[index].norm())) for i in range(n)]
    others = [i for i in range(n) if i != index]
    assert index not in found and len(found) == len(set(found)) == k
    assert [cos[i] for i in found] == sorted((cos[i] for i in found), reverse=True)
    assert min(cos[i] for i in found) >= max((cos[i] for i in others if i not in found), default=-2) - 1e-6


@given(st.integers(0, 255), st.integers(1, 40), st.integers(1, 40), st.integers(1, 64))
def test_imagenet_batch_of_a_plain_colour_is_that_colour_normalised(value, height, width, size):
    image = np.full((height, width, 3), value, dtype=np.uint8)
    batch = to_imagenet_batch([image], size=size)
    expected = [(value / 255 - mean) / std for mean, std in zip(IMAGENET_MEAN, IMAGENET_STD, strict=True)]
    assert batch.shape == (1, 3, size, size)
    for channel in range(3):
        assert torch.allclose(batch[0, channel], torch.full((size, size), expected[channel]), atol=1e-4)
