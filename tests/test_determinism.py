"""`tests/determinism.py` tells a notebook that repeats itself from one that does not."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.determinism import main

pytestmark = pytest.mark.slow


def _notebook(folder: Path, name: str, source: str) -> str:
    path = folder / name
    nbformat.write(new_notebook(cells=[new_code_cell(source)]), path)
    return str(path)


def test_seeded_notebook_passes_and_unseeded_fails(tmp_path, capsys):
    seeded = _notebook(tmp_path, "seeded.ipynb", "import random\nrandom.seed(0)\nprint(random.random())")
    unseeded = _notebook(tmp_path, "unseeded.ipynb", "import random\nprint(random.random())")
    timing = _notebook(tmp_path, "timing.ipynb", "import time\nprint(f'took {time.perf_counter():.3f} s')")
    assert main([seeded, timing]) == 0  # timings are masked, as nbval masks them
    assert main([unseeded]) == 1
    assert "DIFFERENT between two runs" in capsys.readouterr().out
