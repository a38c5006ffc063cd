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

import itertools
import re
from html.parser import HTMLParser

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

MAX_OUTPUT_CHARS = 400
NOISE_CLASSES = {"jp-InputPrompt", "jp-OutputPrompt", "zeroclipboard-container", "clipboard-copy-txt"}
OUTPUT_CLASS = "jp-OutputArea-output"
MARK = ' data-search-exclude="notebook-noise"'  # the search plugin strips it only when it has a value
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# mkdocstrings' source blocks are whole `<details>` elements, marked on their opening tag.
API_NOISE_TAG = re.compile(r'<details(?=\s)([^>]*\sclass="(?:[^"]*\s)?mkdocstrings-source(?:\s[^"]*)?")')


class _NoiseFinder(HTMLParser):
    """Where to mark the noise's opening tags in a page's HTML, read tag by tag.

    The parser BeautifulSoup's "html.parser" uses, without building a tree: the page is then
    marked in place, not written out again (parsing notebook pages with BeautifulSoup took 4 s of
    a 17 s build).
    """

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.marks: set[int] = set()  # where to write the mark: just after a tag's name
        self.open: list[tuple[str, int, bool]] = []  # (tag, where its name ends, is an output)
        self.text: dict[int, int] = {}  # an open output (where its name ends) -> length of its text so far
        self.in_code = 0  # inside <script> or <style>, which are not text

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]]) -> tuple[int, set[str]]:
        """Where the tag's name ends in the page, and its classes; marks it if it is noise."""
        line, column = self.getpos()  # the tag's "<"
        name_end = self.line_starts[line - 1] + column + 1 + len(tag)
        classes = set((dict(attrs).get("class") or "").split())
        if classes & NOISE_CLASSES:
            self.marks.add(name_end)
        return name_end, classes

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name_end, classes = self._tag(tag, attrs)
        if tag in VOID_TAGS:
            return
        output = OUTPUT_CLASS in classes
        self.open.append((tag, name_end, output))
        if output:
            self.text[name_end] = 0
        self.in_code += tag in ("script", "style")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if not self.in_code:
            for offset in self.text:
                self.text[offset] += len(data)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:  # closes this element and any left open inside it
                for name, offset, output in self.open[i:]:
                    self._closed(name, offset, output)
                del self.open[i:]
                return

    def close(self) -> None:
        super().close()
        for name, offset, output in self.open:
            self._closed(name, offset, output)

    def _closed(self, name: str, offset: int, output: bool) -> None:
        self.in_code -= name in ("script", "style")
        if output and self.text.pop(offset) > MAX_OUTPUT_CHARS:
            self.marks.add(offset)


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
        '<div data-search-exclude="notebook-noise" class="jp-InputPrompt">In [1]:</div><p>SGD steps downhill.</p>'
        >>> long = '<div class="jp-OutputArea-output"><pre>' + "epoch 1 loss 0.5\\n" * 30 + "</pre></div>"
        >>> mark_search_noise(long, notebook=True).startswith('<div data-search-exclude="notebook-noise"')
        True
        >>> mark_search_noise('<details class="mkdocstrings-source"><pre>def f(): ...</pre></details>', notebook=False)
        '<details data-search-exclude="notebook-noise" class="mkdocstrings-source"><pre>def f(): ...</pre></details>'
    """
    html = API_NOISE_TAG.sub(rf"<details{MARK}\1", html)
    if not notebook:
        return html
    finder = _NoiseFinder(html)
    finder.feed(html)
    finder.close()
    cuts = [0, *sorted(finder.marks), len(html)]
    return MARK.join(html[start:end] for start, end in itertools.pairwise(cuts))


@event_priority(100)  # before the search plugin reads the page in on_page_context
def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Mark the page's search noise."""
    return mark_search_noise(html, notebook=page.file.src_uri.endswith(".ipynb"))
