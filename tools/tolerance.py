"""Compare a notebook's outputs within the tolerance it declares: what training prints moves with the CPU.

A notebook here is recorded on one machine (`make notebooks`) and re-executed on others (CI, a
reader's laptop). Different instruction sets (AVX2, AVX-512, AMX) make MKL, oneDNN and ATen sum in
other orders, so the last bits of a matrix product differ, and training amplifies them: a loss
moves in its fourth decimal, an accuracy by a few thousandths. What is exact stays exact (data,
shapes, counts, text); what training produces is compared within a tolerance the notebook states.

A notebook declares a default for all its cells in its metadata, and a cell can state its own
with a comment line (it wins over the notebook's):

    {"metadata": {"tolerance": {"abs": 0.005, "rel": 0.01}}}     # the notebook's default
    # NBVAL_TOLERANCE abs=0.01 rel=0.02                             # this cell's

Two outputs match when they are the same text once every decimal number (one with a point or an
exponent: `0.965`, `4.4e-03`) and every percentage (`69.2%`, `74%`) is taken out, and each pair
is within `abs + rel * |stored|` of each other, a percentage as the share it stands for (`69.2%`
is 0.692, so `abs=0.01` allows one percentage point). Integers (counts, shapes, epochs) must be
equal, and runs of white space count as one space (a table's columns widen when a number gains a
digit). Without a declared tolerance, outputs are compared exactly, as nbval does.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

# A decimal number: digits with a point, or with an exponent; a sign only where it cannot be a hyphen
# between two words or numbers ("2026-12-07", "fine-tune", "x-1.5" keep their hyphens as text).
DECIMAL = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|(?<![\w.])[-+]?\d+[eE][-+]?\d+")
# A percentage, with or without decimals: a share, compared as the fraction it stands for.
PERCENT = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)%")
NUMBER = re.compile(f"{PERCENT.pattern}|{DECIMAL.pattern}")
CELL_MARKER = re.compile(r"^\s*#\s*NBVAL_TOLERANCE\b(?P<args>.*)$", re.MULTILINE)
WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Tolerance:
    """How far a re-computed decimal number may be from the stored one: `abs + rel * |stored|`.

    Example:
        >>> Tolerance(abs=0.005).allows(0.965, 0.961), Tolerance(abs=0.005).allows(0.965, 0.959)
        (True, False)
        >>> Tolerance(rel=0.01).allows(200.0, 201.5)
        True
    """

    abs: float = 0.0
    rel: float = 0.0

    def __post_init__(self) -> None:
        for name in ("abs", "rel"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValueError(f"tolerance {name} must be a finite number >= 0, got {value!r}")
        if self.abs == 0 and self.rel == 0:
            raise ValueError("a tolerance needs abs or rel above 0 (leave it out to compare exactly)")

    def allows(self, stored: float, computed: float) -> bool:
        """Whether `computed` is close enough to `stored`; NaN matches only NaN."""
        if math.isnan(stored) or math.isnan(computed):
            return math.isnan(stored) and math.isnan(computed)
        return abs(computed - stored) <= self.abs + self.rel * abs(stored)

    @classmethod
    def parse(cls, text: str) -> Tolerance:
        """Read `abs=0.01 rel=0.02` (either may be left out), as written after `# NBVAL_TOLERANCE`.

        Raises:
            ValueError: naming the part that is not `abs=<number>` or `rel=<number>`.

        Example:
            >>> Tolerance.parse(" abs=0.01 rel=0.02")
            Tolerance(abs=0.01, rel=0.02)
            >>> Tolerance.parse("abs=0.01 typo=3")
            Traceback (most recent call last):
            ...
            ValueError: NBVAL_TOLERANCE takes abs=<number> and rel=<number>, got 'typo=3'
        """
        values: dict[str, float] = {}
        for part in text.split():
            key, _, value = part.partition("=")
            try:
                if key not in ("abs", "rel") or key in values:
                    raise ValueError
                values[key] = float(value)
            except ValueError:
                raise ValueError(f"NBVAL_TOLERANCE takes abs=<number> and rel=<number>, got {part!r}") from None
        return cls(**values)


def cell_tolerance(source: str, notebook_metadata: dict[str, Any]) -> Tolerance | None:
    """The tolerance for a cell: its own `# NBVAL_TOLERANCE` line, else the notebook's, else None (exact).

    Raises:
        ValueError: if the cell's line or the notebook's `tolerance` metadata is malformed.

    Example:
        >>> cell_tolerance("# NBVAL_TOLERANCE abs=0.01\\nlearn.fit(1)", {"tolerance": {"abs": 0.002}})
        Tolerance(abs=0.01, rel=0.0)
        >>> cell_tolerance("learn.fit(1)", {"tolerance": {"abs": 0.002}})
        Tolerance(abs=0.002, rel=0.0)
        >>> cell_tolerance("print(x.shape)", {}) is None
        True
    """
    marker = CELL_MARKER.search(source)
    if marker:
        return Tolerance.parse(marker.group("args"))
    declared = notebook_metadata.get("tolerance")
    if declared is None:
        return None
    if not isinstance(declared, dict) or set(declared) - {"abs", "rel"}:
        raise ValueError(f"notebook metadata 'tolerance' must be {{'abs': x, 'rel': y}}, got {declared!r}")
    return Tolerance(**declared)


def within_tolerance(stored: str, computed: str, tolerance: Tolerance) -> bool:
    """Whether `computed` says what `stored` says, its decimal numbers within `tolerance`.

    Examples:
        >>> tol = Tolerance(abs=0.005)
        >>> within_tolerance("epoch 1  loss 0.3120  accuracy 0.965", "epoch 1  loss 0.3141  accuracy 0.962", tol)
        True
        >>> within_tolerance("accuracy 0.965", "accuracy 0.955", tol)  # beyond the tolerance
        False
        >>> within_tolerance("3 mistakes, accuracy 0.965", "4 mistakes, accuracy 0.965", tol)  # integers are exact
        False
        >>> within_tolerance("winner: forest 0.86", "winner: boosting 0.86", tol)  # so is text
        False
        >>> within_tolerance("  -0.001  0.250", "   0.002  0.251", tol)  # a column widens
        True
        >>> within_tolerance("refused 69.2%, all 74%", "refused 69.5%, all 74%", tol)  # 0.692 and 0.695
        True
        >>> within_tolerance("refused 69.2%", "refused 61.5%", tol)
        False
    """
    stored_numbers, computed_numbers = NUMBER.findall(stored), NUMBER.findall(computed)
    if len(stored_numbers) != len(computed_numbers):
        return False
    stored_text, computed_text = (_words(NUMBER.split(text)) for text in (stored, computed))
    if stored_text != computed_text:
        return False
    pairs = zip(stored_numbers, computed_numbers, strict=True)
    return all(a == b or tolerance.allows(_value(a), _value(b)) for a, b in pairs)


def _value(number: str) -> float:
    """A decimal number as it is written, a percentage as the share it stands for."""
    return float(number[:-1]) / 100 if number.endswith("%") else float(number)


def _words(pieces: list[str]) -> list[str]:
    return [WHITESPACE.sub(" ", piece).strip() for piece in pieces]
