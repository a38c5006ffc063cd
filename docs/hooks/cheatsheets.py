"""MkDocs hook: publish the top-level `cheatsheet/` folder under "Cheat sheets".

Cheat sheets live outside `docs/` so that they are easy to find and grep in the repo.
This hook adds each `cheatsheet/*.md` to the site as `cheatsheet/<name>.html` and fills the
nav entry `Cheat sheets: cheatsheet/` with them, sorted by file name, so that a new
cheat sheet needs no edit of `mkdocs.yml`. They are ordinary pages: searched, tagged and
built strictly like the rest.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

FOLDER = "cheatsheet"
NAV_TITLE = "Cheat sheets"


def _root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).parent


def _sheets(config: MkDocsConfig) -> list[str]:
    folder = _root(config) / FOLDER
    sheets = sorted(p.relative_to(_root(config)).as_posix() for p in folder.glob("*.md"))
    if not sheets:
        raise PluginError(f"{folder}: no cheat sheets (*.md) found")
    return sheets


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Replace the placeholder nav entry with the list of cheat sheets."""
    for item in config.nav or []:
        if isinstance(item, dict) and NAV_TITLE in item:
            item[NAV_TITLE] = _sheets(config)
            return config
    raise PluginError(f"mkdocs.yml: the nav needs an entry '{NAV_TITLE}: {FOLDER}/' for the cheat sheets")


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add every cheat sheet to the site's files, read from the repository root."""
    for src_uri in _sheets(config):
        if files.get_file_from_path(src_uri) is not None:
            raise PluginError(f"docs/{src_uri} clashes with {src_uri}: keep cheat sheets in the top-level folder only")
        files.append(File(src_uri, str(_root(config)), config.site_dir, config.use_directory_urls))
    return files
