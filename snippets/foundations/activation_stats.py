"""Watch the activations while a network trains: forward hooks that record each layer's statistics.

A *forward hook* is a function PyTorch calls every time a module has computed its output; it can
look at the output without changing the model. `ActivationStats` hooks chosen layers and records,
for every training batch, the **mean** and **standard deviation** of each layer's output and the
share of values that are **near zero** (fastai's `ActivationStats` records similar figures,
counting values up to 0.05 as near zero, and plots them).

What to look for: in a healthy network each layer's activations keep a steady, moderate scale.
If they shrink layer after layer (bad initialisation) or blow up and then collapse (too high a
learning rate), most ReLU outputs end up at zero and those units stop learning, since a zero
output passes no gradient back. Batch normalisation resets every layer's scale, which is why it
lets a network train fast at a high learning rate.

Example:
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU())
    >>> with ActivationStats([model[1]]) as stats:
    ...     _ = model(torch.randn(32, 4))
    >>> relu_batches = stats.records[0]                # one record per training batch
    >>> len(relu_batches), relu_batches[0].near_zero > 0.1  # about half the ReLU outputs are 0
    (1, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class LayerStats:
    """One layer's output statistics for one batch."""

    mean: float
    std: float
    near_zero: float  # share of values with magnitude below `ActivationStats.threshold`


# --8<-- [start:hooks]
class ActivationStats:
    """Record the statistics of the outputs of `modules` at every forward pass in training mode.

    Use it as a context manager (`with ActivationStats(layers) as stats:`), or call `remove()` when
    done: hooks left on a model keep running.

    Args:
        modules: the layers to watch, in order from input to output.
        threshold: values smaller than this in magnitude count as near zero.

    Raises:
        ValueError: if `modules` is empty.
    """

    def __init__(self, modules: Sequence[nn.Module], threshold: float = 0.01) -> None:
        if not modules:
            raise ValueError("ActivationStats needs at least one module to watch")
        self.threshold = threshold
        self.records: list[list[LayerStats]] = [[] for _ in modules]
        self.hooks = [module.register_forward_hook(self._hook(i)) for i, module in enumerate(modules)]

    def _hook(self, i: int):
        def record(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
            if module.training:
                with torch.no_grad():
                    self.records[i].append(LayerStats(output.mean().item(), output.std().item(),
                                                      (output.abs() < self.threshold).float().mean().item()))
        return record

    def remove(self) -> None:
        """Take the hooks off the model."""
        for hook in self.hooks:
            hook.remove()
# --8<-- [end:hooks]

    def __enter__(self) -> ActivationStats:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def series(self, field: str) -> Tensor:
        """One statistic (`"mean"`, `"std"` or `"near_zero"`) as a (layers, batches) tensor."""
        if field not in ("mean", "std", "near_zero"):
            raise ValueError(f"field must be 'mean', 'std' or 'near_zero', got {field!r}")
        return torch.tensor([[getattr(s, field) for s in layer] for layer in self.records])
