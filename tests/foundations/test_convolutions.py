"""Convolutions three ways, batch normalisation against nn.BatchNorm2d, the residual block."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.foundations.convolutions import (
    BatchNorm,
    ResBlock,
    conv2d_loops,
    conv2d_unfold,
    deep_cnn,
    output_size,
)
from tests.exact import exactly


@settings(max_examples=40, deadline=None)
@given(h=st.integers(3, 9), w=st.integers(3, 9), k=st.sampled_from([1, 2, 3]), stride=st.integers(1, 3),
       padding=st.integers(0, 2), seed=st.integers(0, 10_000))
def test_loops_unfold_and_conv2d_agree(h, w, k, stride, padding, seed):
    g = torch.Generator().manual_seed(seed)
    image, kernel = torch.randn(h, w, generator=g, dtype=torch.float64), torch.randn(k, k, generator=g,
                                                                                       dtype=torch.float64)
    expected = F.conv2d(image[None, None], kernel[None, None], stride=stride, padding=padding)[0, 0]
    torch.testing.assert_close(conv2d_loops(image, kernel, stride, padding), expected)
    torch.testing.assert_close(conv2d_unfold(image[None, None], kernel[None, None], None, stride, padding)[0, 0],
                               expected)
    assert expected.shape == (output_size(h, k, stride, padding), output_size(w, k, stride, padding))


def test_unfold_handles_batches_channels_kernels_and_bias():
    g = torch.Generator().manual_seed(0)
    images, weight, bias = torch.randn(4, 3, 10, 12, generator=g), torch.randn(5, 3, 3, 3, generator=g), torch.randn(5)
    torch.testing.assert_close(conv2d_unfold(images, weight, bias, stride=2, padding=1),
                               F.conv2d(images, weight, bias, stride=2, padding=1), rtol=1e-5, atol=1e-5)


def test_batchnorm_matches_pytorch_in_training_and_evaluation():
    g = torch.Generator().manual_seed(0)
    ours, theirs = BatchNorm(3), torch.nn.BatchNorm2d(3)
    for _ in range(5):                                   # training: batch statistics, running averages updated
        x = torch.randn(8, 3, 5, 5, generator=g) * 3 + 1
        x_ours, x_theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
        out_ours, out_theirs = ours(x_ours), theirs(x_theirs)
        torch.testing.assert_close(out_ours, out_theirs, rtol=1e-5, atol=1e-5)
        (out_ours * torch.arange(75.0).reshape(3, 5, 5)).sum().backward()
        (out_theirs * torch.arange(75.0).reshape(3, 5, 5)).sum().backward()
        torch.testing.assert_close(x_ours.grad, x_theirs.grad, rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(ours.weight.grad, theirs.weight.grad, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(ours.running_mean, theirs.running_mean)
    torch.testing.assert_close(ours.running_var, theirs.running_var)
    ours.eval(), theirs.eval()                           # evaluation: the running averages, nothing updated
    x = torch.randn(2, 3, 5, 5, generator=g)
    torch.testing.assert_close(ours(x), theirs(x), rtol=1e-5, atol=1e-5)
    before = ours.running_mean.clone()
    ours(x * 10)
    assert torch.equal(ours.running_mean, before)


def test_in_training_each_channel_comes_out_with_mean_0_and_std_1():
    x = torch.randn(16, 4, 6, 6) * torch.tensor([1.0, 5.0, 0.1, 20.0])[:, None, None] + 7
    out = BatchNorm(4)(x)
    torch.testing.assert_close(out.mean(dim=(0, 2, 3)), torch.zeros(4), atol=1e-5, rtol=0)
    torch.testing.assert_close(out.std(dim=(0, 2, 3), unbiased=False), torch.ones(4), atol=1e-3, rtol=0)


def test_residual_block_keeps_the_shape_and_adds_its_input():
    block = ResBlock(4)
    for p in block.f.parameters():
        torch.nn.init.zeros_(p)                          # f(x) = 0: the block is relu(x)
    x = torch.randn(2, 4, 7, 7)
    torch.testing.assert_close(block(x), torch.relu(x))
    assert deep_cnn(3, residual=True)(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: output_size(2, kernel=5), "does not fit"),
        (lambda: output_size(9, kernel=3, stride=0), "stride >= 1"),
        (lambda: conv2d_loops(torch.zeros(1, 5, 5), torch.zeros(3, 3)), "2-D"),
        (lambda: conv2d_unfold(torch.zeros(1, 2, 5, 5), torch.zeros(4, 3, 3, 3)), "must agree on C"),
        (lambda: BatchNorm(3)(torch.zeros(2, 4, 5, 5)), r"\(batch, 3, height, width\)"),
        (lambda: deep_cnn(0, residual=True), "at least 1"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_activation_stats_records_training_batches_only_and_removes_its_hooks():
    from snippets.foundations.activation_stats import ActivationStats

    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU())
    x = torch.randn(32, 4)
    with ActivationStats([model[0], model[1]], threshold=0.0) as stats:
        model(x)
        model.eval()
        model(x)                                          # evaluation: not recorded
    model.train()
    model(x)                                              # hooks removed: not recorded
    assert [len(layer) for layer in stats.records] == [1, 1]
    out = model[0](x)
    assert stats.records[0][0].mean == pytest.approx(out.mean().item())
    assert stats.records[0][0].std == pytest.approx(out.std().item())
    assert stats.series("near_zero").shape == (2, 1)
    with pytest.raises(ValueError, match="at least one module"):
        ActivationStats([])
    with pytest.raises(ValueError, match="field must be"):
        stats.series("median")



def raises_exactly(error, message, call):
    with pytest.raises(error, match=exactly(message)):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: output_size(5, kernel=0), "need kernel >= 1, stride >= 1, padding >= 0; got 0, 1, 0"),
        (lambda: output_size(5, kernel=3, padding=-1), "need kernel >= 1, stride >= 1, padding >= 0; got 3, 1, -1"),
        (lambda: output_size(3, kernel=6, padding=1), "a 6-wide kernel does not fit in 3 pixels with padding 1"),
        (lambda: conv2d_unfold(torch.zeros(2, 5, 5), torch.zeros(4, 2, 3, 3)),
         "images (N, C, H, W) and weight (O, C, kh, kw) must agree on C; got (2, 5, 5) and (4, 2, 3, 3)"),
        (lambda: conv2d_unfold(torch.zeros(1, 2, 5, 5), torch.zeros(2, 3, 3)),
         "images (N, C, H, W) and weight (O, C, kh, kw) must agree on C; got (1, 2, 5, 5) and (2, 3, 3)"),
        (lambda: deep_cnn(-1, residual=False), "n_blocks must be at least 1, got -1"),
    ],
)
def test_errors_name_the_problem_exactly(call, message):
    raises_exactly(ValueError, message, call)


def test_defaults_are_stride_1_and_no_padding():
    assert output_size(5, 3) == 3 and output_size(3, 6, padding=2) == 2
    g = torch.Generator().manual_seed(0)
    x, w = torch.randn(2, 3, 6, 6, generator=g), torch.randn(4, 3, 3, 3, generator=g)
    torch.testing.assert_close(conv2d_unfold(x, w), F.conv2d(x, w))


def test_batchnorm_of_a_constant_channel_is_its_shift_and_the_shift_is_added():
    bn = BatchNorm(2)
    with torch.no_grad():
        bn.bias.copy_(torch.tensor([2.0, -1.0]))
        bn.weight.copy_(torch.tensor([3.0, 0.5]))
    x = torch.randn(8, 2, 3, 3)
    x[:, 0] = 4.0                                        # variance 0: only eps keeps the division finite
    out = bn(x)
    assert torch.equal(out[:, 0], torch.full((8, 3, 3), 2.0))
    torch.testing.assert_close(out[:, 1].mean(), torch.tensor(-1.0), atol=1e-5, rtol=0)
    torch.testing.assert_close(out[:, 1].std(unbiased=False), torch.tensor(0.5), atol=1e-3, rtol=0)


def test_the_residual_block_adds_f_of_x_to_x():
    block = ResBlock(2)
    block.f = torch.nn.Identity()                        # f(x) = x, so the block is relu(2x)
    x = torch.randn(1, 2, 4, 4)
    torch.testing.assert_close(block(x), torch.relu(2 * x))


def layer_kinds(module):
    return [type(layer).__name__ for layer in module]


def test_the_blocks_and_the_deep_cnn_are_built_as_described():
    from snippets.foundations.convolutions import conv_bn_pair, plain_block

    pair = conv_bn_pair(4)
    assert layer_kinds(pair) == ["Conv2d", "BatchNorm2d", "ReLU", "Conv2d", "BatchNorm2d"]
    for conv in (pair[0], pair[3]):
        assert (conv.in_channels, conv.out_channels, conv.kernel_size, conv.padding) == (4, 4, (3, 3), (1, 1))
        assert conv.bias is None                         # BatchNorm's shift makes a bias redundant
    assert layer_kinds(plain_block(4)) == [*layer_kinds(pair), "ReLU"]
    for residual, block in ((True, "ResBlock"), (False, "Sequential")):
        net = deep_cnn(1, residual=residual)
        assert layer_kinds(net) == ["Conv2d", "BatchNorm2d", "ReLU", block, "AdaptiveAvgPool2d", "Flatten", "Linear"]
        stem = net[0]
        assert (stem.in_channels, stem.out_channels, stem.kernel_size, stem.stride, stem.padding) == \
            (1, 16, (3, 3), (2, 2), (1, 1))
        assert stem.bias is None and net[1].num_features == 16
        assert (net[-1].in_features, net[-1].out_features) == (16, 10)
        assert net[:3](torch.zeros(1, 1, 28, 28)).shape == (1, 16, 14, 14)   # half resolution
    assert len(deep_cnn(3, residual=True, n_channels=8, n_classes=4)) == 9


def test_activation_stats_threshold_is_strict_and_defaults_to_a_hundredth():
    from snippets.foundations.activation_stats import ActivationStats

    layer = torch.nn.Identity()
    x = torch.tensor([[0.0, 0.005, 0.01, 0.5]])
    with ActivationStats([layer]) as stats:
        layer(x)
    assert stats.records[0][0].near_zero == 0.5                 # 0 and 0.005; 0.01 is not below 0.01
    assert [stats.series(f).shape for f in ("mean", "std", "near_zero")] == [(1, 1)] * 3
    raises_exactly(ValueError, "ActivationStats needs at least one module to watch", lambda: ActivationStats([]))


def test_unfold_refuses_images_that_are_not_4_d_even_when_the_channels_agree():
    with pytest.raises(ValueError, match=exactly(
            "images (N, C, H, W) and weight (O, C, kh, kw) must agree on C; got (2, 2, 5) and (4, 2, 3, 3)")):
        conv2d_unfold(torch.zeros(2, 2, 5), torch.zeros(4, 2, 3, 3))
