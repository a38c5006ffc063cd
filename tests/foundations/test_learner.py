"""The Learner and its callbacks: the plain loop as a special case, cancelling, the one-cycle schedule."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from snippets.foundations import MLP, SGD, cross_entropy, fit
from snippets.foundations.learner import (
    EVENTS,
    Callback,
    CancelBatch,
    CancelFit,
    EarlyStopping,
    Learner,
    OneCycle,
    Recorder,
    learning_rate,
)
from snippets.foundations.optimisers import Adam
from snippets.foundations.schedule import one_cycle
from tests.exact import exactly


def data(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(120, 4, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return (x[:90], y[:90]), (x[90:], y[90:])


def model():
    return MLP([4, 8, 2], generator=torch.Generator().manual_seed(1))


def test_with_no_callbacks_the_learner_is_the_plain_loop():
    train, valid = data()
    plain = model()
    fit(plain, cross_entropy, SGD(plain.parameters(), lr=0.1, momentum=0.9), train, valid,
        epochs=3, batch_size=16, generator=torch.Generator().manual_seed(2), log=None)
    ours = model()
    before = [p.detach().clone() for p in ours.parameters()]
    Learner(ours, train, valid, cross_entropy, SGD(ours.parameters(), lr=0.1, momentum=0.9), batch_size=16,
            generator=torch.Generator().manual_seed(2)).fit(3)
    for a, b, start in zip(plain.parameters(), ours.parameters(), before, strict=True):
        assert torch.equal(a, b) and not torch.equal(b, start)


def test_the_recorder_logs_what_fit_logs():
    train, valid = data()
    plain, ours = model(), model()
    history = fit(plain, cross_entropy, SGD(plain.parameters(), lr=0.1), train, valid, epochs=2, batch_size=16,
                  generator=torch.Generator().manual_seed(2), log=None)
    recorder = Recorder(log=None)
    Learner(ours, train, valid, cross_entropy, SGD(ours.parameters(), lr=0.1), [recorder], batch_size=16,
            generator=torch.Generator().manual_seed(2)).fit(2)
    assert recorder.losses == history.batch_losses
    assert [tuple(row) for row in recorder.epochs] == [(e.epoch, e.train_loss, e.valid_loss, e.metric)
                                                       for e in history.epochs]


def plotted(epochs: int, batch_size: int):
    """A recorder after `epochs` of training on the 90 rows of `data()`, and the axes of its plot."""
    import matplotlib

    matplotlib.use("Agg")
    train, valid = data()
    m, recorder = model(), Recorder(log=None)
    Learner(m, train, valid, cross_entropy, SGD(m.parameters(), lr=0.1), [recorder], batch_size=batch_size).fit(epochs)
    return recorder, recorder.plot_losses()


def test_the_recorder_plots_batch_and_validation_losses():
    recorder, ax = plotted(epochs=2, batch_size=16)
    batch_line, valid_line = ax.get_lines()
    assert list(batch_line.get_ydata()) == recorder.losses
    assert list(valid_line.get_ydata()) == [row[2] for row in recorder.epochs]
    assert list(valid_line.get_xdata()) == [5, 11]       # the last batch of each 6-batch epoch


def test_a_callback_can_cancel_batches_so_nothing_moves():
    class SkipAll(Callback):
        def after_loss(self, learn):
            raise CancelBatch

    train, valid = data()
    m = model()
    before = [p.detach().clone() for p in m.parameters()]
    recorder = Recorder(log=None)
    Learner(m, train, valid, cross_entropy, SGD(m.parameters(), lr=0.1), [SkipAll(), recorder], batch_size=16).fit(2)
    assert all(torch.equal(a, b) for a, b in zip(before, m.parameters(), strict=True))
    assert len(recorder.epochs) == 2 and all(p.grad is None for p in m.parameters())


def test_a_callback_can_stop_training_and_after_fit_still_runs():
    class StopAfterFiveBatches(Callback):
        def after_batch(self, learn):
            if learn.iter == 4:
                raise CancelFit

        def after_fit(self, learn):
            self.finished_at = learn.iter

    stopper = StopAfterFiveBatches()
    train, valid = data()
    m = model()
    Learner(m, train, valid, cross_entropy, SGD(m.parameters(), lr=0.1), [stopper], batch_size=16).fit(5)
    assert stopper.finished_at == 4


def test_early_stopping_ends_when_the_validation_loss_stops_improving():
    """The validation losses are scripted (a callback overwrites them), so the rule is tested exactly."""
    scripted = iter([1.0, 0.8, 0.9, 0.85, 0.7, 0.6])

    class Script(Callback):
        def after_validate(self, learn):
            learn.valid_loss = next(scripted)

    train, valid = data()
    m = model()
    recorder = Recorder(log=None)
    callbacks = [Script(), recorder, EarlyStopping(patience=2)]
    Learner(m, train, valid, cross_entropy, SGD(m.parameters(), lr=0.1), callbacks, batch_size=16).fit(6)
    assert [row[2] for row in recorder.epochs] == [1.0, 0.8, 0.9, 0.85]   # two epochs without beating 0.8: stop


class Spy(Callback):
    """Records the optimiser's learning rate and momentum at every batch, after the schedule set them."""

    def __init__(self, read_momentum):
        self.read_momentum, self.seen = read_momentum, []

    def before_batch(self, learn):
        self.seen.append((learn.opt.lr, self.read_momentum(learn.opt)))


