"""MkDocs hook: each notebook page says where its outputs come from, and how CI checks them.

`make notebooks` stores, in each notebook's metadata, the CPU and the versions its outputs were
recorded with (`recorded_with`, by `tools.nbnormalize --record`), and the notebook may declare
the tolerance its training figures are compared within (`tolerance`, read by `tools.tolerance`).
This hook puts both at the top of the notebook's page, folded, so that a reader whose run prints
other last digits knows why, and how far they may move before CI calls it a failure. A notebook
without `recorded_with` fails the build, naming the file.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from tools.nbnormalize import LIBRARIES


def provenance_html(metadata: dict, where: str) -> str:
    """The folded note for a notebook page, from the notebook's metadata.

    Raises:
        ValueError: naming `where`, if the metadata has no `recorded_with`.

    Example:
        >>> meta = {"recorded_with": {"cpu": "AMD EPYC", "instruction_sets": "AVX2", "kernels": "avx2 (...)",
        ...                           "platform": "Linux x86_64", "python": "3.11.7", "torch": "2.14.1"},
        ...         "tolerance": {"abs": 0.005}}
        >>> note = provenance_html(meta, "docs/x.ipynb")
        >>> "AMD EPYC (AVX2)" in note, "torch 2.14.1" in note, "within 0.005" in note
        (True, True, True)
        >>> provenance_html({}, "docs/x.ipynb")
        Traceback (most recent call last):
        ...
        ValueError: docs/x.ipynb: no 'recorded_with' in the notebook's metadata: run `make notebooks`
    """
    recorded = metadata.get("recorded_with")
    if not isinstance(recorded, dict):
        raise ValueError(f"{where}: no 'recorded_with' in the notebook's metadata: run `make notebooks`")
    versions = ", ".join(f"{name} {recorded[name]}" for name in ("python", *LIBRARIES) if name in recorded)
    tolerance = metadata.get("tolerance")
    if tolerance:
        parts = [f"within {tolerance['abs']}" if tolerance.get("abs") else "",
                 f"{tolerance['rel']:.0%} of the value" if tolerance.get("rel") else ""]
        compared = ("text, data, shapes and whole numbers exactly, and decimal numbers "
                    f"{' plus '.join(p for p in parts if p)} (some cells declare their own)")
    else:
        compared = "every text output exactly"
    text = (
        f"Outputs recorded on {recorded.get('cpu', 'an unknown CPU')} "
        f"({recorded.get('instruction_sets', 'unknown instruction sets')}), {recorded.get('platform', '')}, "
        f"with PyTorch's kernels capped as {recorded.get('kernels', 'unknown')}; {versions}. "
        f"CI executes this notebook again and compares {compared}: another CPU sums in another order, "
        "and training amplifies the last bits. Timings are not compared."
    )
    return (f'<details class="info recorded-with"><summary>Where these outputs come from</summary>'
            f"<p>{html.escape(text)}</p></details>\n")


def on_page_content(page_html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Put the note first on a notebook's page."""
    if not page.file.src_uri.endswith(".ipynb"):
        return page_html
    path = Path(page.file.abs_src_path)
    try:
        note = provenance_html(json.loads(path.read_text()).get("metadata", {}), page.file.src_uri)
    except ValueError as error:
        raise PluginError(str(error)) from None
    return note + page_html
