"""One call at the top of a notebook (and of a test run): quiet, repeatable output.

A notebook here is re-executed in CI and its printed output compared with the stored one, so its
output must not change from run to run, and must not be buried in notices. `quiet_and_repeatable()`
does what that needs, and nothing a reader's own notebook would need:

- fastai logs one plain-text line per epoch instead of drawing progress bars
  (`snippets.textlog.PlainTextLog` replaces `ProgressCallback` in fastai's default callbacks);
- torch uses one thread, so floating-point sums run in the same order and print the same digits;
- fastai's DataLoaders read batches in the main process, without worker processes (and the
  tokenisers of `fastai.text`, imported afterwards, tokenise in it);
- Hugging Face `datasets` draws no progress bars;
- the pinned libraries' known warnings (`KNOWN_WARNINGS`) are silenced. Call it before importing
  fastai: some of them are raised while fastai is imported.

The test configuration (`tests/harness.py`) makes the same call and gives pytest the same list.
"""

from __future__ import annotations

import os
import sys
import warnings

# Warnings raised inside the pinned libraries, not by this project's code: (message regex, category).
KNOWN_WARNINGS: list[tuple[str, type[Warning]]] = [
    # fastai 2.8.12 with torch 2.14 and pandas 3
    ("`torch.jit.script` is deprecated", FutureWarning),
    (".*mode.chained_assignment.*", Warning),
    ("The given NumPy array is not writable", UserWarning),
    ("__array__ implementation doesn't accept a copy keyword", DeprecationWarning),
    ("numpy.core is deprecated", DeprecationWarning),  # fastai's Learner.load, lr_find
    # fastai's Categorify maps a value it has no code for (an integer id seen only in validation rows,
    # new data through test_dl) to #na# through pandas, which pandas 3 deprecates (pandas is pinned;
    # the mapping itself is what fastai intends).
    ("Constructing a Categorical with a dtype and values containing non-null entries", Warning),
    # gradio 6.31 with pandas 3
    ("'future.no_silent_downcasting' is deprecated", Warning),
    ("The copy keyword is deprecated", Warning),
    # tqdm, imported by transformers, looks for Jupyter widgets
    ("IProgress not found", Warning),
]


def quiet_and_repeatable(threads: int = 1, workers: int = 0) -> None:
    """Plain-text fastai logs for every new `Learner`, `threads` torch threads, known warnings off.

    fastai's `TfmdDL` loaders (built by `DataBlock.dataloaders`, `DataLoaders.from_dsets`, the
    image factories, and the text classifier's `SortedDL`; the language-model and tabular loaders
    default to none) start one worker process per CPU the process may use, up to 16, for each pass
    over the data, unless told `num_workers`. They read fastcore's `defaults.cpus`, which this sets
    to `workers`: by default none, so the main process reads every batch. On the two cores that
    these notebooks are tested on, two pytest workers already keep both busy, and each pass's new
    worker processes only added the cost of starting them and of passing batches between
    processes. With more cores and images to decode, workers pay (the faster-training notebook
    times both).

    `defaults.cpus` is fastcore's global setting: fastai modules imported after this call take it
    as their default number of processes too, so `fastai.text`'s tokenisers (`tokenize_df`, which
    `TextDataLoaders.from_df` uses) tokenise in this process, with the same tokens.

    Args:
        threads: The number of threads torch may use.
        workers: The worker processes fastai's DataLoaders start when not told `num_workers` (at
            most 16).

    Raises:
        ValueError: if `threads` is less than 1 or `workers` is negative.

    Example:
        >>> quiet_and_repeatable()
        >>> import torch
        >>> from fastai.data.core import DataLoaders
        >>> from fastai.learner import Learner
        >>> x = torch.linspace(-1, 1, 64)[:, None]
        >>> data = list(zip(x, 2 * x))
        >>> learn = Learner(DataLoaders.from_dsets(data, data, bs=16, device="cpu"), torch.nn.Linear(1, 1),
        ...                 loss_func=torch.nn.MSELoss())
        >>> learn.fit(1, lr=0.1)  # doctest: +ELLIPSIS
             epoch  train_loss  valid_loss
                 0      ...
        >>> torch.get_num_threads(), learn.dls.train.fake_l.num_workers  # fastai keeps the process count here
        (1, 0)
    """
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    if workers < 0:
        raise ValueError(f"workers must be 0 or more, got {workers}")
    for message, category in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)

    # Hugging Face datasets draws a progress bar for every `.map`; the variable is read when it is imported
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    if "datasets" in sys.modules:
        sys.modules["datasets"].disable_progress_bars()

    import torch
    from fastai.callback.progress import ProgressCallback
    from fastai.learner import defaults

    from snippets.textlog import PlainTextLog

    torch.set_num_threads(threads)
    defaults.cpus = workers  # fastcore's defaults, which fastai's loaders read when num_workers is not given
    defaults.callbacks = [cb for cb in defaults.callbacks if cb not in (ProgressCallback, PlainTextLog)]
    defaults.callbacks.append(PlainTextLog)