@pytest.mark.parametrize(
    ("make", "read_momentum"),
    [(lambda p: SGD(p, lr=1.0, momentum=0.5), lambda opt: opt.momentum),
     (lambda p: Adam(p, lr=1.0), lambda opt: opt.betas[0])],
    ids=["SGD", "Adam"],
)
def test_one_cycle_callback_sets_rate_and_momentum(make, read_momentum):
    train, valid = data()
    m, spy = model(), Spy(read_momentum)
    learn = Learner(m, train, valid, cross_entropy, make(m.parameters()), [spy, OneCycle(0.1)], batch_size=16)
    learn.fit(2)
    total = 2 * learn.n_iter
    np.testing.assert_allclose(spy.seen, [one_cycle(i / total, 0.1) for i in range(total)])


def test_one_cycle_matches_fastai_fit_one_cycle_batch_for_batch():
    import fastai.callback.progress  # adds Learner.no_bar
    import fastai.callback.schedule  # noqa: F401  (adds Learner.fit_one_cycle)
    from fastai.callback.core import Callback as FastaiCallback
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner as FastaiLearner
    from torch.utils.data import TensorDataset

    class Hypers(FastaiCallback):
        def before_fit(self):
            self.rates, self.momentums = [], []

        def after_batch(self):
            if self.training:
                self.rates.append(self.opt.hypers[-1]["lr"])
                self.momentums.append(self.opt.hypers[-1]["mom"])

    (x, y), _ = data()
    ds = TensorDataset(x, y)
    spy = Hypers()
    learn = FastaiLearner(DataLoaders.from_dsets(ds, ds, bs=16, device="cpu"), torch.nn.Linear(4, 2),
                          loss_func=torch.nn.functional.cross_entropy, cbs=[spy])
    with learn.no_logging(), learn.no_bar():
        learn.fit_one_cycle(3, 1e-2)
    total = len(spy.rates)
    assert total == 3 * (90 // 16)               # fastai drops the last, incomplete training batch
    ours = np.array([one_cycle(i / total, 1e-2) for i in range(total)])
    np.testing.assert_allclose(spy.rates, ours[:, 0], rtol=1e-6)
    np.testing.assert_allclose(spy.momentums, ours[:, 1], rtol=1e-6)


def test_one_cycle_drives_torch_optimisers_and_the_recorder_logs_the_rates_they_used():
    train, valid = data()
    m, recorder = model(), Recorder(log=None)
    opt = torch.optim.SGD(m.parameters(), lr=0.5, momentum=0.9)
    learn = Learner(m, train, valid, cross_entropy, opt, [OneCycle(0.1), recorder], batch_size=16)
    learn.fit(1)
    expected = [one_cycle(i / learn.n_iter, 0.1) for i in range(learn.n_iter)]
    np.testing.assert_allclose(recorder.lrs, [lr for lr, _ in expected])
    assert opt.param_groups[0]["momentum"] == pytest.approx(expected[-1][1])


def test_an_error_stops_training_without_the_cleanup_events():
    class Fails(Callback):
        def after_loss(self, learn):
            raise RuntimeError("broken callback")

    class Watch(Callback):
        def __init__(self):
            self.events = []

        def after_batch(self, learn):
            self.events.append("after_batch")

        def after_fit(self, learn):
            self.events.append("after_fit")

    train, valid = data()
    m, watch = model(), Watch()
    with pytest.raises(RuntimeError, match="broken callback"):
        Learner(m, train, valid, cross_entropy, SGD(m.parameters(), lr=0.1), [Fails(), watch], batch_size=16).fit(1)
    assert watch.events == []


def test_a_module_trains_in_training_mode_and_validates_in_evaluation_mode():
    seen = []

    class Modes(Callback):
        def before_batch(self, learn):
            seen.append(("train", learn.model.training))

        def after_validate(self, learn):
            seen.append(("valid", learn.model.training))

    train, valid = data()
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    net.eval()                                           # handed over in evaluation mode
    Learner(net, train, valid, cross_entropy, torch.optim.SGD(net.parameters(), lr=0.1), [Modes()],
            batch_size=16).fit(2)
    assert {mode for phase, mode in seen if phase == "train"} == {True}
    assert {mode for phase, mode in seen if phase == "valid"} == {False}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: one_cycle(1.5, 0.1), r"in \[0, 1\]"),
        (lambda: one_cycle(0.5, 0.0), "lr_max > 0"),
        (lambda: one_cycle(0.5, 0.1, pct_start=1.0), "pct_start"),
        (lambda: EarlyStopping(patience=0), "at least 1"),
        (lambda: Learner(model(), *data(), cross_entropy, SGD(model().parameters(), lr=0.1), [object()]),
         "no method for any event"),
        (lambda: Learner(model(), *data(), cross_entropy, SGD(model().parameters(), lr=0.1)).fit(0), "epochs"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


class Events(Callback):
    """Writes down every event it is called for."""

    def __init__(self):
        self.seen = []

    def __getattr__(self, event):
        if event in EVENTS:
            return lambda learn: self.seen.append(event)
        raise AttributeError(event)


def test_every_event_is_called_once_at_its_place_in_the_loop():
    train, valid = data()
    m, spy = model(), Events()
    Learner(m, train, valid, cross_entropy, SGD(m.parameters(), lr=0.1), [spy], batch_size=45).fit(2)
    batch = ["before_batch", "after_loss", "after_backward", "after_step", "after_batch"]
    epoch = ["before_epoch", *batch, *batch, "after_validate", "after_epoch"]     # 90 rows, 45 a batch
    assert spy.seen == ["before_fit", *epoch, *epoch, "after_fit"]


def test_validation_uses_the_learners_metric_and_the_recorder_names_it():
    def always_a_quarter(preds, targets):
        return torch.tensor(0.25)

    train, valid = data()
    m, lines = model(), []
    learn = Learner(m, train, valid, cross_entropy, SGD(m.parameters(), lr=0.1), [Recorder(log=lines.append)],
                    batch_size=45, metric=always_a_quarter)
    learn.fit(1)
    assert learn.valid_metric == 0.25
    assert lines[0] == "epoch  train_loss  valid_loss  always_a_quarter"
    assert lines[1].endswith("      0.2500")


def test_the_default_batch_size_is_64_rows():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(130, 4, generator=g), torch.randint(0, 2, (130,), generator=g)
    m = model()
    learn = Learner(m, (x, y), (x, y), cross_entropy, SGD(m.parameters(), lr=0.1))
    learn.fit(1)
    assert learn.n_iter == 3                               # 64 + 64 + 2


def test_the_recorders_training_loss_is_the_mean_over_rows_even_for_one_row():
    x, y = torch.tensor([[1.0, 0.0, 0.0, 0.0]]), torch.tensor([1])
    m, recorder = model(), Recorder(log=None)
    Learner(m, (x, y), (x, y), cross_entropy, SGD(m.parameters(), lr=0.1), [recorder]).fit(1)
    assert recorder.epochs[0][1] == recorder.losses[0]    # one batch of one row: its loss, undivided


def test_one_cycle_passes_its_schedule_settings_on():
    train, valid = data()
    m, spy = model(), Spy(lambda opt: opt.momentum)
    Learner(m, train, valid, cross_entropy, SGD(m.parameters(), lr=1.0, momentum=0.5),
            [spy, OneCycle(0.1, div=5.0, moms=(0.9, 0.8, 0.9))], batch_size=45).fit(1)
    np.testing.assert_allclose(spy.seen[0], one_cycle(0.0, 0.1, div=5.0, moms=(0.9, 0.8, 0.9)))
    assert spy.seen[0][0] == pytest.approx(0.1 / 5.0)


def scripted_fit(losses, stopper):
    """Fit with the validation losses overwritten by `losses`; returns the losses the recorder saw."""
    scripted = iter(losses)

    class Script(Callback):
        def after_validate(self, learn):
            learn.valid_loss = next(scripted)

    train, valid = data()
    m, recorder = model(), Recorder(log=None)
    Learner(m, train, valid, cross_entropy, SGD(m.parameters(), lr=0.1), [Script(), recorder, stopper],
            batch_size=45).fit(len(losses))
    return [row[2] for row in recorder.epochs]


def test_early_stopping_treats_an_equal_loss_as_no_improvement():
    assert scripted_fit([1.0, 1.0, 1.0, 1.0], EarlyStopping(patience=2)) == [1.0, 1.0, 1.0]


def test_early_stopping_waits_two_epochs_by_default_and_one_when_asked():
    assert scripted_fit([1.0, 1.2, 1.3, 0.5], EarlyStopping()) == [1.0, 1.2, 1.3]
    assert scripted_fit([1.0, 1.2, 1.3, 0.5], EarlyStopping(patience=1)) == [1.0, 1.2]


def test_early_stopping_counts_from_zero_in_every_fit():
    stopper = EarlyStopping(patience=2)
    inf = float("inf")
    assert scripted_fit([inf, inf, inf], stopper) == [inf, inf]      # never finite: stops after 2 epochs
    assert scripted_fit([inf, inf, inf], stopper) == [inf, inf]      # the same again, not sooner


def test_the_recorders_plot_is_labelled():
    _, ax = plotted(epochs=1, batch_size=45)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training loss (each batch)",
                                                                  "validation loss (each epoch)"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("batch", "loss")
    batch_line, valid_line = ax.get_lines()
    assert batch_line.get_alpha() == 0.6 and valid_line.get_marker() == "o" and valid_line.get_linestyle() == "-"
    assert tuple(ax.figure.get_size_inches()) == (6.0, 3.0)
    assert list(valid_line.get_xdata()) == [1]            # one epoch of two batches: at the second batch


def test_the_learning_rate_is_read_from_param_groups_or_the_attribute_or_is_nan():
    m = model()
    assert learning_rate(SGD(m.parameters(), lr=0.3)) == 0.3
    assert learning_rate(torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.2)) == 0.2
    assert math.isnan(learning_rate(object()))


