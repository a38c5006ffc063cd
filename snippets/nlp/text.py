"""Text classification: from words to numbers, then a recurrent network or a bag of n-grams.

A model needs numbers, so text goes through two steps first. **Tokenisation** splits it into
tokens (words, punctuation, and fastai's special tokens such as `xxbos`, beginning of text, or
`xxmaj`, next word capitalised, for two or more characters up to the next space: a lone capital
such as *I* before a space is just lower-cased). **Numericalisation** replaces each token by its index in a
vocabulary of the tokens seen at least three times (fastai's `min_freq=3`); the rest become
`xxunk`. fastai counts the tokens of every row it is given, validation rows included.

Two classifiers are here: fastai's AWD-LSTM (a recurrent network that reads the tokens in order,
an embedding per token, with several kinds of dropout) trained from scratch, and a baseline that
ignores word order: TF-IDF weights of words and word pairs, then logistic regression.
"""

from __future__ import annotations

import pandas as pd
from fastai.text.all import TextDataLoaders, awd_lstm_clas_config, awd_lstm_lm_config
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline


def _check_frame(df: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"the table has no column {missing[0]!r}; it has {list(df.columns)}")
    if df[list(columns)].isna().any().any():
        column = next(c for c in columns if df[c].isna().any())
        raise ValueError(f"column {column!r} has {int(df[column].isna().sum())} missing values")


def _check_strings(df: pd.DataFrame, column: str) -> None:
    not_text = df[column].map(lambda value: not isinstance(value, str))
    if not_text.any():
        row = df.index[not_text.to_numpy()][0]
        raise TypeError(f"every value of column {column!r} must be a str; row {row} holds {df.at[row, column]!r}")


def training_subset(df: pd.DataFrame, n_train: int, valid: str = "is_valid", seed: int = 42) -> pd.DataFrame:
    """`n_train` of the training rows (those whose `valid` column is false), drawn with `seed`.

    The same arguments give the same rows, whichever model they are for, so that models
    trained on fewer labels can be compared on one footing.

    Raises:
        ValueError: if the `valid` column is missing, or `n_train` is not between 1 and the
            number of training rows.

    Examples:
        >>> from snippets.datasets import load_rotten_tomatoes
        >>> few = training_subset(load_rotten_tomatoes(), 1000)
        >>> len(few), bool(few["is_valid"].any())
        (1000, False)
    """
    if valid not in df.columns:
        raise ValueError(f"the table has no column {valid!r}; it has {list(df.columns)}")
    train_rows = df[~df[valid].astype(bool)]
    if not 1 <= n_train <= len(train_rows):
        raise ValueError(f"n_train must be between 1 and {len(train_rows)}, got {n_train}")
    return train_rows.sample(n=n_train, random_state=seed)


# --8<-- [start:dataloaders]
def text_dataloaders(
    df: pd.DataFrame,
    text: str = "text",
    label: str = "label",
    valid: str = "is_valid",
    n_train: int | None = None,
    bs: int = 64,
    seed: int = 42,
    vocab: list[str] | None = None,
) -> TextDataLoaders:
    """fastai DataLoaders for text classification: tokenised, numericalised, batched by length.

    Args:
        df: one row per text, with a text column, a label column and a boolean column that
            marks the validation rows.
        text: name of the text column.
        label: name of the label column.
        valid: name of the validation-flag column.
        n_train: keep only this many training rows (`training_subset`), to see what a model
            does with fewer labels; the validation rows are always all kept.
        bs: texts per batch.
        seed: seed of the draw of the `n_train` rows.
        vocab: use this vocabulary instead of counting one, such as a language model's
            (`dls_lm.vocab`), so that a classifier can take over that model's embeddings: each
            token keeps the index the language model learned it under.

    Raises:
        ValueError: if a column is missing or has missing values, there are no training or no
            validation rows, or `n_train` is not between 1 and the number of training rows.
        TypeError: if a value of the text column is not a string.

    Examples:
        >>> from snippets.datasets import load_rotten_tomatoes
        >>> dls = text_dataloaders(load_rotten_tomatoes(), n_train=500)
        >>> len(dls.train_ds), len(dls.valid_ds), list(dls.vocab[1])
        (500, 2550, ['fresh', 'rotten'])
    """
    _check_frame(df, (text, label, valid))
    _check_strings(df, text)
    is_valid = df[valid].astype(bool)
    train_rows = df[~is_valid]
    if len(train_rows) == 0 or is_valid.sum() == 0:
        raise ValueError(f"need both training and validation rows; {valid!r} has {int(is_valid.sum())} of {len(df)}")
    if n_train is not None:
        train_rows = training_subset(df, n_train, valid, seed)
    df = pd.concat([train_rows, df[is_valid]]).reset_index(drop=True)
    return TextDataLoaders.from_df(df, text_col=text, label_col=label, valid_col=valid, bs=bs, text_vocab=vocab)
# --8<-- [end:dataloaders]


# --8<-- [start:config]
def small_awd_lstm_config(
    emb_sz: int = 100, n_hid: int = 128, n_layers: int = 2, language_model: bool = False
) -> dict:
    """fastai's AWD-LSTM settings (a classifier's, or a language model's), scaled down for a CPU.

    The default (embeddings of 400, three layers of 1,152) is sized for pretraining on
    Wikipedia. From scratch on ten thousand sentences this one, with about 1% of its LSTM
    weights (and about a twentieth of all its weights, with a vocabulary of 8,000 tokens), needs
    far less computation per token and trains on a CPU. Pass it as `text_classifier_learner(dls,
    AWD_LSTM, config=small_awd_lstm_config(), pretrained=False)`.

    With `language_model=True`, the same sizes with fastai's language-model settings (lower
    dropouts, output layer tied to the embedding), for `language_model_learner`: a classifier
    of the same sizes can then load the language model's encoder (`load_encoder`).

    Raises:
        ValueError: if a size is less than 1.

    Examples:
        >>> small_awd_lstm_config()["n_hid"], awd_lstm_clas_config["n_hid"]
        (128, 1152)
        >>> small_awd_lstm_config(language_model=True)["tie_weights"]
        True
    """
    if min(emb_sz, n_hid, n_layers) < 1:
        raise ValueError(f"sizes must be at least 1, got emb_sz={emb_sz}, n_hid={n_hid}, n_layers={n_layers}")
    defaults = awd_lstm_lm_config if language_model else awd_lstm_clas_config
    return {**defaults, "emb_sz": emb_sz, "n_hid": n_hid, "n_layers": n_layers}
# --8<-- [end:config]


# --8<-- [start:tfidf]
def tfidf_classifier(c: float = 3.0) -> Pipeline:
    """A bag-of-n-grams baseline: TF-IDF of words and word pairs, then logistic regression.

    Each text becomes a long, mostly-zero vector with one entry per word or word pair found in
    at least two training texts (`min_df=2`), weighted up when rare across texts (IDF) and damped when
    repeated (sublinear TF). Word order is lost beyond pairs, but on short texts this is a
    strong baseline that trains in a second: any network should beat it to be worth its cost.

    Examples:
        >>> model = tfidf_classifier().fit(["great fun", "great film", "dull film", "so dull"] * 2,
        ...                                ["fresh", "fresh", "rotten", "rotten"] * 2)
        >>> model.predict(["a great story", "dull"]).tolist()
        ['fresh', 'rotten']
    """
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        LogisticRegression(C=c, max_iter=1000),
    )
# --8<-- [end:tfidf]
