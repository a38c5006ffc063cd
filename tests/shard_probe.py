"""A pytest plugin for `tests/test_shards.py`: in one collection, the tests each CI shard would run.

The GitHub workflow runs the suite as `SHARDS` jobs, each `make test PYTEST_ARGS="--splits N
--group k"`: pytest-split's plugin, after this project's own ordering (`tests/harness.py`), keeps
one contiguous chunk of the collected tests, cut where the durations stored in `.test_durations`
add up to a share, and moves a notebook cut at a chunk's edge wholly into one chunk (its cells
share one kernel). Collecting the whole suite once per shard would cost a collection each; this
plugin runs pytest-split's own selection for every group on the one collection instead, and writes
`{"all": [...], "groups": [[...], ...]}` (node ids) to the file named by `SHARD_PROBE_OUT`.
"""

from __future__ import annotations

import copy
import json
import os

import pytest
from pytest_split.plugin import PytestSplitPlugin

SHARDS = 4  # the workflow's matrix (tests/test_shards.py checks that .github/workflows/ci.yml agrees)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    groups = []
    for group in range(1, SHARDS + 1):
        options = copy.copy(config.option)
        options.splits, options.group = SHARDS, group
        selected = list(items)
        PytestSplitPlugin(_WithOptions(config, options)).pytest_collection_modifyitems(
            _WithOptions(config, options), selected)
        groups.append([item.nodeid for item in selected])
    with open(os.environ["SHARD_PROBE_OUT"], "w") as out:
        json.dump({"all": [item.nodeid for item in items], "groups": groups}, out)


class _WithOptions:
    """`config` with other option values (pytest-split reads `config.option.splits` and `.group`)."""

    def __init__(self, config: pytest.Config, option) -> None:
        self._config, self.option = config, option

    def __getattr__(self, name: str):
        return getattr(self._config, name)
