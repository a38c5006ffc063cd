"""`make topic` scaffolds a topic that passes the build, the link check and its own tests at once.

The same build also checks that the link check catches what MkDocs lets through (links planted in a
notebook), so that one project copy is built once for both.
"""

from __future__ import annotations

import json
import os
import re
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


REPOSITORY = "https://github.com/example/deep-learning-notes"
# Two links that MkDocs lets through and the link check must catch, planted in a notebook.
PLANTED = [
    ("foundations/sgd-from-scratch.html", "../../api/foundations/", "outside the site"),
    ("foundations/sgd-from-scratch.html", "index.html#gone", 'no element with id "gone"'),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict[str, Path], subprocess.CompletedProcess[str], Path]:
    """A copy of the project's sources (no venv, no git) with a topic scaffolded into it and the
    `PLANTED` links in a notebook, built once for the tests below (a build is about 20 s)."""
    project = tmp_path_factory.mktemp("project")
    for name in ("docs", "cheatsheet", "snippets", "tools", "tests"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("mkdocs.yml", "pyproject.toml", "Makefile", "requirements-data.txt"):
        shutil.copy(ROOT / name, project)
    files = scaffold("attention", "Attention", root=project)
    # the repository's address set, as an owner sets it, and the notebooks' install cells written from it
    pyproject = project / "pyproject.toml"
    section = "[tool.setuptools.packages.find]"
    urls = f'[project.urls]\nRepository = "{REPOSITORY}"\n\n'
    pyproject.write_text(pyproject.read_text().replace(section, urls + section))
    notebooks = sorted(str(p.relative_to(project)) for p in (project / "docs").rglob("*.ipynb"))
    subprocess.run([sys.executable, "-m", "tools.nbnormalize", *notebooks], cwd=project, check=True)
    notebook = project / "docs" / "foundations" / "sgd-from-scratch.ipynb"
    nb = json.loads(notebook.read_text())
    first = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    planted = "\n\n[the API page](../../api/foundations/) and [a gone anchor](index.html#gone)"
    first["source"] = "".join(first["source"]) + planted
    notebook.write_text(json.dumps(nb))
    site = tmp_path_factory.mktemp("site")
    return project, files, mkdocs_build(project, site), site


def test_a_new_topic_builds_links_and_passes_its_tests(built):
    project, files, result, site = built
    assert {p.relative_to(project).as_posix() for p in files.values()} == {
        "docs/attention/index.md", "docs/attention/attention.ipynb", "cheatsheet/attention.md",
        "snippets/attention.py", "tests/attention/test_attention.py",
    }
    # the site: no list edited, yet the topic is in the navigation, the API reference and the results
    assert result.returncode == 0 and "WARNING" not in result.stderr, result.stderr
    for page in ("attention/index.html", "attention/attention.html", "cheatsheet/attention.html",
                 "api/snippets/attention.html"):
        assert (site / page).is_file(), page
    # in the navigation's Topics, after the topics that declare their place (its note has no `order`)
    topics = re.findall(r'href="\.\./([a-z-]+)/index\.html"', (site / "foundations" / "index.html").read_text())
    assert list(dict.fromkeys(topics))[-1] == "attention", topics
    # the new cheat sheet is listed beside the others (navigation.prune keeps only a page's own section)
    assert 'href="attention.html"' in (site / "cheatsheet" / "collab.html").read_text()
    assert "always the most common training class" in (site / "results.html").read_text()
    # the repository's address set: every notebook starts with the install cell, and its page opens it in Colab
    for notebook in (project / "docs").rglob("*.ipynb"):
        src = notebook.relative_to(project).as_posix()
        first = next(c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code")
        assert f"git+{REPOSITORY}@main" in "".join(first["source"]), src
        page = (site / notebook.relative_to(project / "docs")).with_suffix(".html").read_text()
        assert f'href="https://colab.research.google.com/github/{REPOSITORY[19:]}/blob/main/{src}"' in page, src
        assert f'href="https://kaggle.com/kernels/welcome?src={REPOSITORY}/blob/main/{src}"' in page, src
    assert [link for link in check_site(site).broken if link not in PLANTED] == []
    # its tests, doctests, notebook (nbval: the install cell finds `snippets` and does nothing, as it must
    # offline), page code and the layout rule, run inside the copy
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/attention",
               "snippets/attention.py", "docs/attention", "cheatsheet/attention.md", "tests/test_layout.py"]
    env = {**os.environ, "PYTHONPATH": str(project)}  # the copy's package, for the notebook's kernel too
    run = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "failed" not in run.stdout and " passed" in run.stdout


def test_a_broken_link_in_a_notebook_fails_the_link_check(built):
    """The strict build does not see links inside notebooks; the link check over the built site does."""
    _, _, result, site = built
    assert result.returncode == 0, result.stderr  # MkDocs itself lets both through
    broken = check_site(site).broken
    assert all(link in broken for link in PLANTED), broken


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
