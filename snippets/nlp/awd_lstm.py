"""The regularisation that makes an LSTM an AWD-LSTM (fastbook chapter 12, after Merity et al., 2017).

An LSTM language model overfits a small corpus quickly. The AWD-LSTM paper ("Regularizing and
Optimizing LSTM Language Models") adds several kinds of regularisation; the book's version keeps
four of them:

- **Dropout** on the LSTM's outputs: each activation is zeroed with probability `p` in training
  (and the others scaled by `1 / (1 - p)`), so the model cannot lean on any one of them.
- **Activation regularisation (AR)**: `alpha` times the mean square of the dropped-out outputs is
  added to the loss, like weight decay on activations: it keeps them small.
- **Temporal activation regularisation (TAR)**: `beta` times the mean square of the change of the
  raw outputs (before dropout) from one token to the next is added, so that they change smoothly.
- **Weight tying**: the output layer uses the embedding's matrix, since both map between tokens
  and the same hidden space, which also halves those parameters.

fastai does the same with `RNNRegularizer(alpha, beta)` (with `RNNCallback`, which `TextLearner`
adds), reading the model's three outputs; its `get_language_model` ties an `AWD_LSTM` language
model's weights when the configuration's `tie_weights` is true (the default in
`awd_lstm_lm_config`). The tests check these functions and this model against them. fastai's own
`AWD_LSTM` also drops whole embedding rows, the inputs, the LSTM's hidden-to-hidden weights
(`WeightDropout`, the "weight-dropped" of the name) and between layers; the book's model keeps
only the dropout above.
"""

from __future__ import annotations

from torch import Tensor, nn


# --8<-- [start:regularisation]
def activation_regularization(dropped_out: Tensor, alpha: float) -> Tensor:
    """AR: `alpha` times the mean square of the (dropped-out) LSTM outputs, added to the loss in training.

    Example:
        >>> import torch
        >>> activation_regularization(torch.full((2, 3, 4), 0.5), alpha=2.0)  # 2 * 0.5 ** 2
        tensor(0.5000)
    """
    return alpha * dropped_out.float().pow(2).mean()


def temporal_activation_regularization(raw_out: Tensor, beta: float) -> Tensor:
    """TAR: `beta` times the mean square of the change in the raw outputs `(batch, sl, n)` from one token to the next.

    Raises:
        ValueError: if `raw_out` is not `(batch, sequence, features)`.

    Example:
        >>> import torch
        >>> steps = torch.arange(4.0).view(1, 4, 1)  # 0, 1, 2, 3: a change of 1 at each step
        >>> temporal_activation_regularization(steps, beta=1.0)
        tensor(1.)
    """
    if raw_out.dim() != 3:
        raise ValueError(f"raw_out must be (batch, sequence, features), not shape {tuple(raw_out.shape)}")
    return beta * (raw_out[:, 1:] - raw_out[:, :-1]).float().pow(2).mean()
# --8<-- [end:regularisation]


# --8<-- [start:model]
class RegularizedLSTMModel(nn.Module):
    """Stacked LSTM with dropout and tied weights, returning what AR and TAR need (the book's LMModel7).

    `forward` returns the scores for the next token at every position, the LSTM's raw outputs
    and the dropped-out outputs, the three outputs fastai's `RNNCallback` expects (it keeps the
    first as the prediction, and `RNNRegularizer` reads the other two). The state is kept and
    detached between batches, as in `snippets.nlp.recurrent.LSTMModel`.

    Args:
        vocab_size: number of distinct tokens.
        n_hidden: size of the embeddings and of each layer's state.
        n_layers: number of stacked LSTM layers.
        p: dropout probability on the LSTM's outputs.

    Example:
        >>> import torch
        >>> model = RegularizedLSTMModel(vocab_size=30, n_hidden=64, n_layers=2, p=0.5)
        >>> scores, raw, dropped = model(torch.zeros(2, 16, dtype=torch.long))
        >>> scores.shape, raw.shape, model.output.weight is model.input.weight
        (torch.Size([2, 16, 30]), torch.Size([2, 16, 64]), True)
    """

    def __init__(self, vocab_size: int, n_hidden: int, n_layers: int, p: float) -> None:
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"p must be a dropout probability in [0, 1), not {p!r}")
        self.input = nn.Embedding(vocab_size, n_hidden)
        self.rnn = nn.LSTM(n_hidden, n_hidden, n_layers, batch_first=True)
        self.drop = nn.Dropout(p)
        self.output = nn.Linear(n_hidden, vocab_size)
        self.output.weight = self.input.weight  # weight tying: one matrix, tokens to hidden and back
        self.reset()

    def reset(self) -> None:
        """Forget the kept state (fastai's `ModelResetter` calls this)."""
        self.state = None

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        if self.state is not None and self.state[0].shape[1] != x.shape[0]:
            raise ValueError(f"the kept state is for batches of {self.state[0].shape[1]} rows, this batch has "
                             f"{x.shape[0]}: keep the batch size fixed (drop_last=True) or call reset()")
        raw, (h, c) = self.rnn(self.input(x), self.state)
        self.state = (h.detach(), c.detach())
        dropped = self.drop(raw)
        return self.output(dropped), raw, dropped
# --8<-- [end:model]
