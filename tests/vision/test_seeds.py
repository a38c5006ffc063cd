"""`compare_seeds`: a paired comparison over seeds, and a clear error for what cannot be compared."""

from __future__ import annotations

import math

import pytest
from scipy.stats import ttest_rel

from snippets.vision.seeds import SIGNIFICANCE, compare_seeds


def test_a_consistent_gain_is_beyond_the_spread_and_a_mixed_one_is_not():
    baseline = [0.950, 0.952, 0.947]
    assert compare_seeds(baseline, [0.958, 0.959, 0.957]).beyond_spread
    assert not compare_seeds(baseline, [0.951, 0.948, 0.950]).beyond_spread


def test_means_spreads_and_difference_are_the_textbook_ones():
    result = compare_seeds([1.0, 2.0, 3.0], [2.0, 4.0, 9.0])
    assert result.baseline_mean == 2.0 and result.mean == 5.0
    assert result.baseline_std == pytest.approx(1.0)  # sample standard deviation, n - 1
    assert result.std == pytest.approx(math.sqrt(13))
    assert result.difference == pytest.approx(3.0)
    assert result.p_value == pytest.approx(ttest_rel([2.0, 4.0, 9.0], [1.0, 2.0, 3.0]).pvalue)


def test_the_comparison_is_paired_seed_by_seed():
    # the same values in another order: unpaired they look alike, paired the change is always about +0.01
    baseline = [0.90, 0.95, 0.92]
    paired = compare_seeds(baseline, [0.911, 0.959, 0.932])
    shuffled = compare_seeds(baseline, [0.959, 0.932, 0.911])
    assert paired.difference == pytest.approx(shuffled.difference)
    assert paired.beyond_spread and not shuffled.beyond_spread


def test_identical_differences_have_no_spread():
    assert compare_seeds([0.94, 0.94, 0.94], [0.94, 0.94, 0.94]).p_value == 1.0
    result = compare_seeds([0.90, 0.92, 0.94], [0.92, 0.94, 0.96])  # one step up on every seed
    assert result.p_value == 0.25 and not result.beyond_spread  # the exact sign-flip test's smallest p
    assert compare_seeds([0.1] * 6, [0.2] * 6).p_value == pytest.approx(2 / 64)


def test_significance_threshold_is_strict():
    assert SIGNIFICANCE == 0.05
    assert compare_seeds([0.5, 0.6], [0.7, 0.6]).p_value >= SIGNIFICANCE


@pytest.mark.parametrize(
    ("baseline", "changed", "message"),
    [
        ([0.9, 0.8], [0.9], "one value per seed"),
        ([0.9], [0.8], "at least two seeds"),
        ([0.9, float("nan")], [0.8, 0.7], "finite"),
        ([0.9, 0.8], [0.8, float("inf")], "finite"),
        ([[0.9, 0.8]], [[0.8, 0.7]], "one value per seed"),
    ],
)
def test_what_cannot_be_compared_gets_a_clear_error(baseline, changed, message):
    with pytest.raises(ValueError, match=message):
        compare_seeds(baseline, changed)
