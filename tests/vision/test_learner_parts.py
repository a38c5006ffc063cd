"""What `vision_learner` builds, rebuilt by hand, against fastai's `create_vision_model` layer for layer."""

from __future__ import annotations

import pytest
import torch
from fastai.vision.learner import create_body, create_vision_model
from torch import nn
from torchvision.models import resnet18, resnet34

from snippets.vision.learner_parts import ConcatPool2d, body_of, head, vision_model
from tests.exact import exactly
from tests.modules import leaves


@pytest.mark.parametrize(("arch", "p"), [(resnet18, 0.5), (resnet34, 0.5), (resnet18, 0.2), (resnet18, 0.0)])
def test_the_hand_built_model_is_fastais_layer_for_layer(arch, p):
    torch.manual_seed(0)
    ours = vision_model(arch(), n_out=37, p=p)
    theirs = create_vision_model(arch, n_out=37, pretrained=False, ps=p)
    assert leaves(ours) == leaves(theirs)  # names, types, sizes, dropout probabilities, BatchNorm settings
    # the same parameter and buffer names: the weights of one load into the other as they are
    ours.load_state_dict(theirs.state_dict(), strict=True)
    ours.eval(), theirs.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(ours(x), theirs(x), atol=1e-5)


def test_the_body_is_cut_where_fastai_cuts_it():
    """fastai's table gives resnets `cut=-2`; `body_of` finds the same cut from the last pooling child."""
    from fastai.vision.learner import model_meta
    from fastai.vision.models import resnet18 as fastai_resnet18

    model = resnet18()
    ours = body_of(model)
    theirs = create_vision_model(resnet18, n_out=2, pretrained=False)[0]  # what vision_learner uses
    assert model_meta[fastai_resnet18]["cut"] == -2
    assert [type(m).__name__ for m in ours.children()] == [type(m).__name__ for m in theirs.children()]
    assert [type(m).__name__ for m in ours.children()] == [
        type(m).__name__ for m in create_body(resnet18(), pretrained=False).children()]  # the pooling search too
    assert len(list(ours.children())) == len(list(model.children())) - 2  # avgpool and fc cut off


def test_the_head_starts_as_vision_learners_does():
    """Kaiming normal linear weights; BatchNorm weight 1 and bias 0.001."""
    torch.manual_seed(0)
    ours = head(512, 10)
    theirs = create_vision_model(resnet18, n_out=10, pretrained=False)[1]  # the head after fastai's apply_init
    for mine, fastais in zip(ours, theirs, strict=True):
        if isinstance(mine, nn.BatchNorm1d):
            assert torch.equal(mine.weight, fastais.weight) and torch.equal(mine.bias, fastais.bias)
            assert torch.allclose(mine.bias, torch.full_like(mine.bias, 1e-3))
    for index, fan_in in ((4, 1024), (8, 512)):  # both linear layers
        for weights in (ours[index].weight, theirs[index].weight):
            w = weights.detach().flatten()
            assert w.std().item() == pytest.approx((2 / fan_in) ** 0.5, rel=0.03)  # Kaiming: std sqrt(2 / fan_in)
            # normal, not uniform: a uniform with that std never exceeds sqrt(6 / fan_in); a normal often does
            assert (w.abs() > (6 / fan_in) ** 0.5).float().mean() > 0.05


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
