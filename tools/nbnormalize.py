"""Make executed notebooks stable on disk: `python -m tools.nbnormalize NOTEBOOK...`.

`make notebooks` runs this after executing them, so that re-running an unchanged notebook
leaves the file unchanged: the per-cell execution timestamps are dropped and consecutive
stream outputs (the kernel flushes `print` at arbitrary points) are merged into one.

The timestamps are first added up into the notebook's running time, kept in its metadata as
`execution_seconds`, rounded up to a multiple of 10 so that a re-run rarely changes it: CI's
determinism check uses it to pick a notebook cheap enough to run twice more.
`tests/test_notebooks.py` checks that every committed notebook is in this form.

It also writes each notebook's first code cell, the one that installs the site's code in Colab or
Kaggle, from the repository's address in `pyproject.toml` (`tools.install_cell`); without the
address, there is no such cell.

With `--record`, it also writes where the outputs come from into the notebook's metadata, as
`recorded_with`: the CPU, its instruction sets, the kernel configuration
(`tools.kernels`) and the versions of Python and of the libraries that compute the outputs. Each
notebook page shows it (`tools/hooks/provenance.py`).
"""

from __future__ import annotations

import math
import platform
import sys
from datetime import datetime
from importlib import metadata

import nbformat
from nbformat import NotebookNode

from tools.install_cell import data_packages, install_source, repository_url, with_install_cell
from tools.kernels import CONFIGURATIONS, active, cpu_name

# The libraries whose versions decide a notebook's numbers, in the order a page lists them.
LIBRARIES = ("torch", "fastai", "numpy", "pandas", "scikit-learn", "transformers")
# /proc/cpuinfo flags that change which kernels run, from the widest down.
INSTRUCTION_SETS = {"amx_tile": "AMX", "avx512_bf16": "AVX-512-BF16", "avx512f": "AVX-512", "avx2": "AVX2"}


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


def cpu_instruction_sets(flags: set[str] | None = None) -> list[str]:
    """The instruction sets of `INSTRUCTION_SETS` that the CPU has (default: read from `/proc/cpuinfo`).

    Example:
        >>> cpu_instruction_sets({"fma", "avx2", "avx512f", "avx512_bf16"})
        ['AVX-512-BF16', 'AVX-512', 'AVX2']
    """
    if flags is None:
        try:
            with open("/proc/cpuinfo") as info:
                flags = next((set(line.split(":", 1)[1].split()) for line in info if line.startswith("flags")), set())
        except OSError:
            flags = set()
    return [name for flag, name in INSTRUCTION_SETS.items() if flag in flags]


def recorded_with(env: dict[str, str] | None = None) -> dict[str, str]:
    """Where outputs executed now, in a process with environment `env` (default: this one's), come from.

    The CPU, its instruction sets, the kernel configuration (`tools.kernels`) and the versions of
    Python and of the libraries that compute a notebook's numbers.
    """
    kernels = active(env)
    variables = " ".join(f"{k}={v}" for k, v in CONFIGURATIONS.get(kernels, {}).items())
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {
        "cpu": cpu_name(),
        "instruction_sets": ", ".join(cpu_instruction_sets()) or "unknown",
        "kernels": f"{kernels} ({variables})" if variables else kernels,
        "platform": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        **versions,
    }


def main(paths: list[str]) -> None:
    record = "--record" in paths
    provenance = recorded_with() if record else None
    url = repository_url()
    install = install_source(url, data_packages()) if url else None
    for path in (p for p in paths if p != "--record"):
        nb = nbformat.read(path, as_version=4)
        if provenance is not None:
            nb.metadata["recorded_with"] = provenance
        nbformat.write(with_install_cell(normalize(nb), install), path)


if __name__ == "__main__":
    main(sys.argv[1:])
