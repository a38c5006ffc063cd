"""The training loop: it learns, it reports, it stops on a diverging loss."""

from __future__ import annotations

import pytest
import torch

from snippets.datasets import load_digits
from snippets.foundations import MLP, SGD, LinearModel, cross_entropy, fit, mse


def test_loss_goes_down_and_report_is_plain_text(generator):
    split = load_digits()
    model = MLP([64, 32, 10], generator=generator)
    lines: list[str] = []
    history = fit(
        model, cross_entropy, SGD(model.parameters(), lr=0.1, momentum=0.9),
        split.train, split.valid, epochs=3, batch_size=64, generator=generator, log=lines.append,
    )
    assert lines[0].split() == ["epoch", "train_loss", "valid_loss", "accuracy"]
    assert len(lines) == 4 and lines[-1].split()[0] == "2"
    losses = [e.train_loss for e in history.epochs]
    assert losses[0] > losses[-1]
    assert history.epochs[-1].valid_loss < history.epochs[0].valid_loss
    assert history.epochs[-1].metric > 0.9
    assert len(history.batch_losses) == 3 * 23  # ceil(1437 / 64) batches per epoch


def test_regression_with_mse(generator):
    x = torch.randn(200, 3, generator=generator)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 3.0
    model = LinearModel(3, 1, generator=generator)
    history = fit(
        model, mse, SGD(model.parameters(), lr=0.1), (x, y), (x, y),
        epochs=30, batch_size=20, metric=mse, generator=generator, log=None,
    )
    assert history.epochs[-1].valid_loss < 1e-4
    torch.testing.assert_close(model.layer.bias.detach(), torch.tensor([3.0]), atol=1e-2, rtol=0)


def test_diverging_loss_raises(generator):
    x = torch.randn(64, 3, generator=generator) * 100
    y = torch.randn(64, 1, generator=generator)
    model = LinearModel(3, 1, generator=generator)
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        fit(model, mse, SGD(model.parameters(), lr=10.0), (x, y), (x, y),
            epochs=50, batch_size=8, metric=mse, log=None)


def test_bad_epochs(generator):
    model = LinearModel(3, 2, generator=generator)
    data = (torch.zeros(4, 3), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        fit(model, cross_entropy, SGD(model.parameters(), lr=0.1), data, data, epochs=0, batch_size=2)


def test_mismatched_data_raises(generator):
    model = LinearModel(3, 2, generator=generator)
    with pytest.raises(ValueError, match="same number of rows"):
        fit(model, cross_entropy, SGD(model.parameters(), lr=0.1),
            (torch.zeros(4, 3), torch.zeros(5, dtype=torch.long)),
            (torch.zeros(4, 3), torch.zeros(4, dtype=torch.long)), epochs=1, batch_size=2, log=None)
