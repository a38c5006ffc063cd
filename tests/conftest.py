"""Shared fixtures."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def generator() -> torch.Generator:
    """A seeded random generator, so every test sees the same numbers."""
    return torch.Generator().manual_seed(0)
