"""What a CNN looks at: hooks that leave nothing behind, CAM and Grad-CAM worked out by hand, the pointing game."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from snippets.vision.cam import class_activation_map, grad_cam, hooked, pointing_hits, upsample
from snippets.vision.canvases import digit_canvases
from tests.exact import exactly


def pooled_net(seed: int = 0, channels: int = 5, classes: int = 3) -> nn.Sequential:
    """Convolution, ReLU, global average pooling, linear: the ending CAM needs."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(2, channels, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(channels, classes),
    ).eval()


def hook_count(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks) for m in model.modules())


def test_hooked_keeps_the_output_or_the_input_and_removes_its_hook():
    net = pooled_net()
    x = torch.randn(4, 2, 6, 6)
    with hooked(net[1]) as after_relu, hooked(net[2], read="input") as before_pool:
        assert hook_count(net) == 2
        net(x)
    assert hook_count(net) == 0
    assert torch.equal(after_relu.activations, torch.relu(net[0](x)))
    assert torch.equal(before_pool.activations, after_relu.activations)


def test_hook_is_removed_even_when_the_forward_pass_fails():
    net = pooled_net()
    with pytest.raises(RuntimeError), hooked(net[0]):
        net(torch.randn(1, 3, 6, 6))  # three channels for a two-channel convolution
    assert hook_count(net) == 0


def test_hooked_refuses_anything_but_input_or_output():
    with pytest.raises(ValueError, match=exactly('read must be "input" or "output", got \'inputs\'')):
        with hooked(nn.ReLU(), read="inputs"):
            pass


def test_cam_mean_plus_bias_is_the_score_for_every_class():
    net = pooled_net()
    x = torch.randn(3, 2, 6, 6)
    logits = net(x)
    for c in range(3):
        maps, targets = class_activation_map(net, net[2], net[4], x, target=c)
        assert maps.shape == (3, 6, 6) and targets.tolist() == [c, c, c]
        assert torch.allclose(maps.mean(dim=(1, 2)) + net[4].bias[c], logits[:, c], atol=1e-6)


def test_cam_worked_out_by_hand():
    net = pooled_net()
    x = torch.randn(2, 2, 6, 6)
    features = torch.relu(net[0](x))  # (2, 5, 6, 6)
    maps, _ = class_activation_map(net, net[2], net[4], x, target=torch.tensor([2, 0]))
    for i, c in enumerate([2, 0]):
        by_hand = sum(net[4].weight[c, k] * features[i, k] for k in range(5))
        assert torch.allclose(maps[i], by_hand, atol=1e-6)


def test_cam_and_grad_cam_explain_the_predicted_class_by_default():
    net = pooled_net(seed=3)
    x = torch.randn(6, 2, 6, 6)
    predicted = net(x).argmax(dim=1)
    assert class_activation_map(net, net[2], net[4], x)[1].tolist() == predicted.tolist()
    assert grad_cam(net, net[1], x)[1].tolist() == predicted.tolist()


def test_grad_cam_on_the_pooled_features_is_cam_over_the_number_of_positions():
    """Selvaraju et al. (2017), section 3.1: on a pooled-then-linear ending, Grad-CAM generalises CAM."""
    net = pooled_net(seed=1)
    x = torch.randn(4, 2, 6, 6)
    cam, targets = class_activation_map(net, net[2], net[4], x)
    maps, _ = grad_cam(net, net[2], x, targets, read="input")
    assert torch.allclose(maps, cam.clamp(min=0) / 36, atol=1e-6)


def test_grad_cam_worked_out_by_hand():
    net = pooled_net(seed=2)
    x = torch.randn(1, 2, 6, 6)
    features = torch.relu(net[0](x)).detach().requires_grad_()
    score = net[2:](features)[0, 1]
    (gradient,) = torch.autograd.grad(score, features)
    weights = gradient[0].mean(dim=(1, 2))
    by_hand = torch.relu(sum(weights[k] * features[0, k] for k in range(5)))
    maps, _ = grad_cam(net, net[1], x, target=1)
    assert torch.allclose(maps[0], by_hand.detach(), atol=1e-6)


