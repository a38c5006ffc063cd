"""A notebook's headline result, printed in a fixed form that the site's results page reads back.

Every notebook ends by printing one `Result`: the model, the dataset, the metric and its value, a
published reference figure where one exists, and the training time. The site's results page
(`tools/hooks/results_page.py`) is generated from these printed blocks in the executed notebooks, so
its figures are always the ones the notebooks produced, never typed by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HEADER = "result"
FIELDS = {"model": "model", "dataset": "dataset", "metric": "metric", "value": "value",
          "reference": "reference", "training time": "seconds"}


@dataclass(frozen=True)
class Result:
    """One notebook's headline figure.

    Args:
        model: what was trained, in a few words.
        dataset: the data and the validation split.
        metric: the metric's name, such as "valid accuracy".
        value: the metric's value on the validation set.
        seconds: training time of this model, in seconds.
        reference: a published figure to compare with, and where it comes from; `None` if there is none.

    Raises:
        ValueError: if a text field is empty or spans lines, or `value` or `seconds` is not a finite number.

    Example:
        >>> result = Result("MLP 64-128-10", "scikit-learn digits", "valid accuracy", 0.9694, 0.3)
        >>> print(result)
        result
          model: MLP 64-128-10
          dataset: scikit-learn digits
          metric: valid accuracy
          value: 0.9694
          reference: none
          training time: 0.3 s
        >>> parse_result(str(result)) == result
        True
    """

    model: str
    dataset: str
    metric: str
    value: float
    seconds: float
    reference: str | None = None

    def __post_init__(self) -> None:
        for name in ("model", "dataset", "metric", "reference"):
            text = getattr(self, name)
            if text is None and name == "reference":
                continue
            if not isinstance(text, str) or not text.strip() or "\n" in text:
                raise ValueError(f"Result.{name} must be one non-empty line of text, got {text!r}")
        for name in ("value", "seconds"):
            number = getattr(self, name)
            if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
                raise ValueError(f"Result.{name} must be a finite number, got {number!r}")

    def __str__(self) -> str:
        return "\n".join([
            HEADER,
            f"  model: {self.model}",
            f"  dataset: {self.dataset}",
            f"  metric: {self.metric}",
            f"  value: {self.value:.4f}",
            f"  reference: {self.reference or 'none'}",
            f"  training time: {self.seconds:.1f} s",
        ])


def parse_result(text: str) -> Result:
    """Read back the last `Result` block printed in `text` (a notebook cell's output).

    Args:
        text: printed output that contains a block written by `print(Result(...))`.

    Returns:
        The result, with `reference` `None` where the block says "none".

    Raises:
        ValueError: if there is no result block, or a field is missing or malformed.

    Example:
        >>> parse_result("epoch 0 ...\\nresult\\n  model: m\\n  dataset: d\\n  metric: MSE\\n  value: 0.8233\\n"
        ...              "  reference: 0.849 (the course)\\n  training time: 2.7 s\\n").reference
        '0.849 (the course)'
    """
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line == HEADER]
    if not starts:
        raise ValueError(f"no result block (a line {HEADER!r} followed by its fields) in the output")
    found: dict[str, str] = {}
    for line in lines[starts[-1] + 1 :]:
        key, sep, value = line.strip().partition(": ")
        if not line.startswith("  ") or not sep or key not in FIELDS:
            break
        found[FIELDS[key]] = value
    missing = [key for key, name in FIELDS.items() if name not in found]
    if missing:
        raise ValueError(f"the result block lacks {', '.join(missing)}")
    try:
        value, seconds = float(found.pop("value")), float(found.pop("seconds").removesuffix(" s"))
    except ValueError as error:
        raise ValueError(f"the result block has a malformed number: {error}") from None
    reference = found.pop("reference")
    return Result(**found, value=value, seconds=seconds, reference=None if reference == "none" else reference)
