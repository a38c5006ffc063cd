"""Train the digit classifier that the web app serves, and export it: `python -m snippets.deploy.digits_model`.

The same recipe as the vision notebook (the small CNN, fastai's one-cycle training with
augmentation, 5,000 MNIST digits, seed 42), then `save_model` writes safetensors + JSON.
Deterministic: the same command gives the same weights.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from fastai.vision.all import CrossEntropyLossFlat, Learner, accuracy, set_seed
from PIL import Image

from snippets.datasets import MNIST_MEAN, MNIST_STD, digits_dataloaders, load_mnist_sample
from snippets.deploy.domain import DomainCheck, block_statistics, fit_domain_check
from snippets.deploy.export import save_model
from snippets.foundations.cnn import simple_cnn
from snippets.textlog import plain_text_log

DEFAULT_FOLDER = Path("models/digits")


# --8<-- [start:train]
def train_digits_model(epochs: int = 10, seed: int = 42) -> tuple[Learner, float]:
    """Train the small CNN on the 5,000 MNIST digits with augmentation; return the learner and valid accuracy.

    One line per epoch is printed (`plain_text_log`).

    Raises:
        ValueError: if `epochs` is less than 1.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    warnings.filterwarnings("ignore", category=FutureWarning)  # fastai 2.8 with torch 2.14: not ours to fix
    set_seed(seed, reproducible=True)
    learn = plain_text_log(Learner(digits_dataloaders(augment=True, seed=seed), simple_cnn(),
                                   loss_func=CrossEntropyLossFlat(), metrics=accuracy))
    learn.fit_one_cycle(epochs, 1e-2)
    return learn, float(learn.validate()[1])
# --8<-- [end:train]


def write_examples(folder: str | Path, n: int = 4) -> list[str]:
    """Save one MNIST digit of each class 0 to `n - 1` as a PNG file, dark ink on white like a drawing."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = load_mnist_sample()
    paths = []
    for digit in range(n):
        index = int(np.flatnonzero(labels == digit)[-1])  # the last of each digit
        path = folder / f"digit_{digit}.png"
        Image.fromarray(255 - images[index]).resize((112, 112), Image.Resampling.LANCZOS).save(path)
        paths.append(str(path))
    return paths


def export_digits_model(learn: Learner, folder: Path | str = DEFAULT_FOLDER) -> Path:
    """Save the trained learner's model with what the app needs to use it, and example images."""
    meta = {
        "architecture": "simple_cnn",
        "arguments": {"n_classes": 10, "n_in": 1},
        "classes": [str(c) for c in learn.dls.vocab],
        "input_size": [28, 28],
        "mean": MNIST_MEAN,
        "std": MNIST_STD,
        "ink": "light on dark",  # MNIST digits are white strokes on black
    }
    folder = save_model(learn.model.cpu(), folder, meta)
    write_examples(folder / "examples")  # a few digits for the app's page, shipped with the model
    digits_domain_check(learn, meta).save(folder)    # the app refuses what does not look like these digits
    return folder


def digits_domain_check(learn: Learner, meta: dict) -> DomainCheck:
    """The out-of-domain check (`snippets.deploy.domain`), fitted on the training digits read as the app reads them."""
    from snippets.deploy.app import prepare_digit

    paths = [Path(p) for p in learn.dls.train_ds.items]
    x = torch.cat([prepare_digit(p, meta) for p in paths])
    labels = torch.tensor([meta["classes"].index(p.parent.name) for p in paths])
    return fit_domain_check(block_statistics(learn.model.cpu().eval(), x), labels)


def main(argv: list[str] | None = None) -> None:
    """Command line: `python -m snippets.deploy.digits_model [--out models/digits] [--epochs 10]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_FOLDER, help="folder to write the model into")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one thread: the same weights on every run
    start = time.perf_counter()
    learn, acc = train_digits_model(args.epochs)
    folder = export_digits_model(learn, args.out)
    print(f"valid accuracy {acc:.4f}; trained in {time.perf_counter() - start:.1f} s; saved to {folder}/")


if __name__ == "__main__":
    main()
