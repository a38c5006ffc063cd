"""The AWD-LSTM regularisation of fastbook chapter 12, against fastai's own."""

from __future__ import annotations

import pytest
import torch
from fastai.callback.core import Callback
from fastai.callback.rnn import RNNRegularizer
from fastai.data.core import DataLoaders
from fastai.losses import CrossEntropyLossFlat
from fastai.text.learner import TextLearner
from fastai.text.models import AWD_LSTM, awd_lstm_lm_config, get_language_model
from torch.utils.data import DataLoader, TensorDataset

from snippets.nlp.awd_lstm import (
    RegularizedLSTMModel,
    activation_regularization,
    temporal_activation_regularization,
)
from tests.exact import exactly


class Spy(Callback):
    """Runs after RNNRegularizer: keeps the loss before and after it, and what it read."""

    order = RNNRegularizer.order + 1

    def after_loss(self):
        if self.training and not hasattr(self, "seen"):
            self.seen = (self.learn.loss.detach().clone(), self.learn.loss_grad.detach().clone(),
                         self.rnn.raw_out.detach().clone(), self.rnn.out.detach().clone())


@pytest.mark.parametrize(("alpha", "beta"), [(2.0, 1.0), (0.5, 3.0)])
def test_ar_and_tar_add_what_fastais_rnn_regularizer_adds(alpha, beta):
    torch.manual_seed(0)
    x = torch.randint(0, 30, (64, 16))
    y = torch.roll(x, -1, dims=1)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, drop_last=True)
    spy = Spy()
    learn = TextLearner(DataLoaders(loader, loader, device="cpu"), RegularizedLSTMModel(30, 8, 2, p=0.4),
                        loss_func=CrossEntropyLossFlat(), alpha=alpha, beta=beta, cbs=[spy])
    with learn.no_logging(), learn.no_bar():
        learn.fit(1, 1e-3)
    loss, regularized, raw, dropped = spy.seen
    assert not torch.equal(raw, dropped)  # dropout was on: AR reads the dropped-out outputs, TAR the raw ones
    ours = loss + activation_regularization(dropped, alpha) + temporal_activation_regularization(raw, beta)
    assert torch.allclose(regularized, ours, rtol=1e-6)
    assert regularized > loss


def test_the_output_layer_shares_the_embeddings_matrix_as_fastais_awd_lstm_does():
    ours = RegularizedLSTMModel(30, 8, 2, p=0.4)
    theirs = get_language_model(AWD_LSTM, 30, config={**awd_lstm_lm_config, "emb_sz": 8, "n_hid": 8})
    assert awd_lstm_lm_config["tie_weights"] and theirs[1].decoder.weight is theirs[0].encoder.weight
    assert ours.output.weight is ours.input.weight
    assert sum(p.numel() for p in ours.parameters()) == (
        30 * 8 + sum(p.numel() for p in ours.rnn.parameters()) + 30)  # one matrix, and the output bias
    scores, _, _ = ours(torch.randint(0, 30, (4, 16)))
    scores.sum().backward()
    torch.optim.SGD(ours.parameters(), lr=0.1).step()
    assert ours.output.weight is ours.input.weight  # still one tensor after an update


def test_dropout_is_on_in_training_and_off_in_evaluation():
    model = RegularizedLSTMModel(30, 8, 1, p=0.5)
    x = torch.randint(0, 30, (4, 16))
    _, raw, dropped = model(x)
    assert (dropped == 0).float().mean() > 0.3 and torch.allclose(dropped[dropped != 0], 2 * raw[dropped != 0])
    model.eval()
    model.reset()
    _, raw, dropped = model(x)
    assert torch.equal(raw, dropped)


@pytest.mark.parametrize("p", [1.0, -0.1])
def test_a_dropout_probability_outside_0_to_1_is_refused(p):
    with pytest.raises(ValueError, match=exactly(f"p must be a dropout probability in [0, 1), not {p!r}")):
        RegularizedLSTMModel(30, 8, 1, p=p)


def test_tar_needs_batch_sequence_features():
    with pytest.raises(ValueError, match=exactly("raw_out must be (batch, sequence, features), not shape (4, 16)")):
        temporal_activation_regularization(torch.zeros(4, 16), beta=1.0)


def test_a_smoother_sequence_costs_less_tar():
    steady = torch.ones(2, 8, 4)
    jumpy = steady.clone()
    jumpy[:, ::2] = -1
    assert temporal_activation_regularization(steady, 1.0) == 0
    assert temporal_activation_regularization(jumpy, 1.0) == pytest.approx(4.0)  # a change of 2 at every step
