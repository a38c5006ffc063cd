"""Text classification code: data, the fastai pieces, the pretrained transformer, embeddings."""

from __future__ import annotations

import pandas as pd
import pytest
import torch
from fastai.text.all import AWD_LSTM, awd_lstm_clas_config, get_text_classifier

from snippets.datasets import load_phrase_pairs, load_rotten_tomatoes
from snippets.nlp.pretrained import fine_tune, length_batches, load_minilm, predict, sentence_embeddings
from snippets.nlp.text import small_awd_lstm_config, text_dataloaders, tfidf_classifier, training_subset
from tests.exact import exactly


@pytest.fixture(scope="module")
def reviews() -> pd.DataFrame:
    return load_rotten_tomatoes()


@pytest.fixture(scope="module")
def minilm():
    return load_minilm()


def test_reviews_split_is_fixed_and_leak_free(reviews):
    assert len(reviews) == 12752 and set(reviews.label) == {"fresh", "rotten"}
    assert not reviews.text.duplicated().any()
    assert reviews.is_valid.sum() == 2550
    again = load_rotten_tomatoes()
    assert again.is_valid.equals(reviews.is_valid)
    assert not load_rotten_tomatoes(seed=0).is_valid.equals(reviews.is_valid)


@pytest.mark.parametrize("valid_pct", [0, 1, -0.1, 2])
def test_reviews_bad_valid_pct(valid_pct):
    with pytest.raises(ValueError, match="valid_pct must be between 0 and 1"):
        load_rotten_tomatoes(valid_pct=valid_pct)


def test_phrase_pairs_are_well_formed():
    pairs = load_phrase_pairs()
    assert list(pairs.columns) == ["anchor", "target", "context", "score"]
    assert not pairs.isna().any().any()
    assert pairs.groupby("anchor").score.max().eq(1.0).all()  # every anchor has an exact match


def test_training_subset_is_reproducible_and_never_validation(reviews):
    a, b = training_subset(reviews, 300), training_subset(reviews, 300)
    assert a.index.equals(b.index) and not a.is_valid.any()
    assert not training_subset(reviews, 300, seed=1).index.equals(a.index)


@pytest.mark.parametrize("n", [0, 10203])
def test_training_subset_bad_size(reviews, n):
    with pytest.raises(ValueError, match="n_train must be between 1 and 10202"):
        training_subset(reviews, n)


def test_text_dataloaders_keep_all_validation_rows(reviews):
    dls = text_dataloaders(reviews.head(400), n_train=100)
    n_valid = int(reviews.head(400).is_valid.sum())
    assert (len(dls.train_ds), len(dls.valid_ds)) == (100, n_valid)
    assert dls.vocab[0][:2] == ["xxunk", "xxpad"]


def test_text_dataloaders_draw_the_training_rows_with_the_seed():
    """Eight training rows and four validation rows; `n_train=3` keeps the 3 rows pandas draws with `seed`."""
    df = pd.DataFrame({
        "text": [f"Review number {i}" for i in range(12)], "label": ["a", "b"] * 6,
        "is_valid": [False] * 8 + [True] * 4, "id": range(12),
    })
    drawn = {}
    for seed in (1, 2):
        dls = text_dataloaders(df, n_train=3, bs=2, seed=seed)
        drawn[seed] = list(dls.train_ds.items.id)
        assert drawn[seed] == list(df.iloc[:8].sample(n=3, random_state=seed).id)
        assert list(dls.valid_ds.items.id) == [8, 9, 10, 11]  # every validation row, whatever the seed
    assert drawn[1] != drawn[2]
    first = dls.valid_ds.items.iloc[0]  # "Review number 8", tokenised: xxbos starts a text, xxmaj a capitalised word
    assert list(first.text) == ["xxbos", "xxmaj", "review", "number", "8"]


