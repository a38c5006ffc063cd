"""Benchmarks: print figures, assert nothing about time.

Run with `make bench`. Each benchmark prints one line: what was measured and the figure.
"""

from __future__ import annotations

import copy
import time

import torch

from snippets.datasets import load_digits
from snippets.foundations import MLP, SGD, cross_entropy, fit


def time_fit(make_optimizer, model, split, epochs: int = 20) -> float:
    g = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    fit(model, cross_entropy, make_optimizer(model.parameters()), split.train, split.valid,
        epochs=epochs, batch_size=64, generator=g, log=None)
    return time.perf_counter() - start


def main() -> None:
    torch.set_num_threads(1)
    split = load_digits()
    model = MLP([64, 128, 10], generator=torch.Generator().manual_seed(0))
    for make in (lambda p: SGD(p, lr=0.05), lambda p: torch.optim.SGD(p, lr=0.05)):  # warm-up: first-call costs
        time_fit(make, copy.deepcopy(model), split, epochs=1)
    ours = time_fit(lambda p: SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-4), copy.deepcopy(model), split)
    theirs = time_fit(
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-4), copy.deepcopy(model), split
    )
    print(f"foundations fit, digits MLP 64-128-10, 20 epochs: hand-written SGD {ours:.2f} s, "
          f"torch.optim.SGD {theirs:.2f} s, ratio {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
