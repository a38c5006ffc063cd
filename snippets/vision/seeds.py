"""Is a change beyond the seed-to-seed spread? Compare two settings trained with the same seeds.

Train the same model twice with a different seed and the validation accuracy moves: a different
random initialisation, a different order of the batches, different augmentations. A change that
moves accuracy by less than that is not shown to do anything. So each setting is trained with
several seeds, and because a seed fixes the initial weights, the baseline and the change trained
with the same seed start from the same network: compare them seed by seed (a *paired* comparison),
which removes the part of the spread that comes from the starting point.

The test is scipy's paired t-test (`scipy.stats.ttest_rel`) on the per-seed differences; a change
is called beyond the spread when its two-sided p-value is below 0.05. With three seeds that takes a
large, consistent difference, and the t-test leans on the differences being roughly normal; run
ten comparisons and one may pass by chance. It is a screen for effects big enough to see, not
proof that a smaller one is absent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SIGNIFICANCE = 0.05
TOLERANCE = 1e-9  # differences closer than this are equal: floating-point rounding, not spread


@dataclass(frozen=True)
class SeedComparison:
    """A change against its baseline, over the same seeds.

    Attributes:
        mean: the change's mean over the seeds.
        std: its sample standard deviation (n - 1 in the denominator) over the seeds.
        baseline_mean: the baseline's mean over the same seeds.
        baseline_std: the baseline's sample standard deviation.
        difference: the mean of the per-seed differences, change minus baseline.
        p_value: the two-sided p-value of the paired t-test on those differences.
    """

    mean: float
    std: float
    baseline_mean: float
    baseline_std: float
    difference: float
    p_value: float

    @property
    def beyond_spread(self) -> bool:
        """Whether the difference is beyond the seed-to-seed spread (p below `SIGNIFICANCE`)."""
        return self.p_value < SIGNIFICANCE


def compare_seeds(baseline: Sequence[float], changed: Sequence[float]) -> SeedComparison:
    """Compare a change with its baseline, seed by seed (`changed[i]` and `baseline[i]` share seed `i`).

    When every per-seed difference is the same (to `TOLERANCE`), the t statistic is undefined (no
    spread): the p-value is then 1 if they are all zero, and otherwise that of the exact sign-flip
    test, `2 / 2**n` for `n` seeds (0.25 for three): with accuracy that moves in steps, such as one
    image of 50, the same step on every seed is not proof.

    Args:
        baseline: the baseline's metric, one value per seed.
        changed: the change's metric for the same seeds, in the same order.

    Returns:
        Means, standard deviations, the mean difference and the paired test's p-value.

    Raises:
        ValueError: if the two lists differ in length, hold fewer than two seeds, or a value is not a
            finite number.

    Examples:
        >>> result = compare_seeds([0.950, 0.952, 0.947], [0.958, 0.959, 0.957])
        >>> round(result.difference, 4), result.beyond_spread
        (0.0083, True)
        >>> compare_seeds([0.950, 0.952, 0.947], [0.951, 0.948, 0.950]).beyond_spread
        False
    """
    base = np.asarray(baseline, dtype=float)
    change = np.asarray(changed, dtype=float)
    if base.ndim != 1 or change.shape != base.shape:
        raise ValueError(
            f"baseline and changed need one value per seed, the same seeds: got {base.shape} and {change.shape}"
        )
    if len(base) < 2:
        raise ValueError(f"a spread needs at least two seeds, got {len(base)}")
    if not (np.isfinite(base).all() and np.isfinite(change).all()):
        raise ValueError("every value must be a finite number (NaN or infinity found)")
    differences = change - base
    if np.allclose(differences, differences[0], rtol=0, atol=TOLERANCE):  # no spread (rounding aside)
        # the t statistic is undefined; the exact sign-flip test gives its smallest p-value, 2 / 2**n
        p_value = 1.0 if abs(differences[0]) <= TOLERANCE else min(1.0, 2 / 2 ** len(differences))
    else:
        from scipy.stats import ttest_rel

        p_value = float(ttest_rel(change, base).pvalue)
    return SeedComparison(
        mean=float(change.mean()),
        std=float(change.std(ddof=1)),
        baseline_mean=float(base.mean()),
        baseline_std=float(base.std(ddof=1)),
        difference=float(differences.mean()),
        p_value=p_value if math.isfinite(p_value) else 1.0,
    )
