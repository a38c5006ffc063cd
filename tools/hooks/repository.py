"""MkDocs hook: the site's `repo_url` comes from the one setting of the repository's address.

That setting is `Repository` under `[project.urls]` in `pyproject.toml` (`tools.install_cell`): the
notebooks' install cell is written from it too, so a notebook page offers Colab and Kaggle
(`docs/overrides/main.html`) exactly when the notebook can install what it imports there. Without
it the site has no repository link and no Colab or Kaggle buttons.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from tools.install_cell import BRANCH, repository_url


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    if config.repo_url:
        raise PluginError("mkdocs.yml: set the repository's address as [project.urls] Repository in "
                          "pyproject.toml, not as repo_url (the notebooks' install cell is written from it)")
    try:
        url = repository_url(Path(config.config_file_path).parent)
    except ValueError as error:
        raise PluginError(str(error)) from error
    if url:
        config.repo_url = url
        config.repo_name = url.removeprefix("https://github.com/")
        config.extra["repo_branch"] = BRANCH
    return config
