"""`make publish` pushes a strict, link-checked build for the given address to a gh-pages branch.

Run in a copy of the project that is a git repository of its own, publishing to a local bare
repository instead of GitHub: the branch must hold the site, with `.nojekyll`, the sitemap and the
feed at the published address, and every link of the pushed tree must work (the offline build's
`name.html` URLs). The GitHub workflow that does the same from CI is linted by `make lint`.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from tools import ROOT
from tools.linkcheck import check_site

pytestmark = pytest.mark.slow
ADDRESS = "https://example.org/notes/"


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's sources, committed in a git repository of its own."""
    copy = tmp_path / "project"
    for name in ("docs", "cheatsheet", "snippets", "tools"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("mkdocs.yml", "pyproject.toml", "Makefile", "requirements.txt", "requirements-data.txt"):
        shutil.copy(ROOT / name, copy)
        os.utime(copy / name, (0, 0))  # older than the venv's stamp: make reuses the project's venv
    git("init", "--quiet", "--initial-branch=main", cwd=copy)
    git("add", ".", cwd=copy)
    git("-c", "user.name=test", "-c", "user.email=test@example.org", "commit", "--quiet", "-m", "notes", cwd=copy)
    return copy


def make(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.org",
           "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.org"}
    env.pop("SITE_URL", None)
    return subprocess.run(["make", f"VENV={ROOT / '.venv'}", *args], cwd=project, env=env,
                          capture_output=True, text=True, check=False)


def test_publish_pushes_the_site_for_its_address_to_gh_pages(project, tmp_path):
    remote = tmp_path / "pages.git"
    git("init", "--quiet", "--bare", str(remote), cwd=tmp_path)
    git("remote", "add", "pages", str(remote), cwd=project)

    result = make(project, "publish", f"SITE_URL={ADDRESS}", "PUBLISH_REMOTE=pages")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    files = set(git("ls-tree", "-r", "--name-only", "gh-pages", cwd=remote).split())
    assert {".nojekyll", "index.html", "why-deep-learning.html", "vision/index.html", "sitemap.xml",
            "feed_rss_created.xml", "search/search_index.js"} <= files
    assert ADDRESS + "vision/index.html" in git("show", "gh-pages:sitemap.xml", cwd=remote)
    assert ADDRESS + "log/" in git("show", "gh-pages:feed_rss_created.xml", cwd=remote)
    vision = git("show", "gh-pages:vision/index.html", cwd=remote)
    assert f'<link rel="canonical" href="{ADDRESS}vision/index.html">' in vision
    assert git("log", "-1", "--format=%s", "gh-pages", cwd=remote).startswith("Publish ")

    archive = subprocess.run(["git", "archive", "gh-pages"], cwd=remote, check=True, capture_output=True).stdout
    pushed = tmp_path / "pushed"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(pushed, filter="data")
    assert not check_site(pushed, base_path="/notes/").broken


def test_publish_without_an_address_says_what_it_needs(project):
    result = make(project, "publish")
    assert result.returncode == 2
    assert "usage: make publish SITE_URL=" in result.stdout + result.stderr


def test_the_workflow_lint_accepts_ours_and_rejects_a_broken_one(tmp_path):
    lint = [str(ROOT / ".venv" / "bin" / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
    workflow = ROOT / ".github" / "workflows" / "ci.yml"
    assert subprocess.run([*lint, str(workflow)], capture_output=True, check=False).returncode == 0
    text = workflow.read_text()
    assert "run: make test" in text and "actions/deploy-pages" in text
    broken = tmp_path / "ci.yml"
    broken.write_text(text.replace("runs-on:", "runs_on:", 1))
    result = subprocess.run([*lint, str(broken)], capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "runs-on" in result.stdout + result.stderr
