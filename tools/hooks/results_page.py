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

import html
import json
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from snippets.results import Result, parse_results
from tools.hooks.navigation import note_front_matter, reading_position

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

"""
TABLE_HEAD = """| notebook | model | dataset | metric | value | reference | training time |
| --- | --- | --- | --- | ---: | --- | ---: |
"""
CHART_INTRO = """Each result whose reference starts with a number, or states only one, against that number: the
bar is the result, the mark the reference, each row on its own scale from 0. Green where the result
is better than its reference (higher, or lower where the arrow says lower is better), red where it
is worse, grey where the two agree to three digits. A reference is what the notebook compares with,
often a weaker baseline on the same data, sometimes a published figure on other data (the table
says which): there the colour only says which number is larger, not that one model is better.
Hover over a row for its notebook, data and metric.

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


def reference_number(reference: str | None) -> float | None:
    """The one number a reference states: the number it starts with, or its only number; else None.

    Examples:
        >>> reference_number("0.849: the course's collab_learner recipe")
        0.849
        >>> reference_number("always the training mean: 22.3 px"), reference_number("baseline: 0.946 ± 0.001")
        (22.3, 0.946)
        >>> reference_number("batch 16: 0.967, batch 256: 0.929") is None, reference_number(None) is None
        (True, True)
        >>> reference_number("-0.12: a baseline below zero")
        -0.12
    """
    if not reference:
        return None
    text = re.sub(r"±\s*\d+(?:\.\d+)?", "", reference)
    start = re.match(r"\s*(-?\d+(?:\.\d+)?)(?![\w.])", text)
    numbers = re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", text)
    if start:
        return float(start.group(1))
    return float(numbers[0]) if len(numbers) == 1 else None


def lower_is_better(metric: str) -> bool:
    """Whether a smaller value is the better one: errors, losses and distances.

    Example:
        >>> lower_is_better("valid RMSE of log price"), lower_is_better("valid perplexity")
        (True, True)
        >>> lower_is_better("valid accuracy")
        False
    """
    pattern = r"\b(MSE|RMSE|MAE|error|loss|distance|perplexity|cross-entropy|log likelihood|bits per)\b"
    return re.search(pattern, metric, flags=re.IGNORECASE) is not None


def _topic_title(docs_dir: Path, src: str) -> str:
    topic = src.split("/")[0]
    return str(note_front_matter(docs_dir, topic).get("title", topic))


def results_chart(rows: list[tuple[str, str, Result]]) -> str:
    """An SVG bar chart, one row per (topic, notebook title, result) with a reference number, grouped by topic.

    Colours come from classes (`docs/assets/results.css`), so the chart follows light and dark mode;
    it is drawn here, at build time, and needs no script.
    """
    width, bar_left, bar_width, row_height = 720, 310, 250, 22  # labels take the first 300 units
    lines, y, topic_shown = [], 0, None
    for topic, title, result in rows:
        reference = reference_number(result.reference)
        if reference is None or result.value < 0 or reference < 0:
            continue
        if topic != topic_shown:
            y += 8 if topic_shown else 0
            lines.append(f'<text class="topic" x="0" y="{y + 15}">{html.escape(topic)}</text>')
            y, topic_shown = y + row_height, topic
        lower = lower_is_better(result.metric)
        better = result.value < reference if lower else result.value > reference
        verdict = "same" if f"{result.value:.3g}" == f"{reference:.3g}" else "better" if better else "worse"
        scale = bar_width / (max(result.value, reference) * 1.05 or 1)
        label = f"{title}: {result.model}"
        short = result.model if len(result.model) <= 46 else result.model[:45] + "…"
        arrow = "↓" if lower else "↑"
        lines += [
            f'<g class="{verdict}"><title>{html.escape(label)}. {html.escape(result.dataset)}. '
            f'{html.escape(result.metric)}: '
            f'{result.value:g}, reference {reference:g} ({"lower" if lower else "higher"} is better)</title>',
            f'<text x="0" y="{y + 15}">{html.escape(short)}</text>',
            f'<rect class="bar" x="{bar_left}" y="{y + 5}" width="{result.value * scale:.1f}" '
            f'height="{row_height - 10}"/>',
            f'<line class="reference" x1="{bar_left + reference * scale:.1f}" x2="{bar_left + reference * scale:.1f}" '
            f'y1="{y + 2}" y2="{y + row_height - 2}"/>',
            f'<text x="{bar_left + bar_width + 10}" y="{y + 15}">{result.value:.3g} vs {reference:.3g} {arrow}</text>',
            "</g>",
        ]
        y += row_height
    if not lines:
        return ""
    svg = "\n".join(lines)
    return (f'<div class="results-chart">\n<svg viewBox="0 0 {width} {y}" role="img" '
            f'aria-label="Each result against its reference">\n{svg}\n</svg>\n</div>\n\n')


def results_markdown(docs_dir: Path) -> str:
    """The results page's Markdown: a chart, then a row per printed result, in the order of learning."""
    notebooks = sorted((p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.ipynb")
                        if ".ipynb_checkpoints" not in p.parts), key=lambda src: reading_position(docs_dir, src))
    rows, charted = [], []
    for src in notebooks:
        title, results = notebook_results(docs_dir / src)
        rows += [
            f"| [{_cell(title)}]({src}) | {_cell(r.model)} | {_cell(r.dataset)} | {_cell(r.metric)} "
            f"| {r.value:.4f} | {_cell(r.reference or '')} | {r.seconds:.1f} s |"
            for r in results
        ]
        charted += [(_topic_title(docs_dir, src), title, r) for r in results]
    chart = results_chart(charted)
    return (INTRO + (CHART_INTRO + chart if chart else "") + '<div class="results-table" markdown>\n\n'
            + TABLE_HEAD + "\n".join(rows) + "\n\n</div>\n")


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated results page to the site."""
    if files.get_file_from_path(PAGE) is not None:
        raise PluginError(f"docs/{PAGE} exists, but the results page is generated: remove the file")
    files.append(File.generated(config, PAGE, content=results_markdown(Path(config.docs_dir))))
    return files
