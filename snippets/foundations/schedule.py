"""The one-cycle schedule: the learning rate rises then falls while momentum does the opposite.

Leslie Smith's *one cycle* (and fastai's `fit_one_cycle`) changes two settings over training,
as functions of the fraction of training done, `pos` from 0 to 1:

- the **learning rate** starts low (`lr_max / div`), rises to `lr_max` over the first `pct_start`
  of training (*warm-up*: the random initial weights get gentle steps), then falls to almost
  nothing, `lr_max / div_final` (*annealing*: fine steps to settle into a minimum);
- the **momentum** does the opposite, from `moms[0]` down to `moms[1]` and back up: while steps are
  large, momentum is low so they do not build up too far.

Each half follows a cosine, `start + (1 + cos(pi * (1 - t))) / 2 * (end - start)` for `t` from 0
to 1, flat at both ends. The defaults are fastai's; the tests check, batch for batch, that these
are the rates and momentums fastai's optimiser is given at every batch of `fit_one_cycle`.

Example:
    >>> for pos in (0, 0.25, 0.5, 1):
    ...     lr, mom = one_cycle(pos, lr_max=1e-2)
    ...     print(f"{pos:.2f} of training: lr {lr:.5f}, momentum {mom:.3f}")
    0.00 of training: lr 0.00040, momentum 0.950
    0.25 of training: lr 0.01000, momentum 0.850
    0.50 of training: lr 0.00750, momentum 0.875
    1.00 of training: lr 0.00000, momentum 0.950
"""

from __future__ import annotations

import math


# --8<-- [start:cosine]
def cosine(start: float, end: float, t: float) -> float:
    """From `start` (at `t = 0`) to `end` (at `t = 1`)
    along half a cosine wave."""
    half_wave = (1 + math.cos(math.pi * (1 - t))) / 2
    return start + half_wave * (end - start)
# --8<-- [end:cosine]


# --8<-- [start:one_cycle]
def one_cycle(
    pos: float,
    lr_max: float,
    div: float = 25.0,
    div_final: float = 1e5,
    pct_start: float = 0.25,
    moms: tuple[float, float, float] = (0.95, 0.85, 0.95),
) -> tuple[float, float]:
    """The learning rate and momentum at `pos`, the fraction of training done (0 to 1).

    Raises:
        ValueError: if `pos` is outside [0, 1], `pct_start` outside (0, 1), or `lr_max` not positive.
    """
    if not 0 <= pos <= 1:
        raise ValueError(f"pos is the fraction of training done, in [0, 1]; got {pos}")
    if not 0 < pct_start < 1 or not lr_max > 0:
        raise ValueError(f"need 0 < pct_start < 1 and lr_max > 0, got pct_start={pct_start}, lr_max={lr_max}")
    # --8<-- [start:one_cycle_core]
    if pos < pct_start:                      # warm-up
        t = pos / pct_start
        return (cosine(lr_max / div, lr_max, t),
                cosine(moms[0], moms[1], t))
    t = (pos - pct_start) / (1 - pct_start)  # annealing
    return (cosine(lr_max, lr_max / div_final, t),
            cosine(moms[1], moms[2], t))
    # --8<-- [end:one_cycle_core]
# --8<-- [end:one_cycle]