def test_errors_name_the_problem_exactly():
    train, valid = data()
    m = model()
    events = ", ".join(EVENTS)
    with pytest.raises(ValueError, match=exactly(f"object has no method for any event; events are {events}")):
        Learner(m, train, valid, cross_entropy, SGD(m.parameters(), lr=0.1), [object()])

    class NoRate:
        def step(self):
            pass

        def zero_grad(self):
            pass

    no_rate = "NoRate has no learning rate (`lr` or `param_groups`) to schedule"
    with pytest.raises(TypeError, match=exactly(no_rate)):
        Learner(m, train, valid, cross_entropy, NoRate(), [OneCycle(0.1)]).fit(1)
    nan_loss = "epoch 0, batch 0: the loss is nan; lower the learning rate"
    with pytest.raises(FloatingPointError, match=exactly(nan_loss)):
        Learner(m, train, valid, lambda p, t: p.sum() * float("nan"), SGD(m.parameters(), lr=0.1),
                [Recorder(log=None)]).fit(1)


def test_one_cycle_ends_at_lr_max_over_div_final_and_needs_a_warm_up():
    assert one_cycle(1.0, 1.0)[0] == pytest.approx(1.0 / 1e5)                 # fastai's div_final
    with pytest.raises(ValueError, match="need 0 < pct_start < 1"):
        one_cycle(0.5, 0.1, pct_start=0.0)
