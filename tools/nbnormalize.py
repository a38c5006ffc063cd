"""Make executed notebooks stable on disk: `python -m tools.nbnormalize NOTEBOOK...`.

`make notebooks` runs this after executing them, so that re-running an unchanged notebook
leaves the file unchanged: the per-cell execution timestamps are dropped and consecutive
stream outputs (the kernel flushes `print` at arbitrary points) are merged into one.
`tests/test_notebooks.py` checks that every committed notebook is in this form.
"""

from __future__ import annotations

import sys

import nbformat
from nbformat import NotebookNode


def normalize(nb: NotebookNode) -> NotebookNode:
    """Drop execution timing metadata and merge consecutive outputs of the same stream, in place."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        merged: list[NotebookNode] = []
        for out in cell.outputs:
            if (
                out.output_type == "stream"
                and merged
                and merged[-1].output_type == "stream"
                and merged[-1].name == out.name
            ):
                merged[-1].text += out.text
            else:
                merged.append(out)
        cell.outputs = merged
    return nb


def main(paths: list[str]) -> None:
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nbformat.write(normalize(nb), path)


if __name__ == "__main__":
    main(sys.argv[1:])
