"""Affine layers, ReLU, the linear model and the MLP."""

from __future__ import annotations

import pytest
import torch

from snippets.foundations import MLP, Affine, LinearModel, count_parameters, relu
from tests.exact import exactly


def test_affine_matches_matrix_formula(generator):
    layer = Affine(5, 3, generator=generator)
    x = torch.randn(7, 5, generator=generator)
    torch.testing.assert_close(layer(x), x @ layer.weight + layer.bias)


def test_kaiming_init_keeps_activation_scale(generator):
    # Through 10 ReLU layers the mean square of the activations stays within 2x of
    # the input's: He initialisation is what makes deep stacks trainable at all.
    model = MLP([256] * 11, generator=generator)
    x = torch.randn(512, 256, generator=generator)
    ratio = model.activations(x)[-2].pow(2).mean() / x.pow(2).mean()
    assert 0.5 < ratio.item() < 2.0


def test_parameters_are_leaf_tensors_with_grad(generator):
    model = MLP([4, 8, 3], generator=generator)
    params = model.parameters()
    assert [tuple(p.shape) for p in params] == [(4, 8), (8,), (8, 3), (3,)]
    assert all(p.is_leaf and p.requires_grad for p in params)
    assert count_parameters(model) == 4 * 8 + 8 + 8 * 3 + 3


def test_two_affine_layers_without_relu_are_one_affine_layer(generator):
    first, second = Affine(4, 6, generator=generator), Affine(6, 2, generator=generator)
    x = torch.randn(3, 4, generator=generator)
    w = first.weight @ second.weight
    b = first.bias @ second.weight + second.bias
    torch.testing.assert_close(second(first(x)), x @ w + b)


def test_activations_are_nonnegative_after_relu(generator):
    model = MLP([4, 16, 16, 3], generator=generator)
    hidden = model.activations(torch.randn(10, 4, generator=generator))[:-1]
    assert all((a >= 0).all() for a in hidden)


def test_relu():
    torch.testing.assert_close(relu(torch.tensor([-1.0, 0.5])), torch.tensor([0.0, 0.5]))


def test_same_generator_seed_same_model():
    a = LinearModel(3, 2, generator=torch.Generator().manual_seed(1))
    b = LinearModel(3, 2, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(a.layer.weight, b.layer.weight)


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (torch.zeros(2, 3), ValueError, r"must have 4 features per row, got shape \(2, 3\)"),
        (torch.zeros(4), ValueError, "must be 2-D"),
        (torch.zeros(0, 4), ValueError, "is empty"),
        (torch.zeros(2, 4, dtype=torch.long), TypeError, "floating-point"),
        (torch.tensor([[float("nan")] * 4]), ValueError, "NaN or infinite"),
        ([[0.0] * 4], TypeError, "must be a torch.Tensor"),
    ],
)
def test_bad_inputs_raise_clear_errors(generator, x, error, message):
    with pytest.raises(error, match=message):
        MLP([4, 3, 2], generator=generator)(x)


@pytest.mark.parametrize("sizes", [[], [3], [3, 0]])
def test_bad_sizes(sizes):
    with pytest.raises(ValueError, match=r"MLP needs|affine layer needs"):
        MLP(sizes)


def test_the_last_layer_has_no_relu_and_two_sizes_make_one_layer():
    model = MLP([3, 4, 2], generator=torch.Generator().manual_seed(0))
    out = model(torch.randn(50, 3, generator=torch.Generator().manual_seed(1)))
    assert (out < 0).any()                                       # scores, not ReLU outputs
    acts = model.activations(torch.ones(1, 3))
    assert len(acts) == 2 and torch.equal(model(torch.ones(1, 3)), acts[-1]) and (acts[0] >= 0).all()
    assert len(MLP([3, 2]).layers) == 1


def test_relu_names_its_input_when_refusing_it():
    with pytest.raises(TypeError, match=exactly("relu input must be a floating-point tensor, got dtype torch.int64")):
        relu(torch.tensor([1, 2]))


def test_a_deeper_mlp_answers_with_its_last_activation():
    model = MLP([3, 4, 5, 2], generator=torch.Generator().manual_seed(0))
    x = torch.randn(6, 3, generator=torch.Generator().manual_seed(1))
    acts = model.activations(x)
    assert len(acts) == 3 and torch.equal(model(x), acts[-1]) and model(x).shape == (6, 2)


def test_check_batch_calls_its_argument_inputs_by_default():
    from snippets.foundations._checks import check_batch

    with pytest.raises(ValueError, match=exactly("inputs must have 3 features per row, got shape (2, 4)")):
        check_batch(torch.zeros(2, 4), 3)
