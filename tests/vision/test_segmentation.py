"""Masks of the digit canvases, the segmentation scores, and what fastai's DynamicUnet builds on the small CNN."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from fastai.layers import PixelShuffle_ICNR
from fastai.vision.models.unet import DynamicUnet

from snippets.datasets import load_mnist_sample
from snippets.foundations.cnn import simple_cnn
from snippets.vision.canvases import digit_canvases
from snippets.vision.segmentation import (
    CODES,
    digit_accuracy,
    digit_masks,
    ink_accuracy,
    side_by_side,
    threshold_baseline,
)


@pytest.fixture(scope="module")
def canvases():
    images, labels = load_mnist_sample()
    order = np.random.default_rng(0).permutation(len(images))[:40]
    canvas, boxes = digit_canvases(images[order], size=84, per_canvas=2, seed=0)
    return canvas, boxes, labels[order].reshape(20, 2)


def test_every_ink_pixel_gets_its_digits_class_and_nothing_else_is_labelled(canvases):
    canvas, boxes, labels = canvases
    masks = digit_masks(canvas, boxes, labels)
    assert masks.shape == canvas.shape and masks.dtype == np.int64
    for c in range(len(canvas)):
        outside = np.ones(canvas.shape[1:], dtype=bool)
        for (top, left, bottom, right), label in zip(boxes[c], labels[c], strict=True):
            region, ink = masks[c, top:bottom, left:right], canvas[c, top:bottom, left:right] > 64
            assert (region[ink] == 1 + label).all() and (region[~ink] == 0).all()
            outside[top:bottom, left:right] = False
        assert (masks[c][outside] == 0).all()
    assert set(np.unique(masks)) <= set(range(len(CODES))) and len(CODES) == 11
    assert (masks > 0).mean() > 0.02  # there is ink to find


@pytest.mark.parametrize(("shapes", "message"), [
    (((2, 84, 84), (2, 2, 4), (2, 3)), "do not agree"),
    (((84, 84), (1, 2, 4), (1, 2)), "do not agree"),
])
def test_bad_shapes_are_refused(shapes, message):
    canvas, boxes, labels = (np.zeros(s, dtype=np.int64) for s in shapes)
    with pytest.raises(ValueError, match=message):
        digit_masks(canvas.astype(np.uint8), boxes, labels)


def test_labels_must_be_digits(canvases):
    canvas, boxes, labels = canvases
    with pytest.raises(ValueError, match="digits 0-9"):
        digit_masks(canvas, boxes, labels + 10)


def test_scores_on_the_true_masks_the_baseline_and_a_blank_guess(canvases):
    canvas, boxes, labels = canvases
    masks = torch.as_tensor(digit_masks(canvas, boxes, labels))
    assert ink_accuracy(masks, masks) == 1.0 and digit_accuracy(masks, masks, labels, boxes) == 1.0
    blank = torch.zeros_like(masks)
    assert ink_accuracy(blank, masks) == 0.0 and digit_accuracy(blank, masks, labels, boxes) == 0.0
    guess = threshold_baseline(canvas, digit=3)
    share_of_threes = (labels == 3).mean()
    assert digit_accuracy(guess, masks, labels, boxes) == pytest.approx(share_of_threes)
    # one digit wrong on every canvas: half the digits found
    swapped = masks.clone()
    for c in range(len(canvas)):
        top, left, bottom, right = boxes[c, 0]
        region = swapped[c, top:bottom, left:right]
        region[region > 0] = 1 + (labels[c, 0] + 1) % 10
    assert digit_accuracy(swapped, masks, labels, boxes) == 0.5
    with pytest.raises(ValueError, match="no digit pixels"):
        ink_accuracy(blank, blank)


def test_a_tie_goes_to_the_smallest_class_so_background_counts_as_a_miss():
    target = torch.tensor([[[0, 4, 4, 4, 4, 0]]])  # a 3's ink, four pixels
    boxes, labels = np.array([[[0, 1, 1, 5]]]), np.array([[3]])
    assert digit_accuracy(torch.tensor([[[0, 4, 4, 0, 0, 0]]]), target, labels, boxes) == 0.0  # 2 right, 2 background
    assert digit_accuracy(torch.tensor([[[0, 4, 4, 6, 6, 0]]]), target, labels, boxes) == 1.0  # 2 as 3, 2 as 5
    assert digit_accuracy(torch.tensor([[[0, 4, 2, 2, 4, 0]]]), target, labels, boxes) == 0.0  # 2 as 3, 2 as 1


def test_side_by_side_pairs_are_masked_like_canvases():
    images, labels = load_mnist_sample()
    pairs = np.arange(10).reshape(5, 2) * 500  # the first 0 and 1, 2 and 3, ...
    pictures, boxes = side_by_side(images, pairs)
    masks = digit_masks(pictures, boxes, labels[pairs])
    assert pictures.shape == (5, 28, 56)
    assert set(np.unique(masks[:, :, :28])) == {0, *(1 + labels[pairs[:, 0]])}
    assert set(np.unique(masks[:, :, 28:])) == {0, *(1 + labels[pairs[:, 1]])}
    assert ((masks > 0) == (pictures > 64)).all()  # every bright pixel is some digit's, and only those
    with pytest.raises(ValueError, match="expected"):
        side_by_side(images[:, :20], pairs)


@pytest.mark.parametrize("last_cross", [True, False])
def test_dynamic_unet_on_the_small_cnn_is_what_the_note_describes(last_cross):
    """Hooks where the picture shrinks, a middle of two convolutions, a UnetBlock per hook, then the cross."""
    body = simple_cnn()[:4]  # the four stride-2 blocks: 28 x 56 -> 14 x 28 -> 7 x 14 -> 4 x 7 -> 2 x 4
    unet = DynamicUnet(body, n_out=len(CODES), img_size=(28, 56), last_cross=last_cross)
    kinds = [type(layer).__name__ for layer in unet.layers]
    cross = ["MergeLayer", "ResBlock"] if last_cross else []
    assert kinds == ["Sequential", "BatchNorm2d", "ReLU", "Sequential", "UnetBlock", "UnetBlock", "UnetBlock",
                     "PixelShuffle_ICNR", "ResizeToOrig", *cross, "ConvLayer", "ToTensorBase"]
    assert unet.layers[0] is body
    middle = [m for m in unet.layers[3].modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(m.in_channels, m.out_channels) for m in middle] == [(64, 128), (128, 64)]
    first_block = unet.layers[4]
    assert isinstance(first_block.shuf, PixelShuffle_ICNR) and first_block.bn.num_features == 32  # the 4 x 7 skip
    shuffled = []
    first_block.shuf.register_forward_hook(lambda module, inputs, output: shuffled.append(tuple(output.shape[-2:])))
    out = unet(torch.zeros(2, 1, 28, 56))
    assert out.shape == (2, 11, 28, 56)
    assert shuffled == [(4, 8)]  # 2 x 4 doubled, then resized to the hooked 4 x 7
    # the skip connections: the body's outputs before each shrink, deepest first
    assert [tuple(h.stored.shape[1:]) for h in unet.sfs] == [(32, 4, 7), (16, 7, 14), (8, 14, 28)]
    shuffle_out = next(m for m in unet.layers[7].modules() if isinstance(m, torch.nn.Conv2d)).out_channels // 4
    if last_cross:  # the input image (1 channel) joins the last features before the residual block
        first_res_conv = next(m for m in unet.layers[10].modules() if isinstance(m, torch.nn.Conv2d))
        assert first_res_conv.in_channels == shuffle_out + 1
    else:
        assert unet.layers[9][0].in_channels == shuffle_out  # straight to the 1 x 1 convolution
