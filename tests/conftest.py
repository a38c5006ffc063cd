"""Shared fixtures."""

from __future__ import annotations

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
def site(tmp_path_factory) -> Path:
    """The whole site, built once per test session with `mkdocs build --strict` (no warning allowed)."""
    site_dir = tmp_path_factory.mktemp("site")
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