def test_grad_cam_finds_the_one_bright_pixel_a_detector_scores():
    net = nn.Sequential(nn.Conv2d(1, 1, 1, bias=False), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1, 1))
    with torch.no_grad():
        net[0].weight.fill_(1.0)
        net[3].weight.fill_(1.0)
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 5, 2] = 1.0
    maps, _ = grad_cam(net, net[0], x, target=0)
    assert divmod(int(maps[0].argmax()), 8) == (5, 2)
    assert pointing_hits(maps, np.array([[5, 2, 6, 3]])).tolist() == [True]


def test_grad_cam_leaves_no_gradient_and_no_hook_and_works_under_no_grad():
    net = pooled_net()
    with torch.no_grad():
        maps, _ = grad_cam(net, net[1], torch.randn(2, 2, 6, 6))
    assert all(p.grad is None for p in net.parameters())
    assert hook_count(net) == 0
    assert not maps.requires_grad and (maps >= 0).all()


@pytest.mark.parametrize("target", [3, -1, torch.tensor([0, 7])])
def test_a_class_that_does_not_exist_is_refused(target):
    net = pooled_net()
    given = torch.as_tensor(target).reshape(-1).expand(2).tolist()
    with pytest.raises(ValueError, match=exactly(f"target classes must be in 0..2, got {given}")):
        grad_cam(net, net[1], torch.randn(2, 2, 6, 6), target)
    with pytest.raises(ValueError, match=exactly(f"target classes must be in 0..2, got {given}")):
        class_activation_map(net, net[2], net[4], torch.randn(2, 2, 6, 6), target)
    assert hook_count(net) == 0


def test_the_number_of_targets_is_one_or_one_per_image():
    net = pooled_net()
    with pytest.raises(ValueError, match=exactly("give one target class, or one per image (3), not 2")):
        grad_cam(net, net[1], torch.randn(3, 2, 6, 6), torch.tensor([0, 1]))
    _, targets = grad_cam(net, net[1], torch.randn(3, 2, 6, 6), torch.tensor([2]))
    assert targets.tolist() == [2, 2, 2]


def test_grad_cam_explains_a_frozen_model():
    net = pooled_net().requires_grad_(False)
    maps, _ = grad_cam(net, net[1], torch.randn(2, 2, 6, 6), target=0)
    assert maps.shape == (2, 6, 6) and maps.sum() > 0


def test_upsample_stretches_each_map_to_zero_one():
    maps = torch.tensor([[[1.0, 3.0], [5.0, 9.0]], [[2.0, 2.0], [2.0, 2.0]]])
    big = upsample(maps, (4, 6))
    assert big.shape == (2, 4, 6)
    assert big[0].min() == 0 and big[0].max() == 1
    assert big[0, 0, 0] == 0 and big[0, -1, -1] == 1  # the corners keep the corner values
    assert torch.equal(big[1], torch.zeros(4, 6))  # a flat map stays flat, no division by zero


def test_a_coarse_map_points_at_the_centre_of_its_highest_cell():
    """A 3x3 map over an 84-pixel image: each cell is 28 pixels, its centre 14 pixels in."""
    grid = torch.zeros(3, 3, 3)
    grid[0, 0, 0] = grid[1, 2, 2] = grid[2, 0, 1] = 1
    in_the_cells = np.array([[10, 10, 20, 20], [66, 66, 76, 76], [10, 38, 20, 48]])
    assert pointing_hits(grid, in_the_cells, size=(84, 84)).tolist() == [True, True, True]
    at_the_corners = np.array([[0, 0, 5, 5], [79, 79, 84, 84], [0, 28, 5, 56]])
    assert pointing_hits(grid, at_the_corners, size=(84, 84)).tolist() == [False, False, False]


