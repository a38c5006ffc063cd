"""Time a fresh-clone `make test`, split into its parts: `python bench/fresh_clone.py` (or `make bench-ci`).

Clones the repository's HEAD into a temporary folder (nothing of this checkout's .venv is
reused) and times, one after the other: the set-up (`make venv`: the virtual environment with
every pinned package), lint, the notebooks (nbval), and every other test. Prints one line per
part and the total; asserts nothing. Takes about as long as CI (ten minutes on two cores).
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
    return seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        clone = Path(folder) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        notebooks = sorted(str(p.relative_to(clone)) for p in (clone / "docs").rglob("*.ipynb"))
        python = str(clone / ".venv" / "bin" / "python")
        parts = {
            "set-up (make venv)": timed("set-up (make venv)", ["make", "-s", "venv"], clone),
            "lint": timed("lint", ["make", "-s", "lint"], clone),
            "notebooks (nbval)": timed("notebooks (nbval)", [python, "-m", "pytest", "-q", *notebooks], clone),
            "other tests": timed(
                "other tests", [python, "-m", "pytest", "-q", *[f"--deselect={n}" for n in notebooks]], clone
            ),
        }
        print(f"fresh clone, make test in all: {sum(parts.values()):.0f} s")


if __name__ == "__main__":
    main()