def test_text_dataloaders_bad_tables(reviews):
    with pytest.raises(ValueError, match="the table has no column 'label'"):
        text_dataloaders(reviews.drop(columns="label"))
    broken = reviews.head(50).copy()
    broken.loc[3, "text"] = None
    with pytest.raises(ValueError, match="column 'text' has 1 missing values"):
        text_dataloaders(broken)
    with pytest.raises(ValueError, match="need both training and validation rows"):
        text_dataloaders(reviews[~reviews.is_valid].head(50))


def test_small_config_builds_the_sizes_asked_for():
    """fastai's classifier built from the config has the sizes asked for, and fastai's dropouts.

    Embeddings of `emb_sz`; `n_layers` LSTMs of `n_hid`, the last one back to `emb_sz`; a head that reads
    3 * `emb_sz` numbers (the last, max and mean of the outputs).
    """
    config = small_awd_lstm_config(emb_sz=50, n_hid=64, n_layers=3)
    model = get_text_classifier(AWD_LSTM, vocab_sz=7, n_class=2, config=config)
    encoder = model[0].module
    assert tuple(encoder.encoder.weight.shape) == (7, 50)
    assert [(rnn.module.input_size, rnn.module.hidden_size) for rnn in encoder.rnns] == [(50, 64), (64, 64), (64, 50)]
    assert next(m for m in model[1].modules() if isinstance(m, torch.nn.Linear)).in_features == 150
    sizes = ("emb_sz", "n_hid", "n_layers")
    assert {k: v for k, v in config.items() if k not in sizes} == {
        k: v for k, v in awd_lstm_clas_config.items() if k not in sizes
    }  # every other setting (dropouts, padding token) is fastai's
    assert (awd_lstm_clas_config["emb_sz"], awd_lstm_clas_config["n_layers"]) == (400, 3)  # and left alone


def test_a_classifier_takes_over_the_language_models_encoder_under_its_vocabulary(reviews, tmp_path):
    """ULMFiT's hand-over: the classifier's DataLoaders reuse the language model's vocabulary, so
    `load_encoder` puts each token's learned embedding back at the same index, LSTMs included."""
    from fastai.text.all import TextDataLoaders, language_model_learner, text_classifier_learner

    rows = reviews.head(300)
    dls_lm = TextDataLoaders.from_df(rows, text_col="text", is_lm=True, valid_pct=0.2, seed=42, bs=8, seq_len=16)
    sizes = {"emb_sz": 8, "n_hid": 8, "n_layers": 2}
    lm = language_model_learner(dls_lm, AWD_LSTM, config=small_awd_lstm_config(**sizes, language_model=True),
                                pretrained=False, path=tmp_path)
    assert lm.model[1].decoder.weight is lm.model[0].encoder.weight  # language-model settings: tied output layer
    lm.save_encoder("encoder")
    dls = text_dataloaders(rows, bs=8, vocab=dls_lm.vocab)
    assert list(dls.vocab[0]) == list(dls_lm.vocab)
    classifier = text_classifier_learner(dls, AWD_LSTM, config=small_awd_lstm_config(**sizes), pretrained=False,
                                         path=tmp_path)
    classifier.load_encoder("encoder")
    for name, weight in lm.model[0].state_dict().items():
        assert torch.equal(classifier.model[0].module.state_dict()[name], weight), name
    # load_encoder also freezes the encoder: only the head trains until `unfreeze` or `freeze_to`
    trainable = [p.requires_grad for p in classifier.model[0].parameters()]
    assert not any(trainable)


def test_small_config_bad_sizes():
    with pytest.raises(ValueError, match="sizes must be at least 1"):
        small_awd_lstm_config(n_layers=0)


def test_tfidf_baseline_beats_majority(reviews):
    valid = reviews[reviews.is_valid]
    model = tfidf_classifier().fit(training_subset(reviews, 2000).text, training_subset(reviews, 2000).label)
    assert (model.predict(valid.text) == valid.label).mean() > (valid.label == "fresh").mean() + 0.05


