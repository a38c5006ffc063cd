"""The built site in a real browser: serve it, search it, measure its cheat sheets.

Shared by the browser test (`tests/test_browser.py`, which asserts on the figures) and `make bench`
(which prints them). Playwright drives Debian's Chromium (`/usr/bin/chromium`, installed by
`make venv`); Playwright downloads nothing.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 900}
RESULTS = ".md-search-result__list > .md-search-result__item > a"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve the built `site` on a free port of 127.0.0.1; yields its base URL (ending in '/')."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    if not CHROMIUM.is_file():
        raise FileNotFoundError(f"{CHROMIUM} is missing: `make venv` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def page_path(url: str, base: str) -> str:
    """A result's page, relative to the site: no query string, no anchor."""
    return url.split("?")[0].split("#")[0].removeprefix(base)


def search(page: Page, query: str, base: str = "") -> list[str]:
    """Type `query` into the site's search box; the distinct pages of the results, best first.

    The box is emptied first and the search is read only once it has answered this query, so one
    page can run many queries in a row.
    """
    box = page.locator("input.md-search__input")
    meta = page.locator(".md-search-result__meta")
    box.click()
    if box.input_value():
        box.fill("")
        meta.filter(has_text="Type to start searching").wait_for(timeout=15_000)
    box.fill(query[:-1])
    box.press(query[-1])  # a real key event, as when a person types: the search runs on it
    meta.filter(has_text="matching").wait_for(timeout=15_000)
    hrefs = page.locator(RESULTS).evaluate_all("links => links.map(a => a.href)")
    pages: list[str] = []
    for href in hrefs:
        path = page_path(href, base)
        if path not in pages:
            pages.append(path)
    return pages


def search_misses(page: Page, base: str, queries: dict[str, set[str]], top: int = 3) -> dict[str, list[str]]:
    """The queries none of whose expected pages is among the first `top` results, with those results."""
    page.goto(base)
    misses = {}
    for query, expected in queries.items():
        found = search(page, query, base)[:top]
        if not expected & set(found):
            misses[query] = found
    return misses


def sheet_layout(page: Page, url: str) -> tuple[float, list[str]]:
    """A page's height in screens of the viewport, and the code blocks that scroll sideways.

    Content tabs show one block at a time, so every tab of every tab set is shown in turn (the
    others on their first tab, as the page opens): the height is the tallest the page gets after
    one click, and a code block is measured while it is visible.

    Returns:
        `(screens, overflowing)`: the tallest document height divided by the viewport's; the first
        line of each code block whose text is wider than its box (the reader would have to scroll it).
    """
    page.goto(url)
    page.wait_for_load_state("load")
    height, overflowing = page.evaluate(
        """() => {
            const wide = new Set();
            let height = 0;
            const measure = () => {
                height = Math.max(height, document.documentElement.scrollHeight);
                for (const code of document.querySelectorAll("article pre > code")) {
                    if (code.offsetParent !== null && code.scrollWidth > code.clientWidth + 1) {
                        wide.add(code.innerText.split("\\n")[0]);
                    }
                }
            };
            measure();
            for (const set of document.querySelectorAll("article .tabbed-set")) {
                const tabs = [...set.querySelectorAll(":scope > input")];
                for (const tab of tabs) {
                    tab.checked = true;
                    measure();
                }
                tabs[0].checked = true;
            }
            return [height, [...wide]];
        }"""
    )
    return height / page.viewport_size["height"], overflowing


def tab_extents(page: Page) -> list[tuple[str, float, float, bool]]:
    """Each top-level tab's text, left and right edge in CSS pixels, and whether it is displayed."""
    return [tuple(tab) for tab in page.evaluate(
        """() => [...document.querySelectorAll(".md-tabs__item")].map(tab => {
            const box = tab.getBoundingClientRect();
            return [tab.innerText.trim(), box.left, box.right, tab.offsetParent !== null];
        })"""
    )]


def code_cell_share(page: Page) -> float:
    """The narrowest notebook code cell's width as a share of the page's content width."""
    return page.evaluate(
        """() => {
            const content = document.querySelector("article.md-content__inner").getBoundingClientRect().width;
            const cells = [...document.querySelectorAll(".jp-CodeCell .jp-InputArea-editor")];
            return Math.min(...cells.map(cell => cell.getBoundingClientRect().width)) / content;
        }"""
    )
