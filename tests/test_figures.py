"""Figures in prose cannot drift from the notebooks: they are references, filled in at build time.

Every page (notes, cheat sheets, log posts, the home page) quotes a measured figure as
`{{ <topic>/<notebook>.<name> }}`, which `tools/hooks/figures.py` fills from the figures the
executed notebook printed. These tests hold both halves without a site build:

- every reference on every page names a notebook and a figure it prints, so renaming or dropping a
  figure in a notebook fails here, naming the page;
- no page types a figure by hand: a decimal with two or more places (0.96, 0.0767) or a duration
  (21 s) in prose must be a reference, unless the page's front matter lists it under
  `cited_figures`: a figure measured elsewhere and quoted with its source (a paper, the course, or a
  reference run of a default recipe recorded once and not re-run in CI, which the page must say).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mkdocs.utils.meta import get_data

from tools import ROOT
from tools.hooks.figures import REFERENCE, figures_reader, fill_figures, notebook_figures

DOCS = ROOT / "docs"
PAGES = sorted([*DOCS.rglob("*.md"), *(ROOT / "cheatsheet").glob("*.md")])
NOTEBOOKS = sorted(p for p in DOCS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)

FENCE = re.compile(r"^( *)(```|~~~).*?^\1\2", re.S | re.M)
NOT_PROSE = [
    FENCE,
    re.compile(r"`[^`\n]+`"),                 # code spans
    re.compile(r"<!--.*?-->", re.S),          # comments
    re.compile(r"\]\([^)\s]*\)"),             # link targets
    re.compile(r"^\s*--8<--.*$", re.M),       # includes
    re.compile(r"\$[^$\n]+\$"),               # maths
    REFERENCE,
]
# A measured figure: a number with two or more decimal places, or a duration in seconds.
FIGURE = re.compile(r"(?<![\w.,-])(?:\d+(?:\.\d+)? s\b|\d+(?:\.\d+)? seconds\b|\d+\.\d{2,})(?![\w.]\d)")


def prose(markdown: str) -> str:
    """The page's text with code, comments, link targets, maths and figure references removed."""
    for pattern in NOT_PROSE:
        markdown = pattern.sub(" ", markdown)
    return markdown


def hand_typed_figures(text: str) -> list[str]:
    """The figures typed into a page's prose, minus those its front matter cites.

    >>> hand_typed_figures("---\\ncited_figures: ['0.89']\\n---\\nRMSE 0.89, ours {{ collab/movielens.rmse }},"
    ...                    " lr `0.001`, 0.5 of the columns, trained in 21 s and 0.38 seconds; MNIST 3s and 7s.")
    ['21 s', '0.38 seconds']
    """
    body, meta = get_data(text)
    cited = {str(figure) for figure in meta.get("cited_figures", [])}
    return [figure for figure in FIGURE.findall(prose(body)) if figure not in cited]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_figure_reference_names_a_figure_its_notebook_prints(page: Path) -> None:
    fill_figures(page.read_text(), figures_reader(DOCS), page.relative_to(ROOT).as_posix())


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_page_types_a_measured_figure_by_hand(page: Path) -> None:
    typed = hand_typed_figures(page.read_text())
    assert not typed, (
        f"{page.relative_to(ROOT)} types figures by hand: {typed}. Print them in the notebook that measures them "
        "(snippets.results.Figures) and write {{ <topic>/<notebook>.<name> }} instead; a figure published "
        "elsewhere (a paper, the course, a recorded reference run) goes in the page's front matter under "
        "cited_figures, and the page says where it comes from."
    )


def test_cited_figures_appear_on_their_page() -> None:
    for page in PAGES:
        body, meta = get_data(page.read_text())
        for figure in meta.get("cited_figures", []):
            assert str(figure) in prose(body), f"{page.relative_to(ROOT)} cites {figure!r}, which it no longer quotes"


def test_every_published_figure_is_quoted_somewhere() -> None:
    """A figure nobody quotes is dead weight in a notebook's output; drop it or quote it."""
    quoted = {(m["notebook"], m["name"]) for page in PAGES for m in REFERENCE.finditer(page.read_text())}
    unquoted = [
        f"{nb.relative_to(DOCS).with_suffix('').as_posix()}.{name}"
        for nb in NOTEBOOKS for name in notebook_figures(nb)
        if (nb.relative_to(DOCS).with_suffix("").as_posix(), name) not in quoted
    ]
    assert not unquoted, f"figures printed but quoted by no page: {unquoted}"


def test_a_changed_figure_changes_the_page_and_a_vanished_one_fails(tmp_path: Path) -> None:
    notebook = tmp_path / "vision" / "digits.ipynb"
    notebook.parent.mkdir()

    def store(printed: str) -> None:
        cell = {"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": printed}]}
        notebook.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                                       "nbformat_minor": 5}))

    page = "valid accuracy {{ vision/digits.accuracy }}"
    store("figures\n  accuracy: 0.980\n")
    assert fill_figures(page, figures_reader(tmp_path), "p.md") == "valid accuracy 0.980"
    store("figures\n  accuracy: 0.975\n")
    assert fill_figures(page, figures_reader(tmp_path), "p.md") == "valid accuracy 0.975"
    store("figures\n  augmented_accuracy: 0.975\n")
    with pytest.raises(ValueError, match=r"p\.md: .*prints no figure 'accuracy' \(it prints: augmented_accuracy\)"):
        fill_figures(page, figures_reader(tmp_path), "p.md")
    with pytest.raises(ValueError, match=r"there is no notebook docs/vision/digit\.ipynb"):
        fill_figures("{{ vision/digit.accuracy }}", figures_reader(tmp_path), "p.md")
    with pytest.raises(ValueError, match="is not a figure reference"):
        fill_figures("{{ vision/digits accuracy }}", figures_reader(tmp_path), "p.md")
