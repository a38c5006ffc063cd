"""MkDocs hook: keep notebook noise out of the search index.

Material's search plugin indexes a page's HTML as it is. On a notebook page (mkdocs-jupyter) that
HTML holds, for every code cell, the prompt ("In [1]:"), the copy button's "Copied!" label and a
hidden second copy of the code for the clipboard; outputs such as training tables and data frames
can be hundreds of lines long. So a search for "learning rate" finds prompts and logs before the
explanation. On API pages, every function's source code is indexed a second time after its
docstring.

The search plugin skips any element that carries a `data-search-exclude` attribute (and strips the
attribute from the published page). This hook adds that attribute, before the search plugin reads
the page, to:

- notebook prompts, the clipboard widget and the clipboard's copy of the code;
- notebook outputs whose text is longer than `MAX_OUTPUT_CHARS` (short outputs, such as the final
  metric a notebook prints, stay searchable);
- mkdocstrings' "Source code in ..." blocks (the docstring and signature stay searchable).

The published pages look the same; only what search sees changes.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

MAX_OUTPUT_CHARS = 400
EXCLUDE = {"data-search-exclude": "notebook-noise"}  # the search plugin strips it only when it has a value
NOTEBOOK_NOISE = (".jp-InputPrompt", ".jp-OutputPrompt", ".zeroclipboard-container", ".clipboard-copy-txt")
API_NOISE = ("details.mkdocstrings-source",)
# An API page needs no parsing: its noise is whole `<details>` elements, marked on their opening tag
# (parsing every API page with BeautifulSoup took 4 of a full build's 17 s).
API_NOISE_TAG = re.compile(r'<details(?=\s)([^>]*\sclass="(?:[^"]*\s)?mkdocstrings-source(?:\s[^"]*)?")')


def mark_search_noise(html: str, notebook: bool) -> str:
    """Return `html` with `data-search-exclude` on the elements search should not index.

    Args:
        html: A page's content HTML, as MkDocs renders it.
        notebook: Whether the page was converted from a Jupyter notebook.

    Returns:
        The same HTML, with the noise marked; unchanged when nothing needs marking.

    Examples:
        >>> html = '<div class="jp-InputPrompt">In [1]:</div><p>SGD steps downhill.</p>'
        >>> mark_search_noise(html, notebook=True)
        '<div class="jp-InputPrompt" data-search-exclude="notebook-noise">In [1]:</div><p>SGD steps downhill.</p>'
        >>> mark_search_noise('<details class="mkdocstrings-source"><pre>def f(): ...</pre></details>', notebook=False)
        '<details data-search-exclude="notebook-noise" class="mkdocstrings-source"><pre>def f(): ...</pre></details>'
    """
    if not notebook:
        return API_NOISE_TAG.sub(r'<details data-search-exclude="notebook-noise"\1', html)
    selectors = NOTEBOOK_NOISE + API_NOISE
    if not any(s.split(".")[-1] in html for s in selectors):
        return html
    soup = BeautifulSoup(html, "html.parser")
    marked = soup.select(", ".join(selectors))
    marked += [out for out in soup.select(".jp-OutputArea-output") if len(out.get_text()) > MAX_OUTPUT_CHARS]
    for element in marked:
        element.attrs.update(EXCLUDE)
    return str(soup)


@event_priority(100)  # before the search plugin reads the page in on_page_context
def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Mark the page's search noise."""
    return mark_search_noise(html, notebook=page.file.src_uri.endswith(".ipynb"))
