"""Hand-written backward passes against autograd: every gradient, on random shapes and values."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.foundations.backprop import Affine, Network, ReLU, SoftmaxCrossEntropy, train_step
from tests.exact import exactly

TOLERANCE = dict(rtol=1e-6, atol=1e-6)


@st.composite
def problems(draw):
    """A random two-layer network (float64), a batch and its targets."""
    n, n_in, hidden, n_classes = (draw(st.integers(1, 8)), draw(st.integers(1, 6)), draw(st.integers(1, 6)),
                                  draw(st.integers(2, 5)))
    g = torch.Generator().manual_seed(draw(st.integers(0, 2**31 - 1)))
    first, second = Affine(n_in, hidden, generator=g), Affine(hidden, n_classes, generator=g)
    for layer in (first, second):
        layer.weight, layer.bias = layer.weight.double(), torch.randn(layer.bias.shape, generator=g).double()
    x = torch.randn(n, n_in, generator=g, dtype=torch.float64) * draw(st.sampled_from([0.1, 1.0, 10.0]))
    y = torch.randint(0, n_classes, (n,), generator=g)
    return Network([first, ReLU(), second]), x, y


@settings(max_examples=60, deadline=None)
@given(problems())
def test_every_gradient_equals_autograd(problem):
    network, x, y = problem
    loss = SoftmaxCrossEntropy()
    value = loss.forward(network.forward(x), y)
    network.backward(loss.backward())

    leaves = [p.clone().requires_grad_() for p, _ in network.parameters()]
    w1, b1, w2, b2 = leaves
    x_leaf = x.clone().requires_grad_()
    expected = torch.nn.functional.cross_entropy(torch.relu(x_leaf @ w1 + b1) @ w2 + b2, y)
    expected.backward()

    torch.testing.assert_close(value, expected.detach(), **TOLERANCE)
    for (_, grad), leaf in zip(network.parameters(), leaves, strict=True):
        torch.testing.assert_close(grad, leaf.grad, **TOLERANCE)


@settings(max_examples=30, deadline=None)
@given(problems())
def test_the_gradient_reaching_the_input_equals_autograd(problem):
    network, x, y = problem
    loss = SoftmaxCrossEntropy()
    loss.forward(network.forward(x), y)
    grad_out = loss.backward()
    for layer in reversed(network.layers):
        grad_out = layer.backward(grad_out)
    w1, b1, w2, b2 = (p for p, _ in network.parameters())
    x_leaf = x.clone().requires_grad_()
    torch.nn.functional.cross_entropy(torch.relu(x_leaf @ w1 + b1) @ w2 + b2, y).backward()
    torch.testing.assert_close(grad_out, x_leaf.grad, **TOLERANCE)


def test_training_with_hand_gradients_lowers_the_loss_and_moves_every_parameter():
    g = torch.Generator().manual_seed(0)
    network = Network([Affine(5, 16, generator=g), ReLU(), Affine(16, 3, generator=g)])
    x, y = torch.randn(64, 5, generator=g), torch.randint(0, 3, (64,), generator=g)
    before = [p.clone() for p, _ in network.parameters()]
    losses = [train_step(network, SoftmaxCrossEntropy(), x, y, lr=0.3) for _ in range(50)]
    assert losses[-1] < 0.5 * losses[0]
    assert all(not torch.equal(b, p) for b, (p, _) in zip(before, network.parameters(), strict=True))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: Affine(0, 3), ValueError, "n_in >= 1"),
        (lambda: Affine(3, 2).forward(torch.ones(4, 5)), ValueError, "3 features per row"),
        (lambda: Affine(3, 2).forward(torch.ones(4, 3, dtype=torch.long)), TypeError, "floating-point"),
        (lambda: Affine(3, 2).forward(torch.full((2, 3), float("nan"))), ValueError, "NaN"),
        (lambda: SoftmaxCrossEntropy().forward(torch.zeros(2, 3), torch.tensor([0, 3])), ValueError, r"\[0, 3\)"),
        (lambda: SoftmaxCrossEntropy().forward(torch.zeros(2, 3), torch.tensor([0.0, 1.0])), TypeError, "integer"),
        (lambda: Network([]), ValueError, "at least one layer"),
        (lambda: train_step(Network([Affine(2, 2)]), SoftmaxCrossEntropy(), torch.ones(1, 2), torch.tensor([0]), 0.0),
         ValueError, "positive"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_weights_start_with_kaimings_spread():
    weight = Affine(2000, 50, generator=torch.Generator().manual_seed(0)).weight
    assert float(weight.std()) == pytest.approx((2 / 2000) ** 0.5, rel=0.02)


def test_relu_passes_no_gradient_at_exactly_zero_as_pytorch_does():
    relu = ReLU()
    x = torch.tensor([[-1.0, 0.0, 2.0]], requires_grad=True)
    relu.forward(x.detach())
    ours = relu.backward(torch.ones(1, 3))
    torch.relu(x).sum().backward()
    assert torch.equal(ours, x.grad) and ours.tolist() == [[0.0, 0.0, 1.0]]


def test_errors_name_the_argument_at_fault():
    with pytest.raises(TypeError, match=exactly("logits must be a floating-point tensor, got dtype torch.int64")):
        SoftmaxCrossEntropy().forward(torch.zeros(2, 3, dtype=torch.long), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=exactly("a network needs at least one layer")):
        Network([])
    with pytest.raises(TypeError, match=exactly("inputs must be a floating-point tensor, got dtype torch.int64")):
        train_step(Network([Affine(2, 2)]), SoftmaxCrossEntropy(), torch.ones(1, 2, dtype=torch.long),
                   torch.tensor([0]), 0.1)


def test_the_loss_gradient_keeps_the_logits_precision():
    loss = SoftmaxCrossEntropy()
    loss.forward(torch.zeros(2, 3, dtype=torch.float64), torch.tensor([0, 2]))
    grad = loss.backward()
    assert grad.dtype == torch.float64


def test_the_starting_weights_follow_the_generator_not_the_global_seed():
    torch.manual_seed(0)
    first = Affine(4, 3, generator=torch.Generator().manual_seed(7)).weight
    torch.manual_seed(1)
    assert torch.equal(Affine(4, 3, generator=torch.Generator().manual_seed(7)).weight, first)
