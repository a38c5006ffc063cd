"""Phrase similarity as lesson 4 teaches it: a pretrained transformer fine-tuned with Hugging Face's `Trainer`.

The course's patent-phrase notebook puts both phrases into one input, gives a pretrained model a
head with a single output (`num_labels=1`: a regression, trained with mean squared error), wraps
the data in a `datasets.Dataset` tokenised with `.map`, and lets `transformers.Trainer` run the
loop, scoring each epoch with the Pearson correlation. This module holds the pieces that are not
one library call:

- `split_by_words`: a validation set none of whose words the training pairs contain, so that the
  score measures generalisation to new words, not recall of words seen in training (Jeremy
  Howard's follow-up to lesson 4, "Iterate like a grandmaster", splits by anchor for that reason);
- `pair_dataset`: word or phrase pairs as a tokenised `datasets.Dataset`, the target scaled to 0-1;
- `correlations`: the `compute_metrics` function (Pearson and Spearman);
- `EpochTable`: one plain-text line per epoch, instead of the raw log dictionaries.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from scipy.stats import pearsonr, spearmanr

# Read when these libraries are imported: the model and the data are on disk, never on the hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from datasets import Dataset
from transformers import EvalPrediction, PreTrainedTokenizerBase, TrainerCallback

__all__ = ["EpochTable", "correlations", "pair_dataset", "split_by_words"]


def _check_pairs(pairs: pd.DataFrame, columns: tuple[str, ...]) -> None:
    if not isinstance(pairs, pd.DataFrame):
        raise TypeError(f"pairs must be a pandas DataFrame, got {type(pairs).__name__}")
    missing = [c for c in columns if c not in pairs.columns]
    if missing:
        raise ValueError(f"pairs lacks the column(s) {missing}; it has {list(pairs.columns)}")
    if pairs.empty:
        raise ValueError("pairs has no rows")


# --8<-- [start:split]
def split_by_words(
    pairs: pd.DataFrame, valid_fraction: float = 0.25, seed: int = 42, columns: tuple[str, str] = ("word1", "word2")
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training and validation pairs that share no word, as a split by anchor keeps anchors apart.

    A random `valid_fraction` of the distinct words is set aside; the training pairs are those
    with neither word set aside, and the validation pairs those neither of whose words occurs in
    a training pair (at least one of them is a set-aside word). Pairs that join a set-aside word
    to a training word are in neither: a model scored on them would have seen one of their words.

    Args:
        pairs: one row per pair, with the two columns named in `columns`.
        valid_fraction: the share of distinct words set aside, strictly between 0 and 1.
        seed: for the random choice of words.
        columns: the two word columns.

    Returns:
        `(train, valid)`, two slices of `pairs` (original index kept).

    Raises:
        ValueError: if a column is missing, there are no rows, `valid_fraction` is not strictly
            between 0 and 1, or either side of the split comes out empty.
        TypeError: if `pairs` is not a DataFrame.

    Examples:
        >>> pairs = pd.DataFrame({"word1": ["cat", "cat", "car", "sun", "sea"],
        ...                       "word2": ["dog", "car", "bus", "moon", "lake"], "score": [7, 1, 6, 5, 4]})
        >>> train, valid = split_by_words(pairs, valid_fraction=0.4, seed=0)
        >>> words = lambda frame: set(frame.word1) | set(frame.word2)
        >>> words(train) & words(valid)
        set()
    """
    _check_pairs(pairs, columns)
    if not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction must be strictly between 0 and 1, got {valid_fraction}")
    first, second = (pairs[c].astype(str) for c in columns)
    words = sorted(set(first) | set(second))
    rng = np.random.default_rng(seed)
    held_out = set(rng.choice(words, size=max(1, round(valid_fraction * len(words))), replace=False))
    is_train = ~first.isin(held_out) & ~second.isin(held_out)
    seen = set(first[is_train]) | set(second[is_train])
    is_valid = ~first.isin(seen) & ~second.isin(seen)
    train, valid = pairs[is_train], pairs[is_valid]
    if train.empty or valid.empty:
        raise ValueError(
            f"splitting {len(pairs)} pairs by words left {len(train)} training and {len(valid)} validation pairs: "
            "try another valid_fraction or more pairs"
        )
    return train, valid
# --8<-- [end:split]


