"""Every committed notebook is executed, clean and stable on disk (nbval re-runs them separately)."""

from __future__ import annotations

import copy
import json
import re

import nbformat
import pytest

from tools import ROOT
from tools.nbnormalize import normalize

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


def test_test_concerns_are_one_call_at_the_top(notebook):
    """Progress bars, threads and warning filters are `quiet_and_repeatable()`'s job, made first, once."""
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert code[0].startswith("from snippets.notebook import quiet_and_repeatable\n\nquiet_and_repeatable()")
    for source in code:
        for concern in ("warnings.filterwarnings", "set_num_threads", "plain_text_log", "remove_cb(ProgressCallback"):
            assert concern not in source, f"{concern} in a cell: quiet_and_repeatable() does it"


def test_stored_in_normal_form(notebook):
    assert normalize(copy.deepcopy(notebook)) == notebook, "run `make notebooks` (it normalises them)"


def test_ends_by_asserting_its_result(notebook):
    last = [c for c in notebook.cells if c.cell_type == "code"][-1]
    assert "assert " in last.source
    assert last.outputs, "the last cell should print the metric, dataset and training time"


# Things that must never be committed in a notebook's outputs or source.
SECRETS = re.compile(
    r"(hf_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}|xox[baprs]-[A-Za-z0-9-]{10,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----|(api[_-]?key|token|password)\s*[:=]\s*['\"][^'\"]{8,})",
    re.IGNORECASE,
)
MACHINE_PATHS = re.compile(r"(/home/\w+|/root/|/Users/\w+|/tmp/|/var/folders/|\b[A-Z]:\\|/work/)")
MAX_OUTPUT_BYTES = 1_000_000


def _texts(notebook: nbformat.NotebookNode):
    """(where, text) for every source and every text output; images are left out (base64)."""
    for i, cell in enumerate(notebook.cells):
        yield f"cell {i} source", cell.source
        for out in cell.get("outputs", []):
            if "text" in out:
                yield f"cell {i} output", out.text
            for mime, data in out.get("data", {}).items():
                if mime.startswith("text/") or mime.endswith("json"):
                    yield f"cell {i} {mime}", data if isinstance(data, str) else json.dumps(data)


def test_no_secrets(notebook):
    for where, text in _texts(notebook):
        match = SECRETS.search(text)
        assert not match, f"{where} holds what looks like a secret: {match.group(0)[:12]}..."


def test_no_paths_of_this_machine(notebook):
    for where, text in _texts(notebook):
        match = MACHINE_PATHS.search(text)
        assert not match, f"{where} shows a path of the machine it ran on ({match.group(0)}): print relative paths"


def test_no_output_over_a_megabyte(notebook):
    for i, cell in enumerate(notebook.cells):
        for out in cell.get("outputs", []):
            size = len(json.dumps(out))
            assert size <= MAX_OUTPUT_BYTES, f"cell {i} has an output of {size:,} bytes: plot smaller or print less"


@pytest.mark.parametrize(
    ("text", "caught"),
    [
        ("token = 'abcdefgh12345678'", True),
        ("hf_" + "a" * 34, True),
        ("learning rate 1e-2", False),
        ("weights_only=True", False),
    ],
)
def test_secret_pattern_catches_keys_not_prose(text, caught):
    assert bool(SECRETS.search(text)) is caught


@pytest.mark.parametrize(
    ("text", "caught"),
    [("/home/alice/data.csv", True), ("C:\\Users\\me", True), ("/tmp/x.png", True), ("models/digits/", False)],
)
def test_machine_path_pattern(text, caught):
    assert bool(MACHINE_PATHS.search(text)) is caught
