"""MkDocs hook: publish the top-level `cheatsheet/` folder as the site's `cheatsheet/` pages.

Cheat sheets live outside `docs/` so that they are easy to find and grep in the repo. This
hook adds each `cheatsheet/*.md` to the site's files as `cheatsheet/<name>.html`; the
navigation plugin then lists them like any folder of pages, so a new cheat sheet needs no
edit of any list. They are ordinary pages: searched, tagged and built strictly like the rest.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

FOLDER = "cheatsheet"


def sheets(root: Path) -> list[str]:
    """The cheat sheets' paths relative to the repository root, sorted; an error if there are none."""
    found = sorted(p.relative_to(root).as_posix() for p in (root / FOLDER).glob("*.md"))
    if not found:
        raise PluginError(f"{root / FOLDER}: no cheat sheets (*.md) found")
    return found


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add every cheat sheet to the site's files, read from the repository root."""
    root = Path(config.config_file_path).parent
    for src_uri in sheets(root):
        if files.get_file_from_path(src_uri) is not None:
            raise PluginError(f"docs/{src_uri} clashes with {src_uri}: keep cheat sheets in the top-level folder only")
        files.append(File(src_uri, str(root), config.site_dir, config.use_directory_urls))
    return files
