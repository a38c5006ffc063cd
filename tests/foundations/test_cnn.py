"""The small CNN: each stride-2 convolution halves the picture, and the network learns real digits."""

from __future__ import annotations

import torch

from snippets.datasets import load_mnist_sample
from snippets.foundations.cnn import conv, simple_cnn


def test_each_conv_halves_the_picture():
    shapes = []
    x = torch.zeros(2, 1, 28, 28)
    for layer in simple_cnn():
        x = layer(x)
        shapes.append(tuple(x.shape[1:]))
    assert shapes[:5] == [(8, 14, 14), (16, 7, 7), (32, 4, 4), (64, 2, 2), (10, 1, 1)]
    assert shapes[-1] == (10,)


def test_conv_without_activation_can_be_negative():
    torch.manual_seed(0)
    out = conv(1, 4, act=False)(torch.randn(8, 1, 8, 8))
    assert (out < 0).any()
    assert (conv(1, 4)(torch.randn(8, 1, 8, 8)) >= 0).all()


def test_simple_cnn_learns_a_batch_of_real_digits():
    torch.manual_seed(0)
    images, labels = load_mnist_sample()
    x = torch.as_tensor(images[::50], dtype=torch.float32)[:, None] / 255
    y = torch.as_tensor(labels[::50])
    model = simple_cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 5


def test_conv_normalises_by_default_and_the_head_ends_in_pooled_scores():
    from torch import nn

    assert [type(m).__name__ for m in conv(1, 4)] == ["Conv2d", "BatchNorm2d", "ReLU"]
    model = simple_cnn(n_classes=3, widths=(4, 8))
    kinds = [[type(m).__name__ for m in block] if isinstance(block, nn.Sequential) else type(block).__name__
             for block in model]
    assert kinds == [["Conv2d", "BatchNorm2d", "ReLU"], ["Conv2d", "BatchNorm2d", "ReLU"],
                     ["Conv2d", "BatchNorm2d"], "AdaptiveAvgPool2d", "Flatten"]
    plain = simple_cnn(n_classes=3, widths=(4, 8), norm=False)
    assert [type(m).__name__ for m in plain[0]] == ["Conv2d", "ReLU"] and len(plain[2]) == 1
    assert model[0][0].kernel_size == (5, 5) and model[1][0].kernel_size == (3, 3)
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 3)      # pooled: any image size gives one score a class
    assert model(torch.zeros(2, 1, 40, 40)).shape == (2, 3)
