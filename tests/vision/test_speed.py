"""`images_per_second` measures without side effects; `BFloat16Autocast` trains in bfloat16 and cleans up."""

from __future__ import annotations

import pytest
import torch
from fastai.data.core import DataLoaders
from fastai.learner import Learner
from torch import nn

from snippets.vision.speed import BRIEF_TIMING, BFloat16Autocast, images_per_second, linear_seconds


def small_cnn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(4, 3))


@pytest.mark.parametrize("options", [{}, {"channels_last": True}, {"bf16": True}, {"threads": 2}])
@pytest.mark.parametrize("train", [True, False])
def test_the_callers_model_is_left_as_it_was(options, train):
    model = small_cnn().eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    speed = images_per_second(model, torch.randn(8, 1, 12, 12), train=train, steps=2, **options)
    assert speed > 0
    assert not model.training  # its mode, weights, BatchNorm statistics and layout are untouched
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert model[0].weight.is_contiguous()
    assert torch.get_num_threads() == 1  # the harness runs one thread; the measurement restored it


CALLS: list[str] = []  # module-level, so the copy that is timed records here too


class _CountBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        CALLS.append("backward")
        return grad


class Recorder(nn.Module):
    def forward(self, x):
        CALLS.append("forward")
        return _CountBackward.apply(x)


@pytest.mark.parametrize(("train", "backward"), [(True, 5), (False, 0)])
def test_warmup_and_timed_steps_run_and_training_includes_the_backward_pass(train, backward, monkeypatch):
    monkeypatch.delenv(BRIEF_TIMING, raising=False)  # the harness asks for brief timings; here every step is counted
    CALLS.clear()
    model = nn.Sequential(nn.Conv2d(1, 2, 3), Recorder())
    images_per_second(model, torch.randn(4, 1, 8, 8), train=train, steps=3, warmup=2)
    assert CALLS.count("forward") == 5 and CALLS.count("backward") == backward


@pytest.mark.parametrize("train", [True, False])
def test_brief_timing_runs_one_step_without_warmup(train, monkeypatch):
    """What the test suite asks for (the harness sets it): the code runs once, the figure is rough."""
    monkeypatch.setenv(BRIEF_TIMING, "1")
    CALLS.clear()
    model = nn.Sequential(nn.Conv2d(1, 2, 3), Recorder())
    assert images_per_second(model, torch.randn(4, 1, 8, 8), train=train, steps=30, warmup=3) > 0
    assert CALLS == (["forward", "backward"] if train else ["forward"])


@pytest.mark.parametrize(("brief", "passes"), [("1", 1), ("0", 2)])
def test_linear_seconds_runs_two_passes_or_one_when_brief(brief, passes, monkeypatch):
    monkeypatch.setenv(BRIEF_TIMING, brief)
    forwards = []
    handle = torch.nn.modules.module.register_module_forward_hook(lambda *_: forwards.append(1))
    try:
        assert linear_seconds(bf16=False, rows=8, features=(4, 2)) > 0
    finally:
        handle.remove()
    assert len(forwards) == passes


def test_threads_are_restored_even_when_the_model_fails():
    with pytest.raises(RuntimeError):
        images_per_second(nn.Conv2d(3, 4, 3), torch.randn(2, 1, 8, 8), threads=2)
    assert torch.get_num_threads() == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 0}, "steps must be at least 1"),
        ({"warmup": -1}, "warmup at least 0"),
        ({"threads": 0}, "threads must be at least 1"),
    ],
)
def test_bad_settings_get_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        images_per_second(small_cnn(), torch.randn(2, 1, 8, 8), **kwargs)


@pytest.mark.parametrize("shape", [(0, 1, 8, 8), (1, 8, 8)])
def test_a_batch_that_is_not_one_batch_of_images_is_refused(shape):
    with pytest.raises(ValueError, match="one non-empty batch"):
        images_per_second(small_cnn(), torch.zeros(shape))


def test_bfloat16_autocast_trains_in_bfloat16_and_leaves_no_region_open():
    seen = []
    model = small_cnn()
    model[0].register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    x, y = torch.randn(32, 1, 8, 8), torch.randint(0, 3, (32,))
    dls = DataLoaders.from_dsets(list(zip(x, y, strict=True)), list(zip(x, y, strict=True)), bs=16, device="cpu")
    learn = Learner(dls, model, loss_func=nn.CrossEntropyLoss(), cbs=BFloat16Autocast())
    with learn.no_logging():
        learn.fit(1, 1e-2)
    assert set(seen) == {torch.bfloat16}  # the convolution ran in bfloat16, training and validation
    assert model[0].weight.dtype == torch.float32  # the weights stay float32
    assert not torch.is_autocast_enabled("cpu")  # every region was closed
    predictions, _ = learn.get_preds()
    assert predictions.dtype == torch.float32
    assert not torch.is_autocast_enabled("cpu")
