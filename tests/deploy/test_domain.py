"""The out-of-domain check: distances worked out by hand, the threshold's share, saving, clear errors."""

from __future__ import annotations

import math

import pytest
import torch

from snippets.deploy.domain import DomainCheck, block_statistics, fit_domain_check, nearest_class_distance
from snippets.deploy.not_digits import out_of_domain_images
from snippets.foundations.cnn import simple_cnn
from tests.exact import exactly

MEANS = torch.tensor([[0.0, 0.0], [10.0, 0.0]], dtype=torch.float64)        # two classes
PRECISION = torch.diag(torch.tensor([1 / 4, 1.0], dtype=torch.float64))   # spread 2 along x, 1 along y


def test_distances_are_mahalanobis_to_the_nearest_class_mean():
    points = torch.tensor([[2.0, 0.0], [0.0, 1.0], [9.0, 0.0], [5.0, 1.0], [0.0, 0.0]])
    expected = [1.0, 1.0, 0.5, math.sqrt(2.5**2 + 1), 0.0]    # 2/2, 1/1, 1/2, halfway: (5/2, 1/1) from either
    torch.testing.assert_close(nearest_class_distance(points, MEANS, PRECISION),
                               torch.tensor(expected, dtype=torch.float64))


def test_the_score_is_the_largest_distance_in_units_of_each_sets_scale():
    check = DomainCheck([MEANS, MEANS], [PRECISION, torch.eye(2, dtype=torch.float64)], scales=[1.0, 4.0],
                        threshold=1.0)
    # the point (2, 0): distance 1 in the first set (scale 1), 2 with the identity in the second (scale 4)
    first, second = torch.tensor([[2.0, 0.0], [0.0, 3.0]]), torch.tensor([[2.0, 0.0], [0.0, 6.0]])
    torch.testing.assert_close(check.scores([first, second]), torch.tensor([1.0, 3.0], dtype=torch.float64))
    assert check.accepts([first, second]).tolist() == [True, False]


def clusters(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    spread = torch.tensor([3.0, 0.5])
    a = torch.randn(500, 2, generator=g) * spread
    b = torch.randn(500, 2, generator=g) * spread + torch.tensor([20.0, 5.0])
    return a, b, spread


def test_fitting_finds_the_class_means_the_spread_and_accepts_the_asked_share():
    a, b, spread = clusters()
    features, labels = torch.cat([a, b]), torch.tensor([0] * 500 + [1] * 500)
    check = fit_domain_check([features], labels, quantile=0.9)
    torch.testing.assert_close(check.means[0], torch.stack([a.mean(0), b.mean(0)]).double(), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(torch.linalg.inv(check.precisions[0]).diagonal(), (spread**2).double(), rtol=0.1,
                               atol=0)
    assert check.accepts([features]).float().mean().item() == pytest.approx(0.9, abs=0.002)
    default = fit_domain_check([features], labels)
    assert default.accepts([features]).float().mean().item() == pytest.approx(0.995, abs=0.002)
    assert default.scales[0] == pytest.approx(float(torch.quantile(
        nearest_class_distance(features, default.means[0], default.precisions[0]), 0.99)))
    far = torch.tensor([[0.0, 4.0], [10.0, 2.5]])                # 8 spreads off in y; between the classes
    assert check.accepts([far]).tolist() == [False, False]


def test_a_saved_check_loads_the_same(tmp_path):
    a, b, _ = clusters(1)
    labels = torch.tensor([0] * 500 + [1] * 500)
    check = fit_domain_check([torch.cat([a, b]), torch.cat([a, b]) ** 2], labels)
    check.save(tmp_path)
    again = DomainCheck.load(tmp_path)
    assert len(again.means) == 2 and again.scales == check.scales and again.threshold == check.threshold
    for i in range(2):
        assert torch.equal(again.means[i], check.means[i]) and torch.equal(again.precisions[i], check.precisions[i])


def test_block_statistics_are_each_channels_mean_and_spread_after_each_block():
    model = simple_cnn().eval()
    x = torch.randn(3, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    statistics = block_statistics(model, x)
    assert [s.shape for s in statistics] == [(3, 16), (3, 32), (3, 64), (3, 128)]
    with torch.no_grad():
        first = model[0](x)
    torch.testing.assert_close(statistics[0], torch.cat([first.mean(dim=(2, 3)), first.std(dim=(2, 3))], dim=1))


def test_bad_input_gets_a_clear_error(tmp_path):
    features, labels = torch.zeros(4, 2), torch.tensor([0, 0, 2, 2])
    with pytest.raises(ValueError, match=exactly("class(es) [1] have no example")):
        fit_domain_check([features], labels)
    with pytest.raises(ValueError, match=exactly("need features (n, d) and labels (n,), got (4, 2) and (3,)")):
        fit_domain_check([features], torch.tensor([0, 1, 1]))
    with pytest.raises(ValueError, match=exactly("quantile must be in (0, 1], got 0")):
        fit_domain_check([features], torch.tensor([0, 1, 0, 1]), quantile=0)
    with pytest.raises(ValueError, match=exactly("expected features of shape (batch, 2), got (2, 3)")):
        nearest_class_distance(torch.zeros(2, 3), MEANS, PRECISION)
    check = DomainCheck([MEANS], [PRECISION], [1.0], 1.0)
    with pytest.raises(ValueError, match=exactly("expected 1 feature sets, got 2")):
        check.scores([torch.zeros(1, 2), torch.zeros(1, 2)])
    missing = f"{tmp_path}/domain.safetensors is missing: export the model again (make model)"
    with pytest.raises(FileNotFoundError, match=exactly(missing)):
        DomainCheck.load(tmp_path)


def test_the_out_of_domain_sets_are_the_same_every_time():
    first, second = out_of_domain_images(), out_of_domain_images()
    for name in first:
        assert [image.tobytes() for image in first[name]] == [image.tobytes() for image in second[name]]
    assert [image.tobytes() for image in out_of_domain_images(seed=1)["scribbles"]] != \
        [image.tobytes() for image in first["scribbles"]]
