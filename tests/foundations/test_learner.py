"""The Learner and its callbacks: the plain loop as a special case, cancelling, the one-cycle schedule."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from snippets.foundations import MLP, SGD, cross_entropy, fit
from snippets.foundations.learner import (
    Callback,
    CancelBatch,
    CancelFit,
    EarlyStopping,
    Learner,
    OneCycle,
    Recorder,
)
from snippets.foundations.optimisers import Adam
from snippets.foundations.schedule import one_cycle


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


def test_the_recorder_plots_batch_and_validation_losses():
    import matplotlib

    matplotlib.use("Agg")
    train, valid = data()
    m, recorder = model(), Recorder(log=None)
    Learner(m, train, valid, cross_entropy, SGD(m.parameters(), lr=0.1), [recorder], batch_size=16).fit(2)
    ax = recorder.plot_losses()
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
