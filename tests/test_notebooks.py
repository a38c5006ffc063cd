"""Every committed notebook is executed, clean and stable on disk (nbval re-runs them separately)."""

from __future__ import annotations

import ast
import copy
import json
import re

import nbformat
import pytest

from snippets.results import parse_result
from tools import ROOT
from tools.install_cell import data_packages, install_source, is_install_cell, repository_url, with_install_cell
from tools.kernels import RECORDING
from tools.nbnormalize import normalize
from tools.tolerance import cell_tolerance

NOTEBOOKS = sorted((ROOT / "docs").rglob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under docs/"


# Test ids name a notebook by its place under docs/ (`vision/digits`).
@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "docs").with_suffix("").as_posix())
def notebook(request) -> nbformat.NotebookNode:
    return nbformat.read(request.param, as_version=4)


def test_runs_on_the_python3_kernel(notebook):
    assert notebook.metadata.kernelspec.name == "python3"


def test_executed_top_to_bottom_without_errors(notebook):
    """Every cell in order, in one kernel (the install cell aside: stored unexecuted, it may have run first)."""
    code = [c for c in notebook.cells if c.cell_type == "code" and not is_install_cell(c)]
    installs = any(is_install_cell(c) for c in notebook.cells)
    first = 2 if installs and code and code[0].execution_count == 2 else 1
    assert [c.execution_count for c in code] == list(range(first, first + len(code))), "run `make notebooks`"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors


def test_test_concerns_are_one_call_at_the_top(notebook):
    """Progress bars, threads and warning filters are `quiet_and_repeatable()`'s job, made first, once."""
    code = [c.source for c in notebook.cells if c.cell_type == "code" and not is_install_cell(c)]
    assert code[0].startswith("from snippets.notebook import quiet_and_repeatable\n\nquiet_and_repeatable()")
    for source in code:
        for concern in ("warnings.filterwarnings", "set_num_threads", "plain_text_log", "remove_cb(ProgressCallback"):
            assert concern not in source, f"{concern} in a cell: quiet_and_repeatable() does it"


def test_says_where_its_outputs_come_from(notebook):
    """`make notebooks` records the CPU, the kernels and the versions; each page shows them."""
    recorded = notebook.metadata.get("recorded_with", {})
    assert {"cpu", "instruction_sets", "kernels", "python", "torch"} <= recorded.keys(), "run `make notebooks`"
    assert recorded["kernels"].startswith(RECORDING + " "), "record under `make notebooks`' kernels"


def test_a_declared_tolerance_is_well_formed_and_small(notebook):
    """A tolerance absorbs another CPU's last bits, not a different result: at most 0.02 and 2%."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            tolerance = cell_tolerance(cell.source, notebook.metadata)
            assert tolerance is None or (tolerance.abs <= 0.02 and tolerance.rel <= 0.02), cell.source[:80]


def test_stored_in_normal_form(notebook):
    assert normalize(copy.deepcopy(notebook)) == notebook, "run `make notebooks` (it normalises them)"


def test_first_code_cell_installs_from_the_repository_set_in_pyproject(notebook):
    """With [project.urls] Repository, the first code cell installs the site's code in Colab; without it, none."""
    url = repository_url()
    expected = with_install_cell(copy.deepcopy(notebook), install_source(url, data_packages()) if url else None)
    assert expected == notebook, "run `python -m tools.nbnormalize docs/**/*.ipynb` (it writes the install cell)"


# A notebook's final threshold sits at most this far from the headline value it stores, on the
# metric's own scale (accuracy, MSE, Pearson's r): a result re-recorded worse than that fails.
MAX_SLACK = 0.05


def headline_thresholds(source: str) -> tuple[ast.expr, list[tuple[str, float]]]:
    """The expression the cell's last `Result(value=...)` (its headline) gets, and each `assert <it> <op> <threshold>`.

    A threshold is a number, or arithmetic on numbers and on names the cell assigns numbers to
    (`REFERENCE_MSE - 0.015`).

    Example:
        >>> value, checks = headline_thresholds("best = 1\\nprint(Result(value=acc[best]))\\nassert acc[best] >= 0.9")
        >>> ast.unparse(value), checks
        ('acc[best]', [('>=', 0.9)])
        >>> cell = "print(Result(value=zero))\\nprint(Result(value=tuned))\\nassert tuned > 0.2"
        >>> value, checks = headline_thresholds(cell)
        >>> ast.unparse(value), checks
        ('tuned', [('>', 0.2)])
    """
    tree = ast.parse(source)
    calls = sorted((node for node in ast.walk(tree) if isinstance(node, ast.Call)
                    and getattr(node.func, "id", None) == "Result"), key=lambda n: (n.lineno, n.col_offset))
    values = [k.value for node in calls[-1:] for k in node.keywords if k.arg == "value"]
    assert len(values) == 1, "the last cell should print a Result(..., value=...), its headline last"
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets if isinstance(target, ast.Name)
    }
    operators = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<="}
    checks = []
    for node in tree.body:
        test = node.test if isinstance(node, ast.Assert) else None
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in operators):
            continue
        if ast.dump(test.left) != ast.dump(values[0]):
            continue
        names = {n.id for n in ast.walk(test.comparators[0]) if isinstance(n, ast.Name)}
        if names <= constants.keys():
            threshold = eval(compile(ast.Expression(test.comparators[0]), "threshold", "eval"), {}, constants)
            checks.append((operators[type(test.ops[0])], float(threshold)))
    return values[0], checks


def test_ends_by_asserting_its_headline_value_near_what_it_stores(notebook):
    """The last cell asserts the value it prints in its `Result` against a fixed threshold close to it."""
    last = [c for c in notebook.cells if c.cell_type == "code"][-1]
    assert last.outputs, "the last cell should print the metric, dataset and training time"
    stored = parse_result("".join(o.get("text", "") for o in last.outputs)).value
    value, checks = headline_thresholds(last.source)
    assert checks, f"no `assert {ast.unparse(value)} <op> <number>` in the last cell"
    for op, threshold in checks:
        assert abs(stored - threshold) <= MAX_SLACK, (
            f"assert {ast.unparse(value)} {op} {threshold}: the stored value is {stored:.4f}; "
            f"a threshold more than {MAX_SLACK} away lets a worse re-recorded result pass"
        )


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
