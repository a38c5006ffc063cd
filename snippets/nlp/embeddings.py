"""Embeddings: a table of learned vectors, one per word (or user, movie, category).

An embedding layer is a matrix with one row per item; looking an item up is picking its row,
which is the same as multiplying a one-hot vector by the matrix, only faster. The rows start
random and are trained like any weight, so items that play the same role in the task end up
with similar vectors. Which role depends on the task: trained to tell fresh reviews from
rotten ones, "brilliant" and "masterpiece" move together; trained on general English, as a
pretrained transformer's are, "brilliant" also lands near "clever" and "excellent".

`BagOfEmbeddings` is the smallest text classifier built on one: average the vectors of a
text's words, then one linear layer. `nearest_words` lists a word's neighbours in any
embedding matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from snippets.foundations.neighbours import nearest


# --8<-- [start:bag]
class BagOfEmbeddings(nn.Module):
    """Average the embeddings of a text's tokens (padding left out), then a linear layer.

    Args:
        vocab_size: number of rows of the embedding matrix (token ids go from 0 to this - 1).
        n_factors: length of each token's vector.
        n_classes: number of scores out.
        pad_id: the token id that fills short texts up to the batch's length; not averaged.

    Examples:
        >>> model = BagOfEmbeddings(vocab_size=10, n_factors=4, n_classes=2)
        >>> model(torch.tensor([[3, 5, 0], [7, 0, 0]])).shape
        torch.Size([2, 2])
    """

    def __init__(self, vocab_size: int, n_factors: int, n_classes: int, pad_id: int = 0) -> None:
        super().__init__()
        if min(vocab_size, n_factors, n_classes) < 1:
            raise ValueError(f"sizes must be at least 1, got {vocab_size}, {n_factors}, {n_classes}")
        self.pad_id = pad_id
        self.embedding = nn.Embedding(vocab_size, n_factors, padding_idx=pad_id)
        self.head = nn.Linear(n_factors, n_classes)

    def forward(self, token_ids: Tensor) -> Tensor:
        """Scores of shape (batch, n_classes) for token ids of shape (batch, tokens)."""
        if token_ids.dtype != torch.long or token_ids.ndim != 2:
            raise ValueError(f"token ids must be a 2-D int64 tensor, got {token_ids.dtype} {tuple(token_ids.shape)}")
        vocab_size = self.embedding.num_embeddings
        if token_ids.numel() and (token_ids.min() < 0 or token_ids.max() >= vocab_size):
            low, high = int(token_ids.min()), int(token_ids.max())
            raise ValueError(f"token ids must be in [0, {vocab_size}), got {low} to {high}")
        vectors = self.embedding(token_ids)  # (batch, tokens, n_factors): one row looked up per token
        real = (token_ids != self.pad_id).unsqueeze(-1).float()  # 1 for a token, 0 for padding
        mean = (vectors * real).sum(dim=1) / real.sum(dim=1).clamp(min=1)
        return self.head(mean)
# --8<-- [end:bag]


def padded_token_ids(tokenizer, texts: Sequence[str], max_length: int = 64) -> Tensor:
    """Token ids of each text from a Hugging Face tokenizer, padded into one (texts, longest) tensor.

    Examples:
        >>> from snippets.nlp.pretrained import load_minilm
        >>> tokenizer, _ = load_minilm()
        >>> padded_token_ids(tokenizer, ["a fine film", "dull"]).tolist()
        [[101, 1037, 2986, 2143, 102], [101, 10634, 102, 0, 0]]
    """
    if not len(texts):
        raise ValueError("no texts given")
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True, return_tensors="pt")
    return encoded["input_ids"]


# --8<-- [start:nearest_words]
def nearest_words(
    embeddings: Tensor, vocab: Sequence[str], word: str, k: int = 5, candidates: Sequence[int] | None = None
) -> list[str]:
    """The `k` words whose rows of `embeddings` point most nearly the same way as `word`'s (cosine).

    Args:
        embeddings: one row per word of `vocab`.
        vocab: the word of each row.
        word: the word to find neighbours of.
        k: how many neighbours.
        candidates: row indices allowed as answers (for example only words seen often enough
            to have a well-trained vector); all rows if None.

    Raises:
        ValueError: if `word` is not in `vocab`, or `vocab` and `embeddings` differ in length.

    Examples:
        >>> emb = torch.tensor([[1.0, 0.0], [0.9, 0.2], [0.0, 1.0], [-1.0, 0.1]])
        >>> nearest_words(emb, ["good", "great", "plot", "bad"], "good", k=2)
        ['great', 'plot']
    """
    if len(vocab) != len(embeddings):
        raise ValueError(f"vocab has {len(vocab)} words but embeddings has {len(embeddings)} rows")
    index = {w: i for i, w in enumerate(vocab)}
    if word not in index:
        raise ValueError(f"{word!r} is not in the vocabulary of {len(vocab)} words")
    return [vocab[i] for i in nearest(embeddings, index[word], k=k, candidates=candidates)]
# --8<-- [end:nearest_words]
