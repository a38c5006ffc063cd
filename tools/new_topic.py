"""Scaffold a new topic in one command: `make topic NAME=attention TITLE="Attention"`.

Writes the five files of a topic under the naming rule, each already passing `make test`: the note
`docs/<name>/index.md` (with a "Check yourself" block), the cheat sheet `cheatsheet/<name>.md`, the
module `snippets/<name>.py` (a function with a docstring example), its test `tests/<name>/`, and a
notebook `docs/<name>/<name>.ipynb`, executed here so that its stored outputs (ending with a
`Result`) are what nbval compares. Nothing else is edited: the navigation, the API pages, the tags
and the results page are generated from the files.

The starting point is the first thing worth knowing on any task: what a model that learned nothing
scores (always the most common class). Replace it with the topic's own idea.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from tools import ROOT

NAME = re.compile(r"[a-z][a-z0-9_]{1,30}")
RESERVED = {"api", "assets", "log", "overrides", "datasets", "notebook", "results", "textlog", "data"}


def topic_files(name: str, root: Path = ROOT) -> dict[str, Path]:
    """Where each file of topic `name` goes, by the naming rule."""
    return {
        "note": root / "docs" / name / "index.md",
        "notebook": root / "docs" / name / f"{name}.ipynb",
        "cheat sheet": root / "cheatsheet" / f"{name}.md",
        "module": root / "snippets" / f"{name}.py",
        "tests": root / "tests" / name / f"test_{name}.py",
    }


def check_new_topic(name: str, title: str, root: Path = ROOT) -> None:
    """A clear error if `name` is not a usable topic word, `title` is empty, or the topic exists.

    Examples:
        >>> check_new_topic("Attention!", "Attention")
        Traceback (most recent call last):
        ...
        ValueError: topic name 'Attention!' must be 2-31 lowercase letters, digits or _, starting with a letter
    """
    if not NAME.fullmatch(name):
        raise ValueError(f"topic name {name!r} must be 2-31 lowercase letters, digits or _, starting with a letter")
    if name in RESERVED:
        raise ValueError(f"topic name {name!r} is taken by the site or the package")
    if not title.strip() or "\n" in title:
        raise ValueError("the topic needs a one-line title (TITLE=...)")
    candidates = [*topic_files(name, root).values(), root / "docs" / name, root / "snippets" / name]
    existing = [p for p in candidates if p.exists()]
    if existing:
        raise ValueError(f"topic {name!r} exists already: {', '.join(str(p.relative_to(root)) for p in existing)}")


def module_text(name: str, title: str) -> str:
    return f'''"""{title}: start from a baseline.

Replace this docstring with the idea the topic teaches, and the function below with the code
the note includes (mark a section with `# --8<-- [start:name]` and `# --8<-- [end:name]`).
Keep a docstring example on every function: the tests run it.

The first figure to know on any task is what a model that learned nothing scores: always
predicting the most common class of the training set. A model is worth its training only
when it beats that.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


# --8<-- [start:baseline]
def majority_baseline(train_targets: Sequence[int], valid_targets: Sequence[int]) -> float:
    """Validation accuracy of always predicting the most common training target.

    Raises:
        ValueError: if either sequence is empty.

    Examples:
        >>> majority_baseline([0, 1, 1], [1, 0, 1, 1])
        0.75
    """
    if len(train_targets) == 0 or len(valid_targets) == 0:
        raise ValueError("majority_baseline needs at least one training and one validation target")
    most_common = Counter(int(t) for t in train_targets).most_common(1)[0][0]
    return sum(int(t) == most_common for t in valid_targets) / len(valid_targets)
# --8<-- [end:baseline]
'''


def tests_text(name: str, title: str) -> str:
    return f'''"""{title}: the topic's code."""

from __future__ import annotations

import pytest

from snippets.{name} import majority_baseline


def test_majority_baseline_predicts_the_most_common_training_class():
    assert majority_baseline([2, 2, 1], [2, 1, 2, 0]) == 0.5
    assert majority_baseline([1, 1, 0], [0, 0]) == 0.0


def test_majority_baseline_refuses_empty_targets():
    with pytest.raises(ValueError, match="at least one"):
        majority_baseline([], [1])
'''


def note_text(name: str, title: str) -> str:
    return f'''---
title: {title}
tags:
  - {name.replace("_", " ")}
search:
  boost: 4  # notes and cheat sheets rank above API pages and notebooks for the same words
---

# {title}

What this topic is about, in a paragraph: the question it answers and where it sits in the
course. Then the ideas, one section each, with the code that the package tests.

## Start from a baseline

Before training anything, measure what a model that learned nothing scores: always the most common
class of the training set. On ten balanced classes that is about one in ten.

``` {{.python notest title="snippets/{name}.py"}}
--8<-- "snippets/{name}.py:baseline"
```

```python
from snippets.datasets import load_digits
from snippets.{name} import majority_baseline

split = load_digits()
assert 0.05 < majority_baseline(split.y_train, split.y_valid) < 0.2
```

