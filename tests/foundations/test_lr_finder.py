"""The learning rate finder: sensible suggestions, the model untouched, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from snippets.datasets import load_digits
from snippets.foundations import MLP, LinearModel, cross_entropy, lr_find, mse


def digits_model() -> MLP:
    return MLP([64, 32, 10], generator=torch.Generator().manual_seed(0))


def line_model() -> LinearModel:
    """Predicts `w * x + b` with w = 1 and b = 0: on x = 1 the prediction is s = w + b = 1."""
    model = LinearModel(1, 1)
    with torch.no_grad():
        model.layer.weight.fill_(1.0)
    return model


ONE_ROW = (torch.ones(1, 1), torch.zeros(1, 1))  # x = 1, y = 0: the loss is s ** 2


def test_records_and_suggestions_worked_out_by_hand():
    """On one row with x = 1, y = 0 the loss is s ** 2, where s = w + b is the prediction.

    Both gradients are 2 * s, so a plain SGD step (no momentum) turns s into s - lr * 4 * s = s * (1 - 4 * lr).
    With no smoothing the recorded losses are those raw losses, and the rate doubles at every step:
    lr     0.01875  0.0375   0.075    0.15     0.3      0.6      1.2      (2.4)
    1-4lr  0.925    0.85     0.7      0.4      -0.2     -1.4     -3.8
    loss   1        0.8556   0.6182   0.3029   0.0485   0.0019   0.0038   0.0549
    The last loss is more than 4 times the smallest (0.0019): the finder stops before recording it.
    The steepest fall, skipping the first step, is from 0.6182 to 0.3029: at lr 0.075.
    The smallest loss is at lr 0.6: a tenth of it is 0.06.
    """
    model = line_model()
    found = lr_find(model, mse, ONE_ROW, batch_size=1, start_lr=0.01875, end_lr=0.01875 * 2**11, steps=12,
                    momentum=0.0, smoothing=0.0)
    lrs = [0.01875 * 2**k for k in range(7)]
    s, losses = 1.0, []
    for lr in lrs:
        losses.append(s**2)
        s *= 1 - 4 * lr
    assert losses[-1] < 4 * min(losses) < s**2  # the next loss is the first over the limit
    assert found.lrs == pytest.approx(lrs)
    assert found.losses == pytest.approx(losses, rel=1e-5)
    assert found.steepest == pytest.approx(0.075)
    assert found.minimum_over_10 == pytest.approx(0.06)
    assert model.layer.weight.item() == 1.0 and model.layer.bias.item() == 0.0  # put back


def test_stops_at_the_first_loss_over_four_times_the_lowest():
    """Rates 0.0121875 * 2 ** k: the lowest loss comes at lr 0.78, whose step multiplies s by 1 - 4 * 0.78 = -2.12.

    The next loss is then 2.12 ** 2 = 4.49 times the lowest: over the limit, so lr 1.56 is not recorded.
    """
    found = lr_find(line_model(), mse, ONE_ROW, batch_size=1, start_lr=0.0121875, end_lr=0.0121875 * 2**11,
                    steps=12, momentum=0.0, smoothing=0.0)
    assert found.lrs == pytest.approx([0.0121875 * 2**k for k in range(7)])  # 0.0121875 ... 0.78
    assert found.minimum_over_10 == pytest.approx(0.078)


def test_smoothed_losses_are_debiased_running_averages():
    """With smoothing 0.5, step k's loss is the running average divided by 1 - 0.5 ** (k + 1).

    The raw losses are those of the test above: 1, 0.925 ** 2 and (0.925 * 0.85) ** 2, so
    step 0: 0.5 * l0 / 0.5 = l0;  step 1: (0.25 * l0 + 0.5 * l1) / 0.75 = (l0 + 2 * l1) / 3;
    step 2: (0.125 * l0 + 0.25 * l1 + 0.5 * l2) / 0.875 = (l0 + 2 * l1 + 4 * l2) / 7.
    """
    found = lr_find(line_model(), mse, ONE_ROW, batch_size=1, start_lr=0.01875, end_lr=0.01875 * 2**11, steps=12,
                    momentum=0.0, smoothing=0.5)
    l0, l1, l2 = 1.0, 0.925**2, (0.925 * 0.85) ** 2
    assert found.losses[:3] == pytest.approx([l0, (l0 + 2 * l1) / 3, (l0 + 2 * l1 + 4 * l2) / 7], rel=1e-5)


def test_suggests_a_rate_between_too_small_and_too_large_and_restores_the_model():
    split = load_digits()
    model = digits_model()
    before = [p.clone() for p in model.parameters()]
    found = lr_find(model, cross_entropy, split.train, batch_size=64, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    assert all(p.grad is None for p in model.parameters())
    assert 0.01 < found.steepest < 1 and 0.01 < found.minimum_over_10 < 1
    # the two rules, on the recorded losses: the steepest fall after the first 10% of steps, a tenth of the lowest
    log_lrs = np.log(found.lrs)
    skip = max(1, len(found.lrs) // 10)
    slopes = np.diff(found.losses) / np.diff(log_lrs)
    assert found.steepest == pytest.approx(found.lrs[skip + int(np.argmin(slopes[skip:]))])
    assert found.minimum_over_10 == pytest.approx(found.lrs[int(np.argmin(found.losses))] / 10)
    assert found.lrs == sorted(found.lrs) and len(found.lrs) == len(found.losses)
    # it stopped when the loss blew up, before reaching end_lr
    assert len(found.lrs) < 100 and found.losses[-1] > min(found.losses)


def test_cycles_the_data_when_steps_need_more_batches():
    x, y = torch.randn(40, 64), torch.randint(0, 10, (40,))
    found = lr_find(digits_model(), cross_entropy, (x, y), batch_size=20, end_lr=1e-2, steps=12)
    assert len(found.lrs) == 12  # 6 passes over 2 batches


def test_a_loss_that_blows_up_at_once_is_a_clear_error():
    x, y = torch.randn(64, 64) * 1e3, torch.randint(0, 10, (64,))
    with pytest.raises(FloatingPointError, match="lower start_lr"):
        lr_find(digits_model(), cross_entropy, (x, y), batch_size=8, start_lr=1e3, end_lr=1e6)


@given(
    start=st.one_of(st.floats(max_value=0), st.just(float("nan")), st.just(float("inf"))),
)
def test_bad_start_lr_is_refused(start):
    with pytest.raises(ValueError, match="start_lr"):
        lr_find(digits_model(), cross_entropy, (torch.randn(8, 64), torch.zeros(8, dtype=torch.long)),
                batch_size=4, start_lr=start)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"start_lr": 1.0, "end_lr": 0.1}, "start_lr < end_lr"), ({"steps": 2}, "steps must be"),
     ({"smoothing": 1.0}, "smoothing must be")],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lr_find(digits_model(), cross_entropy, (torch.randn(8, 64), torch.zeros(8, dtype=torch.long)),
                batch_size=4, **kwargs)


def test_empty_data_is_refused():
    with pytest.raises(ValueError, match="empty data"):
        lr_find(digits_model(), cross_entropy, (torch.empty(0, 64), torch.empty(0, dtype=torch.long)), batch_size=4)


def scripted(values):
    """A loss function that ignores the model and returns `values` in turn (smoothing=0 keeps them as they are)."""
    values = iter(values)

    def loss_fn(preds, targets):
        return preds.sum() * 0 + next(values)

    return loss_fn


def scripted_find(values, steps):
    return lr_find(line_model(), scripted(values), ONE_ROW, batch_size=1, start_lr=1e-3, end_lr=1.0, steps=steps,
                   smoothing=0.0)


def test_the_steepest_descent_skips_the_first_tenth_of_the_steps():
    # 20 steps: the big drop is from step 1 to 2; after it each drop is half the one before
    drop_at_1 = [10.0, 9.0, 1.0, *[0.8 + 0.2 * 0.5**k for k in range(1, 18)]]
    found = scripted_find(drop_at_1, steps=20)
    assert found.losses == pytest.approx(drop_at_1)
    assert found.steepest == found.lrs[2]         # skip = 20 // 10 = 2: the slope from step 1 is not used
    short = [10.0, 9.0, 1.0, 0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93]             # 10 steps: skip = 1
    assert scripted_find(short, steps=10).steepest == scripted_find(short, steps=10).lrs[1]


def test_the_last_pair_of_steps_counts_for_the_steepest_descent():
    late_drop = [1.0, 0.99, 0.98, 0.97, 0.96, 0.95, 0.5]
    found = scripted_find(late_drop, steps=7)
    assert found.steepest == found.lrs[5]


def test_a_loss_of_zero_is_no_reason_to_stop():
    found = scripted_find([0.0] * 8, steps=8)
    assert len(found.lrs) == 8 and found.losses == [0.0] * 8


def test_a_loss_that_becomes_nan_later_ends_the_test_with_what_came_before():
    found = scripted_find([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, float("nan"), 0.4], steps=8)
    assert found.losses == pytest.approx([1.0, 0.9, 0.8, 0.7, 0.6, 0.5])


def test_five_steps_are_enough_and_equal_rates_are_refused():
    assert len(scripted_find([1.0, 0.9, 0.8, 0.7, 0.6], steps=5).lrs) == 5
    with pytest.raises(ValueError, match="need 0 < start_lr < end_lr"):
        lr_find(line_model(), mse, ONE_ROW, batch_size=1, start_lr=0.1, end_lr=0.1)


def test_the_batch_order_follows_the_generator_not_the_global_seed():
    x, y = torch.randn(64, 64, generator=torch.Generator().manual_seed(3)), torch.arange(64) % 10
    runs = []
    for global_seed in (0, 1):
        torch.manual_seed(global_seed)
        runs.append(lr_find(digits_model(), cross_entropy, (x, y), batch_size=8, steps=10,
                            generator=torch.Generator().manual_seed(5)).losses)
    assert runs[0] == runs[1]
    other = lr_find(digits_model(), cross_entropy, (x, y), batch_size=8, steps=10,
                    generator=torch.Generator().manual_seed(6)).losses
    assert other != runs[0]
