"""The bag of embeddings, padded token ids and nearest words, worked out by hand."""

from __future__ import annotations

import pytest
import torch

from snippets.nlp.embeddings import BagOfEmbeddings, nearest_words, padded_token_ids
from tests.exact import exactly


@pytest.fixture(scope="module")
def minilm():
    from snippets.nlp.pretrained import load_minilm

    return load_minilm()


def bag_by_hand() -> BagOfEmbeddings:
    """Word i has the vector (i, 10 i); the head adds the two numbers, so the output is 11 x the mean of i."""
    model = BagOfEmbeddings(vocab_size=5, n_factors=2, n_classes=1)
    with torch.no_grad():
        model.embedding.weight.copy_(torch.tensor([[i, 10.0 * i] for i in range(5)]))
        model.head.weight.copy_(torch.tensor([[1.0, 1.0]]))
        model.head.bias.zero_()
    return model


def test_a_text_is_the_mean_of_its_word_vectors_with_padding_left_out():
    model = bag_by_hand()
    out = model(torch.tensor([[1, 3, 0, 0], [4, 0, 0, 0], [0, 0, 0, 0]]))
    assert out[:, 0].tolist() == [11 * 2.0, 11 * 4.0, 0.0]     # mean(1, 3) = 2; one word; all padding: zeros


def test_padding_is_id_0_by_default_and_another_id_when_asked():
    assert BagOfEmbeddings(5, 2, 1).embedding.padding_idx == 0
    model = BagOfEmbeddings(5, 2, 1, pad_id=4)
    with torch.no_grad():
        model.embedding.weight.copy_(bag_by_hand().embedding.weight)
        model.head.weight.copy_(torch.tensor([[1.0, 1.0]]))
        model.head.bias.zero_()
    assert model(torch.tensor([[2, 4, 4]]))[0, 0].item() == 22.0


@pytest.mark.parametrize(("sizes", "shown"), [((0, 2, 2), "0, 2, 2"), ((5, 0, 2), "5, 0, 2"), ((5, 2, 0), "5, 2, 0")])
def test_bag_of_embeddings_sizes_must_each_be_at_least_1(sizes, shown):
    with pytest.raises(ValueError, match=f"sizes must be at least 1, got {shown}"):
        BagOfEmbeddings(*sizes)
    assert BagOfEmbeddings(1, 1, 1)(torch.tensor([[0]])).shape == (1, 1)


def test_nearest_words_default_to_five_and_respect_the_candidates():
    angles = torch.linspace(0, 1.5, 8)
    emb = torch.stack([angles.cos(), angles.sin()], dim=1)     # each word a little further round the circle
    vocab = [f"w{i}" for i in range(8)]
    assert nearest_words(emb, vocab, "w0") == ["w1", "w2", "w3", "w4", "w5"]
    assert nearest_words(emb, vocab, "w0", k=2, candidates=[5, 6, 7]) == ["w5", "w6"]


def test_padded_token_ids_truncate_to_max_length(minilm):
    tokenizer, _ = minilm
    long_text = " ".join(["film"] * 200)
    assert padded_token_ids(tokenizer, [long_text]).shape == (1, 64)
    ids = padded_token_ids(tokenizer, [long_text, "dull"], max_length=6)
    assert ids.tolist() == [[101, 2143, 2143, 2143, 2143, 102], [101, 10634, 102, 0, 0, 0]]
    with pytest.raises(ValueError, match=exactly("no texts given")):
        padded_token_ids(tokenizer, [])


def test_bag_of_embeddings_averages_only_real_tokens():
    bag = BagOfEmbeddings(vocab_size=6, n_factors=3, n_classes=2, pad_id=0)
    padded, unpadded = bag(torch.tensor([[4, 5, 0, 0]])), bag(torch.tensor([[4, 5]]))
    torch.testing.assert_close(padded, unpadded)
    assert torch.equal(bag.embedding.weight[0], torch.zeros(3))  # the padding row stays zero


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (torch.tensor([[1, 6]]), r"token ids must be in \[0, 6\), got 1 to 6"),
        (torch.tensor([[-1, 2]]), r"token ids must be in \[0, 6\)"),
        (torch.tensor([1, 2]), "must be a 2-D int64 tensor"),
        (torch.tensor([[1.0, 2.0]]), "must be a 2-D int64 tensor"),
    ],
)
def test_bag_of_embeddings_bad_ids(ids, message):
    with pytest.raises(ValueError, match=message):
        BagOfEmbeddings(vocab_size=6, n_factors=3, n_classes=2)(ids)


def test_padded_token_ids(minilm):
    tokenizer, _ = minilm
    ids = padded_token_ids(tokenizer, ["one", "one two three"])
    assert ids.shape == (2, 5) and ids[0, -1] == tokenizer.pad_token_id
    with pytest.raises(ValueError, match="no texts given"):
        padded_token_ids(tokenizer, [])


def test_nearest_words_bad_input():
    emb = torch.eye(3)
    with pytest.raises(ValueError, match="'cat' is not in the vocabulary of 3 words"):
        nearest_words(emb, ["a", "b", "c"], "cat")
    with pytest.raises(ValueError, match="vocab has 2 words but embeddings has 3 rows"):
        nearest_words(emb, ["a", "b"], "a")
