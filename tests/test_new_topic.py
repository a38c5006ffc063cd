"""`make topic` scaffolds a topic that passes the build, the link check and its own tests at once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import ROOT
from tools.linkcheck import check_site
from tools.new_topic import check_new_topic, scaffold
from tools.sitemetrics import mkdocs_build

pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's sources (no venv, no git), to scaffold into."""
    for name in ("docs", "cheatsheet", "snippets", "tools", "tests"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("mkdocs.yml", "pyproject.toml", "Makefile"):
        shutil.copy(ROOT / name, tmp_path)
    return tmp_path


def test_a_new_topic_builds_links_and_passes_its_tests(project, tmp_path):
    files = scaffold("attention", "Attention", root=project)
    assert {p.relative_to(project).as_posix() for p in files.values()} == {
        "docs/attention/index.md", "docs/attention/attention.ipynb", "cheatsheet/attention.md",
        "snippets/attention.py", "tests/attention/test_attention.py",
    }
    # the site: no list edited, yet the topic is in the navigation, the API reference and the results
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0 and "WARNING" not in result.stderr, result.stderr
    site = tmp_path / "site"
    for page in ("attention/index.html", "attention/attention.html", "cheatsheet/attention.html",
                 "api/snippets/attention.html"):
        assert (site / page).is_file(), page
    assert 'href="attention/index.html"' in (site / "index.html").read_text()  # in the navigation
    assert "always the most common training class" in (site / "results.html").read_text()
    assert not check_site(site).broken
    # its tests, doctests, notebook (nbval), page code and the layout rule, run inside the copy
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/attention",
               "snippets/attention.py", "docs/attention", "cheatsheet/attention.md", "tests/test_layout.py"]
    env = {**os.environ, "PYTHONPATH": str(project)}  # the copy's package, for the notebook's kernel too
    run = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "failed" not in run.stdout and " passed" in run.stdout


@pytest.mark.parametrize(
    ("name", "title", "message"),
    [
        ("Attention!", "Attention", "lowercase letters"),
        ("api", "API", "taken by the site"),
        ("nlp", "NLP again", "exists already: docs/nlp/index.md"),
        ("attention", " ", "one-line title"),
    ],
)
def test_bad_topics_are_refused_and_nothing_is_written(name, title, message):
    before = sorted(p.relative_to(ROOT) for p in (ROOT / "docs").rglob("*"))
    with pytest.raises(ValueError, match=message):
        check_new_topic(name, title)
    assert sorted(p.relative_to(ROOT) for p in (ROOT / "docs").rglob("*")) == before
