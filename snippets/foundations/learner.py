"""A Learner with callbacks: the training loop once, and everything else plugged in at named events.

The loop of [`fit`][snippets.foundations.loop.fit] grows a new `if` for every feature: printing,
schedules, early stopping. fastai's answer is a `Learner` whose loop never changes, and which
calls every *callback* at fixed points:

    before_fit
      before_epoch
        before_batch -> forward, loss -> after_loss -> backward -> after_backward
                     -> step -> after_step -> after_batch         (for each training batch)
        validation -> after_validate
      after_epoch
    after_fit

A callback is an object with methods named after the events it cares about; it reads and changes
the learner (the learning rate, `learn.loss`, ...). It can also stop things: raising `CancelBatch`
skips the rest of a batch (no step), `CancelFit` ends training; as in fastai, any other exception
stops everything at once, without `after_batch` or `after_fit`. Here the callbacks are `Recorder`
(losses, metrics and learning rates, printed as plain text), `OneCycle` (the schedule of
[`one_cycle`][snippets.foundations.schedule.one_cycle]) and `EarlyStopping`. These are this site's
events; fastai has a few more (`after_pred`, `before_step`, `before_train`, ...). With no callbacks
the Learner is the plain loop: the tests train the same model both ways and get the same weights.
(For a `torch.nn.Module` it also switches to evaluation mode to validate and back to training mode
for each epoch, which matters for BatchNorm and dropout; the plain loop's models have neither.)

Example:
    >>> import torch
    >>> from snippets.foundations import SGD, LinearModel, cross_entropy
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.randn(100, 2, generator=g)
    >>> y = (x.sum(dim=1) > 0).long()
    >>> model = LinearModel(2, 2, generator=g)
    >>> learn = Learner(model, (x, y), (x, y), cross_entropy, SGD(model.parameters(), lr=0.5),
    ...                 callbacks=[Recorder()], batch_size=20, generator=g)
    >>> learn.fit(2)
    epoch  train_loss  valid_loss    accuracy
        0      0.8337      0.4134      0.9000
        1      0.3617      0.3057      0.9200
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from snippets.foundations.batches import minibatches
from snippets.foundations.layers import Model
from snippets.foundations.loop import Optimizer, evaluate
from snippets.foundations.losses import accuracy
from snippets.foundations.schedule import one_cycle

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LossFn = Callable[[Tensor, Tensor], Tensor]
EVENTS = ("before_fit", "before_epoch", "before_batch", "after_loss", "after_backward", "after_step",
          "after_batch", "after_validate", "after_epoch", "after_fit")


class CancelBatch(Exception):
    """Raised by a callback to skip the rest of the current batch (no backward pass or step)."""


class CancelFit(Exception):
    """Raised by a callback to end training; `after_fit` still runs."""


class Callback:
    """Base class: override the events you need. Callbacks run in ascending `order`."""

    order = 0


# --8<-- [start:learner]
class Learner:
    """A model, its data, loss and optimiser, and the callbacks that run at each event of `fit`.

    Args:
        model: anything callable with a `parameters()` method.
        train: the `(inputs, targets)` to learn from.
        valid: the `(inputs, targets)` scored after each epoch (`valid_loss`, `metric`).
        loss_fn: `loss_fn(preds, targets)` returns a scalar tensor.
        opt: the optimiser, with `step()` and `zero_grad()`.
        callbacks: objects with methods named after events (`before_fit`, `after_loss`, ...).
        batch_size: rows per minibatch.
        metric: `metric(preds, targets)`, computed on the validation set.
        generator: random generator for the batch order.

    Raises:
        ValueError: if a callback has no method for any event (a typo such as `after_bach`).
    """

    def __init__(self, model: Model, train: tuple[Tensor, Tensor], valid: tuple[Tensor, Tensor], loss_fn: LossFn,
                 opt: Optimizer, callbacks: Sequence[Callback] = (), batch_size: int = 64,
                 metric: LossFn = accuracy, generator: torch.Generator | None = None) -> None:
        self.model, self.train, self.valid, self.loss_fn, self.opt = model, train, valid, loss_fn, opt
        self.batch_size, self.metric, self.generator = batch_size, metric, generator
        for cb in callbacks:
            if not any(callable(getattr(cb, event, None)) for event in EVENTS):
                raise ValueError(f"{type(cb).__name__} has no method for any event; events are {', '.join(EVENTS)}")
        self.callbacks = sorted(callbacks, key=lambda cb: cb.order)

    def __call__(self, event: str) -> None:
        for cb in self.callbacks:
            method = getattr(cb, event, None)
            if method is not None:
                method(self)

    def fit(self, epochs: int) -> None:
        """Train for `epochs` passes over the training data, calling the callbacks at every event."""
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
        self.epochs, self.n_iter = epochs, math.ceil(len(self.train[1]) / self.batch_size)
        self.iter = 0                                        # training batches done so far
        try:
            self("before_fit")
            for epoch in range(epochs):
                self.epoch = epoch
                if isinstance(self.model, torch.nn.Module):
                    self.model.train()
                self("before_epoch")
                for xb, yb in minibatches(*self.train, self.batch_size, generator=self.generator):
                    self.xb, self.yb = xb, yb
                    self._one_batch()
                self._validate()
                self("after_validate")
                self("after_epoch")
        except CancelFit:
            pass
        self("after_fit")

    def _validate(self) -> None:
        if isinstance(self.model, torch.nn.Module):                # BatchNorm and dropout behave differently
            self.model.eval()
        self.valid_loss, self.valid_metric = evaluate(self.model, self.loss_fn, *self.valid, metric=self.metric)

    def _one_batch(self) -> None:
        try:
            self("before_batch")
            self.loss = self.loss_fn(self.model(self.xb), self.yb)
            self("after_loss")
            self.loss.backward()
            self("after_backward")
            self.opt.step()
            self("after_step")
        except CancelBatch:
            pass
        self.opt.zero_grad()
        self("after_batch")
        self.iter += 1
# --8<-- [end:learner]


def _settings(opt: Optimizer) -> list[dict]:
    """The optimiser's hyper-parameters as dicts to read and write: torch's param groups, or ours.

    This site's optimisers keep `lr`, `momentum` and `betas` as plain attributes, so their
    `vars()` is such a dict: writing a key sets the attribute.
    """
    if hasattr(opt, "param_groups"):
        return opt.param_groups
    if not hasattr(opt, "lr"):
        raise TypeError(f"{type(opt).__name__} has no learning rate (`lr` or `param_groups`) to schedule")
    return [vars(opt)]


def learning_rate(opt: Optimizer) -> float:
    """The optimiser's current learning rate (of its first parameter group), or NaN if it has none."""
    groups = getattr(opt, "param_groups", None)
    return groups[0]["lr"] if groups else getattr(opt, "lr", float("nan"))


