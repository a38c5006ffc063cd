"""Data-parallel training: two processes under torchrun take the same steps as one with twice the batch."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from snippets.datasets import load_digits
from snippets.foundations import SGD, cross_entropy
from snippets.foundations.distributed import digits_model, train_data_parallel

pytestmark = pytest.mark.slow


def one_process(epochs: int, batch_size: int) -> list[torch.Tensor]:
    split = load_digits()
    model = digits_model()
    optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    losses = train_data_parallel(model, cross_entropy, optimizer, *split.train, epochs=epochs, batch_size=batch_size)
    assert losses[-1] < losses[0]
    return [p.detach() for p in model.parameters()]


def test_two_processes_match_one_with_the_doubled_batch(tmp_path):
    out = tmp_path / "two.pt"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "snippets.foundations.distributed", "--out", str(out), "--epochs", "2", "--batch-size", "16"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 process(es) x 16 rows" in result.stdout
    two = torch.load(out, weights_only=True)
    one = one_process(epochs=2, batch_size=32)
    for a, b in zip(two, one, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def test_bad_arguments():
    x, y = torch.zeros(10, 64), torch.zeros(10, dtype=torch.long)
    model = digits_model()
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"rank must be in \[0, 2\), got 2"):
        train_data_parallel(model, cross_entropy, optimizer, x, y, epochs=1, batch_size=2, rank=2, world_size=2)
    with pytest.raises(ValueError, match="at least 32"):
        train_data_parallel(model, cross_entropy, optimizer, x, y, epochs=1, batch_size=16, world_size=2)
    with pytest.raises(ValueError, match="epochs and batch_size must be at least 1"):
        train_data_parallel(model, cross_entropy, optimizer, x, y, epochs=0, batch_size=2)
