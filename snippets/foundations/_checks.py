"""Input checks shared by the foundations modules.

Each check raises an exception whose type and message name the problem, so that a
wrong shape or a NaN stops the run where it happens instead of surfacing later as a
silent NaN loss or a broadcasting accident.
"""

from __future__ import annotations

import torch
from torch import Tensor


def check_tensor(x: object, name: str) -> Tensor:
    """Raise TypeError unless `x` is a tensor; return it."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    return x


def check_float(x: Tensor, name: str) -> Tensor:
    """Raise TypeError unless `x` is floating point, ValueError if it holds NaN or inf."""
    check_tensor(x, name)
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def check_batch(x: Tensor, n_features: int, name: str = "inputs") -> Tensor:
    """Raise unless `x` is a finite float batch of shape (n, n_features) with n >= 1."""
    check_float(x, name)
    if x.ndim != 2:
        raise ValueError(f"{name} must be 2-D (batch, features), got shape {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty: a batch needs at least one row")
    if x.shape[1] != n_features:
        raise ValueError(f"{name} must have {n_features} features per row, got shape {tuple(x.shape)}")
    return x


def check_class_targets(targets: Tensor, n_rows: int, n_classes: int) -> Tensor:
    """Raise unless `targets` holds one integer class index in [0, n_classes) per row."""
    check_tensor(targets, "targets")
    if targets.dtype not in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        raise TypeError(f"targets must be integer class indices, got dtype {targets.dtype}")
    if targets.ndim != 1 or targets.shape[0] != n_rows:
        raise ValueError(f"targets must have shape ({n_rows},) to match the predictions, got {tuple(targets.shape)}")
    if n_rows and (targets.min() < 0 or targets.max() >= n_classes):
        raise ValueError(
            f"targets must be class indices in [0, {n_classes}), "
            f"got values from {int(targets.min())} to {int(targets.max())}"
        )
    return targets
