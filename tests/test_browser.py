"""The built site in a real browser: search, dark mode, a notebook page, copy buttons, file:// browsing.

Playwright drives Debian's Chromium (`/usr/bin/chromium`, installed by `make venv`), headless. The
site is served from a fresh strict build on 127.0.0.1. When a test fails, a screenshot of the page is
saved in the test's temporary folder and its path printed in the failure report.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
pytestmark = pytest.mark.slow

# A query and the pages that answer it: at least one must be among the first three results.
QUERIES = {
    "weight decay": {"collab/index.html", "foundations/index.html"},
    "learning rate finder": {"foundations/index.html"},
    "why deep learning": {"why-deep-learning.html"},
    "applications": {"why-deep-learning.html"},
    "backpropagation": {"foundations/index.html", "foundations/backprop-and-optimisers.html"},
    "chain rule": {"foundations/index.html", "foundations/backprop-and-optimisers.html"},
    "Adam": {"foundations/index.html", "foundations/backprop-and-optimisers.html"},
    "momentum": {"foundations/index.html", "foundations/backprop-and-optimisers.html"},
    "RMSProp": {"foundations/index.html", "foundations/backprop-and-optimisers.html"},
    "one cycle": {"foundations/index.html", "foundations/learner-and-one-cycle.html"},
    "callback": {"foundations/index.html", "foundations/learner-and-one-cycle.html"},
    "early stopping": {"foundations/index.html", "foundations/learner-and-one-cycle.html"},
    "convolution": {"foundations/index.html", "foundations/convolutions.html", "vision/index.html"},
    "batch normalization": {"foundations/index.html", "foundations/convolutions.html"},
    "ResNet": {"foundations/index.html", "foundations/convolutions.html"},
    "activation statistics": {"foundations/index.html", "foundations/activation-stats.html"},
    "hooks": {"foundations/index.html", "foundations/activation-stats.html"},
    "Titanic": {"foundations/index.html", "foundations/titanic-from-scratch.html"},
    "entity embeddings": {"tabular/index.html"},
    "freeze": {"vision/index.html"},
    "cross entropy": {"foundations/index.html"},
}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    """The built site, served on a free port of 127.0.0.1 while the module's tests run."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: `make venv` installs Debian's chromium package"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    """A fresh page (light colour preference, desktop size); screenshot kept when the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        shot = tmp_path / "failure.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failing page: {shot}")
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def search(page: Page, query: str) -> list[str]:
    """Type `query` into the site's search box; the distinct pages of the results, best first."""
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("")
    box.press_sequentially(query, delay=20)  # key by key, as a person types: the search runs on input events
    page.locator(".md-search-result__meta", has_text="matching").wait_for(timeout=15_000)
    hrefs = page.locator(".md-search-result__list > .md-search-result__item > a").evaluate_all(
        "links => links.map(a => a.href)"
    )
    pages: list[str] = []
    for href in hrefs:
        path = href.split("?")[0].split("#")[0]
        if path not in pages:
            pages.append(path)
    return pages


def relative(url: str, base: str) -> str:
    return url.removeprefix(base)


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_the_page_in_the_first_three_results(page, base_url, query):
    page.goto(base_url)
    top = [relative(url, base_url) for url in search(page, query)[:3]]
    assert QUERIES[query] & set(top), f"{query!r}: first three results {top}"


def test_first_result_for_weight_decay_opens_the_right_page(page, base_url):
    page.goto(base_url)
    search(page, "weight decay")
    page.locator(".md-search-result__list > .md-search-result__item > a").first.click()
    page.wait_for_load_state()
    assert relative(page.url.split("?")[0].split("#")[0], base_url) in QUERIES["weight decay"]
    assert "Weight decay" in page.locator("article").inner_text()


def test_palette_toggle_switches_to_dark_mode(page, base_url):
    page.goto(base_url + "foundations/index.html")
    body = page.locator("body")
    assert body.get_attribute("data-md-color-scheme") == "default"
    for _ in range(3):  # the toggle cycles: system preference -> light -> dark
        page.locator("form[data-md-component=palette] label:visible").click()
        if body.get_attribute("data-md-color-scheme") == "slate":
            break
    assert body.get_attribute("data-md-color-scheme") == "slate"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(c) for c in background.removeprefix("rgb(").rstrip(")").split(",")[:3])
    assert max(red, green, blue) < 80, f"dark mode, but the background is {background}"


def test_notebook_page_shows_an_image_output_and_a_download_link(page, base_url):
    page.goto(base_url + "vision/digits.html")
    image = page.locator(".jp-OutputArea-output img").first
    image.scroll_into_view_if_needed()
    assert image.is_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    download = page.locator("a[download][href$='.ipynb']")
    assert download.is_visible()
    response = page.request.get(base_url + "vision/" + download.get_attribute("href"))
    assert response.ok and b'"nbformat"' in response.body()
    # each cell's copy button is a <clipboard-copy> element, defined by the script the hook moved to a file
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    cell = page.locator(".jp-CodeCell").first
    cell.hover()
    cell.locator("clipboard-copy").click()
    assert page.evaluate("navigator.clipboard.readText()").startswith("import ")


def test_code_block_has_a_copy_button_that_copies_the_code(page, base_url):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    page.goto(base_url + "cheatsheet/foundations.html")
    block = page.locator("div.highlight").first
    button = block.locator("button[data-md-type=copy]")
    button.wait_for(state="visible")
    assert button.get_attribute("title") == "Copy to clipboard"
    button.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() and copied.strip().splitlines()[0] in block.inner_text()


def test_search_works_from_the_file_system(page, site):
    """The offline plugin: open index.html from disk, no server, and search still answers."""
    page.goto((site / "index.html").as_uri())
    assert relative(search(page, "entity embeddings")[0], site.as_uri() + "/") == "tabular/index.html"
