"""nbval compares decimal numbers within the tolerance a notebook declares, and everything else exactly."""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from tests.exact import exactly
from tools import ROOT
from tools.tolerance import Tolerance, cell_tolerance, within_tolerance

pytestmark = pytest.mark.slow


# (code, stored output, whether nbval should pass the cell) under the notebook's tolerance of 0.005
CELLS = [
    ("print('epoch 1  accuracy 0.962  (3.1 s)')", "epoch 1  accuracy 0.965  (2.9 s)\n", True),
    ("print('epoch 1  accuracy 0.955')", "epoch 1  accuracy 0.965\n", False),  # beyond 0.005
    ("# NBVAL_TOLERANCE abs=0.05\nprint('accuracy 0.94')", "accuracy 0.965\n", True),  # the cell's own wins
    ("print('winner: boosting 0.965')", "winner: forest 0.965\n", False),  # text is exact
    ("print('3 mistakes')", "4 mistakes\n", False),  # so are whole numbers
]


def test_nbval_compares_decimals_within_the_declared_tolerance_and_the_rest_exactly(tmp_path):
    cells = [new_code_cell(code, execution_count=i + 1, outputs=[new_output("stream", name="stdout", text=stored)])
             for i, (code, stored, _) in enumerate(CELLS)]
    path = tmp_path / "check.ipynb"
    nbformat.write(new_notebook(cells=cells, metadata={"tolerance": {"abs": 0.005}}), path)
    command = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-o", "addopts=", "-p", "tests.harness",
               "--nbval", "--nbval-current-env", f"--nbval-sanitize-with={ROOT / 'tests' / 'sanitize.cfg'}",
               "--rootdir", str(tmp_path), str(path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    outcomes = dict(re.findall(r"::Cell (\d+) (PASSED|FAILED)", result.stdout))
    assert outcomes == {str(i): "PASSED" if passes else "FAILED" for i, (*_, passes) in enumerate(CELLS)}, result.stdout
    assert "epoch 1  accuracy 0.955" in result.stdout  # a failure is nbval's own report of the difference


@pytest.mark.parametrize(
    ("stored", "computed", "same"),
    [
        ("loss 2.3031 acc 0.1000", "loss 2.3039 acc 0.1010", True),
        ("2026-12-07, 1,196 passed", "2026-12-07, 1,197 passed", False),  # dates and counts are exact
        ("lr 4.4e-01", "lr 3.6e-01", False),
        ("lr 4.4e-03", "lr 4.5e-03", True),
        ("0.5 and 0.5", "0.5 and", False),
        ("nan", "nan", True),
        ("refused 0.6%, letters 69%", "refused 0.7%, letters 69%", True),  # shares: 0.006 and 0.007
        ("letters 69%", "letters 70%", False),  # 0.69 and 0.70: one point is beyond 0.002
        ("100% of 40", "100% of 41", False),  # the count stays exact
    ],
)
def test_within_tolerance(stored, computed, same):
    assert within_tolerance(stored, computed, Tolerance(abs=0.002)) is same


@pytest.mark.parametrize(
    ("source", "metadata", "message"),
    [
        ("# NBVAL_TOLERANCE abs=-1\n", {}, "tolerance abs must be a finite number >= 0, got -1.0"),
        ("# NBVAL_TOLERANCE\n", {}, "a tolerance needs abs or rel above 0 (leave it out to compare exactly)"),
        ("x = 1\n", {"tolerance": 0.01}, "notebook metadata 'tolerance' must be {'abs': x, 'rel': y}, got 0.01"),
    ],
)
def test_a_malformed_tolerance_is_refused_with_a_clear_message(source, metadata, message):
    with pytest.raises(ValueError, match=exactly(message)):
        cell_tolerance(source, metadata)