# --8<-- [start:callbacks]
class Recorder(Callback):
    """Keeps every batch's loss and learning rate and each epoch's figures; prints a line per epoch."""

    def __init__(self, log: Callable[[str], None] | None = print) -> None:
        self.log = log or (lambda line: None)

    def before_fit(self, learn: Learner) -> None:
        self.losses, self.lrs, self.epochs = [], [], []
        self.log(f"{'epoch':>5}  {'train_loss':>10}  {'valid_loss':>10}  {learn.metric.__name__:>10}")

    def before_epoch(self, learn: Learner) -> None:
        self.total, self.count = 0.0, 0

    def after_loss(self, learn: Learner) -> None:
        loss = learn.loss.item()
        if not math.isfinite(loss):
            raise FloatingPointError(f"epoch {learn.epoch}, batch {learn.iter}: the loss is {loss}; "
                                     "lower the learning rate")
        self.losses.append(loss)
        self.lrs.append(learning_rate(learn.opt))
        self.total, self.count = self.total + loss * len(learn.xb), self.count + len(learn.xb)

    def after_epoch(self, learn: Learner) -> None:
        row = (learn.epoch, self.total / max(self.count, 1), learn.valid_loss, learn.valid_metric)
        self.epochs.append(row)
        self.log(f"{row[0]:>5}  {row[1]:>10.4f}  {row[2]:>10.4f}  {row[3]:>10.4f}")


    def plot_losses(self, ax: Axes | None = None) -> Axes:
        """Plot every batch's training loss, and each epoch's validation loss at the epoch's last batch.

        Returns:
            The matplotlib axes drawn on.
        """
        import matplotlib.pyplot as plt

        ax = ax or plt.subplots(figsize=(6, 3))[1]
        ax.plot(self.losses, alpha=0.6, label="training loss (each batch)")
        per_epoch = len(self.losses) / max(len(self.epochs), 1)
        ax.plot([round((row[0] + 1) * per_epoch) - 1 for row in self.epochs], [row[2] for row in self.epochs],
                "o-", label="validation loss (each epoch)")
        ax.set(xlabel="batch", ylabel="loss")
        ax.legend()
        return ax


class OneCycle(Callback):
    """Sets the optimiser's learning rate and momentum before every batch, from `one_cycle`.

    Works with this site's optimisers (`lr`, and `momentum` or `betas`) and with `torch.optim`'s
    (each of `param_groups`, `lr` and `momentum` or `betas`).
    """

    order = -1                                           # before the recorder reads the rate

    def __init__(self, lr_max: float, **schedule: float) -> None:
        self.lr_max, self.schedule = lr_max, schedule

    def before_batch(self, learn: Learner) -> None:
        lr, mom = one_cycle(learn.iter / (learn.epochs * learn.n_iter), self.lr_max, **self.schedule)
        for settings in _settings(learn.opt):
            settings["lr"] = lr
            if "momentum" in settings:
                settings["momentum"] = mom
            elif "betas" in settings:
                settings["betas"] = (mom, settings["betas"][1])


class EarlyStopping(Callback):
    """Ends training when the validation loss has not improved for `patience` epochs."""

    order = 1                                            # after the recorder has logged the epoch

    def __init__(self, patience: int = 2) -> None:
        if patience < 1:
            raise ValueError(f"patience must be at least 1 epoch, got {patience}")
        self.patience = patience

    def before_fit(self, learn: Learner) -> None:
        self.best, self.waited = math.inf, 0

    def after_epoch(self, learn: Learner) -> None:
        if learn.valid_loss < self.best:
            self.best, self.waited = learn.valid_loss, 0
            return
        self.waited += 1
        if self.waited >= self.patience:
            raise CancelFit
# --8<-- [end:callbacks]
