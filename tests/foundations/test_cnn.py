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
