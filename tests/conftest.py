"""Shared fixtures."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest
import torch

from tools import ROOT
from tools.sitemetrics import mkdocs_build


@pytest.fixture
def generator() -> torch.Generator:
    """A seeded random generator, so every test sees the same numbers."""
    return torch.Generator().manual_seed(0)


@pytest.fixture(scope="session")
def site(tmp_path_factory, worker_id) -> Path:
    """The whole site, built once per test run with `mkdocs build --strict` (no warning allowed).

    pytest-xdist's workers share it: the first to need it builds it into the run's common
    temporary folder while the others wait on a lock (a build is about 20 s of a worker's time).
    """
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent  # .../pytest-N/popen-gw0 -> .../pytest-N
    site_dir = shared / "site"
    with open(shared / "site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (site_dir / "index.html").is_file():
            result = mkdocs_build(ROOT, site_dir)
            assert result.returncode == 0, result.stderr
            assert "WARNING" not in result.stderr, result.stderr
    return site_dir


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so a fixture can tell in teardown whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
