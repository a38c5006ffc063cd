"""Re-execute every notebook, page and doctest under each kernel configuration: `python -m tools.crosscheck`.

A notebook is recorded under one configuration (`tools.kernels.RECORDING`) on one machine; a
reader's CPU runs other kernels. This runs the tests that compare outputs (nbval for the notebooks,
within each notebook's declared tolerance; the pages' code and its assertions; the package's
doctests) once per configuration of `tools.kernels.CONFIGURATIONS`, so that a stored output or a
claim that only holds for one set of kernels fails here, on one machine, before another CPU finds
it. `make crosscheck` runs it; it is a benchmark (about 10 minutes a configuration on 2 cores),
not part of `make test`, which runs one notebook under another configuration
(`tests/test_determinism.py`).

Prints one line per configuration (passed, failed, seconds) and the failing tests; exits with 1 if
any configuration failed. `--only NAME` (repeatable) runs some configurations; arguments after
`--` go to pytest (for example `-- docs/vision/digits.ipynb` to check one notebook).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time

from tools import ROOT
from tools.kernels import CONFIGURATIONS, environment

TARGETS = ["docs", "cheatsheet", "snippets"]
SUMMARY = re.compile(r"(\d+) (passed|failed|error|errors)\b")


def counts(summary: str) -> dict[str, int]:
    """Passed and failed tests from pytest's closing line (errors count as failed).

    Example:
        >>> counts("== 3 failed, 1,196 passed, 2 errors in 600.1s ==".replace("1,196", "1196"))
        {'passed': 1196, 'failed': 5}
    """
    found = {"passed": 0, "failed": 0}
    for number, word in SUMMARY.findall(summary):
        found["passed" if word == "passed" else "failed"] += int(number)
    return found


def run(name: str, targets: list[str], workers: int) -> tuple[dict[str, int], float, list[str]]:
    """Run pytest on `targets` under configuration `name`: (counts, seconds, the failing tests' ids)."""
    env = environment(name) | {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", str(workers),
               "--dist", "loadfile", "--no-loadscope-reorder", "-o", "console_output_style=classic", *targets]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    lines = result.stdout.splitlines()
    failing = [line.split(" ", 1)[1].split(" - ")[0] for line in lines if line.startswith(("FAILED ", "ERROR "))]
    found = counts(lines[-1] if lines else "")
    if result.returncode not in (0, 1) and not found["failed"]:
        found["failed"] = 1
        failing.append(f"pytest exited with {result.returncode}: {(result.stderr or result.stdout)[-500:]}")
    return found, seconds, failing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=list(CONFIGURATIONS), help="run this configuration only")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("targets", nargs="*", default=TARGETS, help="what pytest runs (default: %(default)s)")
    args = parser.parse_args(argv)
    failed = 0
    print(f"{'configuration':16} {'passed':>7} {'failed':>7} {'seconds':>8}  variables")
    for name in args.only or CONFIGURATIONS:
        found, seconds, failing = run(name, args.targets, args.workers)
        variables = " ".join(f"{k}={v}" for k, v in CONFIGURATIONS[name].items()) or "(none: the CPU's own choice)"
        print(f"{name:16} {found['passed']:>7} {found['failed']:>7} {seconds:>8.0f}  {variables}", flush=True)
        for test in failing:
            print(f"    FAILED {test}")
        failed += bool(found["failed"]) or not found["passed"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