def test_length_batches_cover_every_index_once():
    lengths = [5, 1, 9, 3, 3, 7, 2, 8, 6, 4] * 30
    for shuffle in (False, True):
        batches = list(length_batches(lengths, 7, shuffle=shuffle, generator=torch.Generator().manual_seed(0)))
        flat = sorted(i for b in batches for i in b)
        assert flat == list(range(len(lengths)))
        assert all(len(b) <= 7 for b in batches)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        list(length_batches(lengths, 0, shuffle=False))


def test_sentence_embeddings_have_unit_length_and_ignore_padding(minilm):
    tokenizer, model = minilm
    short = sentence_embeddings(model, tokenizer, ["a pulse monitor"])
    batched = sentence_embeddings(model, tokenizer, ["a pulse monitor", "a much longer sentence " * 8])
    torch.testing.assert_close(batched.norm(dim=1), torch.ones(2))
    torch.testing.assert_close(short[0], batched[0], atol=1e-5, rtol=1e-4)  # padding changes nothing


@pytest.mark.parametrize(
    ("texts", "error", "message"),
    [([], ValueError, "no texts given"), (["ok", 3], TypeError, "text 1 must be a str, got int")],
)
def test_bad_texts(minilm, texts, error, message):
    tokenizer, model = minilm
    with pytest.raises(error, match=message):
        sentence_embeddings(model, tokenizer, texts)


def test_fine_tune_learns_and_predict_gives_probabilities():
    torch.manual_seed(0)
    tokenizer, model = load_minilm(num_labels=2)
    texts, labels = ["a wonderful, moving film", "a dull, tedious mess"] * 8, [1, 0] * 8
    losses = fine_tune(model, tokenizer, texts, labels, epochs=3, batch_size=4, log=None,
                       generator=torch.Generator().manual_seed(0))
    assert losses[-1] < losses[0]
    probs = predict(model, tokenizer, texts[:2])
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(2))
    assert probs.argmax(dim=1).tolist() == [1, 0]


@pytest.mark.parametrize(
    ("labels", "kwargs", "error", "message"),
    [
        ([0], {}, ValueError, "got 2 texts but 1 labels"),
        ([0, 2], {}, ValueError, r"labels must be in \[0, 2\), got 0 to 2"),
        ([0.5, 1.0], {}, TypeError, "labels must be integer class indices"),
        ([0, 1], {"lr": 0}, ValueError, "epochs and batch_size must be >= 1 and lr a finite number > 0"),
        ([0, 1], {"epochs": 0}, ValueError, r"epochs and batch_size must be >= 1 .* got epochs=0"),
        ([0, 1], {"batch_size": 0}, ValueError, r"got epochs=2, batch_size=0"),
    ],
)
def test_fine_tune_bad_input(labels, kwargs, error, message):
    tokenizer, model = load_minilm(num_labels=2)
    with pytest.raises(error, match=message):
        fine_tune(model, tokenizer, ["good", "bad"], labels, log=None, **kwargs)


def test_load_minilm_bad_labels():
    with pytest.raises(ValueError, match="num_labels must be at least 1"):
        load_minilm(num_labels=0)


def test_vocabulary_keeps_tokens_seen_at_least_three_times_in_all_the_rows():
    """What the NLP note says of fastai's vocabulary, checked against fastai itself: `min_freq=3`, and
    the count runs over every row of the DataFrame, validation rows included."""
    # (within one text fastai would write a repeated word as "xxwrep 3 alpha", so spread them out)
    train = ["alpha is here", "alpha was there", "an alpha again", "beta is here", "beta was there", "delta"]
    valid = ["gamma", "gamma", "gamma"]
    df = pd.DataFrame({"text": train + valid, "label": ["a", "b", "a"] * 3, "is_valid": [False] * 6 + [True] * 3})
    vocab = list(text_dataloaders(df, bs=2).vocab[0])
    assert "alpha" in vocab                     # 3 times
    assert "beta" not in vocab                  # twice: becomes xxunk
    assert "gamma" in vocab                     # 3 times, all in validation texts
    assert vocab[0] == "xxunk"


