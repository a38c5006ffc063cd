"""A notebook's results, printed in a fixed form that the site's results page reads back.

Every notebook ends by printing at least one `Result` (the last is its headline): the model, the
dataset, the metric and its value, a published reference figure where one exists, and the
training time. The results page shows one row per printed `Result`. The site's results page
(`tools/hooks/results_page.py`) is generated from these printed blocks in the executed notebooks, so
its figures are always the ones the notebooks produced, never typed by hand.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

HEADER = "result"
FIELDS = {"model": "model", "dataset": "dataset", "metric": "metric", "value": "value",
          "reference": "reference", "training time": "seconds"}


@dataclass(frozen=True)
class Result:
    """One result of a notebook: a model's figure on a dataset.

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
    """Read back the last `Result` block printed in `text` (a notebook cell's output): its headline.

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
    return parse_results(text)[-1]


def parse_results(text: str) -> list[Result]:
    """Read back every `Result` block printed in `text`, in the order printed.

    A notebook that compares several models prints one block per model; the last is its headline.

    Raises:
        ValueError: if there is no result block, or a field of one is missing or malformed.

    Example:
        >>> one = Result("zero-shot", "SimLex-999", "Pearson", 0.46, 0.0)
        >>> two = Result("fine-tuned", "SimLex-999", "Pearson", 0.36, 21.0)
        >>> parse_results(f"{one}\\nepoch 1 ...\\n{two}\\n") == [one, two]
        True
    """
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line == HEADER]
    if not starts:
        raise ValueError(f"no result block (a line {HEADER!r} followed by its fields) in the output")
    return [_parse_block(lines[start + 1 :]) for start in starts]


def _parse_block(lines: list[str]) -> Result:
    found: dict[str, str] = {}
    for line in lines:
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


FIGURES_HEADER = "figures"
_NAME = re.compile(r"[a-z][a-z0-9_]*")


class Figures(dict[str, str]):
    """The figures a notebook publishes for the site's pages to quote, printed as a named block.

    A page never types a measured figure by hand: it writes a reference such as
    `{{ vision/digits.augmented_accuracy }}` and the site's build puts in the text that the
    executed notebook printed under that name (`tools/hooks/figures.py`). A figure is text, already
    rounded the way pages quote it, so the notebook decides its precision once. Training times end
    in " s" (nbval's sanitiser then ignores them when it re-executes the notebook).

    Args:
        **figures: name (lower case, digits and underscores) to text (one non-empty line); numbers are
            not accepted, so that the rounding is always chosen where the figure is computed.

    Raises:
        ValueError: if there is no figure, a name is malformed or a value is not one line of text.

    Example:
        >>> accuracy, seconds = 0.97704, 15.62
        >>> print(Figures(accuracy=f"{accuracy:.3f}", training_time=f"{seconds:.0f} s"))
        figures
          accuracy: 0.977
          training_time: 16 s
        >>> parse_figures(str(Figures(accuracy="0.977")))
        {'accuracy': '0.977'}
    """

    def __init__(self, **figures: str) -> None:
        if not figures:
            raise ValueError("Figures needs at least one named figure")
        for name, text in figures.items():
            if not _NAME.fullmatch(name):
                raise ValueError(f"figure name {name!r} must be lower case letters, digits and underscores")
            if not isinstance(text, str) or not text.strip() or "\n" in text:
                raise ValueError(f"figure {name!r} must be one line of text (format the number), got {text!r}")
        super().__init__(figures)

    def __str__(self) -> str:
        return "\n".join([FIGURES_HEADER, *(f"  {name}: {text}" for name, text in self.items())])


def parse_figures(text: str) -> dict[str, str]:
    """Read back every `Figures` block printed in `text` (a notebook's outputs, joined).

    Args:
        text: printed output that contains zero or more blocks written by `print(Figures(...))`.

    Returns:
        Every figure by name, in the order printed.

    Raises:
        ValueError: if two blocks publish the same name.

    Example:
        >>> parse_figures("epoch 0 ...\\nfigures\\n  head_only: 0.88\\nfigures\\n  unfrozen: 0.96\\n")
        {'head_only': '0.88', 'unfrozen': '0.96'}
    """
    found: dict[str, str] = {}
    lines = text.splitlines()
    for start, line in enumerate(lines):
        if line != FIGURES_HEADER:
            continue
        for field in lines[start + 1 :]:
            name, sep, value = field.strip().partition(": ")
            if not field.startswith("  ") or not sep or not _NAME.fullmatch(name):
                break
            if name in found:
                raise ValueError(f"figure {name!r} is printed twice")
            found[name] = value
    return found