The [notebook]({name}.ipynb) runs it on real data; the recipes are on the
[cheat sheet](../cheatsheet/{name}.md); the code is [`majority_baseline`][snippets.{name}.majority_baseline].

## Check yourself

??? question "Why measure a baseline before training a model?"

    It is the score of a model that learned nothing. A trained model's accuracy means something
    only next to it: 0.9 is poor when always answering the most common class already scores 0.9.
'''


def cheat_sheet_text(name: str, title: str) -> str:
    return f'''---
title: "Cheat sheet: {title}"
tags:
  - {name.replace("_", " ")}
search:
  boost: 4  # notes and cheat sheets rank above API pages and notebooks for the same words
hide:
  - navigation
  - toc
---

# {title}

Each recipe pastes into a fresh notebook: the public stack, with `snippets.datasets` standing for
your data. The story: [the note](../{name}/index.md); the helpers: [`snippets.{name}`][snippets.{name}].

<div class="grid recipes" markdown>

<div class="card" markdown>

## Measure the baseline first

What a model that learned nothing scores: every later model must beat it.

```python
from sklearn.dummy import DummyClassifier
from snippets.datasets import load_digits

split = load_digits()
baseline = DummyClassifier(strategy="most_frequent")
baseline.fit(split.x_train, split.y_train)
base = baseline.score(split.x_valid, split.y_valid)
```

</div>

<div class="card" markdown>

## Then beat it

A linear model on the same split, scored the same way.

``` {{.python continuation}}
from sklearn.linear_model import LogisticRegression

model = LogisticRegression(max_iter=1000)
model.fit(split.x_train, split.y_train)
assert model.score(split.x_valid, split.y_valid) > base
```

</div>

</div>
'''


def notebook(name: str, title: str):
    """The topic's first notebook, not yet executed: the baseline on real data, then its `Result`."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = [
        new_markdown_cell(
            f"# {title}\n\nA first notebook for the topic: the baseline every model must beat, on the "
            f"digits data set. Code: [`snippets.{name}`](../api/snippets/{name}.html)."
        ),
        new_code_cell(
            "from snippets.notebook import quiet_and_repeatable\n\n"
            "quiet_and_repeatable()  # plain-text training logs, one thread, known warnings off: "
            "same output every run\n\n"
            "import time\n\n"
            "from snippets.datasets import load_digits\n"
            f"from snippets.{name} import majority_baseline\n\n"
            "split = load_digits()\n"
            "start = time.perf_counter()\n"
            "accuracy = majority_baseline(split.y_train, split.y_valid)\n"
            "seconds = time.perf_counter() - start\n"
            'print(f"always the most common class: valid accuracy {accuracy:.4f}")'
        ),
        new_code_cell(
            "from snippets.results import Result\n\n"
            "print(Result(\n"
            '    model="always the most common training class",\n'
            '    dataset=f"scikit-learn digits, {len(split.y_train)} train / {len(split.y_valid)} valid",\n'
            '    metric="valid accuracy", value=accuracy, seconds=seconds,\n'
            "))\n"
            "assert 0.05 < accuracy < 0.2  # ten balanced classes: about one in ten"
        ),
    ]
    kernel = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return new_notebook(cells=cells, metadata={"kernelspec": kernel, "language_info": {"name": "python"}})


def execute(path: Path, root: Path = ROOT) -> None:
    """Run the notebook in its folder, importing the package from `root`, and store its outputs in
    normal form, under the recording kernels and with where they come from (as `make notebooks` does)."""
    import nbformat
    from nbclient import NotebookClient

    from tools.kernels import RECORDING, environment
    from tools.nbnormalize import normalize, recorded_with

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    env = environment(RECORDING) | {"PYTHONPATH": str(root)}
    client.execute(env=env)
    nb.metadata["recorded_with"] = recorded_with(env)
    nbformat.write(normalize(nb), path)


def scaffold(name: str, title: str, root: Path = ROOT, run: bool = True) -> dict[str, Path]:
    """Write the topic's files under `root`; execute its notebook unless `run=False`. Return the paths."""
    check_new_topic(name, title, root)
    files = topic_files(name, root)
    import nbformat

    texts = {"note": note_text(name, title), "cheat sheet": cheat_sheet_text(name, title),
             "module": module_text(name, title), "tests": tests_text(name, title)}
    for kind, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "notebook":
            nbformat.write(notebook(name, title), path)
        else:
            path.write_text(texts[kind])
    (files["tests"].parent / "__init__.py").write_text("")
    if run:
        execute(files["notebook"], root)
    return files


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True, help="the topic's word: docs/<name>/, snippets/<name>.py, ...")
    parser.add_argument("--title", required=True, help="the note's title, shown in the navigation")
    args = parser.parse_args(argv)
    try:
        files = scaffold(args.name, args.title)
    except ValueError as error:
        raise SystemExit(f"make topic: {error}") from None
    for path in files.values():
        print(path.relative_to(ROOT))
    print("next: write the note, then `make test`")


if __name__ == "__main__":
    main()