def test_training_subset_takes_one_row_or_all_of_them(reviews):
    assert len(training_subset(reviews, 1)) == 1
    everything = training_subset(reviews, 10202)
    assert len(everything) == 10202 and not everything.is_valid.any()
    assert not training_subset(reviews, 300).index.equals(training_subset(reviews, 300, seed=43).index)
    assert training_subset(reviews, 300).index.equals(reviews[~reviews.is_valid].sample(n=300, random_state=42).index)
    no_split = "the table has no column 'split'; it has ['text', 'label', 'is_valid']"
    with pytest.raises(ValueError, match=exactly(no_split)):
        training_subset(reviews[["text", "label", "is_valid"]], 10, valid="split")


def test_text_dataloaders_read_the_columns_they_are_given():
    df = pd.DataFrame({"review": [f"Review number {i}" for i in range(6)], "verdict": ["a", "b"] * 3,
                       "held_out": [False] * 1 + [True] * 5})
    dls = text_dataloaders(df, text="review", label="verdict", valid="held_out", bs=3)
    assert (len(dls.train_ds), len(dls.valid_ds), dls.bs) == (1, 5, 3)              # one training row is enough
    assert "index" not in dls.train_ds.items.columns                                # no old index as a column
    assert text_dataloaders(df.rename(columns={"review": "text", "verdict": "label", "held_out": "is_valid"})).bs == 64


def test_a_text_that_is_not_a_string_is_named_with_its_row():
    df = pd.DataFrame({"text": ["fine", "also fine", 42, 7.5], "label": ["a", "b", "a", "b"],
                       "is_valid": [False, False, True, True]}, index=[10, 11, 12, 13])
    with pytest.raises(TypeError, match=exactly("every value of column 'text' must be a str; row 12 holds 42")):
        text_dataloaders(df)


@pytest.mark.parametrize("sizes", [{"emb_sz": 0}, {"n_hid": 0}, {"n_layers": 0}])
def test_each_size_of_the_small_config_must_be_at_least_1(sizes):
    with pytest.raises(ValueError, match="sizes must be at least 1"):
        small_awd_lstm_config(**sizes)


def test_small_config_defaults_and_size_1_are_allowed():
    config = small_awd_lstm_config()
    assert (config["emb_sz"], config["n_hid"], config["n_layers"]) == (100, 128, 2)
    assert small_awd_lstm_config(emb_sz=1, n_hid=1, n_layers=1)["n_layers"] == 1


def test_tfidf_baseline_is_word_pairs_seen_twice_damped_then_logistic_regression():
    vectorizer, regression = tfidf_classifier().named_steps.values()
    settings = vectorizer.get_params()
    assert (settings["ngram_range"], settings["min_df"], settings["sublinear_tf"]) == ((1, 2), 2, True)
    assert (regression.C, regression.max_iter) == (3.0, 1000) and tfidf_classifier(c=0.5).steps[1][1].C == 0.5


def test_text_dataloaders_find_the_columns_by_name_in_any_order_and_draw_with_seed_42():
    df = pd.DataFrame({"held_out": [False] * 4 + [True] * 2, "review": [f"Review number {i}" for i in range(6)],
                       "verdict": ["a", "b"] * 3, "id": range(6)})   # fastai's defaults would read columns 0 and 1
    dls = text_dataloaders(df, text="review", label="verdict", valid="held_out", bs=2)
    assert list(dls.vocab[1]) == ["a", "b"] and "number" in dls.vocab[0]
    drawn = text_dataloaders(df, text="review", label="verdict", valid="held_out", n_train=2, bs=2)
    assert list(drawn.train_ds.items.id) == list(df.iloc[:4].sample(n=2, random_state=42).id)
