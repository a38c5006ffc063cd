"""Time CI on a fresh clone, split into its parts: `python bench/fresh_clone.py` (or `make bench-ci`).

Clones the repository's HEAD into a temporary folder (nothing of this checkout's .venv is
reused) and times, one after the other, what `.ci/run` does: the set-up (`make venv`: the
virtual environment with every pinned package, and chromium), then `make test` (lint, then
every test, doctest, page and notebook on two workers, one notebook executed twice more).
Prints one line per part, the slowest tests, and the total; asserts nothing. Budget: 900 s.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(label: str, command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
    print(f"fresh clone, {label}: {seconds:.0f} s, {status}", flush=True)
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-2000:], file=sys.stderr)
    elif "slowest" in result.stdout:  # pytest's --durations table
        print(result.stdout[result.stdout.index("slowest") - 12 :].split("\n\n")[0], flush=True)
    return seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        clone = Path(folder) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        setup = timed("set-up (make venv)", ["make", "-s", "venv"], clone)
        test = timed("make test (lint, tests, pages, notebooks; 2 workers)",
                     ["make", "-s", "test", "PYTEST_ARGS=--durations=8"], clone)
        print(f"fresh clone, .ci/run in all: {setup + test:.0f} s (budget 900 s)")


if __name__ == "__main__":
    main()