def test_a_map_with_nothing_positive_points_nowhere():
    maps = torch.zeros(2, 4, 4)
    maps[1, 0, 0] = -1.0
    assert pointing_hits(maps, np.array([[0, 0, 4, 4], [0, 0, 4, 4]])).tolist() == [False, False]


def test_pointing_hits_counts_the_top_left_in_and_the_bottom_right_out():
    maps = torch.zeros(4, 10, 10)
    for i, (row, col) in enumerate([(2, 3), (5, 3), (2, 6), (4, 5)]):
        maps[i, row, col] = 1
    boxes = np.array([[2, 3, 5, 6]] * 4)  # rows 2-4, columns 3-5
    assert pointing_hits(maps, boxes).tolist() == [True, False, False, True]


@pytest.mark.parametrize("boxes", [np.zeros((2, 3)), np.zeros((3, 4)), np.zeros(4)])
def test_pointing_hits_refuses_boxes_that_do_not_match(boxes):
    shape = tuple(np.asarray(boxes).shape)
    message = f"expected 2 boxes of 4 numbers (top, left, bottom, right), got shape {shape}"
    with pytest.raises(ValueError, match=exactly(message)):
        pointing_hits(torch.zeros(2, 5, 5), boxes)


def digits(n: int, seed: int = 0) -> np.ndarray:
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    rng = np.random.default_rng(seed)
    for image in images:
        top, left = rng.integers(2, 14, size=2)
        image[top : top + 12, left : left + 6] = rng.integers(1, 256)
    return images


@pytest.mark.parametrize("per_canvas", [1, 2, 3])
def test_canvases_hold_every_digit_whole_inside_its_box_and_nothing_else(per_canvas):
    images = digits(8 * per_canvas)
    canvases, boxes = digit_canvases(images, size=84, per_canvas=per_canvas, seed=3)
    assert canvases.shape == (8, 84, 84) and boxes.shape == (8, per_canvas, 4)
    for c in range(8):
        ink = np.zeros((84, 84), dtype=bool)
        for d, (top, left, bottom, right) in enumerate(boxes[c]):
            digit = images[c * per_canvas + d]
            assert np.array_equal(canvases[c, top:bottom, left:right], digit[digit.any(1)][:, digit.any(0)])
            assert not ink[top:bottom, left:right].any(), "two digits overlap"
            ink[top:bottom, left:right] = True
        assert not canvases[c][~ink].any(), "ink outside the boxes"


def test_a_blank_image_gets_an_empty_box():
    canvases, boxes = digit_canvases(np.zeros((1, 28, 28), dtype=np.uint8), size=56)
    assert boxes.tolist() == [[[0, 0, 0, 0]]] and not canvases.any()


def test_canvases_are_the_same_for_the_same_seed_and_differ_for_another():
    images = digits(6)
    first, second, other = (digit_canvases(images, size=56, seed=s)[1] for s in (1, 1, 2))
    assert np.array_equal(first, second) and not np.array_equal(first, other)


@pytest.mark.parametrize(
    ("shape", "size", "per_canvas", "message"),
    [
        ((4, 28, 27), 84, 1, "expected digits of shape (n, 28, 28), got (4, 28, 27)"),
        ((5, 28, 28), 84, 2, "5 digits do not make canvases of 2 each"),
        ((5, 28, 28), 84, 0, "5 digits do not make canvases of 0 each"),
        ((8, 28, 28), 84, 4, "4 digits per canvas, but a 84x84 canvas holds at most 3 at random places"),
        ((2, 28, 28), 56, 2, "2 digits per canvas, but a 56x56 canvas holds at most 1 at random places"),
        ((2, 28, 28), 20, 1, "1 digits per canvas, but a 20x20 canvas holds at most 0 at random places"),
    ],
)
def test_canvases_refuse_what_does_not_fit(shape, size, per_canvas, message):
    with pytest.raises(ValueError, match=exactly(message)):
        digit_canvases(np.zeros(shape, dtype=np.uint8), size=size, per_canvas=per_canvas)
