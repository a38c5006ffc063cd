"""What `vision_learner` builds, rebuilt by hand, against fastai's `create_vision_model` layer for layer."""

from __future__ import annotations

import pytest
import torch
from fastai.vision.learner import create_body, create_head, create_vision_model
from torch import nn
from torchvision.models import resnet18, resnet34

from snippets.vision.learner_parts import ConcatPool2d, body_of, head, vision_model
from tests.exact import exactly


def layers(model: nn.Module) -> list[tuple[str, str, tuple]]:
    """Every leaf module's place, type name and parameter shapes (both concat pools hold an `ap` and an `mp`)."""
    return [(name, type(m).__name__, tuple(tuple(p.shape) for p in m.parameters(recurse=False)))
            for name, m in model.named_modules() if next(m.children(), None) is None]


@pytest.mark.parametrize("arch", [resnet18, resnet34])
def test_the_hand_built_model_is_fastais_layer_for_layer(arch):
    torch.manual_seed(0)
    ours = vision_model(arch(), n_out=37)
    theirs = create_vision_model(arch, n_out=37, pretrained=False)
    assert layers(ours) == layers(theirs)
    # the same parameter and buffer names: the weights of one load into the other as they are
    ours.load_state_dict(theirs.state_dict(), strict=True)
    ours.eval(), theirs.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(ours(x), theirs(x), atol=1e-5)


def test_the_body_is_cut_where_fastai_cuts_it():
    model = resnet18()
    ours, theirs = body_of(model), create_body(resnet18(), pretrained=False)
    assert [type(m).__name__ for m in ours.children()] == [type(m).__name__ for m in theirs.children()]
    assert len(list(ours.children())) == len(list(model.children())) - 2  # avgpool and fc cut off


def test_the_head_starts_as_fastais_does():
    """Kaiming normal linear weights; BatchNorm weight 1 and bias 0.001; the same dropouts."""
    torch.manual_seed(0)
    ours, theirs = head(512, 10), create_head(512, 10)
    for mine, fastais in zip(ours, theirs, strict=True):
        if isinstance(mine, nn.BatchNorm1d):
            assert torch.equal(mine.weight, fastais.weight) and torch.equal(mine.bias, fastais.bias)
            assert torch.allclose(mine.bias, torch.full_like(mine.bias, 1e-3))
        if isinstance(mine, nn.Dropout):
            assert mine.p == fastais.p
    weights = ours[4].weight  # 1024 -> 512, Kaiming normal: standard deviation sqrt(2 / fan_in)
    assert weights.std().item() == pytest.approx((2 / 1024) ** 0.5, rel=0.02)


def test_concat_pool_puts_the_maximum_first_as_fastai_does():
    from fastai.layers import AdaptiveConcatPool2d

    x = torch.randn(3, 5, 7, 7)
    assert torch.equal(ConcatPool2d()(x), AdaptiveConcatPool2d()(x))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_features": 0, "n_out": 10}, "sizes must be positive, got n_features=0, n_out=10, hidden=512"),
    ({"n_features": 512, "n_out": 10, "p": 1.0}, "p must be a dropout probability in [0, 1), not 1.0"),
])
def test_a_bad_head_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=exactly(message)):
        head(**kwargs)


def test_a_model_without_pooling_cannot_be_cut():
    with pytest.raises(ValueError, match=exactly("Sequential has no pooling layer among its children to cut at")):
        body_of(nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU()))
