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
    """Where the noise's opening tags start in a page's HTML, read tag by tag.

    The parser BeautifulSoup's "html.parser" uses, without building a tree: the page is then
    marked in place, not written out again (parsing notebook pages with BeautifulSoup took 4 s of
    a 17 s build).
    """

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.marks: list[int] = []  # offsets of the "<" of the tags to mark
        self.open: list[tuple[str, int, bool]] = []  # (tag, offset, is an output)
        self.text = {}  # offset of an open output -> length of its text so far
        self.in_code = 0  # inside <script> or <style>, which are not text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        offset = self.line_starts[line - 1] + column
        classes = set((dict(attrs).get("class") or "").split())
        if classes & NOISE_CLASSES:
            self.marks.append(offset)
        if tag in VOID_TAGS:
            return
        output = OUTPUT_CLASS in classes
        self.open.append((tag, offset, output))
        if output:
            self.text[offset] = 0
        self.in_code += tag in ("script", "style")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        if set((dict(attrs).get("class") or "").split()) & NOISE_CLASSES:
            self.marks.append(self.line_starts[line - 1] + column)

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
            self.marks.append(offset)


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
    for offset in sorted(set(finder.marks), reverse=True):  # from the end, so earlier offsets hold
        name_end = offset + 1 + len(re.match(r"<([\w-]+)", html[offset:]).group(1))
        html = html[:name_end] + MARK + html[name_end:]
    return html


@event_priority(100)  # before the search plugin reads the page in on_page_context
def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Mark the page's search noise."""
    return mark_search_noise(html, notebook=page.file.src_uri.endswith(".ipynb"))
