"""Training faster: measure images per second, and train with bfloat16 on a CPU.

Speed is measured, not guessed: a choice that pays on a GPU (half precision, large batches) may
cost on a CPU, and the other way round. `images_per_second` times a model's training step
(forward, backward and an optimiser step) or its inference on one batch, after warm-up steps
that are not counted (the first calls allocate memory and pick kernels), and reports the median
of the timed steps, which, with three or more of them, a stray slow step does not move.

fastai's `learn.to_fp16()` and `learn.to_bf16()` (the `MixedPrecision` callback) autocast for a
CUDA device only, so on a CPU they change nothing; `BFloat16Autocast` is the same idea for the
CPU: the forward pass and the loss run under `torch.autocast("cpu", dtype=torch.bfloat16)`.

bfloat16 is fast on a CPU only where the CPU has bfloat16 instructions (AVX-512-BF16, or AMX's
tile units) and oneDNN may use them; elsewhere each product is converted and computed on slower
paths, several times slower than float32 (`linear_seconds` times one layer both ways; the
faster-training notebook prints it on the machine that recorded it, with oneDNN capped at AVX2 as
the tests run it and with oneDNN free). `bf16_is_fast` tells which case a machine is in, so that
bfloat16 is turned on only where it pays.

A run whose timings nobody reads can ask for one step each: with the environment variable
`SNIPPETS_BRIEF_TIMING=1`, `images_per_second` times a single step, without warm-up,
and `linear_seconds` a single pass: the code runs, and its figures are rough. The test suite sets it
for its whole run, and through the environment for the kernels of the notebooks it re-executes,
whose timing outputs it does not compare.
"""

from __future__ import annotations

import copy
import os
import statistics
import time
from contextlib import nullcontext

import torch
from fastai.callback.core import Callback
from torch import Tensor, nn

BRIEF_TIMING = "SNIPPETS_BRIEF_TIMING"


def brief_timing() -> bool:
    """Whether the environment asks for brief timings (`SNIPPETS_BRIEF_TIMING=1`): one step, no warm-up.

    Example:
        >>> import os
        >>> before = os.environ.get("SNIPPETS_BRIEF_TIMING", "")
        >>> os.environ["SNIPPETS_BRIEF_TIMING"] = "1"
        >>> brief_timing()
        True
        >>> os.environ["SNIPPETS_BRIEF_TIMING"] = "0"  # anything but "1"
        >>> brief_timing()
        False
        >>> os.environ["SNIPPETS_BRIEF_TIMING"] = before
    """
    return os.environ.get(BRIEF_TIMING) == "1"


# oneDNN 3's instruction-set caps (ONEDNN_MAX_CPU_ISA) under which it still has bfloat16 instructions
_BF16_ISAS = ("AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX512_CORE_AMX", "AVX512_CORE_AMX_FP16", "AVX10_1_512",
              "AVX10_1_512_AMX", "AVX10_1_512_AMX_FP16", "AVX10_2", "AVX10_2_AMX_2", "AVX10_2_512", "AVX10_2_512_AMX_2",
              "DEFAULT")


def bf16_is_fast(cpu_has_bf16: bool | None = None, onednn_cap: str | None = None) -> bool:
    """Whether bfloat16 autocast can run on this CPU's bfloat16 instructions (AVX-512-BF16 or AMX).

    Both must hold: the CPU has the instructions (the x86 flags `avx512_bf16` or `amx_bf16` of
    `torch.cpu.get_capabilities()`; ARM's `bf16` is not checked, so an ARM CPU counts as slow),
    and oneDNN is not capped below them (`ONEDNN_MAX_CPU_ISA`, or its older name
    `DNNL_MAX_CPU_ISA`, which this project's tests set to AVX2 so that every machine runs much the
    same kernels). Without them bfloat16 still computes, but several times slower than float32
    (`linear_seconds` times one linear layer both ways).

    Args:
        cpu_has_bf16: override the hardware check (for tests); `None` asks PyTorch.
        onednn_cap: override `ONEDNN_MAX_CPU_ISA` (for tests); `None` reads the environment.

    Examples:
        >>> bf16_is_fast(cpu_has_bf16=True, onednn_cap="AVX2"), bf16_is_fast(cpu_has_bf16=True, onednn_cap="")
        (False, True)
        >>> bf16_is_fast(cpu_has_bf16=False, onednn_cap="DEFAULT")
        False
    """
    if cpu_has_bf16 is None:
        capabilities = torch.cpu.get_capabilities()
        cpu_has_bf16 = capabilities.get("avx512_bf16", False) or capabilities.get("amx_bf16", False)
    if onednn_cap is None:
        onednn_cap = os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA") or ""
    cap = onednn_cap.strip().upper()
    return bool(cpu_has_bf16) and (not cap or cap in _BF16_ISAS)


