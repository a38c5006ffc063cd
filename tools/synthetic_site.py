"""A copy of the site with every topic repeated, to measure how the build grows: `python -m tools.synthetic_site`.

`make bench` builds the real site and copies of it with 5x and 10x the topics, and prints the
build time and search-index size of each: the goal is a build under 60 s at 10x, growing
linearly. Each extra topic is a copy of a real one (note, notebooks with their stored outputs,
cheat sheet) under a new folder name, so the pages weigh what real pages weigh.
"""

from __future__ import annotations

import argparse
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from tools import ROOT
from tools.sitemetrics import mkdocs_build

SOURCES = ("docs", "cheatsheet", "snippets", "tools", "mkdocs.yml")
SITE_FOLDERS = {"api", "assets", "log", "overrides"}


def topics(root: Path = ROOT) -> list[str]:
    """The topic folders of `docs/` (every folder but the site's own parts)."""
    return sorted(p.name for p in (root / "docs").iterdir() if p.is_dir() and p.name not in SITE_FOLDERS)


def make_copy(dest: Path, factor: int, root: Path = ROOT) -> int:
    """Copy the project's site sources into `dest` with each topic `factor` times; return the number of topics."""
    if factor < 1:
        raise ValueError(f"factor must be at least 1, got {factor}")
    for name in SOURCES:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy(source, dest / name)
    real = topics(root)
    for topic in real:
        for k in range(2, factor + 1):
            shutil.copytree(root / "docs" / topic, dest / "docs" / f"{topic}-{k}",
                            ignore=shutil.ignore_patterns("space"))  # the Space's app.py is not a page
            shutil.copy(root / "cheatsheet" / f"{topic}.md", dest / "cheatsheet" / f"{topic}-{k}.md")
    return len(real) * factor


@dataclass
class BuildFigures:
    factor: int
    topics: int
    pages: int
    seconds: float
    index_bytes: int


def measure(factor: int, workdir: Path) -> BuildFigures:
    """Build a `factor`x copy of the site strictly and return its size and build time."""
    project = workdir / f"x{factor}"
    n_topics = make_copy(project, factor)
    start = time.perf_counter()
    result = mkdocs_build(project, project / "site")
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"the {factor}x site did not build:\n{result.stderr[-3000:]}")
    pages = sum(1 for _ in (project / "site").rglob("*.html"))
    index = (project / "site" / "search" / "search_index.json").stat().st_size
    return BuildFigures(factor, n_topics, pages, seconds, index)


def main(argv: list[str] | None = None) -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 5, 10])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        figures = [measure(f, Path(folder)) for f in args.factors]
    base = figures[0]
    for f in figures:
        print(f"site x{f.factor}: {f.topics} topics, {f.pages} pages, strict build {f.seconds:.1f} s "
              f"({f.seconds / base.seconds:.1f}x the x{base.factor} build), search index {f.index_bytes / 1e6:.2f} MB "
              f"({f.index_bytes / base.index_bytes:.1f}x)" + ("; goal < 60 s" if f.factor == 10 else ""))


if __name__ == "__main__":
    main()
