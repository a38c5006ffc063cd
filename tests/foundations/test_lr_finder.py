"""The learning rate finder: sensible suggestions, the model untouched, clear errors."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from snippets.datasets import load_digits
from snippets.foundations import MLP, cross_entropy, lr_find


def digits_model() -> MLP:
    return MLP([64, 32, 10], generator=torch.Generator().manual_seed(0))


def test_suggests_a_rate_between_too_small_and_too_large_and_restores_the_model():
    split = load_digits()
    model = digits_model()
    before = [p.clone() for p in model.parameters()]
    found = lr_find(model, cross_entropy, split.train, batch_size=64, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    assert all(p.grad is None for p in model.parameters())
    assert 0.01 < found.steepest < 1 and 0.01 < found.minimum_over_10 < 1
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
