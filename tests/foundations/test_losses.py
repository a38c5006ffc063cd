"""Losses and the accuracy metric, checked against PyTorch's own."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from snippets.foundations import accuracy, cross_entropy, log_softmax, mse


def test_log_softmax_matches_torch(generator):
    logits = torch.randn(8, 5, generator=generator) * 10
    torch.testing.assert_close(log_softmax(logits), F.log_softmax(logits, dim=1))


def test_log_softmax_is_stable_for_huge_scores():
    out = log_softmax(torch.tensor([[1e4, 0.0], [-1e4, 1e4]]))
    assert torch.isfinite(out).all()


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
