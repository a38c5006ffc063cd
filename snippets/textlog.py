"""Plain-text training logs for fastai, so that notebook outputs are stable and readable.

fastai's progress bar redraws itself with `update_display_data` messages, which nbval does not
replay: a stored training cell never matches a fresh run. `plain_text_log(learn)` swaps the bar
for one printed line per epoch, without the timing column (a timing differs on every run).

It works through the learner's `logger`, which fastai's `Recorder` calls once per epoch with
that epoch's values, and which fastai itself silences while validating or predicting.

`PlainTextLog` does it for every new learner once it is in fastai's default callbacks, which is what
`snippets.notebook.quiet_and_repeatable()` puts it there for.
"""

from __future__ import annotations

from fastai.callback.core import Callback
from fastai.callback.progress import ProgressCallback
from fastai.learner import Learner


class PlainTextLogger:
    """A fastai `logger`: prints a header at each fit's first epoch, then one line per epoch."""

    def __init__(self, learn: Learner, width: int = 10) -> None:
        self.learn, self.width = learn, width

    def __call__(self, log: list) -> None:
        names = list(self.learn.recorder.metric_names)
        keep = [i for i, name in enumerate(names) if name != "time" and i < len(log)]
        if log[0] == 0:
            print("  ".join(f"{names[i]:>{self.width}}" for i in keep))
        print("  ".join(self._cell(log[i]) for i in keep))

    def _cell(self, value: object) -> str:
        return f"{value:>{self.width}.4f}" if isinstance(value, float) else f"{value!s:>{self.width}}"


def plain_text_log(learn: Learner) -> Learner:
    """Make `learn` report training as plain text: no progress bars, one line per epoch.

    Examples:
        >>> import torch
        >>> from fastai.data.core import DataLoaders
        >>> x = torch.linspace(-1, 1, 64)[:, None]
        >>> data = list(zip(x, 2 * x))
        >>> dls = DataLoaders.from_dsets(data, data, bs=16, device="cpu")
        >>> learn = plain_text_log(Learner(dls, torch.nn.Linear(1, 1), loss_func=torch.nn.MSELoss()))
        >>> learn.fit(2, lr=0.1)  # doctest: +ELLIPSIS
             epoch  train_loss  valid_loss
                 0      ...
                 1      ...
        >>> _ = learn.get_preds()  # prints nothing
    """
    if hasattr(learn, "progress"):
        learn.remove_cb(ProgressCallback)
    learn.logger = PlainTextLogger(learn)
    return learn


class PlainTextLog(Callback):
    """A default callback that applies `plain_text_log` to each new `Learner`."""

    def after_create(self) -> None:
        plain_text_log(self.learn)
