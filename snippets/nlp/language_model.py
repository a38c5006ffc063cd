"""A language model from scratch, first steps (fastbook chapter 12): the data and the first two models.

The book's data set is "human numbers": the numbers one to 9,999 written out in English words, one
per line (all but 8,000, which neither of its two files holds). It is small enough to train on in
seconds and still has structure to learn: "hundred" and "thousand" only ever follow the word for a
digit, and the numbers count up. Here it is generated in code, so nothing is downloaded. The book
joins the lines with " . ", splits on spaces, and numbers each distinct token in the order it first
appears.

A language model predicts the next token from the ones before. The first model reads three tokens
and predicts the fourth: one embedding shared by the three positions, one hidden layer applied
after each token is added (`ThreeWordModel`). Written as a loop over the tokens
(`LoopedThreeWordModel`), the same computation is a recurrent neural network: the hidden state is
what the network carries from one token to the next.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

# The data, shared with the cheat sheets' recipes: `snippets.datasets` generates it.
from snippets.datasets import load_human_numbers as human_numbers
from snippets.datasets import number_in_words

__all__ = ["LoopedThreeWordModel", "ThreeWordModel", "human_numbers", "number_in_words", "three_word_sequences"]

def three_word_sequences(ids: Tensor) -> tuple[Tensor, Tensor]:
    """Inputs of three token ids and the id that follows, taken every three tokens as the book does.

    As in the book (`range(0, len(nums) - 4, 3)`), the last window is left out, so a sequence
    needs five tokens to give one pair.

    Raises:
        ValueError: if `ids` is not one-dimensional or has fewer than five tokens.

    Example:
        >>> x, y = three_word_sequences(torch.arange(10))
        >>> x.tolist(), y.tolist()
        ([[0, 1, 2], [3, 4, 5]], [3, 6])
    """
    if ids.dim() != 1 or len(ids) < 5:
        raise ValueError(f"ids must be one sequence of at least 5 token ids, not shape {tuple(ids.shape)}")
    starts = torch.arange(0, len(ids) - 4, 3)
    return torch.stack([ids[starts], ids[starts + 1], ids[starts + 2]], dim=1), ids[starts + 3]


# --8<-- [start:models]
class ThreeWordModel(nn.Module):
    """Three token ids in, scores for the next token out: one embedding, one hidden layer, one output layer.

    Each token's embedding is added to the hidden state, which then goes through the same linear
    layer and ReLU; the first token starts it. The same embedding and hidden layer serve every
    position; the output layer reads the last hidden state.

    Args:
        vocab_size: number of distinct tokens.
        n_hidden: size of the embeddings and of the hidden state.

    Example:
        >>> model = ThreeWordModel(vocab_size=30, n_hidden=64)
        >>> model(torch.tensor([[0, 1, 2], [3, 1, 4]])).shape
        torch.Size([2, 30])
    """

    def __init__(self, vocab_size: int, n_hidden: int) -> None:
        super().__init__()
        self.input = nn.Embedding(vocab_size, n_hidden)
        self.hidden = nn.Linear(n_hidden, n_hidden)
        self.output = nn.Linear(n_hidden, vocab_size)

    def forward(self, x: Tensor) -> Tensor:
        h = torch.relu(self.hidden(self.input(x[:, 0])))
        h = torch.relu(self.hidden(h + self.input(x[:, 1])))
        h = torch.relu(self.hidden(h + self.input(x[:, 2])))
        return self.output(h)


class LoopedThreeWordModel(ThreeWordModel):
    """`ThreeWordModel` written as a loop over the tokens: a recurrent neural network.

    The hidden state starts at zero, and each step adds a token's embedding and applies the same
    layer. With the same weights it computes exactly what `ThreeWordModel` does, and it reads
    sequences of any length.

    Example:
        >>> torch.manual_seed(0) is not None
        True
        >>> looped = LoopedThreeWordModel(vocab_size=30, n_hidden=64)
        >>> plain = ThreeWordModel(30, 64)
        >>> _ = plain.load_state_dict(looped.state_dict())
        >>> x = torch.tensor([[0, 1, 2], [3, 1, 4]])
        >>> torch.equal(looped(x), plain(x)), looped(torch.tensor([[5, 1, 6, 1, 7]])).shape
        (True, torch.Size([1, 30]))
    """

    def forward(self, x: Tensor) -> Tensor:
        h = 0  # as the book writes it: a zero state of any device and dtype
        for i in range(x.shape[1]):
            h = torch.relu(self.hidden(h + self.input(x[:, i])))
        return self.output(h)
# --8<-- [end:models]
