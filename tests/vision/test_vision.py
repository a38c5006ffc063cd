"""Transfer learning code: the pretrained network, its parameter groups, and turning photos into batches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from snippets.datasets import load_faces, sample_photos
from snippets.vision.pretrained import (
    EFFICIENTNET_GROUPS,
    efficientnet_lite0,
    efficientnet_splitter,
    imagenet_categories,
    to_imagenet_batch,
    top_predictions,
)
from tests.exact import exactly


def test_pretrained_network_knows_a_cat_and_an_espresso():
    photos = sample_photos()
    model = efficientnet_lite0().eval()
    with torch.no_grad():
        scores = model(to_imagenet_batch([photos["chelsea"], photos["coffee"]]))
    top = top_predictions(scores, imagenet_categories(), k=3)
    assert {"Egyptian cat", "tabby", "tiger cat"} & {name for name, _ in top[0]}
    assert top[1][0][0] == "espresso"


def test_untrained_network_has_different_weights():
    torch.manual_seed(0)
    pretrained, scratch = efficientnet_lite0(n_classes=3), efficientnet_lite0(n_classes=3, pretrained=False)
    first = next(iter(pretrained.parameters()))
    assert not torch.equal(first, next(iter(scratch.parameters())))
    assert pretrained._fc.out_features == 3


@pytest.mark.parametrize("n_classes", [0, -2])
def test_bad_number_of_classes(n_classes):
    with pytest.raises(ValueError, match="n_classes must be at least 1"):
        efficientnet_lite0(n_classes=n_classes, pretrained=False)


def test_splitter_puts_every_parameter_in_exactly_one_group_from_input_to_head():
    model = efficientnet_lite0(n_classes=2, pretrained=False)
    groups = efficientnet_splitter(model)
    assert len(groups) == len(EFFICIENTNET_GROUPS) == 4
    ids = [id(p) for group in groups for p in group]
    assert len(ids) == len(set(ids)) == len(list(model.parameters()))
    assert [id(p) for p in groups[0][:1]] == [id(model._conv_stem.weight)]
    assert {id(p) for p in groups[-1]} == {id(model._fc.weight), id(model._fc.bias)}


def test_fastai_gives_the_groups_rising_rates_and_freeze_trains_the_head_only():
    """What the vision note and cheat sheet say `slice(1e-4, 1e-2)` and `freeze()` do, checked against fastai."""
    from fastai.vision.all import CrossEntropyLossFlat, DataLoaders, Learner
    from torch.utils.data import TensorDataset

    data = TensorDataset(torch.zeros(4, 3, 32, 32), torch.tensor([0, 1, 0, 1]))
    dls = DataLoaders.from_dsets(data, data, bs=2, device="cpu")
    learn = Learner(
        dls,
        efficientnet_lite0(n_classes=2, pretrained=False),
        loss_func=CrossEntropyLossFlat(),
        splitter=efficientnet_splitter,
    )
    learn.create_opt()
    learn.opt.set_hyper("lr", slice(1e-4, 1e-2))
    rates = [h["lr"] for h in learn.opt.hypers]
    np.testing.assert_allclose(rates, [1e-4, 10 ** -(10 / 3), 10 ** -(8 / 3), 1e-2])
    learn.freeze()
    model = learn.model
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    assert {id(model._fc.weight), id(model._fc.bias)} <= trainable
    assert id(model._conv_stem.weight) not in trainable and id(model._conv_head.weight) not in trainable
    assert id(model._bn0.weight) in trainable  # train_bn=True: BatchNorm stays trainable
    learn.unfreeze()
    assert all(p.requires_grad for p in model.parameters())


def test_batch_scales_uint8_and_float_alike():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(30, 20, 3), dtype=np.uint8)
    as_uint8 = to_imagenet_batch([image], size=16)
    as_float = to_imagenet_batch([image / 255.0], size=16)
    assert as_uint8.shape == (1, 3, 16, 16)
    torch.testing.assert_close(as_uint8, as_float)


def test_grey_images_get_three_equal_channels():
    images, _, _ = load_faces()
    batch = to_imagenet_batch(images[:2], size=32)
    unnormalised = (
        batch * torch.tensor([0.229, 0.224, 0.225])[:, None, None] + torch.tensor([0.485, 0.456, 0.406])[:, None, None]
    )
    torch.testing.assert_close(unnormalised[:, 0], unnormalised[:, 1])
    torch.testing.assert_close(unnormalised[:, 1], unnormalised[:, 2])


@pytest.mark.parametrize(
    ("images", "message"),
    [
        ([], "no images given"),
        ([np.zeros((4, 4, 4), dtype=np.uint8)], r"image 0 must be H x W or H x W x 3, got shape \(4, 4, 4\)"),
        ([np.zeros((4, 4)), np.zeros(7)], r"image 1 must be H x W or H x W x 3"),
        ([np.zeros((0, 5), dtype=np.uint8)], r"image 0 is empty"),
        ([np.full((4, 4), np.nan)], "image 0 has NaN or infinite pixels"),
        ([np.full((4, 4), 200.0)], r"float pixels must be in \[0, 1\], got 200 to 200 \(pass 0-255 images as uint8\)"),
        ([np.zeros((4, 4), dtype=np.int64)], "image 0 has dtype int64: expected uint8"),
        ([np.array([["a", "b"]])], "expected uint8"),
    ],
)
def test_bad_images_are_refused_with_the_reason(images, message):
    with pytest.raises(ValueError, match=message):
        to_imagenet_batch(images, size=8)


def test_bad_size_is_refused():
    with pytest.raises(ValueError, match="size must be at least 1 pixel, got 0"):
        to_imagenet_batch([np.zeros((4, 4))], size=0)


def test_top_predictions_are_sorted_probabilities():
    scores = torch.tensor([[1.0, 3.0, 2.0, 0.0], [0.0, 0.0, 0.0, 5.0]])
    top = top_predictions(scores, ["a", "b", "c", "d"], k=10)
    assert [name for name, _ in top[0]] == ["b", "c", "a", "d"]
    assert abs(sum(p for _, p in top[0]) - 1) < 0.01
    assert top[1][0][0] == "d"


def test_top_predictions_bad_input():
    with pytest.raises(ValueError, match=r"expected scores of shape \(batch, 3\), got \(1, 2\)"):
        top_predictions(torch.zeros(1, 2), ["a", "b", "c"])
    with pytest.raises(ValueError, match="k must be at least 1"):
        top_predictions(torch.zeros(1, 3), ["a", "b", "c"], k=0)


def test_defaults_batches_at_224_pixels_and_three_guesses():
    batch = to_imagenet_batch([np.zeros((10, 12, 3), dtype=np.uint8)])
    assert batch.shape == (1, 3, 224, 224)
    scores = torch.tensor([[4.0, 3.0, 2.0, 1.0]])
    assert [name for name, _ in top_predictions(scores, ["a", "b", "c", "d"])[0]] == ["a", "b", "c"]
    assert top_predictions(scores, ["a", "b", "c", "d"], k=1) == [[("a", 0.644)]]


def test_a_one_class_head_is_allowed():
    assert efficientnet_lite0(n_classes=1, pretrained=False)._fc.out_features == 1


def test_float32_images_are_accepted_and_floats_above_1_refused():
    rng = np.random.default_rng(1)
    image = rng.random((12, 9, 3))
    torch.testing.assert_close(
        to_imagenet_batch([image.astype(np.float32)], size=8), to_imagenet_batch([image], size=8)
    )
    with pytest.raises(ValueError, match=r"got 0 to 1\.5"):
        to_imagenet_batch([np.array([[0.0, 1.5]])], size=8)


def test_a_grey_image_is_copied_to_each_channel_unchanged():
    grey = np.arange(20, dtype=np.uint8).reshape(4, 5) * 10
    batch = to_imagenet_batch([grey], size=4)
    rgb = to_imagenet_batch([np.repeat(grey[:, :, None], 3, axis=2)], size=4)
    torch.testing.assert_close(batch, rgb)


def test_shrinking_averages_the_pixels_it_drops():
    """Antialiased: shrinking 64 px to 8 averages each 8-pixel span, so thin lines become a faint grey.

    Without antialiasing, bilinear resizing reads only the two pixels beside each sample point
    (columns 3 and 4 of every 8 here), and these lines would come out white.
    """
    lines = np.zeros((64, 64), dtype=np.uint8)
    lines[:, (np.arange(64) % 8 == 3) | (np.arange(64) % 8 == 4)] = 255  # 2 of every 8 columns
    batch = to_imagenet_batch([lines], size=8)
    unnormalised = batch[0, 0] * 0.229 + 0.485
    interior = unnormalised[:, 1:-1]
    assert float(interior.min()) > 0.15 and float(interior.max()) < 0.45  # about 2/8 of white, not 1


def test_no_images_is_refused_exactly():
    with pytest.raises(ValueError, match=exactly("no images given")):
        to_imagenet_batch([])
