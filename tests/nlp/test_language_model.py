"""The human numbers data and the first language models of fastbook chapter 12."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from snippets.nlp.language_model import (
    LoopedThreeWordModel,
    ThreeWordModel,
    human_numbers,
    number_in_words,
    three_word_sequences,
)
from tests.exact import exactly


@pytest.mark.parametrize(("n", "words"), [
    (1, "one"), (19, "nineteen"), (20, "twenty"), (21, "twenty one"), (100, "one hundred"),
    (110, "one hundred ten"), (1000, "one thousand"), (1019, "one thousand nineteen"),
    (2020, "two thousand twenty"), (7999, "seven thousand nine hundred ninety nine"),
])
def test_numbers_are_written_as_the_data_set_writes_them(n, words):
    assert number_in_words(n) == words


@pytest.mark.parametrize("n", [0, 10_000, -3, 1.5, True, "3"])
def test_a_number_outside_one_to_9999_is_refused(n):
    with pytest.raises(ValueError, match=exactly(f"n must be an integer from 1 to 9,999, not {n!r}")):
        number_in_words(n)


def test_the_tokens_are_the_books():
    tokens, vocab = human_numbers()
    ids = [vocab.index(token) for token in tokens[:10]]
    assert ids == [0, 1, 2, 1, 3, 1, 4, 1, 5, 1]  # the book's nums[:10]
    assert tokens.count(".") == 9997  # 9,998 numbers: 8,000 is in neither file
    assert "thousand" in vocab and "and" not in vocab and len(set(vocab)) == 30
    text = " ".join(tokens)
    assert "seven thousand nine hundred ninety nine . eight thousand one ." in text  # 7,999, then 8,001
    assert " eight thousand . " not in text


def test_three_word_sequences_are_the_books():
    tokens, vocab = human_numbers()
    ids = torch.tensor([vocab.index(token) for token in tokens])
    x, y = three_word_sequences(ids)
    assert x.shape == (21031, 3) and y.shape == (21031,)  # the book's (#21031)
    assert x[1].tolist() == ids[3:6].tolist() and y[1] == ids[6]


@pytest.mark.parametrize("ids", [torch.arange(4), torch.zeros(2, 5, dtype=torch.long)])
def test_too_short_or_not_one_sequence_is_refused(ids):
    with pytest.raises(ValueError, match="ids must be one sequence of at least 5 token ids"):
        three_word_sequences(ids)


def test_the_loop_is_the_same_model_and_every_position_trains_the_shared_embedding():
    torch.manual_seed(0)
    looped, plain = LoopedThreeWordModel(30, 16), ThreeWordModel(30, 16)
    plain.load_state_dict(looped.state_dict())
    x = torch.tensor([[0, 1, 2], [3, 1, 4]])
    assert torch.equal(looped(x), plain(x))
    looped(torch.tensor([[5, 6, 7]])).sum().backward()
    touched = looped.input.weight.grad.abs().sum(dim=1).nonzero().flatten().tolist()
    assert touched == [5, 6, 7]


@pytest.mark.slow
def test_one_epoch_beats_always_guessing_the_most_common_token():
    tokens, vocab = human_numbers()
    ids = torch.tensor([vocab.index(token) for token in tokens])
    x, y = three_word_sequences(ids)
    cut = int(len(x) * 0.8)  # the book's split: the first 80% to train, the rest to validate
    torch.manual_seed(42)
    model = ThreeWordModel(len(vocab), 64)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for start in range(0, cut, 64):
        loss = F.cross_entropy(model(x[start : start + 64]), y[start : start + 64])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        accuracy = (model(x[cut:]).argmax(dim=1) == y[cut:]).float().mean().item()
    most_common = torch.bincount(y[cut:]).max().item() / len(y[cut:])
    assert accuracy > most_common + 0.1, (accuracy, most_common)
