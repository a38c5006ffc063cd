"""The workflow's shards together run every test exactly once, and each notebook whole in one shard.

`.github/workflows/ci.yml` runs the suite as parallel jobs, `make test PYTEST_ARGS="--shard k/N"`
for k = 1..N: `tests/harness.py` keeps part k of the files, balanced by the seconds each test took
when `make durations` recorded them in `.test_durations` (with pytest-split's `--store-durations`).
`make test` alone still runs everything. One collection of the whole suite, with the selection run
for every part (`tests/shard_probe.py`), shows what each job would run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from tests.exact import exactly
from tests.shard_probe import SHARDS
from tools import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shards(tmp_path_factory) -> dict[str, list]:
    out = tmp_path_factory.mktemp("shards") / "shards.json"
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "tests.shard_probe",
               "-p", "no:cacheprovider"]
    run = subprocess.run(command, cwd=ROOT, env={**os.environ, "SHARD_PROBE_OUT": str(out)},
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return json.loads(out.read_text())


def test_the_shards_select_every_test_exactly_once(shards):
    every, groups = shards["all"], shards["groups"]
    assert len(groups) == SHARDS and all(groups), [len(g) for g in groups]
    selected = [node for group in groups for node in group]
    assert len(every) > 1000 and len(set(every)) == len(every)
    assert sorted(selected) == sorted(every)  # none left out, none run twice


def test_a_notebooks_cells_stay_in_one_shard(shards):
    """nbval runs a notebook's cells in one kernel, in order: a notebook split between jobs would fail."""
    shard_of: dict[str, int] = {}
    for k, group in enumerate(shards["groups"]):
        for node in group:
            path = node.split("::")[0]
            if path.endswith(".ipynb"):
                assert shard_of.setdefault(path, k) == k, f"{path} is split between shards"
    assert len(shard_of) == len(list((ROOT / "docs").rglob("*.ipynb")))


def test_the_shards_are_balanced_by_recorded_time(shards):
    """No job much longer than the others: the longest part within 30% of the mean (one notebook can't be cut)."""
    seconds = shards["seconds"]
    assert max(seconds) <= 1.3 * sum(seconds) / len(seconds), [round(s) for s in seconds]


def test_the_workflow_runs_these_shards():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    job = workflow["jobs"]["test"]
    assert job["strategy"]["matrix"]["shard"] == list(range(1, SHARDS + 1))
    commands = [step.get("run", "") for step in job["steps"]]
    assert f'make test PYTEST_ARGS="--shard ${{{{ matrix.shard }}}}/{SHARDS}"' in commands
    assert json.loads((ROOT / ".test_durations").read_text()), "run `make durations`"


@pytest.mark.parametrize("value", ["0/4", "5/4", "2", "a/b", "2/0"])
def test_a_bad_shard_is_refused(value):
    from tests.harness import parse_shard

    with pytest.raises(ValueError, match=exactly(f"--shard must be K/N with 1 <= K <= N, such as 2/4, not {value!r}")):
        parse_shard(value)
