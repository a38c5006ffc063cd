"""A pytest plugin for `tests/test_shards.py`: in one collection, the tests each CI shard would run.

The GitHub workflow runs the suite as `SHARDS` jobs, each `make test PYTEST_ARGS="--shard k/N"`:
after this project's own ordering, `tests/harness.py` keeps the files that `shard_files` gives
part k, whole files balanced by the seconds recorded in `.test_durations`. Collecting the whole
suite once per shard would cost a collection each; this plugin runs the same selection for every
part on the one collection instead, and writes `{"all": [...], "groups": [[...], ...],
"seconds": [...]}` (node ids, and each part's recorded seconds) to the file named by
`SHARD_PROBE_OUT`.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.harness import DURATIONS, file_seconds, shard_files

SHARDS = 4  # the workflow's matrix (tests/test_shards.py checks that .github/workflows/ci.yml agrees)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    durations = json.loads(DURATIONS.read_text()) if DURATIONS.is_file() else {}
    seconds = file_seconds(items, durations)
    parts = shard_files(seconds, SHARDS)
    groups = [[item.nodeid for item in items if item.nodeid.split("::")[0] in set(part)] for part in parts]
    with open(os.environ["SHARD_PROBE_OUT"], "w") as out:
        json.dump({"all": [item.nodeid for item in items], "groups": groups,
                   "seconds": [sum(seconds[f] for f in part) for part in parts]}, out)
