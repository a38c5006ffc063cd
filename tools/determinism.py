"""Run notebooks twice and compare their text outputs: `python -m tools.determinism NOTEBOOK...`.

nbval compares one fresh run with the outputs stored in git, which were made by an earlier
run (`make notebooks`): every CI run is already a second run of every notebook. This tells the
two causes of a difference apart: two fresh runs on the same machine that differ mean the
notebook is not deterministic, not that its stored outputs are stale. `make test` runs one
notebook twice, a different one for each commit (`rotating_pick`); `make determinism` runs all.
The parts of outputs that legitimately change between runs (timings, memory addresses,
temporary paths) are masked with the same rules as nbval (`tests/sanitize.cfg`), and a cell
that nbval is told not to compare (`# NBVAL_IGNORE_OUTPUT`, such as a cell that prints timings) is
skipped. Images are not compared. Exits with status 1 and prints the first differing line of each notebook that
differs.

`--kernels NAME` runs both executions under another kernel configuration (`tools.kernels`) than
the one the outputs were recorded under, and also compares the first run with the stored outputs,
within the tolerance each notebook declares (`tools.tolerance`): the two runs must still agree
exactly (the notebook is deterministic on any kernels), and the stored outputs must survive the
change of kernels, as they must on a reader's CPU.
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tools import ROOT
from tools.kernels import environment
from tools.nbnormalize import normalize
from tools.tolerance import cell_tolerance, within_tolerance

SANITIZE = ROOT / "tests" / "sanitize.cfg"


def sanitizers() -> list[tuple[re.Pattern[str], str]]:
    config = configparser.ConfigParser()
    config.read(SANITIZE)
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


def ignores_output(cell) -> bool:
    """Whether nbval is told not to compare this cell's output (a `# NBVAL_IGNORE_OUTPUT` line, or the tag).

    nbval's own parser decides, so the two checks skip the same cells.

    Example:
        >>> from nbformat.v4 import new_code_cell
        >>> ignores_output(new_code_cell("# NBVAL_IGNORE_OUTPUT\\nprint(1)")), ignores_output(new_code_cell("1"))
        (True, False)
    """
    from nbval.plugin import find_comment_markers, metadata_tags

    markers = dict(find_comment_markers(cell.get("source", "")))
    tagged = [metadata_tags.get(tag) for tag in cell.get("metadata", {}).get("tags", [])]
    return markers.get("check") is False or ("check", False) in tagged


def executed(path: Path, kernels: str | None = None) -> nbformat.NotebookNode:
    """The notebook at `path`, executed in its folder (as nbval runs it), under `kernels` if given."""
    notebook = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}  # run in the notebook's folder, as nbval does
    env = environment(kernels) if kernels else dict(os.environ)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources=resources).execute(env=env)
    return normalize(notebook)  # the kernel flushes prints at arbitrary points: merge consecutive stream outputs


def cell_texts(notebook: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(cell number, text) for every text output that nbval compares, sanitised as nbval sanitises it."""
    rules, texts = sanitizers(), []
    for i, cell in enumerate(notebook.cells):
        if ignores_output(cell):
            continue
        for out in cell.get("outputs", []):
            text = out.get("text") or out.get("data", {}).get("text/plain", "")
            for pattern, replacement in rules:
                text = pattern.sub(replacement, text)
            texts.append((i, text))
    return texts


def text_outputs(path: Path, kernels: str | None = None) -> list[str]:
    """Execute the notebook in its folder and return every text output, sanitised, one string per output."""
    return [f"cell {i}: {text}" for i, text in cell_texts(executed(path, kernels))]


def differences_from_stored(path: Path, run: nbformat.NotebookNode) -> list[str]:
    """Where the executed `run` of the notebook at `path` differs from its stored outputs beyond their tolerance.

    Example:
        >>> from nbformat.v4 import new_code_cell, new_notebook, new_output
        >>> import tempfile
        >>> cell = new_code_cell("print(acc)", outputs=[new_output("stream", name="stdout", text="accuracy 0.965")])
        >>> stored = new_notebook(cells=[cell], metadata={"tolerance": {"abs": 0.005}})
        >>> path = Path(tempfile.mkdtemp()) / "n.ipynb"
        >>> nbformat.write(stored, path)
        >>> run = nbformat.from_dict(stored)
        >>> run.cells[0].outputs[0].text = "accuracy 0.962"
        >>> differences_from_stored(path, run)
        []
        >>> run.cells[0].outputs[0].text = "accuracy 0.950"
        >>> differences_from_stored(path, run)
        ["cell 0: stored 'accuracy 0.965', now 'accuracy 0.950'"]
    """
    stored = nbformat.read(path, as_version=4)
    normalize(stored)
    found: list[str] = []
    computed: dict[int, list[str]] = {}
    for i, text in cell_texts(run):
        computed.setdefault(i, []).append(text)
    expected: dict[int, list[str]] = {}
    for i, text in cell_texts(stored):
        expected.setdefault(i, []).append(text)
    for i in sorted(expected.keys() | computed.keys()):
        tolerance = cell_tolerance(stored.cells[i].source, stored.metadata)
        a, b = expected.get(i, []), computed.get(i, [])
        same = len(a) == len(b) and all(
            x == y or (tolerance is not None and within_tolerance(x, y, tolerance)) for x, y in zip(a, b, strict=True)
        )
        if not same:
            found.append(f"cell {i}: stored {' '.join(a)[:300]!r}, now {' '.join(b)[:300]!r}")
    return found


def rotating_pick(paths: list[Path], key: str) -> Path:
    """One of `paths`, chosen by `key` (a commit hash): the same for a commit, another for the next.

    Examples:
        >>> paths = [Path("a.ipynb"), Path("b.ipynb"), Path("c.ipynb")]
        >>> rotating_pick(paths, "0000000a").name, rotating_pick(paths, "0000000b").name
        ('b.ipynb', 'c.ipynb')
    """
    if not paths:
        raise ValueError("no notebooks to choose from")
    if not re.fullmatch(r"[0-9a-f]{8,}", key):
        raise ValueError(f"key must be a commit hash (8 or more hex digits), got {key!r}")
    return sorted(paths)[int(key[:8], 16) % len(paths)]


def main(paths: list[str], kernels: str | None = None) -> int:
    failed = 0
    for path in map(Path, paths):
        start = time.perf_counter()
        first_run = executed(path, kernels)
        first, second = [f"cell {i}: {t}" for i, t in cell_texts(first_run)], text_outputs(path, kernels)
        seconds = time.perf_counter() - start
        where = f" under the {kernels} kernels" if kernels else ""
        if first != second:
            failed += 1
            a, b = next((a, b) for a, b in zip([*first, ""], [*second, ""], strict=False) if a != b)
            print(f"DIFFERENT between two runs{where}: {path}\n  first:  {a[:300]!r}\n  second: {b[:300]!r}")
            continue
        moved = differences_from_stored(path, first_run) if kernels else []
        if moved:
            failed += 1
            print(f"DIFFERENT from the stored outputs{where}, beyond the notebook's tolerance: {path}\n  "
                  + "\n  ".join(moved[:3]))
            continue
        print(f"same outputs twice{where}: {path} ({len(first)} outputs, {seconds:.0f} s for both runs)"
              + (", and the stored ones within tolerance" if kernels else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", help="a configuration of tools.kernels to run both executions under")
    parser.add_argument("notebooks", nargs="+")
    args = parser.parse_args()
    sys.exit(main(args.notebooks, args.kernels))
