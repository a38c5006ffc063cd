"""MkDocs hook: serve what mkdocs-jupyter inlines into every notebook page once, as files, and drop what does nothing.

mkdocs-jupyter puts about 590 KB of `<style>` blocks (JupyterLab's theme, light and dark) and about
17 KB of scripts into each notebook page, so a notebook with 30 KB of content became a page of 600
KB or more, and the browser downloaded the same CSS and scripts again for every notebook. This hook:

- moves every large `<style>` block into `assets/jupyter/<hash>.css` and leaves a `<link>` in its
  place, at the same position, so the cascade (and so light and dark mode) is unchanged;
- moves every large classic inline `<script>` (the `clipboard-copy` element behind each cell's copy
  button) into `assets/jupyter/<hash>.js`, loaded at the same position, so it runs at the same time;
- drops the Mermaid loader when the page has no Mermaid diagram (it would do nothing; when it has
  one it would fetch mermaid.js from a CDN), and the MathJax loader and configuration, whose
  `src` is empty (math on the site is rendered by KaTeX).

Files are named after a hash of their content, so every notebook page shares them and the browser
caches them after the first.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)  # classic inline scripts only (no type, no src)
MERMAID_LOADER = re.compile(r'<script type="module">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>', re.S)
MATHJAX = re.compile(r'<!-- Load mathjax -->\s*<script src=""> </script>\s*<!-- MathJax configuration -->\s*'
                     r'<script type="text/x-mathjax-config">.*?</script>', re.S)
MIN_BYTES = 2_000  # smaller blocks (a few rules) stay inline: a request costs more than they do
FOLDER = "assets/jupyter"


def _write_once(config: MkDocsConfig, text: str, suffix: str) -> str:
    name = f"{FOLDER}/{hashlib.sha256(text.encode()).hexdigest()[:16]}.{suffix}"
    path = Path(config.site_dir) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return name


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Externalise the notebook page's large inline styles and scripts; drop its idle loaders."""
    if not page.file.src_uri.endswith(".ipynb"):
        return output

    def style(match: re.Match[str]) -> str:
        if len(match.group(1).encode()) < MIN_BYTES:
            return match.group(0)
        name = _write_once(config, match.group(1), "css")
        return f'<link rel="stylesheet" href="{get_relative_url(name, page.url)}">'

    def script(match: re.Match[str]) -> str:
        if len(match.group(1).encode()) < MIN_BYTES:
            return match.group(0)
        name = _write_once(config, match.group(1), "js")
        return f'<script src="{get_relative_url(name, page.url)}"></script>'

    if 'class="jp-Mermaid' not in output:
        output = MERMAID_LOADER.sub("", output)
    output = MATHJAX.sub("", output)
    return SCRIPT.sub(script, STYLE.sub(style, output))
