"""Every committed notebook is executed, clean and stable on disk (nbval re-runs them separately)."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

from tests.nbnormalize import normalize

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs").rglob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under docs/"


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def notebook(request) -> nbformat.NotebookNode:
    return nbformat.read(request.param, as_version=4)


def test_runs_on_the_python3_kernel(notebook):
    assert notebook.metadata.kernelspec.name == "python3"


def test_executed_top_to_bottom_without_errors(notebook):
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "run `make notebooks`"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors


def test_stored_in_normal_form(notebook):
    assert normalize(copy.deepcopy(notebook)) == notebook, "run `make notebooks` (it normalises them)"


def test_ends_by_asserting_its_result(notebook):
    last = [c for c in notebook.cells if c.cell_type == "code"][-1]
    assert "assert " in last.source
    assert last.outputs, "the last cell should print the metric, dataset and training time"
