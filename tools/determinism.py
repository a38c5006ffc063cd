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
"""

from __future__ import annotations

import configparser
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tools import ROOT
from tools.nbnormalize import normalize

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


def text_outputs(path: Path) -> list[str]:
    """Execute the notebook in its folder and return every text output, sanitised, one string per output."""
    notebook = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}  # run in the notebook's folder, as nbval does
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources=resources).execute()
    normalize(notebook)  # the kernel flushes prints at arbitrary points: merge consecutive stream outputs
    rules, texts = sanitizers(), []
    for i, cell in enumerate(notebook.cells):
        if ignores_output(cell):
            continue
        for out in cell.get("outputs", []):
            text = out.get("text") or out.get("data", {}).get("text/plain", "")
            for pattern, replacement in rules:
                text = pattern.sub(replacement, text)
            texts.append(f"cell {i}: {text}")
    return texts


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


def main(paths: list[str]) -> int:
    failed = 0
    for path in map(Path, paths):
        start = time.perf_counter()
        first, second = text_outputs(path), text_outputs(path)
        seconds = time.perf_counter() - start
        if first == second:
            print(f"same outputs twice: {path} ({len(first)} outputs, {seconds:.0f} s for both runs)")
            continue
        failed += 1
        a, b = next((a, b) for a, b in zip([*first, ""], [*second, ""], strict=False) if a != b)
        print(f"DIFFERENT between two runs: {path}\n  first:  {a[:300]!r}\n  second: {b[:300]!r}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
