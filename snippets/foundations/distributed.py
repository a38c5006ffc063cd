"""Data-parallel training from scratch: several processes, one model, gradients averaged.

Each process (a *rank*) holds a full copy of the model and takes its own slice of every
batch. After the backward pass the ranks **average their gradients** (`all_reduce`), so every
copy takes the same step and they stay identical. With `world_size` processes of `batch_size`
rows each, one step sees `world_size * batch_size` rows: the same step, to rounding, as one
process with the larger batch. That is all `DistributedDataParallel` does, with the
communication overlapped with the backward pass.

Run it on one machine with two processes (the gloo backend works on CPUs):

    torchrun --standalone --nproc_per_node 2 -m snippets.foundations.distributed --out params.pt

On several machines the same code runs unchanged: start `torchrun` on each machine with
`--nnodes N --node_rank i --rdzv_endpoint HOST:PORT` (the first machine's address), and the
processes of all machines join one group; use the NCCL backend on GPUs.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
import torch.distributed as dist
from torch import Tensor

from snippets.foundations import MLP, SGD, cross_entropy
from snippets.foundations.layers import Model

LossFn = Callable[[Tensor, Tensor], Tensor]


# --8<-- [start:average_gradients]
def average_gradients(params: Sequence[Tensor]) -> None:
    """Replace each parameter's gradient by its mean over all processes (a no-op with one process)."""
    if not dist.is_initialized() or dist.get_world_size() == 1:
        return
    for p in params:
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)  # every rank receives the sum...
            p.grad /= dist.get_world_size()  # ...and turns it into the mean
# --8<-- [end:average_gradients]


# --8<-- [start:train]
def train_data_parallel(
    model: Model,
    loss_fn: LossFn,
    optimizer: SGD,
    x: Tensor,
    y: Tensor,
    *,
    epochs: int,
    batch_size: int,
    seed: int = 0,
    rank: int = 0,
    world_size: int = 1,
) -> list[float]:
    """Train with `world_size` processes, each taking `batch_size` rows of every global batch.

    All ranks shuffle with the same seed, so they agree on each global batch of
    `world_size * batch_size` rows; rank `r` takes the `r`-th slice of it. An incomplete last
    global batch is dropped, so that every step averages equal-sized slices.

    Returns:
        The mean loss of each step's global batch (the same on every rank).

    Raises:
        ValueError: if `epochs` or `batch_size` is below 1, `rank` is outside the world, or
            there are fewer rows than one global batch.
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be at least 1, got {epochs} and {batch_size}")
    if not 0 <= rank < world_size:
        raise ValueError(f"rank must be in [0, {world_size}), got {rank}")
    global_batch = batch_size * world_size
    if len(x) != len(y) or len(x) < global_batch:
        raise ValueError(f"need equal numbers of inputs and targets, at least {global_batch}; got {len(x)}, {len(y)}")
    generator = torch.Generator().manual_seed(seed)  # the same on every rank: the same batches
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x) - global_batch + 1, global_batch):
            mine = order[start + rank * batch_size : start + (rank + 1) * batch_size]
            loss = loss_fn(model(x[mine]), y[mine])
            loss.backward()
            average_gradients(model.parameters())
            optimizer.step()
            optimizer.zero_grad()
            total = loss.detach().clone()
            if dist.is_initialized() and world_size > 1:
                dist.all_reduce(total, op=dist.ReduceOp.SUM)
            losses.append(float(total) / world_size)
    return losses
# --8<-- [end:train]


def digits_model(seed: int = 0) -> MLP:
    """The MLP of the foundations notebook, initialised identically on every rank."""
    return MLP([64, 128, 10], generator=torch.Generator().manual_seed(seed))


def main(argv: list[str] | None = None) -> None:
    """Command line, under torchrun: train the digits MLP data-parallel; rank 0 saves the parameters."""
    from snippets.datasets import load_digits

    parser = argparse.ArgumentParser(description="Data-parallel training of the digits MLP (run under torchrun).")
    parser.add_argument("--out", type=Path, required=True, help="where rank 0 saves the trained parameters")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32, help="rows per process per step")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size > 1:
        dist.init_process_group("gloo")  # CPU; "nccl" for GPUs
    rank = dist.get_rank() if dist.is_initialized() else 0
    split = load_digits()
    model = digits_model()
    optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    losses = train_data_parallel(model, cross_entropy, optimizer, *split.train, epochs=args.epochs,
                                 batch_size=args.batch_size, rank=rank, world_size=world_size)
    if rank == 0:
        torch.save([p.detach() for p in model.parameters()], args.out)
        print(f"{world_size} process(es) x {args.batch_size} rows: {len(losses)} steps, last loss {losses[-1]:.4f}")
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
