"""The training loop: it learns, it reports, it stops on a diverging loss."""

from __future__ import annotations

import pytest
import torch

from snippets.datasets import load_digits
from snippets.foundations import MLP, SGD, EpochStats, LinearModel, cross_entropy, fit, mse
from tests.exact import exactly


def mean_abs_error(preds: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return (preds - targets).abs().mean()


def line_model(weight: float, bias: float) -> LinearModel:
    """A one-input linear model that predicts `weight * x + bias`."""
    model = LinearModel(1, 1)
    with torch.no_grad():
        model.layer.weight.fill_(weight)
        model.layer.bias.fill_(bias)
    return model


class StandStill:
    """An optimiser that never moves the model, so that every figure `fit` reports can be worked out by hand."""

    def __init__(self, params):
        self.params = list(params)

    def step(self) -> None:
        pass

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None


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
    w = torch.tensor([[1.0], [-2.0], [0.5]])
    x, x_valid = torch.randn(200, 3, generator=generator), torch.randn(50, 3, generator=generator)
    model = LinearModel(3, 1, generator=generator)
    history = fit(
        model, mse, SGD(model.parameters(), lr=0.1), (x, x @ w + 3.0), (x_valid, x_valid @ w + 3.0),
        epochs=30, batch_size=20, metric=mse, generator=generator, log=None,
    )
    assert history.epochs[-1].valid_loss < 1e-4
    torch.testing.assert_close(model.layer.bias.detach(), torch.tensor([3.0]), atol=1e-2, rtol=0)


def test_scores_the_validation_rows_after_the_epochs_step():
    """One SGD step on one training row, worked out by hand, then the model is scored on other rows.

    The model starts at 0 * x + 0. Training row x = 1, y = 2: prediction 0, loss (0 - 2)^2 = 4;
    the gradients of the weight and the bias are both 2 * (0 - 2) = -4, so lr = 0.25 moves both to 1.
    Validation rows x = 0, 2 with y = 1, 0: the new model predicts 1, 3; errors 0, 3, mse 4.5, mae 1.5.
    (Scored before the step, or on the training row, the figures would differ: 0.5 and 0.)
    """
    model = line_model(weight=0.0, bias=0.0)
    train = (torch.tensor([[1.0]]), torch.tensor([[2.0]]))
    valid = (torch.tensor([[0.0], [2.0]]), torch.tensor([[1.0], [0.0]]))
    lines: list[str] = []
    history = fit(model, mse, SGD(model.parameters(), lr=0.25), train, valid,
                  epochs=1, batch_size=1, metric=mean_abs_error, log=lines.append)
    assert history.epochs == [EpochStats(epoch=0, train_loss=4.0, valid_loss=4.5, metric=1.5)]
    assert lines[0].split() == ["epoch", "train_loss", "valid_loss", "mean_abs_error"]
    assert lines[1].split() == ["0", "4.0000", "4.5000", "1.5000"]


def test_train_loss_is_the_mean_over_rows_not_over_batches(generator):
    """The model predicts y = x and never moves; batches of 2 rows, then 1.

    Training errors 1, 1, 4: mse (1 + 1 + 16) / 3 = 6, whatever the order of the rows (a plain mean of
    the two batch losses would give 8.5 or 4.75). Validation errors 2, 3: mse (4 + 9) / 2 = 6.5, mae 2.5.
    """
    model = line_model(weight=1.0, bias=0.0)
    train = (torch.tensor([[1.0], [2.0], [3.0]]), torch.tensor([[2.0], [3.0], [7.0]]))
    valid = (torch.tensor([[0.0], [1.0]]), torch.tensor([[2.0], [-2.0]]))
    history = fit(model, mse, StandStill(model.parameters()), train, valid,
                  epochs=2, batch_size=2, metric=mean_abs_error, generator=generator, log=None)
    assert history.epochs == [EpochStats(0, 6.0, 6.5, 2.5), EpochStats(1, 6.0, 6.5, 2.5)]
    # each epoch: 2 rows then 1; errors (1, 1) then 4 give batch losses 1 and 16, (1, 4) then 1 give 8.5 and 1
    assert history.batch_losses[:2] in ([1.0, 16.0], [8.5, 1.0])
    assert history.batch_losses[2:] in ([1.0, 16.0], [8.5, 1.0])


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


def test_divergence_errors_say_where_and_what_to_do():
    from snippets.foundations.loop import _finite_loss

    model = LinearModel(2, 1)
    x, y = torch.ones(3, 2), torch.zeros(3, 1)
    with pytest.raises(FloatingPointError, match=exactly("the loss became inf at epoch 0, batch 3: "
                                 "lower the learning rate, or check the inputs for extreme values")):
        _finite_loss(model, lambda p, t: p.sum() * 0 + float("inf"), x, y, "epoch 0, batch 3")
    with torch.no_grad():
        model.layer.weight.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match=exactly(
            "the parameters became NaN or infinite before epoch 1, batch 0: "
            "lower the learning rate, or check the inputs for extreme values")):
        _finite_loss(model, mse, x, y, "epoch 1, batch 0")


def test_a_value_error_with_finite_parameters_is_passed_on_unchanged():
    from snippets.foundations.loop import _finite_loss

    with pytest.raises(ValueError, match="same shape"):
        _finite_loss(LinearModel(2, 1), mse, torch.ones(3, 2), torch.zeros(3), "epoch 0, batch 0")


def test_fit_says_at_which_epoch_and_batch_training_diverged():
    x, y = torch.ones(8, 2), torch.zeros(8, dtype=torch.long)
    model = LinearModel(2, 2)
    calls = iter(range(100))

    # calls 0-3 are epoch 0's four batches and call 4 scores the validation rows, so call 5 is epoch 1's
    # first batch: batch 4 counted from the start of training
    def loss_fn(preds, targets):
        return cross_entropy(preds, targets) * (float("inf") if next(calls) == 5 else 1.0)

    message = "the loss became inf at epoch 1, batch 4: lower the learning rate, or check the inputs for extreme values"
    with pytest.raises(FloatingPointError, match=exactly(message)):
        fit(model, loss_fn, SGD(model.parameters(), lr=0.01), (x, y), (x, y), epochs=3, batch_size=2, log=None)
