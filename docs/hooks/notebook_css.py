"""MkDocs hook: serve the Jupyter CSS that mkdocs-jupyter inlines into every notebook page once, as a file.

mkdocs-jupyter puts about 590 KB of `<style>` blocks (JupyterLab's theme, light and dark) into
each notebook page, so a notebook with 30 KB of content becomes a page of 600 KB or more, and the
browser downloads the same CSS again for every notebook. This hook moves every large `<style>`
block of a notebook page into `assets/jupyter/<hash>.css` and leaves a `<link>` in its place, at
the same position, so that the cascade (and so light and dark mode) is unchanged and the browser
caches the file after the first notebook.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
MIN_BYTES = 2_000  # smaller blocks (a few rules) stay inline: a request costs more than they do
FOLDER = "assets/jupyter"


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Replace the notebook page's large inline styles by links to shared, content-named CSS files."""
    if not page.file.src_uri.endswith(".ipynb"):
        return output

    def externalise(match: re.Match[str]) -> str:
        css = match.group(1)
        if len(css.encode()) < MIN_BYTES:
            return match.group(0)
        name = f"{FOLDER}/{hashlib.sha256(css.encode()).hexdigest()[:16]}.css"
        path = Path(config.site_dir) / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(css)
        return f'<link rel="stylesheet" href="{get_relative_url(name, page.url)}">'

    return STYLE.sub(externalise, output)
