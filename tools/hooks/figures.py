"""MkDocs hook: put each notebook's published figures into the pages that quote them, at build time.

A measured figure (an accuracy, an MSE, a training time) is never typed into a page. The notebook
that measures it prints it in a named block (`snippets.results.Figures`), and a page, cheat sheet
or log post writes a reference instead of the number:

    the pretrained network reached {{ vision/transfer-learning.unfrozen_accuracy }}

which names the notebook (its path under `docs/`, without `.ipynb`) and the figure. Before
Markdown is rendered, this hook replaces the reference with the text stored in that notebook's
outputs, so a page always says what the executed notebook printed: re-executing a notebook
updates every page that quotes it, and nbval checks in CI that executing it again prints the
same. A reference to a notebook or a figure that does not exist fails the build with a message
that names the page, the reference and the figures the notebook does publish.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from snippets.results import parse_figures

REFERENCE = re.compile(r"\{\{\s*(?P<notebook>[a-z0-9_-]+(?:/[a-z0-9_-]+)*)\.(?P<name>[a-z][a-z0-9_]*)\s*\}\}")
# Anything between double braces that names a notebook path but is not a well-formed reference.
LOOKS_LIKE_REFERENCE = re.compile(r"\{\{[^{}\n]*/[^{}\n]*\}\}")


def notebook_figures(path: Path) -> dict[str, str]:
    """Every figure that the notebook at `path` printed with `snippets.results.Figures`, by name.

    Raises:
        ValueError: naming the notebook, if it cannot be read or prints a figure name twice.
    """
    try:
        cells = json.loads(path.read_text())["cells"]
    except (OSError, ValueError, KeyError) as error:
        raise ValueError(f"{path}: cannot read the notebook: {error}") from None
    printed = "\n".join(
        "".join(output.get("text", ""))
        for cell in cells if cell["cell_type"] == "code"
        for output in cell.get("outputs", []) if output.get("output_type") == "stream"
    )
    try:
        return parse_figures(printed)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


def fill_figures(markdown: str, figures_of: Callable[[str], dict[str, str] | None], where: str) -> str:
    """Replace every figure reference in `markdown` with the figure's text.

    Args:
        markdown: a page's Markdown.
        figures_of: gives a notebook's figures from its path under `docs/` without `.ipynb`, or
            `None` if there is no such notebook.
        where: the page, for error messages.

    Raises:
        ValueError: naming `where`, for a reference to a missing notebook or figure, or a malformed one.

    Example:
        >>> figures = {"vision/digits": {"accuracy": "0.980"}}
        >>> fill_figures("valid accuracy {{ vision/digits.accuracy }}", figures.get, "vision/index.md")
        'valid accuracy 0.980'
        >>> fill_figures("{{ vision/digits.acuracy }}", figures.get, "vision/index.md")
        Traceback (most recent call last):
        ...
        ValueError: vision/index.md: {{ vision/digits.acuracy }}: docs/vision/digits.ipynb prints no figure ...
    """

    def figure(match: re.Match[str]) -> str:
        notebook, name = match["notebook"], match["name"]
        figures = figures_of(notebook)
        if figures is None:
            raise ValueError(f"{where}: {match[0]}: there is no notebook docs/{notebook}.ipynb")
        if name not in figures:
            published = ", ".join(figures) or "nothing (no snippets.results.Figures block)"
            raise ValueError(
                f"{where}: {match[0]}: docs/{notebook}.ipynb prints no figure {name!r} (it prints: {published})"
            )
        return figures[name]

    filled = REFERENCE.sub(figure, markdown)
    broken = LOOKS_LIKE_REFERENCE.search(filled)
    if broken:
        raise ValueError(f"{where}: {broken[0]} is not a figure reference; write {{{{ <topic>/<notebook>.<figure> }}}}")
    return filled


def figures_reader(docs_dir: Path) -> Callable[[str], dict[str, str] | None]:
    """A `figures_of` for `fill_figures` that reads notebooks under `docs_dir`, each once."""
    cache: dict[str, dict[str, str] | None] = {}

    def figures_of(notebook: str) -> dict[str, str] | None:
        if notebook not in cache:
            path = docs_dir / f"{notebook}.ipynb"
            cache[notebook] = notebook_figures(path) if path.is_file() else None
        return cache[notebook]

    return figures_of


_reader: Callable[[str], dict[str, str] | None] | None = None


def on_pre_build(config: MkDocsConfig) -> None:
    """Read notebooks afresh on every build (`mkdocs serve` rebuilds after a notebook changes)."""
    global _reader
    _reader = figures_reader(Path(config.docs_dir))


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Fill the page's figure references from the notebooks' stored outputs."""
    reader = _reader or figures_reader(Path(config.docs_dir))
    try:
        return fill_figures(markdown, reader, page.file.src_uri)
    except ValueError as error:
        raise PluginError(str(error)) from None
