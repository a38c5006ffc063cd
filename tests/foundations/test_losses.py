"""Losses and the accuracy metric, checked by hand on tiny inputs and against PyTorch's own."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from snippets.foundations import accuracy, cross_entropy, log_softmax, mse
from tests.exact import exactly


def test_log_softmax_matches_torch(generator):
    logits = torch.randn(8, 5, generator=generator) * 10
    torch.testing.assert_close(log_softmax(logits), F.log_softmax(logits, dim=1))


def test_log_softmax_is_stable_for_huge_scores():
    """exp(1e4) overflows, but the answer is plain: log(1 + exp(-1e4)) is 0 in float32.

    Row [1e4, 0]: the top score gets log-probability 0, the other 0 - 1e4.
    Row [-1e4, 1e4]: the top score gets 0, the other -1e4 - 1e4 = -2e4.
    """
    out = log_softmax(torch.tensor([[1e4, 0.0], [-1e4, 1e4]]))
    torch.testing.assert_close(out, torch.tensor([[0.0, -1e4], [-2e4, 0.0]]))


def test_log_softmax_by_hand():
    """Each row's log-probabilities are x_i - log(sum_j exp(x_j)); adding a constant to a row changes nothing."""
    rows = [[0.0, 1.0, 2.0], [3.0, 3.0, 3.0]]
    expected = [[x - math.log(sum(math.exp(v) for v in row)) for x in row] for row in rows]
    # the second row is uniform: log(1/3) each
    assert expected[1] == pytest.approx([-math.log(3)] * 3)
    torch.testing.assert_close(log_softmax(torch.tensor(rows)), torch.tensor(expected))
    torch.testing.assert_close(log_softmax(torch.tensor(rows) + 100.0), torch.tensor(expected))


def test_cross_entropy_by_hand():
    """Minus the log-probability of the right class, averaged over the rows.

    Row 0, scores [0, 1, 2], class 2: -log(e^2 / (1 + e + e^2)).
    Row 1, scores [1, -1, 0], class 1: -log(e^-1 / (e + e^-1 + 1)).
    """
    logits = torch.tensor([[0.0, 1.0, 2.0], [1.0, -1.0, 0.0]])
    row0 = -math.log(math.exp(2) / (1 + math.exp(1) + math.exp(2)))
    row1 = -math.log(math.exp(-1) / (math.exp(1) + math.exp(-1) + 1))
    assert cross_entropy(logits, torch.tensor([2, 1])).item() == pytest.approx((row0 + row1) / 2, rel=1e-6)


def test_mse_by_hand():
    # errors 1, -2, 0, 3: squares 1, 4, 0, 9, mean 14 / 4
    assert mse(torch.tensor([1.0, 0.0, 5.0, 3.0]), torch.tensor([0.0, 2.0, 5.0, 0.0])).item() == 3.5


def test_cross_entropy_matches_torch(generator):
    logits = torch.randn(16, 4, generator=generator, requires_grad=True)
    targets = torch.randint(0, 4, (16,), generator=generator)
    ours = cross_entropy(logits, targets)
    torch.testing.assert_close(ours, F.cross_entropy(logits, targets))
    (grad,) = torch.autograd.grad(ours, logits)
    (expected,) = torch.autograd.grad(F.cross_entropy(logits, targets), logits)
    torch.testing.assert_close(grad, expected)


def test_mse_matches_torch(generator):
    a, b = torch.randn(10, generator=generator), torch.randn(10, generator=generator)
    torch.testing.assert_close(mse(a, b), F.mse_loss(a, b))


def test_accuracy():
    logits = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert accuracy(logits, torch.tensor([1, 0, 0, 0])).item() == 0.75


def test_mse_refuses_broadcasting():
    # (3,) against (3, 1) would broadcast to (3, 3) and compare the wrong pairs.
    with pytest.raises(ValueError, match="same shape"):
        mse(torch.zeros(3), torch.zeros(3, 1))


@pytest.mark.parametrize(
    ("logits", "targets", "error", "message"),
    [
        (torch.zeros(3, 2), torch.tensor([0, 1]), ValueError, "shape \\(3,\\)"),
        (torch.zeros(2, 2), torch.tensor([0, 2]), ValueError, "class indices in \\[0, 2\\)"),
        (torch.zeros(2, 2), torch.tensor([-1, 0]), ValueError, "class indices"),
        (torch.zeros(2, 2), torch.tensor([0.0, 1.0]), TypeError, "integer class indices"),
        (torch.zeros(0, 2), torch.zeros(0, dtype=torch.long), ValueError, "non-empty"),
        (torch.zeros(2), torch.tensor([0, 1]), ValueError, "2-D"),
        (torch.tensor([[0.0, float("inf")]]), torch.tensor([0]), ValueError, "NaN or infinite"),
    ],
)
def test_cross_entropy_bad_input(logits, targets, error, message):
    with pytest.raises(error, match=message):
        cross_entropy(logits, targets)
    with pytest.raises(error, match=message):
        accuracy(logits, targets)


@pytest.mark.parametrize("loss", [mse, cross_entropy, accuracy, log_softmax], ids=lambda f: f.__name__)
def test_errors_name_the_argument_at_fault(loss):
    first = "preds" if loss is mse else "logits"
    args = (torch.zeros(2, 2, dtype=torch.long),) if loss is log_softmax else \
        (torch.zeros(2, 2, dtype=torch.long), torch.zeros(2, 2) if loss is mse else torch.tensor([0, 1]))
    with pytest.raises(TypeError, match=exactly(f"{first} must be a floating-point tensor, got dtype torch.int64")):
        loss(*args)
    if loss is mse:
        targets = "targets must be a floating-point tensor, got dtype torch.int64"
        with pytest.raises(TypeError, match=exactly(targets)):
            mse(torch.zeros(2), torch.zeros(2, dtype=torch.long))


def test_loss_errors_are_exact():
    with pytest.raises(ValueError, match=exactly("preds is empty: the mean of no errors is undefined")):
        mse(torch.zeros(0), torch.zeros(0))
    huge = torch.tensor([3e38])
    overflow = "the squared errors overflow torch.float32: rescale the targets (or use float64)"
    with pytest.raises(FloatingPointError, match=exactly(overflow)):
        mse(huge, -huge)
    shape_message = "logits must be a non-empty 2-D tensor (batch, classes), got shape {}"
    with pytest.raises(ValueError, match=exactly(shape_message.format("(3,)"))):
        log_softmax(torch.zeros(3))
    no_classes = "targets must be class indices in [0, 0), got values from 0 to 0"     # no index is valid
    with pytest.raises(ValueError, match=exactly(no_classes)):
        cross_entropy(torch.zeros(2, 0), torch.tensor([0, 0]))
    with pytest.raises(ValueError, match=exactly(shape_message.format("(0, 2)"))):
        cross_entropy(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))
    with pytest.raises(ValueError, match=exactly(shape_message.format("(0, 2)"))):
        accuracy(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))


def test_arguments_that_are_not_tensors_are_named():
    with pytest.raises(TypeError, match=exactly("preds must be a torch.Tensor, got list")):
        mse([1.0], torch.zeros(1))
    with pytest.raises(TypeError, match=exactly("targets must be a torch.Tensor, got list")):
        cross_entropy(torch.zeros(2, 2), [0, 1])
