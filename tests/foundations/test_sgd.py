"""The hand-written SGD against torch.optim.SGD, and its argument checks."""

from __future__ import annotations

import copy

import pytest
import torch

from snippets.foundations import MLP, SGD, cross_entropy
from tests.exact import exactly


def _train(model, optimizer, x, y, steps):
    for i in range(steps):
        rows = slice((i * 16) % len(x), (i * 16) % len(x) + 16)
        loss = cross_entropy(model(x[rows]), y[rows])
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


@pytest.mark.parametrize(
    ("momentum", "weight_decay"), [(0.0, 0.0), (0.9, 0.0), (0.0, 0.01), (0.9, 0.01)]
)
def test_matches_torch_sgd_after_many_steps(generator, momentum, weight_decay):
    x = torch.randn(128, 10, generator=generator)
    y = torch.randint(0, 3, (128,), generator=generator)
    ours = MLP([10, 32, 3], generator=generator)
    theirs = copy.deepcopy(ours)
    start = [p.detach().clone() for p in ours.parameters()]
    _train(ours, SGD(ours.parameters(), lr=0.05, momentum=momentum, weight_decay=weight_decay), x, y, 300)
    _train(
        theirs,
        torch.optim.SGD(theirs.parameters(), lr=0.05, momentum=momentum, weight_decay=weight_decay),
        x, y, 300,
    )
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)
    # The comparison means something only if training moved the parameters a lot.
    moved = max((p - p0).abs().max().item() for p, p0 in zip(ours.parameters(), start, strict=True))
    assert moved > 0.01


def test_weight_decay_shrinks_weights_with_zero_gradient():
    w = torch.tensor([2.0], requires_grad=True)
    opt = SGD([w], lr=0.1, weight_decay=0.5)
    (w * 0).sum().backward()
    opt.step()
    torch.testing.assert_close(w.detach(), torch.tensor([2.0 - 0.1 * 0.5 * 2.0]))


def test_momentum_accumulates_velocity():
    w = torch.tensor([0.0], requires_grad=True)
    opt = SGD([w], lr=1.0, momentum=0.5)
    for _ in range(2):
        w.sum().backward()   # gradient 1 each time
        opt.step()
        opt.zero_grad()
    # velocities 1, then 0.5 * 1 + 1 = 1.5; position -(1 + 1.5)
    torch.testing.assert_close(w.detach(), torch.tensor([-2.5]))


def test_parameters_without_gradient_are_left_alone():
    a, b = torch.ones(1, requires_grad=True), torch.ones(1, requires_grad=True)
    a.sum().backward()
    SGD([a, b], lr=0.1, weight_decay=0.1).step()
    assert b.item() == 1.0
    assert a.item() < 1.0


def test_zero_grad_clears_gradients():
    w = torch.ones(2, requires_grad=True)
    opt = SGD([w], lr=0.1)
    w.sum().backward()
    opt.zero_grad()
    assert w.grad is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0.0}, "learning rate must be a positive number"),
        ({"lr": -0.1}, "learning rate must be a positive number"),
        ({"lr": float("nan")}, "learning rate must be a positive number"),
        ({"lr": 0.1, "momentum": 1.0}, "momentum must be in \\[0, 1\\)"),
        ({"lr": 0.1, "momentum": -0.1}, "momentum must be in \\[0, 1\\)"),
        ({"lr": 0.1, "weight_decay": -1.0}, "weight_decay must be >= 0"),
    ],
)
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGD([torch.ones(1, requires_grad=True)], **kwargs)


def test_bad_parameters():
    with pytest.raises(ValueError, match="no parameters"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="requires_grad=True"):
        SGD([torch.ones(1)], lr=0.1)


def test_no_parameters_is_refused_by_name():
    with pytest.raises(ValueError, match=exactly("SGD got no parameters to optimise")):
        SGD([], lr=0.1)
