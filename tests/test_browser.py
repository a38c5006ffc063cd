"""The built site in a real browser: search, dark mode, a notebook page, copy buttons, file:// browsing.

Playwright drives Debian's Chromium (`/usr/bin/chromium`, installed by `make venv`), headless. The
site is served from a fresh strict build on 127.0.0.1. When a test fails, a screenshot of the page is
saved in the test's temporary folder and its path printed in the failure report.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, Page

from tests.search_queries import QUERIES
from tools import ROOT
from tools.browsercheck import (
    RESULTS,
    VIEWPORT,
    chromium,
    code_cell_share,
    page_path,
    search,
    search_misses,
    serve,
    sheet_layout,
    tab_extents,
)

pytestmark = pytest.mark.slow
CHEAT_SHEETS = sorted(p.stem for p in (ROOT / "cheatsheet").glob("*.md"))
MAX_SCREENS = 2.5  # a cheat sheet's height at 1280 x 900


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    """The built site, served on a free port of 127.0.0.1 while the module's tests run."""
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    """A fresh page (light colour preference, desktop size); screenshot kept when the test fails."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
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


def test_search_finds_what_a_learner_types(page, base_url):
    """The query set (identifiers, concepts, word forms): the right page in the first three, 95% of the time."""
    misses = search_misses(page, base_url, QUERIES)
    hit_rate = 1 - len(misses) / len(QUERIES)
    assert len(QUERIES) >= 60
    assert hit_rate >= 0.95, f"{hit_rate:.0%} of {len(QUERIES)} queries; misses and their first three: {misses}"


def test_search_finds_a_name_that_appears_only_inside_code(page, base_url, site):
    """`plot_top_losses` is written only in a code block of the vision cheat sheet, as `interp.plot_top_losses(9)`."""
    html = BeautifulSoup((site / "cheatsheet" / "vision.html").read_text(), "html.parser").select_one("article")
    for code in html.select("pre, code"):
        code.decompose()
    assert "plot_top_losses" not in html.get_text()
    page.goto(base_url)
    assert "cheatsheet/vision.html" in search(page, "plot_top_losses", base_url)[:3]


def test_first_result_for_weight_decay_opens_the_right_page(page, base_url):
    page.goto(base_url)
    search(page, "weight decay", base_url)
    page.locator(RESULTS).first.click()
    page.wait_for_load_state()
    assert page_path(page.url, base_url) in QUERIES["weight decay"]
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
    assert page.evaluate("navigator.clipboard.readText()").startswith("from snippets.notebook import ")


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
    assert search(page, "entity embeddings", site.as_uri() + "/")[0] == "tabular/index.html"


@pytest.mark.parametrize("sheet", CHEAT_SHEETS)
def test_cheat_sheet_fits_two_and_a_half_screens_without_sideways_scrolling(page, base_url, sheet):
    screens, overflowing = sheet_layout(page, f"{base_url}cheatsheet/{sheet}.html")
    assert screens <= MAX_SCREENS, f"{sheet}: {screens:.2f} screens at 1280 x 900"
    assert not overflowing, f"{sheet}: code blocks that scroll sideways at 1280 px, starting {overflowing}"
    assert page.locator("article .grid.recipes > .card").count() >= 2, f"{sheet}: recipes not laid out as cards"


def test_sheet_layout_measures_every_tab_not_only_the_one_shown(page, tmp_path):
    """A wide line and a tall block inside the second, hidden tab count as much as visible ones."""
    tall = "<br>".join(["line"] * 200)
    html = f"""<html><body style="margin:0"><article><div style="width:300px">
        <pre><code>short</code></pre>
        <div class="tabbed-set">
          <input type="radio" name="t" id="a" checked><input type="radio" name="t" id="b">
          <style>#a:checked ~ .b, #b:checked ~ .a {{display: none}} code {{display: block; overflow: auto}}</style>
          <div class="a"><pre><code>first tab</code></pre></div>
          <div class="b"><pre><code>{"x" * 500}</code></pre><p>{tall}</p></div>
        </div></div></article></body></html>"""
    sheet = tmp_path / "sheet.html"
    sheet.write_text(html)
    screens, overflowing = sheet_layout(page, sheet.as_uri())
    assert overflowing == ["x" * 500]
    assert screens > 2  # 200 lines of the hidden tab
    assert page.locator("#a").is_checked()  # left as the page opened


@pytest.mark.parametrize("width", [1280, 1440])
def test_every_top_level_tab_is_visible(browser, base_url, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(base_url + "vision/digits.html")
    tabs = tab_extents(page)
    context.close()
    assert [name for name, *_ in tabs][2:5] == ["Topics", "Results", "Cheat sheets"]
    hidden = [name for name, left, right, shown in tabs if not shown or left < 0 or right > width]
    assert not hidden, f"tabs past the edge at {width} px: {hidden}"


def test_on_a_phone_notebook_code_cells_get_the_full_width(browser, base_url):
    """Below 720 px the prompt column ("In [3]:") is hidden, so code gets the width."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(base_url + "vision/digits.html")
    phone = code_cell_share(page)
    context.close()
    assert phone >= 0.9, f"code cells get {phone:.0%} of the content width at 390 px"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_results_page_opens_with_a_chart_that_follows_the_colour_scheme(browser, base_url, scheme):
    context = browser.new_context(viewport=VIEWPORT, color_scheme=scheme)
    page = context.new_page()
    page.goto(base_url + "results.html")
    chart = page.locator(".results-chart svg")
    chart.wait_for(state="visible")
    colours = page.evaluate(
        """() => [getComputedStyle(document.querySelector(".results-chart text")).fill,
                 getComputedStyle(document.querySelector("body")).backgroundColor,
                 document.querySelectorAll(".results-chart .better .bar").length,
                 document.querySelectorAll(".results-chart g").length]"""
    )
    context.close()
    text, background, better, rows = colours
    assert rows >= 15 and better >= 10
    assert (text == "rgba(0, 0, 0, 0.87)") == (scheme == "light") and text != background


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_the_results_table_reads_without_sideways_scrolling(browser, base_url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(base_url + "results.html")
    table, article = page.evaluate(
        """() => [document.querySelector(".results-table table").scrollWidth,
                 document.querySelector("article.md-content__inner").clientWidth]"""
    )
    context.close()
    assert table <= article, f"the results table is {table} px wide in an article of {article} px"
