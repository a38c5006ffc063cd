"""Make executed notebooks stable on disk: `python -m tools.nbnormalize NOTEBOOK...`.

`make notebooks` runs this after executing them, so that re-running an unchanged notebook
leaves the file unchanged: the per-cell execution timestamps are dropped and consecutive
stream outputs (the kernel flushes `print` at arbitrary points) are merged into one.

The timestamps are first added up into the notebook's running time, kept in its metadata as
`execution_seconds`, rounded up to a multiple of 10 so that a re-run rarely changes it: CI's
determinism check uses it to pick a notebook cheap enough to run twice more.
`tests/test_notebooks.py` checks that every committed notebook is in this form.
"""

from __future__ import annotations

import math
import sys
from datetime import datetime

import nbformat
from nbformat import NotebookNode


def execution_seconds(nb: NotebookNode) -> float | None:
    """The seconds the kernel spent running the cells, from nbclient's timing metadata; None without it.

    Example:
        >>> from nbformat.v4 import new_code_cell, new_notebook
        >>> cell = new_code_cell("1")
        >>> cell.metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:01.000Z",
        ...                               "shell.execute_reply": "2026-01-01T00:00:13.500Z"}
        >>> execution_seconds(new_notebook(cells=[cell, new_code_cell("2")]))
        12.5
    """
    total, timed = 0.0, False
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            total += (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
            timed = True
    return total if timed else None


def normalize(nb: NotebookNode) -> NotebookNode:
    """Record the running time, drop per-cell timing metadata, merge consecutive outputs of a stream; in place."""
    seconds = execution_seconds(nb)
    if seconds is not None:
        nb.metadata["execution_seconds"] = int(math.ceil(seconds / 10) * 10)
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
