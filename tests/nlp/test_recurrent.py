"""Stateful RNNs, the every-token target, stacked layers and the LSTM cell of fastbook chapter 12."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from snippets.nlp.language_model import LoopedThreeWordModel, human_numbers, three_word_sequences
from snippets.nlp.recurrent import (
    EveryWordRNN,
    LSTMCell,
    LSTMModel,
    MultiLayerRNN,
    StatefulRNN,
    every_word_loss,
    gradient_by_position,
    group_chunks,
    sequences_of_length,
)
from tests.exact import exactly


@pytest.fixture(scope="module")
def ids() -> torch.Tensor:
    tokens, vocab = human_numbers()
    return torch.tensor([vocab.index(token) for token in tokens])


@pytest.mark.parametrize("sl", [3, 16])
def test_grouped_batches_continue_each_other_row_by_row(ids, sl):
    """Row j of batch i+1 is the text right after row j of batch i, so a kept state reads on."""
    x, _ = sequences_of_length(ids, sl) if sl == 16 else three_word_sequences(ids)
    bs = 64
    grouped = group_chunks(x, bs)
    order = group_chunks(torch.arange(len(x)), bs)  # which sequence went where
    assert len(grouped) == len(x) // bs * bs == 64 * {3: 328, 16: 61}[sl]  # the book's m = 328 for sl = 3
    assert torch.equal(grouped, x[order])
    batches = order.view(-1, bs)
    assert torch.equal(batches[1:], batches[:-1] + 1)  # each row: the next sequence of the same stream
    assert sorted(order.tolist()) == list(range(len(order)))  # every sequence once (the remainder left out)


@pytest.mark.parametrize(("bs", "message"), [
    (0, "bs must be a positive integer, not 0"), (2.0, "bs must be a positive integer, not 2.0"),
    (True, "bs must be a positive integer, not True"),
    (11, "need at least bs=11 sequences to make 11 streams, got 10"),
])
def test_group_chunks_refuses_a_bad_batch_size(bs, message):
    with pytest.raises(ValueError, match=exactly(message)):
        group_chunks(torch.arange(10), bs)


def test_every_position_targets_the_next_token(ids):
    x, y = sequences_of_length(ids, 16)
    assert x.shape == y.shape == (3943, 16)  # the book's 3,943 sequences of 16
    assert torch.equal(x[:, 1:], y[:, :-1])  # the target at each position is the next input
    assert torch.equal(y[:, -1], ids[16:16 * 3944:16])  # and the last target the token after the sequence
    assert torch.equal(torch.cat([x[0], y[0, -1:]]), ids[:17]) and torch.equal(x[1], ids[16:32])


@pytest.mark.parametrize(("ids", "sl", "message"), [
    (torch.arange(10), 0, "sl must be a positive integer, not 0"),
    (torch.arange(10), 9, "ids must be one sequence of at least sl + 2 = 11 token ids, not shape (10,)"),
    (torch.zeros(2, 20, dtype=torch.long), 3,
     "ids must be one sequence of at least sl + 2 = 5 token ids, not shape (2, 20)"),
])
def test_sequences_of_length_refuses_bad_input(ids, sl, message):
    with pytest.raises(ValueError, match=exactly(message)):
        sequences_of_length(ids, sl)


def test_the_every_word_loss_is_the_mean_over_positions(generator):
    scores, targets = torch.randn(4, 5, 7, generator=generator), torch.randint(0, 7, (4, 5), generator=generator)
    each = [F.cross_entropy(scores[:, i], targets[:, i]) for i in range(5)]
    assert torch.allclose(every_word_loss(scores, targets), torch.stack(each).mean())


def test_the_stateful_model_starts_as_the_looped_one_and_then_reads_on(ids):
    torch.manual_seed(0)
    looped, stateful = LoopedThreeWordModel(30, 16), StatefulRNN(30, 16)
    stateful.load_state_dict(looped.state_dict())
    x, _ = three_word_sequences(ids[:40])
    assert torch.allclose(stateful(x[:4]), looped(x[:4]))  # from a zero state: the same numbers
    second = stateful(x[4:8])
    assert not torch.allclose(second, looped(x[4:8]))  # from the kept state: something else
    stateful.reset()
    assert torch.allclose(stateful(x[4:8]), looped(x[4:8]))


def test_the_kept_state_is_detached_so_backpropagation_stops_at_the_batch():
    model = StatefulRNN(30, 8)
    x = torch.randint(0, 30, (4, 3))
    model(x).sum().backward()
    assert not model.state.requires_grad and model.state.grad_fn is None
    model(x).sum().backward()  # a second backward through the first batch would raise here


@pytest.mark.parametrize("model", [StatefulRNN(30, 8), EveryWordRNN(30, 8), MultiLayerRNN(30, 8, 2),
                                   LSTMModel(30, 8, 2)], ids=lambda m: type(m).__name__)
def test_a_kept_state_refuses_a_batch_of_another_size(model):
    model(torch.zeros(4, 3, dtype=torch.long))
    with pytest.raises(ValueError, match=exactly(
            "the kept state is for batches of 4 rows, this batch has 3: keep the batch size fixed (drop_last=True) "
            "or call reset()")):
        model(torch.zeros(3, 3, dtype=torch.long))
    model.reset()
    model(torch.zeros(3, 3, dtype=torch.long))


def test_the_every_word_model_ends_where_the_stateful_model_does():
    torch.manual_seed(0)
    every, last = EveryWordRNN(30, 16), StatefulRNN(30, 16)
    last.load_state_dict(every.state_dict())
    x = torch.randint(0, 30, (4, 16))
    scores = every(x)
    assert scores.shape == (4, 16, 30) and torch.allclose(scores[:, -1], last(x))
    assert torch.allclose(every.state, last.state)


def test_stacked_layers_keep_one_state_per_layer():
    model = MultiLayerRNN(30, 8, n_layers=3)
    assert model(torch.zeros(5, 16, dtype=torch.long)).shape == (5, 16, 30)
    assert model.state.shape == (3, 5, 8) and not model.state.requires_grad


def test_the_lstm_cell_from_its_gates_computes_what_pytorch_computes(generator):
    torch.manual_seed(0)
    ours, theirs = LSTMCell(5, 7), nn.LSTMCell(5, 7)
    ours.copy_weights_from(theirs)
    h, c = torch.zeros(3, 7), torch.zeros(3, 7)
    h_t, c_t = h, c
    for _ in range(20):  # twenty steps, each from the last: errors would compound
        x = torch.randn(3, 5, generator=generator)
        h, c = ours(x, (h, c))
        h_t, c_t = theirs(x, (h_t, c_t))
        assert torch.allclose(h, h_t, atol=1e-6) and torch.allclose(c, c_t, atol=1e-6)
    # and one layer of nn.LSTM is the same cell, unrolled
    lstm = nn.LSTM(5, 7, batch_first=True)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(lstm, f"{name}_l0").copy_(getattr(theirs, name))
    xs = torch.randn(3, 6, 5, generator=generator)
    out, _ = lstm(xs)
    h, c = torch.zeros(3, 7), torch.zeros(3, 7)
    for t in range(6):
        h, c = ours(xs[:, t], (h, c))
        assert torch.allclose(h, out[:, t], atol=1e-6)


def test_copying_weights_of_another_size_is_refused():
    with pytest.raises(ValueError, match=exactly("sizes differ: nn.LSTMCell(4, 3) against LSTMCell(5, 3)")):
        LSTMCell(5, 3).copy_weights_from(nn.LSTMCell(4, 3))


def test_the_lstm_model_keeps_hidden_and_cell_state_detached():
    model = LSTMModel(30, 8, n_layers=2)
    model(torch.zeros(4, 16, dtype=torch.long)).sum().backward()
    h, c = model.state
    assert h.shape == c.shape == (2, 4, 8) and not h.requires_grad and not c.requires_grad


def test_the_gradient_probe_shows_a_plain_rnn_forgetting_geometrically():
    """With small recurrent weights, each step back scales the gradient down by about the same factor."""
    torch.manual_seed(0)
    model = MultiLayerRNN(30, 16, n_layers=1)
    with torch.no_grad():
        model.rnn.weight_hh_l0.mul_(0.1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randint(0, 30, (8, 10))
    grads = gradient_by_position(model, x, x)
    assert grads.shape == (10,) and bool((grads[1:] > grads[:-1]).all())  # smaller the further back
    assert grads[0] < 1e-6 * grads[-1]
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert model.state is None and all(p.grad is None for p in model.parameters())


def test_the_gradient_probe_reads_models_that_embed_one_token_per_step():
    torch.manual_seed(0)
    looped = EveryWordRNN(30, 16)
    x = torch.randint(0, 30, (8, 10))
    grads = gradient_by_position(looped, x, x)
    assert grads.shape == (10,) and bool((grads > 0).all())
    # the same weights in nn.RNN form (relu), embedding the whole sequence at once: the same gradients
    rnn = MultiLayerRNN(30, 16, n_layers=1)
    rnn.rnn = nn.RNN(16, 16, 1, nonlinearity="relu", batch_first=True, bias=True)
    with torch.no_grad():
        rnn.input.weight.copy_(looped.input.weight)
        rnn.rnn.weight_ih_l0.copy_(looped.hidden.weight)  # h + e goes through one layer: W(h + e) + b
        rnn.rnn.weight_hh_l0.copy_(looped.hidden.weight)
        rnn.rnn.bias_ih_l0.copy_(looped.hidden.bias)
        rnn.rnn.bias_hh_l0.zero_()
        rnn.output.load_state_dict(looped.output.state_dict())
    assert torch.allclose(gradient_by_position(rnn, x, x), grads, rtol=1e-4)
