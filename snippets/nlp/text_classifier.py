"""What `text_classifier_learner` builds around an AWD-LSTM, written out in PyTorch (fastbook chapter 15).

A review is longer than a language model's training sequences, and a classifier needs one answer
for all of it. fastai's classifier (`get_text_classifier`) does three things:

1. **Read the text in chunks** (`ChunkedEncoder`, fastai's `SentenceEncoder`): the encoder's state
   is reset, then the tokens go through it `chunk` at a time, the state carried from one chunk
   to the next, as in a language model. Only the outputs of the last `max_len` tokens are kept
   (whole chunks), so a very long text does not need all its outputs in memory.
2. **Pool** (`masked_concat_pool`): the output at the last real token, and the maximum and the
   mean of the outputs over the real tokens (never over padding), side by side: three times the
   encoder's width.
3. **Classify** (`PoolingClassifier`): blocks of BatchNorm, dropout and a linear layer without a
   bias, a ReLU between blocks (fastai's `LinBnDrop`, BatchNorm first): by default the pooled
   features to 50, then 50 to the classes.

Batches are padded the way fastai's `pad_input_chunk` pads them, whole chunks of padding before
the text and the remainder after it, with the rows sorted from the longest (fastai's `SortedDL`
sorts them). A row whose text has not started yet is left out of a chunk, so the encoder's state
for it starts fresh where its text does.
`tests/nlp/test_text_classifier.py` checks that a `TextClassifier` has the layers of fastai's, in
the same order and under the same names, and that with fastai's weights it gives the same scores.

Two differences, both found by those tests, both where a batch is not a whole number of chunks
long (fastai issue 3379, "Padding of chunks does not fit the assumptions made in
SentenceEncoder", reports the first):

- **Which rows a chunk runs.** fastai counts the rows with text at the start of a chunk and runs
  that many rows from the top. The remainder of the padding comes after the text, so in the last
  chunk a row further down can have text while a row above it has only padding left; fastai then
  runs the row that has finished and leaves out the one that has not, whose last tokens get
  outputs of zeros. `ChunkedEncoder` runs every row down to the last one with text at the chunk's
  start (the rows above it have started their text, since a sorted batch pads the shorter texts
  more), so a text's scores are the same in a batch as alone.
- **The last real token.** fastai's `masked_concat_pool` counts the padding among the last `chunk`
  positions, which can include a short text's leading padding, and so takes a position before
  the last real token: padding (zeros) if the text is short enough, otherwise an earlier token.
  This `masked_concat_pool` finds the last real token directly.

On batches of whole chunks, and wherever neither case arises, the two agree exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from snippets.foundations.tabular_model import batchnorm_as_fastai


# --8<-- [start:pool]
def masked_concat_pool(outputs: Tensor, pad_mask: Tensor) -> Tensor:
    """The last real token's output, the maximum and the mean over real tokens: `(batch, 3 * width)`.

    Args:
        outputs: the encoder's outputs, `(batch, tokens, width)`.
        pad_mask: `True` where a token is padding, `(batch, tokens)`.

    Raises:
        ValueError: if the shapes do not match or a row is all padding.

    Example:
        >>> outputs = torch.tensor([[[1.0], [3.0], [2.0], [9.0]]])  # one text, four tokens, width 1
        >>> pad = torch.tensor([[False, False, False, True]])  # the last token is padding
        >>> masked_concat_pool(outputs, pad).tolist()  # last real, maximum, mean
        [[2.0, 3.0, 2.0]]
    """
    if outputs.shape[:2] != pad_mask.shape:
        raise ValueError(f"outputs {tuple(outputs.shape)} and mask {tuple(pad_mask.shape)} differ in batch or length")
    real = ~pad_mask
    if not real.any(dim=1).all():
        raise ValueError("a row is all padding: there is nothing to pool")
    trailing_pads = pad_mask.flip(1).long().cumprod(dim=1).sum(dim=1)  # padding after the last real token
    last = outputs[torch.arange(len(outputs)), outputs.shape[1] - 1 - trailing_pads]
    maximum = outputs.masked_fill(pad_mask[..., None], float("-inf")).max(dim=1).values
    mean = outputs.masked_fill(pad_mask[..., None], 0.0).sum(dim=1) / real.sum(dim=1, keepdim=True)
    return torch.cat([last, maximum, mean], dim=1)
# --8<-- [end:pool]


class ChunkedEncoder(nn.Module):
    """Run a recurrent encoder over a whole text, `chunk` tokens at a time, its state carried across chunks.

    Args:
        module: the encoder (for example fastai's `AWD_LSTM`): `(batch, tokens)` ids in, `(batch,
            tokens, width)` out, with a `reset()` that clears its state.
        chunk: tokens per call (fastai's `seq_len`, 72 by default).
        pad_idx: the padding token's id.
        max_len: keep the outputs of at most this many last tokens (whole chunks); `None` keeps all.
    """

    def __init__(self, module: nn.Module, chunk: int, pad_idx: int = 1, max_len: int | None = None) -> None:
        super().__init__()
        if chunk < 1:
            raise ValueError(f"chunk must be at least 1 token, got {chunk}")
        self.module, self.chunk, self.pad_idx, self.max_len = module, chunk, pad_idx, max_len

    def forward(self, ids: Tensor) -> tuple[Tensor, Tensor]:
        batch, length = ids.shape
        self.module.reset()
        pad_mask = ids == self.pad_idx
        outputs, masks = [], []
        for start in range(0, length, self.chunk):
            has_text = (ids[:, start] != self.pad_idx).nonzero()
            rows = int(has_text.max()) + 1 if len(has_text) else 0  # down to the last row whose text has started
            out = self.module(ids[:rows, start : start + self.chunk])
            if self.max_len is None or length - start <= self.max_len:
                outputs.append(torch.cat([out, out.new_zeros(batch - rows, *out.shape[1:])]))
                masks.append(pad_mask[:, start : start + self.chunk])
        return torch.cat(outputs, dim=1), torch.cat(masks, dim=1)


def _block(n_in: int, n_out: int, p: float, relu: bool) -> nn.Sequential:
    layers = [batchnorm_as_fastai(n_in), *([nn.Dropout(p)] if p != 0 else []), nn.Linear(n_in, n_out, bias=False)]
    return nn.Sequential(*layers, *([nn.ReLU()] if relu else []))


class PoolingClassifier(nn.Module):
    """Pool the encoder's outputs (`masked_concat_pool`), then BatchNorm-dropout-linear blocks to the classes.

    Args:
        sizes: the pooled width (3 x the encoder's), the hidden widths, the number of classes.
        ps: a dropout probability per block (one fewer than `sizes`).

    Raises:
        ValueError: if there are not one fewer probabilities than sizes.

    Example:
        >>> head = PoolingClassifier([12, 5, 2], ps=[0.4, 0.1])
        >>> " ".join(type(m).__name__ for m in head.layers[0])
        'BatchNorm1d Dropout Linear ReLU'
    """

    def __init__(self, sizes: Sequence[int], ps: Sequence[float]) -> None:
        super().__init__()
        if len(ps) != len(sizes) - 1:
            raise ValueError(f"{len(ps)} dropout probabilities for {len(sizes) - 1} blocks")
        n_blocks = len(ps)
        self.layers = nn.Sequential(*[_block(a, b, p, relu=i < n_blocks - 1)
                                      for i, (a, b, p) in enumerate(zip(sizes[:-1], sizes[1:], ps, strict=True))])

    def forward(self, encoded: tuple[Tensor, Tensor]) -> Tensor:
        outputs, pad_mask = encoded
        return self.layers(masked_concat_pool(outputs, pad_mask))


class TextClassifier(nn.Sequential):
    """An encoder read in chunks, then the pooling classifier: what `text_classifier_learner` trains.

    fastai's model returns the encoder's outputs too (its `RNNRegularizer` reads them); this one
    returns the scores alone.

    Args:
        encoder: the recurrent encoder (`AWD_LSTM(vocab_size, width, ...)`), with a `reset()`.
        width: the encoder's output width (an AWD-LSTM's `emb_sz`).
        n_classes: the number of classes.
        chunk: tokens per encoder call (fastai's `seq_len`, 72).
        hidden: the head's hidden widths (fastai's `lin_ftrs`, by default one of 50).
        ps: the head's dropout: on the pooled features (fastai's `output_p`, 0.4, times `drop_mult`,
            0.5 in `text_classifier_learner`), then one per hidden width (0.1 each by default).
        pad_idx: the padding token's id.
        max_len: the outputs kept, in tokens (fastai's default: 20 chunks of 72).
    """

    def __init__(self, encoder: nn.Module, width: int, n_classes: int, chunk: int = 72,
                 hidden: Sequence[int] = (50,), ps: Sequence[float] = (0.2, 0.1), pad_idx: int = 1,
                 max_len: int | None = 72 * 20) -> None:
        super().__init__(ChunkedEncoder(encoder, chunk, pad_idx, max_len),
                         PoolingClassifier([3 * width, *hidden, n_classes], ps))
