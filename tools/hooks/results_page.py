"""MkDocs hook: generate the results page from the executed notebooks, at build time.

Every notebook's last code cell prints a `snippets.results.Result` block (model, dataset, metric,
value, reference, training time); a notebook that compares models prints one block per model,
its headline last. This hook reads those blocks from the stored outputs of each notebook under
`docs/` and publishes `results.md`: one row per block, notebooks in the navigation's order (the
order of learning: `tools/hooks/navigation.py`). The figures on the page are therefore the ones the notebooks produced
when they were last executed (and nbval checks, in CI, that executing them again gives the same),
never typed by hand.

A notebook without a result block fails the build with a message that names it.
"""

from __future__ import annotations

import json
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from snippets.results import Result, parse_results
from tools.hooks.navigation import reading_position

PAGE = "results.md"
INTRO = """---
title: Results
tags:
  - results
---

# Results

Every result the notebooks on the site print: the model, the data it was scored on, the metric, a
reference to compare with where one exists, and the training time on two CPU cores. Most
notebooks print one; a notebook that compares models prints a row for each, its headline last.

This page is generated when the site is built: a hook reads the `Result` blocks that each
notebook's last cell printed (see [`snippets.results`][snippets.results]). CI executes every
notebook again and checks that it prints the same, so these figures are the notebooks' own.

| notebook | model | dataset | metric | value | reference | training time |
| --- | --- | --- | --- | ---: | --- | ---: |
"""


def notebook_result(path: Path) -> tuple[str, Result]:
    """A notebook's title (its first heading) and the headline `Result`: the last its last code cell printed.

    Raises:
        PluginError: naming the notebook, if it has no code cell, no title or no result block.
    """
    title, results = notebook_results(path)
    return title, results[-1]


def notebook_results(path: Path) -> tuple[str, list[Result]]:
    """A notebook's title (its first heading) and every `Result` its last code cell printed, in order.

    Raises:
        PluginError: naming the notebook, if it has no code cell, no title or no result block.
    """
    cells = json.loads(path.read_text())["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    if not code:
        raise PluginError(f"{path}: no code cells, so no result for the results page")
    printed = "".join(
        "".join(out.get("text", "")) for out in code[-1].get("outputs", []) if out.get("output_type") == "stream"
    )
    try:
        results = parse_results(printed)
    except ValueError as error:
        raise PluginError(
            f"{path}: the last code cell must print a snippets.results.Result (is the notebook executed?): {error}"
        ) from None
    headings = [line for cell in cells if cell["cell_type"] == "markdown"
                for line in "".join(cell["source"]).splitlines() if line.startswith("# ")]
    if not headings:
        raise PluginError(f"{path}: no '# ' title in a markdown cell")
    return headings[0][2:].strip(), results


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def results_markdown(docs_dir: Path) -> str:
    """The results page's Markdown: a row per printed result, notebooks under `docs_dir` in the order of learning."""
    notebooks = sorted((p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.ipynb")
                        if ".ipynb_checkpoints" not in p.parts), key=lambda src: reading_position(docs_dir, src))
    rows = []
    for src in notebooks:
        title, results = notebook_results(docs_dir / src)
        rows += [
            f"| [{_cell(title)}]({src}) | {_cell(r.model)} | {_cell(r.dataset)} | {_cell(r.metric)} "
            f"| {r.value:.4f} | {_cell(r.reference or '')} | {r.seconds:.1f} s |"
            for r in results
        ]
    return INTRO + "\n".join(rows) + "\n"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated results page to the site."""
    if files.get_file_from_path(PAGE) is not None:
        raise PluginError(f"docs/{PAGE} exists, but the results page is generated: remove the file")
    files.append(File.generated(config, PAGE, content=results_markdown(Path(config.docs_dir))))
    return files