# --8<-- [start:dataset]
def pair_dataset(
    tokenizer: PreTrainedTokenizerBase,
    pairs: pd.DataFrame,
    columns: tuple[str, str] = ("word1", "word2"),
    score: str = "score",
    top: float = 10.0,
) -> Dataset:
    """Pairs as a tokenised `datasets.Dataset`: both texts in one input, the score scaled to 0-1 as `labels`.

    The tokenizer joins the two texts the way BERT saw sentence pairs in pretraining:
    `[CLS] first [SEP] second [SEP]`, with token type 0 for the first text and 1 for the second
    (lesson 4 instead writes both into one string, `TEXT1: ...; TEXT2: ...`). `Trainer` passes
    every column the model accepts (`input_ids`, `token_type_ids`, `attention_mask`, `labels`)
    and drops the rest. A one-output model (`num_labels=1`) is trained as a regression, with mean
    squared error, which needs float labels.

    Args:
        tokenizer: the model's tokenizer.
        pairs: one row per pair.
        columns: the two text columns.
        score: the column of human scores, from 0 to `top`.
        top: the top of the score scale (10 for SimLex-999 and WordSim-353, 1 for the phrase pairs).

    Raises:
        ValueError: if a column is missing, there are no rows, a score is missing or outside `[0, top]`.
        TypeError: if `pairs` is not a DataFrame.

    Examples:
        >>> from snippets.nlp.pretrained import load_minilm
        >>> tokenizer, _ = load_minilm()
        >>> data = pair_dataset(tokenizer, pd.DataFrame({"word1": ["smart"], "word2": ["intelligent"], "score": [9.2]}))
        >>> tokenizer.decode(data[0]["input_ids"]), round(data[0]["labels"], 2)
        ('[CLS] smart [SEP] intelligent [SEP]', 0.92)
    """
    _check_pairs(pairs, (*columns, score))
    scores = pd.to_numeric(pairs[score], errors="coerce")
    if scores.isna().any() or not scores.between(0, top).all():
        raise ValueError(f"every {score!r} must be a number from 0 to {top}")
    frame = pd.DataFrame({"first": pairs[columns[0]].astype(str).to_numpy(),
                          "second": pairs[columns[1]].astype(str).to_numpy(),
                          "labels": (scores / top).astype("float32").to_numpy()})

    def tokenize(batch: dict) -> dict:
        return tokenizer(batch["first"], batch["second"])

    return Dataset.from_pandas(frame).map(tokenize, batched=True)
# --8<-- [end:dataset]


# --8<-- [start:metrics]
def correlations(prediction: EvalPrediction) -> dict[str, float]:
    """`Trainer`'s `compute_metrics`: the Pearson and Spearman correlations of predictions with labels.

    Pearson measures how well a straight line fits (the patent competition's metric);
    Spearman only compares the two rankings (the word-similarity benchmarks' usual metric).

    Examples:
        >>> predicted, human = np.array([[0.1], [0.4], [0.35]]), np.array([0.0, 0.5, 1.0])
        >>> prediction = EvalPrediction(predictions=predicted, label_ids=human)
        >>> {name: round(value, 3) for name, value in correlations(prediction).items()}
        {'pearson': 0.778, 'spearman': 0.5}
    """
    predicted = np.asarray(prediction.predictions).reshape(-1)
    labels = np.asarray(prediction.label_ids).reshape(-1)
    return {"pearson": float(pearsonr(predicted, labels).statistic),
            "spearman": float(spearmanr(predicted, labels).statistic)}
# --8<-- [end:metrics]


class EpochTable(TrainerCallback):
    """Print one line per evaluation: epoch, training loss, validation loss and the metrics.

    The training loss is the last one `Trainer` logged: the epoch's mean with
    `logging_strategy="epoch"`, the last few steps' mean otherwise.

    `Trainer` reports progress as a progress bar (in a terminal or Jupyter) or as dictionaries
    with timings (`disable_tqdm=True`); this prints a fixed-format table like fastai's instead,
    the same on every run. Use it with `disable_tqdm=True`, after
    `trainer.remove_callback(PrinterCallback)`.

    Examples:
        >>> from transformers import TrainerState, TrainingArguments
        >>> state = TrainerState(epoch=1.0, log_history=[{"loss": 0.0512, "epoch": 1.0}])
        >>> table = EpochTable()
        >>> table.on_evaluate(None, state, None, metrics={"eval_loss": 0.0431, "eval_pearson": 0.61})
        epoch  train_loss  valid_loss   pearson
            1      0.0512      0.0431    0.6100

        `Trainer` counts epochs from 1: the line after the first epoch says 1.
    """

    def __init__(self) -> None:
        self.header_printed = False

    def on_evaluate(self, args, state, control, metrics: dict[str, float] | None = None, **kwargs) -> None:
        metrics = metrics or {}
        names = [k.removeprefix("eval_") for k in metrics
                 if k.startswith("eval_") and k != "eval_loss" and not k.endswith(("runtime", "per_second"))]
        if not self.header_printed:
            print(f"{'epoch':>5}  {'train_loss':>10}  {'valid_loss':>10}" + "".join(f"  {n:>8}" for n in names))
            self.header_printed = True
        losses = [entry["loss"] for entry in state.log_history if "loss" in entry]
        train_loss = f"{losses[-1]:>10.4f}" if losses else f"{'':>10}"
        print(f"{round(state.epoch or 0):>5}  {train_loss}  {metrics.get('eval_loss', float('nan')):>10.4f}"
              + "".join(f"  {metrics['eval_' + n]:>8.4f}" for n in names))