def linear_seconds(bf16: bool, rows: int = 4096, features: tuple[int, int] = (384, 1536)) -> float:
    """Seconds for one `Linear` layer's forward and backward pass on `rows` random rows, on one thread.

    The second of two runs is timed (the first allocates memory and picks kernels; under
    `brief_timing()` the first and only run is). With `bf16`
    the forward pass runs under bfloat16 autocast: on a CPU with bfloat16 instructions that oneDNN
    may use, faster than float32; without them, several times slower.

    Args:
        bf16: run the forward pass under `torch.autocast("cpu", dtype=torch.bfloat16)`.
        rows: the batch size.
        features: the layer's input and output sizes.

    Raises:
        ValueError: if `rows` or a size is less than 1.

    Example:
        >>> linear_seconds(bf16=False, rows=8, features=(4, 2)) > 0
        True
        >>> linear_seconds(bf16=False, rows=0)
        Traceback (most recent call last):
        ValueError: rows and features must be at least 1, got rows=0, features=(384, 1536)
    """
    if rows < 1 or min(features) < 1:
        raise ValueError(f"rows and features must be at least 1, got rows={rows}, features={features}")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        layer, x = nn.Linear(*features), torch.randn(rows, features[0])
        for _ in range(1 if brief_timing() else 2):
            start = time.perf_counter()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                out = layer(x)
            out.float().sum().backward()
            seconds = time.perf_counter() - start
    finally:
        torch.set_num_threads(threads)
    return seconds


def images_per_second(
    model: nn.Module,
    images: Tensor,
    train: bool = True,
    steps: int = 3,
    warmup: int = 1,
    channels_last: bool = False,
    bf16: bool = False,
    threads: int | None = None,
) -> float:
    """Images per second of `model` on the batch `images`: a training step, or inference.

    The model is copied first, so the caller's weights, mode and memory format are untouched. A
    training step is a forward pass, a backward pass of the mean output and an SGD step;
    inference runs in `eval` mode under `torch.inference_mode()`.

    Args:
        model: the network.
        images: one batch, (n, channels, height, width).
        train: time a training step (True) or inference (False).
        steps: timed steps; the median is reported (one under `brief_timing()`).
        warmup: steps run first and not timed (none under `brief_timing()`).
        channels_last: store the model and the batch channels-last (NHWC) instead of NCHW.
        bf16: run the forward pass under `torch.autocast("cpu", dtype=torch.bfloat16)`.
        threads: torch threads for the measurement (restored after); `None` keeps the current number.

    Returns:
        The batch size divided by the median time of one step.

    Raises:
        ValueError: if `steps` is below 1, `warmup` is negative, `threads` is below 1, or the batch
            is not a non-empty 4-D tensor.

    Examples:
        >>> from torch import nn
        >>> model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten())
        >>> images_per_second(model, torch.zeros(8, 1, 28, 28), steps=2) > 0
        True
    """
    if steps < 1 or warmup < 0:
        raise ValueError(f"steps must be at least 1 and warmup at least 0, got steps={steps}, warmup={warmup}")
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(f"images must be one non-empty batch (n, channels, height, width), got {tuple(images.shape)}")
    if brief_timing():
        steps, warmup = 1, 0
    model = copy.deepcopy(model)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        images = images.contiguous(memory_format=torch.channels_last)
    model.train(train)
    optimiser = torch.optim.SGD(model.parameters(), lr=1e-3) if train else None
    autocast = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext()
    previous = torch.get_num_threads()
    times = []
    try:
        if threads is not None:
            torch.set_num_threads(threads)
        for step in range(warmup + steps):
            start = time.perf_counter()
            if train:
                with autocast:
                    loss = model(images).float().mean()
                loss.backward()
                optimiser.step()
                optimiser.zero_grad()
            else:
                with torch.inference_mode(), autocast:
                    model(images)
            if step >= warmup:
                times.append(time.perf_counter() - start)
    finally:
        torch.set_num_threads(previous)
    return len(images) / statistics.median(times)


class BFloat16Autocast(Callback):
    """Mixed precision on a CPU for a fastai `Learner`: the forward pass in bfloat16.

    Like fastai's `MixedPrecision` (`learn.to_bf16()`), which autocasts for CUDA only: the
    autocast region opens before each batch's forward pass and closes after the loss. Inside it,
    convolutions and matrix products run in bfloat16; the predictions are cast back to float32, so
    the loss and the metrics are computed in float32. The backward pass runs each operation in the
    type its forward pass used, and the weights, their gradients and the optimiser step stay
    float32. bfloat16 keeps float32's range, so no loss scaling is needed.

    Examples:
        >>> from fastai.learner import Learner
        >>> from fastai.data.core import DataLoaders
        >>> x = torch.randn(64, 3)
        >>> data = list(zip(x, x.sum(1, keepdim=True)))
        >>> dls = DataLoaders.from_dsets(data, data, bs=16, device="cpu")
        >>> learn = Learner(dls, nn.Linear(3, 1), loss_func=nn.MSELoss(), cbs=BFloat16Autocast())
        >>> with learn.no_logging():
        ...     learn.fit(1, 0.1)
        >>> learn.model.weight.dtype  # the weights stay float32
        torch.float32
    """

    order = 10  # where fastai's MixedPrecision sits

    def before_batch(self) -> None:
        self._autocast = torch.autocast("cpu", dtype=torch.bfloat16)
        self._autocast.__enter__()

    def after_pred(self) -> None:
        self.learn.pred = self.pred.float()  # the loss and the metrics in float32

    def after_loss(self) -> None:
        """Close the autocast region: the backward pass and the step run in float32."""
        autocast, self._autocast = getattr(self, "_autocast", None), None
        if autocast is not None:
            autocast.__exit__(None, None, None)

    # a batch without targets (no loss) or a cancelled one must not leave the region open
    after_batch = after_cancel_batch = after_loss
