"""Phrase similarity with Trainer: the split by words, the tokenised Dataset, the metrics, the epoch table."""

from __future__ import annotations

import tempfile

import numpy as np
import pandas as pd
import pytest
from transformers import EvalPrediction, PrinterCallback, Trainer, TrainingArguments, set_seed

from snippets.datasets import load_simlex999
from snippets.nlp.pretrained import load_minilm
from snippets.nlp.similarity import EpochTable, correlations, pair_dataset, split_by_words


@pytest.fixture(scope="module")
def simlex() -> pd.DataFrame:
    return load_simlex999()


@pytest.fixture(scope="module")
def tokenizer():
    return load_minilm()[0]


def _words(frame: pd.DataFrame) -> set[str]:
    return set(frame.word1) | set(frame.word2)


@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.4])
def test_split_by_words_shares_no_word_and_keeps_every_usable_pair(simlex, fraction):
    train, valid = split_by_words(simlex, valid_fraction=fraction, seed=3)
    assert not _words(train) & _words(valid)
    assert not set(train.index) & set(valid.index)
    # a pair is left out only if it mixes a word of the training pairs with one they never use
    seen = _words(train)
    left_out = simlex.drop(index=[*train.index, *valid.index])
    assert (left_out.word1.isin(seen) ^ left_out.word2.isin(seen)).all()
    assert len(valid) > 0.5 * fraction**2 * len(simlex)


def test_split_by_words_is_repeatable_and_depends_on_the_seed(simlex):
    first, again, other = (split_by_words(simlex, seed=s)[1] for s in (42, 42, 7))
    assert first.index.equals(again.index)
    assert not first.index.equals(other.index)


def test_a_random_split_would_share_words(simlex):
    """Why the split by words exists: at the same sizes, a random split mixes the words."""
    train, valid = split_by_words(simlex)
    shuffled = simlex.sample(frac=1.0, random_state=0)
    random_train, random_valid = shuffled[: len(train)], shuffled[len(train) : len(train) + len(valid)]
    assert len(_words(random_train) & _words(random_valid)) > 50


@pytest.mark.parametrize("fraction", [0, 1, -0.5, 1.5])
def test_split_by_words_refuses_a_fraction_outside_zero_one(simlex, fraction):
    with pytest.raises(ValueError, match="valid_fraction must be strictly between 0 and 1"):
        split_by_words(simlex, valid_fraction=fraction)


def test_split_by_words_names_a_missing_column_and_an_empty_side(simlex):
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['anchor'\]"):
        split_by_words(simlex, columns=("anchor", "word2"))
    with pytest.raises(ValueError, match="has no rows"):
        split_by_words(simlex.iloc[:0])
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        split_by_words([("a", "b", 1.0)])
    one_chain = pd.DataFrame({"word1": ["a", "b", "c"], "word2": ["b", "c", "a"], "score": [1, 2, 3]})
    with pytest.raises(ValueError, match="left 0 training"):
        split_by_words(one_chain, valid_fraction=0.5, seed=0)


def test_pair_dataset_joins_both_texts_and_scales_the_score(tokenizer, simlex):
    data = pair_dataset(tokenizer, simlex.head(3))
    assert data.num_rows == 3
    assert set(data.column_names) >= {"input_ids", "token_type_ids", "attention_mask", "labels"}
    assert tokenizer.decode(data[0]["input_ids"]) == "[CLS] old [SEP] new [SEP]"
    assert data[0]["token_type_ids"] == [0, 0, 0, 1, 1]  # the second text is segment 1
    np.testing.assert_allclose(data["labels"], simlex.score.head(3) / 10, rtol=1e-6)


def test_pair_dataset_takes_other_columns_and_scales(tokenizer):
    pairs = pd.DataFrame({"anchor": ["heart rate monitor"], "target": ["pulse monitor"], "score": [0.75]})
    data = pair_dataset(tokenizer, pairs, ("anchor", "target"), top=1.0)
    assert data[0]["labels"] == pytest.approx(0.75)
    assert tokenizer.decode(data[0]["input_ids"]) == "[CLS] heart rate monitor [SEP] pulse monitor [SEP]"


@pytest.mark.parametrize("score", [11.0, -1.0, None, "high"])
def test_pair_dataset_refuses_a_score_off_the_scale(tokenizer, score):
    pairs = pd.DataFrame({"word1": ["a"], "word2": ["b"], "score": [score]})
    with pytest.raises(ValueError, match="must be a number from 0 to 10"):
        pair_dataset(tokenizer, pairs)


def test_correlations_are_pearson_and_spearman():
    predicted = np.array([[0.1], [0.2], [0.9], [0.4]])
    human = np.array([0.0, 0.3, 1.0, 0.2])
    scores = correlations(EvalPrediction(predictions=predicted, label_ids=human))
    assert scores["spearman"] == pytest.approx(0.8)
    assert scores["pearson"] == pytest.approx(np.corrcoef(predicted.ravel(), human)[0, 1])


def test_trainer_learns_the_training_pairs_and_prints_one_line_per_epoch(tokenizer, simlex, capsys):
    """A few steps of lesson 4's recipe: the loss falls on the pairs it trains on; the table is plain text."""
    train = simlex.head(32)
    data = pair_dataset(tokenizer, train)
    set_seed(0)
    _, model = load_minilm(num_labels=1)
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(out, learning_rate=1e-4, num_train_epochs=3, per_device_train_batch_size=8,
                                 eval_strategy="epoch", logging_strategy="epoch", save_strategy="no",
                                 report_to="none", disable_tqdm=True, use_cpu=True, seed=0)
        trainer = Trainer(model, args, train_dataset=data, eval_dataset=data, processing_class=tokenizer,
                          compute_metrics=correlations, callbacks=[EpochTable()])
        trainer.remove_callback(PrinterCallback)
        trainer.train()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["epoch", "train_loss", "valid_loss", "pearson", "spearman"]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3"]
    valid_losses = [float(line.split()[2]) for line in lines[1:]]
    assert valid_losses[-1] < valid_losses[0]
    assert not any("runtime" in line for line in lines)
