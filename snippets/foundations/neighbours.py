"""Nearest neighbours in an embedding: the rows most like a given row, by cosine similarity.

An embedding gives every item (a movie, a word, a category) a vector of numbers that training
has moved so that items which behave alike get vectors that point the same way. The cosine
of the angle between two vectors, `a·b / (|a| |b|)`, is 1 for the same direction, 0 for
unrelated ones and -1 for opposite ones, whatever their lengths; the items whose vectors
have the highest cosine with an item's vector are its nearest neighbours. The collaborative
filtering and NLP topics both use it to look inside what a model learned.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn


def nearest(embeddings: Tensor, index: int, k: int = 5, candidates: Sequence[int] | None = None) -> list[int]:
    """Rows of `embeddings` closest to row `index` by cosine similarity, itself excluded.

    Args:
        embeddings: one row per item.
        index: the row to find neighbours of.
        k: how many neighbours.
        candidates: rows allowed as answers (for example only items with many ratings, whose
            embeddings are well estimated); all rows if None.

    Examples:
        >>> emb = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [1.0, 0.05]])
        >>> nearest(emb, 0, k=1)
        [3]
        >>> nearest(emb, 0, k=1, candidates=[1, 2])
        [1]
    """
    if not 0 <= index < len(embeddings):
        raise ValueError(f"index {index} is outside 0..{len(embeddings) - 1}")
    sims = nn.functional.cosine_similarity(embeddings, embeddings[index][None], dim=1)
    allowed = torch.zeros(len(embeddings), dtype=torch.bool)
    allowed[list(range(len(embeddings))) if candidates is None else list(candidates)] = True
    allowed[index] = False
    if k > int(allowed.sum()):
        raise ValueError(f"asked for {k} neighbours but only {int(allowed.sum())} candidates are allowed")
    sims[~allowed] = -2.0
    return sims.topk(k).indices.tolist()
