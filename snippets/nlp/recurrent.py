"""Recurrent networks that keep their state (fastbook chapter 12): from the looped model to an LSTM.

`snippets.nlp.language_model`'s looped model forgets everything between batches: its hidden state
starts at zero for every three tokens. These models keep it.

- **State kept across batches** (`StatefulRNN`). The hidden state left by one batch starts the
  next, so the model can use everything it has read, not just three tokens. Two things make
  that work. The batches must continue each other row by row (`group_chunks`), so that row `j`
  of a batch is the text that follows row `j` of the batch before. And the state is detached
  after each batch: backpropagation goes back through the tokens of this batch only (truncated
  backpropagation through time), not through every batch since the start.
- **A prediction after every token** (`EveryWordRNN`, with `sequences_of_length` and
  `every_word_loss`): sixteen tokens in, sixteen next tokens out, so each sequence gives sixteen
  training signals instead of one.
- **Layers stacked** (`MultiLayerRNN`): PyTorch's `nn.RNN`, where each layer's outputs are the
  next layer's inputs. Each layer is one more matrix multiplication, and within a layer the same
  matrix multiplies the state at every token, so activations and gradients grow or shrink
  geometrically with depth and distance (`gradient_by_position` measures it).
- **An LSTM** (`LSTMCell`, `LSTMModel`): the cell state is changed only by adding and by gates'
  multiplications between 0 and 1, which lets information (and gradients) travel many steps.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F


def group_chunks(items: Tensor, bs: int) -> Tensor:
    """Reorder sequences so that each row of a batch of `bs` continues the same row of the previous batch.

    The book's `group_chunks`: the sequences are cut into `bs` equal streams (the remainder left
    out), and batch `i` takes the `i`-th sequence of each stream. Read without shuffling, in
    batches of `bs`, row `j` of every batch then comes from stream `j`, in order.

    Raises:
        ValueError: if `bs` is not a positive integer or there are fewer than `bs` sequences.

    Example:
        >>> group_chunks(torch.arange(10), bs=3).view(-1, 3)  # three streams: 0-2, 3-5, 6-8 (9 left out)
        tensor([[0, 3, 6],
                [1, 4, 7],
                [2, 5, 8]])
    """
    if isinstance(bs, bool) or not isinstance(bs, int) or bs < 1:
        raise ValueError(f"bs must be a positive integer, not {bs!r}")
    if len(items) < bs:
        raise ValueError(f"need at least bs={bs} sequences to make {bs} streams, got {len(items)}")
    per_stream = len(items) // bs
    order = torch.arange(per_stream * bs).view(bs, per_stream).T.reshape(-1)
    return items[order]


def sequences_of_length(ids: Tensor, sl: int) -> tuple[Tensor, Tensor]:
    """Inputs of `sl` token ids and, for each, the `sl` ids one step later: a target after every token.

    Sequences start every `sl` tokens, as the book's `range(0, len(nums) - sl - 1, sl)` does.

    Raises:
        ValueError: if `ids` is not one-dimensional, `sl` is not a positive integer, or `ids` is
            too short for one sequence.

    Example:
        >>> x, y = sequences_of_length(torch.arange(10), sl=3)
        >>> x.tolist(), y.tolist()
        ([[0, 1, 2], [3, 4, 5]], [[1, 2, 3], [4, 5, 6]])
    """
    if isinstance(sl, bool) or not isinstance(sl, int) or sl < 1:
        raise ValueError(f"sl must be a positive integer, not {sl!r}")
    if ids.dim() != 1 or len(ids) < sl + 2:
        raise ValueError(f"ids must be one sequence of at least sl + 2 = {sl + 2} token ids, "
                         f"not shape {tuple(ids.shape)}")
    starts = torch.arange(0, len(ids) - sl - 1, sl)
    window = starts[:, None] + torch.arange(sl)
    return ids[window], ids[window + 1]


def every_word_loss(scores: Tensor, targets: Tensor) -> Tensor:
    """Cross-entropy over every position: scores `(batch, sl, vocab)` against targets `(batch, sl)`.

    Example:
        >>> every_word_loss(torch.zeros(2, 3, 4), torch.zeros(2, 3, dtype=torch.long))  # uniform over 4: log 4
        tensor(1.3863)
    """
    return F.cross_entropy(scores.reshape(-1, scores.shape[-1]), targets.reshape(-1))


class _KeepsState(nn.Module):
    """The state handling the stateful models share: start from zeros, detach after each batch, `reset()`."""

    def reset(self) -> None:
        """Forget the state (fastai's `ModelResetter` calls this before training and before validating)."""
        self.state = None

    def _check_batch(self, x: Tensor, state_batch: int | None) -> None:
        if state_batch is not None and x.shape[0] != state_batch:
            raise ValueError(f"the kept state is for batches of {state_batch} rows, this batch has {x.shape[0]}: "
                             "keep the batch size fixed (drop_last=True) or call reset()")


# --8<-- [start:stateful]
class StatefulRNN(_KeepsState):
    """The looped three-token model, its hidden state kept from one batch to the next (the book's LMModel3).

    The state is detached after each batch: the gradient flows back through this batch's tokens
    only (truncated backpropagation through time).

    Example:
        >>> model = StatefulRNN(vocab_size=30, n_hidden=64)
        >>> x = torch.tensor([[0, 1, 2], [3, 1, 4]])
        >>> first, second = model(x), model(x)  # the second call starts from the first's state
        >>> torch.equal(first, second), model.state.requires_grad
        (False, False)
        >>> model.reset(); torch.equal(model(x), first)
        True
    """

    def __init__(self, vocab_size: int, n_hidden: int) -> None:
        super().__init__()
        self.input = nn.Embedding(vocab_size, n_hidden)
        self.hidden = nn.Linear(n_hidden, n_hidden)
        self.output = nn.Linear(n_hidden, vocab_size)
        self.reset()

    def forward(self, x: Tensor) -> Tensor:
        self._check_batch(x, None if self.state is None else self.state.shape[0])
        h = self.hidden.weight.new_zeros(x.shape[0], self.hidden.in_features) if self.state is None else self.state
        for i in range(x.shape[1]):
            h = torch.relu(self.hidden(h + self.input(x[:, i])))
        self.state = h.detach()  # keep the values, drop the history
        return self.output(h)
# --8<-- [end:stateful]


# --8<-- [start:every-word]
class EveryWordRNN(StatefulRNN):
    """`StatefulRNN` that predicts the next token after every token (the book's LMModel4).

    Example:
        >>> model = EveryWordRNN(vocab_size=30, n_hidden=64)
        >>> model(torch.zeros(2, 16, dtype=torch.long)).shape  # a score for each of 30 tokens at each step
        torch.Size([2, 16, 30])
    """

    def forward(self, x: Tensor) -> Tensor:
        self._check_batch(x, None if self.state is None else self.state.shape[0])
        h = self.hidden.weight.new_zeros(x.shape[0], self.hidden.in_features) if self.state is None else self.state
        outputs = []
        for i in range(x.shape[1]):
            h = torch.relu(self.hidden(h + self.input(x[:, i])))
            outputs.append(self.output(h))
        self.state = h.detach()
        return torch.stack(outputs, dim=1)
# --8<-- [end:every-word]


class MultiLayerRNN(_KeepsState):
    """Stacked recurrent layers (PyTorch's `nn.RNN`, tanh), a prediction after every token (the book's LMModel5).

    Example:
        >>> model = MultiLayerRNN(vocab_size=30, n_hidden=64, n_layers=2)
        >>> model(torch.zeros(2, 16, dtype=torch.long)).shape, model.state.shape  # one state per layer
        (torch.Size([2, 16, 30]), torch.Size([2, 2, 64]))
    """

    recurrent = nn.RNN  # the stacked layers' type (LSTMModel: nn.LSTM)

    def __init__(self, vocab_size: int, n_hidden: int, n_layers: int) -> None:
        super().__init__()
        self.input = nn.Embedding(vocab_size, n_hidden)
        self.rnn = self.recurrent(n_hidden, n_hidden, n_layers, batch_first=True)
        self.output = nn.Linear(n_hidden, vocab_size)
        self.reset()

    def forward(self, x: Tensor) -> Tensor:
        h = self.state[0] if isinstance(self.state, tuple) else self.state  # an LSTM's state: (h, c)
        self._check_batch(x, None if h is None else h.shape[1])
        out, state = self.rnn(self.input(x), self.state)  # a state of None starts from zeros
        self.state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        return self.output(out)


# --8<-- [start:lstm-cell]
class LSTMCell(nn.Module):
    """One step of an LSTM, written from its gates; the same numbers as `nn.LSTMCell` with the same weights.

    From the input `x` and the previous hidden state `h`, four layers make four gates (PyTorch's
    order: input, forget, cell, output). The forget gate (0 to 1) scales what the cell state `c`
    keeps, the input gate scales what the cell gate (-1 to 1) adds to it, and the output gate
    scales `tanh(c)` into the new hidden state.

    Example:
        >>> torch.manual_seed(0) is not None
        True
        >>> ours, theirs = LSTMCell(4, 3), nn.LSTMCell(4, 3)
        >>> ours.copy_weights_from(theirs)
        >>> x, h, c = torch.randn(2, 4), torch.randn(2, 3), torch.randn(2, 3)
        >>> (h_ours, c_ours), (h_torch, c_torch) = ours(x, (h, c)), theirs(x, (h, c))
        >>> torch.allclose(h_ours, h_torch, atol=1e-6), torch.allclose(c_ours, c_torch, atol=1e-6)
        (True, True)
    """

    def __init__(self, n_inputs: int, n_hidden: int) -> None:
        super().__init__()
        self.ih = nn.Linear(n_inputs, 4 * n_hidden)  # the four gates' weights for the input, side by side
        self.hh = nn.Linear(n_hidden, 4 * n_hidden)  # and for the previous hidden state

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        h, c = state
        input_gate, forget_gate, cell_gate, output_gate = (self.ih(x) + self.hh(h)).chunk(4, dim=1)
        c = torch.sigmoid(forget_gate) * c + torch.sigmoid(input_gate) * torch.tanh(cell_gate)
        h = torch.sigmoid(output_gate) * torch.tanh(c)
        return h, c
# --8<-- [end:lstm-cell]

    def copy_weights_from(self, cell: nn.LSTMCell) -> None:
        """Take `cell`'s weights (`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`), so both compute the same.

        Raises:
            ValueError: if `cell`'s sizes differ from this cell's.
        """
        if (cell.input_size, cell.hidden_size) != (self.ih.in_features, self.hh.in_features):
            raise ValueError(f"sizes differ: nn.LSTMCell({cell.input_size}, {cell.hidden_size}) against "
                             f"LSTMCell({self.ih.in_features}, {self.hh.in_features})")
        with torch.no_grad():
            self.ih.weight.copy_(cell.weight_ih)
            self.hh.weight.copy_(cell.weight_hh)
            self.ih.bias.copy_(cell.bias_ih)
            self.hh.bias.copy_(cell.bias_hh)


class LSTMModel(MultiLayerRNN):
    """Stacked LSTM layers (PyTorch's `nn.LSTM`), a prediction after every token (the book's LMModel6).

    The state is two tensors per layer, the hidden state and the cell state, both kept and
    detached between batches.

    Example:
        >>> model = LSTMModel(vocab_size=30, n_hidden=64, n_layers=2)
        >>> model(torch.zeros(2, 16, dtype=torch.long)).shape, [s.shape for s in model.state]
        (torch.Size([2, 16, 30]), [torch.Size([2, 2, 64]), torch.Size([2, 2, 64])])
    """

    recurrent = nn.LSTM


def gradient_by_position(model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    """How strongly the loss at the last position responds to each input position: a vanishing-gradient probe.

    The mean size (L2 norm per sequence) of the gradient of the last position's loss with respect
    to the embedding of each input token, from the first position to the last. As initialised,
    it shrinks geometrically with the distance, in a plain RNN and in an LSTM alike (an LSTM's
    forget gates start near one half); training can keep it higher, as an LSTM whose forget gates
    learn to stay near 1 does. The
    model must have an `input` embedding and score every position; its kept state is reset
    before and after, and its weights are left unchanged.

    Example:
        >>> torch.manual_seed(0) is not None
        True
        >>> model = LSTMModel(vocab_size=30, n_hidden=8, n_layers=1)
        >>> x = torch.randint(0, 30, (4, 5))
        >>> gradient_by_position(model, x, x).shape
        torch.Size([5])
    """
    embedded: list[Tensor] = []

    def keep(_module: nn.Module, _inputs: tuple[Tensor, ...], out: Tensor) -> None:
        out.retain_grad()
        embedded.append(out)

    handle = model.input.register_forward_hook(keep)
    model.reset()
    try:
        scores = model(x)
        F.cross_entropy(scores[:, -1], y[:, -1]).backward()
    finally:
        handle.remove()
        model.reset()
    if len(embedded) == 1:  # the whole sequence embedded in one call: (batch, sl, n)
        grads = embedded[0].grad.transpose(0, 1)
    else:  # one call per step (the looped models): sl tensors of (batch, n)
        grads = torch.stack([e.grad for e in embedded])
    model.zero_grad()
    return grads.norm(dim=-1).mean(dim=1)
