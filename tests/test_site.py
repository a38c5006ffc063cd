"""The site builds strictly, and the pages people open hold what they should."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
from html import escape
from pathlib import Path

import pytest

from tests.exact import exactly
from tools import ROOT
from tools.hooks import search_index
from tools.sitemetrics import TOPIC_NOTES, mkdocs_build, search_index_ratio

NOTEBOOKS = sorted((ROOT / "docs").rglob("*.ipynb"))

pytestmark = pytest.mark.slow


def text_of(html: str) -> str:
    """The visible text of a page, roughly: tags dropped, whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_home_page_maps_the_topics(site):
    text = text_of((site / "index.html").read_text())
    for topic in ("Foundations", "Computer vision", "NLP", "Tabular data", "Collaborative filtering"):
        assert topic in text


def test_note_includes_code_from_snippets(site):
    page = text_of((site / "foundations" / "index.html").read_text())
    source = (ROOT / "snippets" / "foundations" / "sgd.py").read_text()
    assert "p -= self.lr * grad" in source
    assert "p -= self.lr * grad" in page.replace("&gt;", ">").replace("&lt;", "<")
    assert "--8&lt;--" not in page and "[start:" not in page  # section markers are stripped


def test_note_links_the_api_with_autorefs(site):
    html = (site / "foundations" / "index.html").read_text()
    assert 'href="../api/snippets/foundations/layers.html#snippets.foundations.layers.MLP"' in html


def test_notebook_page_shows_outputs_and_a_download_button(site):
    page_dir = site / "foundations"
    html = (page_dir / "sgd-from-scratch.html").read_text()
    assert "valid accuracy:" in html  # a stored output, rendered without executing
    assert "data:image/png;base64," in html  # the plots
    link = re.search(r'<a href="([^"]+\.ipynb)"[^>]*download', html)
    assert link, "no download button for the notebook"
    assert (page_dir / link.group(1)).is_file()


def test_cheat_sheet_is_published_from_the_top_level_folder(site):
    html = (site / "cheatsheet" / "foundations.html").read_text()
    assert "Training from scratch" in html
    assert "log_softmax" in html
    # ... linked from its note.
    assert 'href="../cheatsheet/foundations.html"' in (site / "foundations" / "index.html").read_text()


def package_modules() -> list[str]:
    """Every module of the `snippets` package, by walking its folders (no list kept by hand)."""
    import pkgutil

    import snippets

    found = ["snippets"]
    for info in pkgutil.walk_packages(snippets.__path__, "snippets."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            found.append(info.name)
    return sorted(found)


def api_page(site: Path, module_name: str) -> Path:
    """The generated API page of a module: api/snippets/x/y.html, or api/snippets/x/index.html for a package."""
    import importlib

    parts = module_name.split(".")
    if hasattr(importlib.import_module(module_name), "__path__"):
        return site / "api" / Path(*parts) / "index.html"
    return site / "api" / Path(*parts[:-1]) / f"{parts[-1]}.html"


def test_every_module_has_a_generated_api_page(site):
    modules = package_modules()
    assert {
        "snippets.foundations.sgd",
        "snippets.nlp.text",
        "snippets.deploy.app",
        "snippets.vision.pretrained",
    } <= set(modules)
    assert sorted(p.name for p in (ROOT / "docs" / "api").iterdir()) == ["index.md"], "API pages are generated"
    for name in modules:
        assert api_page(site, name).is_file(), name


@pytest.mark.parametrize("module_name", package_modules())
def test_api_page_documents_every_public_name(site, module_name):
    import importlib
    import inspect

    module = importlib.import_module(module_name)
    html = api_page(site, module_name).read_text()
    assert f'id="{module_name}"' in html
    if hasattr(module, "__path__"):
        return  # a package's page shows its docstring; its names are on its modules' pages
    public = [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    ]
    assert public, f"{module_name} defines no public function or class"
    for name in public:
        assert f'id="{module_name}.{name}"' in html, name


def test_site_needs_no_network_for_fonts_or_math(site):
    html = (site / "foundations" / "index.html").read_text()
    assert "fonts.googleapis.com" not in html
    assert "assets/katex/katex.min.js" in html
    assert (site / "assets" / "katex" / "fonts" / "KaTeX_Main-Regular.woff2").is_file()


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A copy of the site's sources, to break without touching the repo."""
    for name in ("docs", "cheatsheet", "snippets", "tools"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("include", "message"),
    [
        ("snippets/foundations/missing.py:fit", "Snippet at path 'snippets/foundations/missing.py' could not be found"),
        ("snippets/foundations/loop.py:no_such_section", "Snippet section 'no_such_section' could not be located"),
    ],
)
def test_broken_include_fails_the_build_and_names_the_page(project_copy, tmp_path, include, message):
    note = project_copy / "docs" / "foundations" / "index.md"
    note.write_text(note.read_text() + f'\n```python\n--8<-- "{include}"\n```\n')
    result = mkdocs_build(project_copy, tmp_path / "out")
    assert result.returncode != 0
    assert "Error reading page 'foundations/index.md'" in result.stderr
    assert message in result.stderr


def test_missing_cheat_sheets_fail_the_build_clearly(project_copy, tmp_path):
    shutil.rmtree(project_copy / "cheatsheet")
    (project_copy / "cheatsheet").mkdir()
    result = mkdocs_build(project_copy, tmp_path / "out")
    assert result.returncode != 0
    assert "no cheat sheets (*.md) found" in result.stderr


def test_notebook_pages_share_the_jupyter_css_and_scripts_as_files(site):
    """tools/hooks/notebook_assets.py: Jupyter's CSS and scripts are cached files; idle loaders are gone."""
    assets_by_page = []
    for page in (site / "foundations" / "sgd-from-scratch.html", site / "vision" / "digits.html"):
        html = page.read_text()
        inline = sum(len(code) for code in re.findall(r"<(?:style|script)[^>]*>(.*?)</(?:style|script)>", html, re.S))
        assert inline < 20_000, f"{page}: {inline:,} bytes of inline CSS and scripts"
        assets = re.findall(r'(?:href|src)="([^"]*assets/jupyter/[0-9a-f]{16}\.(?:css|js))"', html)
        assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
        assert all((page.parent / asset).resolve().is_file() for asset in assets)
        assets_by_page.append({Path(asset).name for asset in assets})
        assert "cdnjs" not in html and 'src=""' not in html  # no Mermaid loader, no empty MathJax loader
    assert assets_by_page[0] == assets_by_page[1]  # one set of files for every notebook
    assert "jp-Cell" in (site / "vision" / "digits.html").read_text()  # the notebook is still rendered


def _index_text_by_page(site: Path) -> dict[str, str]:
    index = json.loads((site / "search" / "search_index.json").read_text())
    pages: dict[str, str] = {}
    for doc in index["docs"]:
        page = doc["location"].split("#")[0]
        pages[page] = pages.get(page, "") + "\n" + doc["title"] + "\n" + doc["text"]
    return pages


def test_search_index_holds_no_notebook_noise(site):
    """tools/hooks/search_index.py: no prompts, copy labels, CSS, second copies of code or long outputs."""
    pages = _index_text_by_page(site)
    everything = "\n".join(pages.values())
    for noise in ("In\u00a0[", "Out[", "Copied!", "jp-", "font-family", "data-search-exclude", "Source code in"):
        assert noise not in everything, noise
    for path in NOTEBOOKS:
        text = pages[path.relative_to(ROOT / "docs").with_suffix(".html").as_posix()]
        cells = json.loads(path.read_text())["cells"]
        for cell in cells:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and len(source) > 40:
                times = text.count(escape(source, quote=False))
                assert times == 1, f"{path.name}: a code cell indexed {times} times"
            for output in cell.get("outputs", []):
                printed = "".join(output.get("text", ""))
                if len(printed) > 2 * search_index.MAX_OUTPUT_CHARS:
                    assert escape(printed[:200], quote=False) not in text, f"{path.name}: long output indexed"
    assert "valid accuracy" in pages["foundations/sgd-from-scratch.html"]  # short outputs stay searchable


def test_search_index_is_at_most_one_and_a_half_times_the_text(site):
    index, text = search_index_ratio(site)
    assert index <= 1.5 * text, f"search index {index:,} bytes for {text:,} bytes of page text"


def _front_matter(path: Path) -> dict:
    from mkdocs.utils.meta import get_data

    text = path.read_text()
    assert text.startswith("---\n"), f"{path}: no front matter"
    return get_data(text)[1]


NOTES = TOPIC_NOTES
CHEAT_SHEETS = sorted((ROOT / "cheatsheet").glob("*.md"))
POSTS = sorted((ROOT / "docs" / "log" / "posts").glob("*.md"))


def test_every_note_and_cheat_sheet_is_tagged_and_listed_on_the_tags_page(site):
    tags_page = (site / "tags.html").read_text()
    assert len(NOTES) >= 6 and len(CHEAT_SHEETS) >= 6
    for path in NOTES + CHEAT_SHEETS:
        tags = _front_matter(path).get("tags")
        assert tags and all(isinstance(t, str) and t for t in tags), f"{path}: no tags"
        html_path = path.relative_to(ROOT / "docs") if path.is_relative_to(ROOT / "docs") else path.relative_to(ROOT)
        href = html_path.with_suffix(".html").as_posix()
        for tag in tags:
            section = tags_page.split(f'<span class="md-tag">{tag}</span>')[1].split("<h2")[0]
            assert f'href="{href}"' in section, f"tags page: {href} missing under {tag!r}"


def test_learning_log_has_dated_posts_in_categories_that_link_notes(site):
    import datetime

    import yaml

    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    blog = next(p["blog"] for p in config["plugins"] if isinstance(p, dict) and "blog" in p)
    assert len(POSTS) >= 3
    for path in POSTS:
        meta = _front_matter(path)
        assert isinstance(meta["date"]["created"], datetime.date), path
        assert meta["categories"] and set(meta["categories"]) <= set(blog["categories_allowed"]), path
        assert re.search(r"\]\(\.\./\.\./\w+/index\.md", path.read_text()), f"{path}: links no note"
    index = (site / "log" / "index.html").read_text()
    assert index.count('class="md-post md-post--excerpt"') == len(POSTS)
    assert (site / "log" / "category" / "nlp.html").is_file()


def test_learning_log_has_an_rss_feed_of_every_post(site):
    from xml.etree import ElementTree

    channel = ElementTree.parse(site / "feed_rss_created.xml").getroot().find("channel")
    items = channel.findall("item")
    assert len(items) == len(POSTS)
    for item in items:
        link = item.findtext("link")
        assert link.startswith("http://127.0.0.1:8000/log/")
        assert (site / link.removeprefix("http://127.0.0.1:8000/")).is_file(), link
        assert item.findtext("pubDate") and item.findall("category")


def test_site_browses_from_the_file_system(site):
    """The offline plugin: search index as a script, file names not folders, nothing fetched from the web."""
    assert (site / "search" / "search_index.js").read_text().startswith("var __index = {")
    html = (site / "foundations" / "sgd-from-scratch.html").read_text()
    assert '<script src="../assets/iframe-worker/shim.js">' in html
    assert 'href="../vision/digits.html"' in html or 'href="../vision/index.html"' in html
    for page in site.rglob("*.html"):
        text = page.read_text()
        external = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', text)
        assert not [u for u in external if not u.startswith("http://127.0.0.1:8000/")], (page, external)


def test_results_page_is_generated_from_every_notebooks_printed_result(site):
    """A row per printed result block, each cell as the last code cell printed it (the text, not a re-parse)."""
    from bs4 import BeautifulSoup

    rows = BeautifulSoup((site / "results.html").read_text(), "html.parser").select("article table tbody tr")
    by_link: dict[str, list[list[str]]] = {}
    for row in rows:
        cells = [td.get_text(" ", strip=True) for td in row.select("td")]
        by_link.setdefault(row.select_one("a")["href"], []).append(cells)
    assert len(by_link) == len(NOTEBOOKS)
    for path in NOTEBOOKS:
        last = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"][-1]
        printed = "".join("".join(o.get("text", "")) for o in last["outputs"])
        shown = by_link[path.relative_to(ROOT / "docs").with_suffix(".html").as_posix()]
        assert len(shown) == printed.count("\nresult\n") + printed.startswith("result\n"), path.name
        blocks = [
            f"result\n  model: {row[1]}\n  dataset: {row[2]}\n  metric: {row[3]}\n  value: {row[4]}\n"
            f"  reference: {row[5] or 'none'}\n  training time: {row[6]}"
            for row in shown
        ]
        positions = [printed.find(block) for block in blocks]
        assert -1 not in positions, f"{path.name}: the results page shows {shown}"
        assert positions == sorted(positions), f"{path.name}: rows not in the printed order"


def _tiny_notebook(path: Path, cells: list[tuple[str, str, list[str]]]) -> None:
    """Write a notebook of (cell type, source, printed outputs) cells, as Jupyter stores them."""
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    for kind, source, printed in cells:
        cell = {"cell_type": kind, "metadata": {}, "source": source}
        if kind == "code":
            cell["execution_count"] = 1
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text} for text in printed]
        notebook["cells"].append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook))


def test_results_rows_hold_each_notebooks_last_printed_result(tmp_path, monkeypatch):
    """tools/hooks/results_page.py on two tiny notebooks: the table, written out by hand."""
    from tools.hooks.results_page import results_markdown

    listed = Path.rglob  # the file system may list files in any order: here, the reverse of the expected one
    monkeypatch.setattr(Path, "rglob", lambda folder, pattern: sorted(listed(folder, pattern), reverse=True))

    docs = tmp_path / "docs"
    earlier = (
        "result\n  model: not this one\n  dataset: d\n  metric: m\n  value: 0.1\n  reference: none\n"
        "  training time: 9.9 s\n"
    )
    _tiny_notebook(
        docs / "zz" / "ratings.ipynb",
        [
            ("markdown", "Intro text before the title.\n\n## Not the title", []),
            ("markdown", "# Ratings | dot product\n\n# A later heading", []),
            ("code", "print(first)", [earlier]),
            (
                "code",
                "print(baseline, result)",
                [
                    "result\n  model: the mean\n  dataset: MovieLens\n  metric: valid MSE\n  value: 1.2\n"
                    "  reference: none\n  training time: 0.0 s\n",
                    "epoch 0 loss 0.9\n",
                    "result\n  model: dot | bias\n  dataset: MovieLens\n"
                    "  metric: valid MSE\n  value: 0.8233\n  reference: 0.849 (the course)\n"
                    "  training time: 12.5 s\n",
                ],
            ),
        ],
    )
    _tiny_notebook(
        docs / "aa" / "digits.ipynb",
        [
            ("markdown", "# Digits", []),
            (
                "code",
                "print(result)",
                [
                    "result\n  model: MLP\n  dataset: sklearn digits\n  metric: valid accuracy\n"
                    "  value: 0.9694\n  reference: none\n  training time: 0.3 s\n"
                ],
            ),
        ],
    )
    _tiny_notebook(
        docs / "aa" / ".ipynb_checkpoints" / "digits-checkpoint.ipynb",
        [
            ("markdown", "# An autosaved copy", []),
            ("code", "", [earlier]),
        ],
    )
    page = results_markdown(docs)
    assert page.startswith("---\ntitle: Results\n")
    assert page[page.index("| notebook |") :] == (
        "| notebook | model | dataset | metric | value | reference | training time |\n"
        "| --- | --- | --- | --- | ---: | --- | ---: |\n"
        "| [Digits](aa/digits.ipynb) | MLP | sklearn digits | valid accuracy | 0.9694 |  | 0.3 s |\n"
        "| [Ratings \\| dot product](zz/ratings.ipynb) | the mean | MovieLens | valid MSE | 1.2000 |  | 0.0 s |\n"
        "| [Ratings \\| dot product](zz/ratings.ipynb) | dot \\| bias | MovieLens | valid MSE | 0.8233 "
        "| 0.849 (the course) | 12.5 s |\n\n</div>\n"
    )
    # the chart: only the result with a reference number, lower MSE being the better, so green
    chart = page[page.index("<svg") : page.index("</svg>")]
    assert chart.count('<g class="better">') == 1 and "worse" not in chart and "0.823 vs 0.849 ↓" in chart
    assert "dot | bias" in chart and "the mean" not in chart


def test_a_notebook_without_a_result_fails_the_build_and_is_named(project_copy, tmp_path):
    notebook = project_copy / "docs" / "collab" / "movielens.ipynb"
    nb = json.loads(notebook.read_text())
    last = [c for c in nb["cells"] if c["cell_type"] == "code"][-1]
    last["outputs"] = []
    notebook.write_text(json.dumps(nb))
    result = mkdocs_build(project_copy, tmp_path / "out")
    assert result.returncode != 0
    assert "collab/movielens.ipynb: the last code cell must print a snippets.results.Result" in result.stderr


def test_every_link_and_anchor_of_the_built_site_resolves(site):
    """tools/linkcheck.py: every href and src of every page (notebook, generated and 404 pages too)."""
    from tools.linkcheck import check_site

    report = check_site(site)
    assert not report.broken, "\n".join(f"{page}: {url} ({why})" for page, url, why in report.broken)
    assert report.pages >= 50 and report.links > 1000
    assert "https://course.fast.ai" in report.external  # listed, not fetched


def _primary_nav_links(page: Path) -> list[str]:
    """The links of a page's navigation sidebar, in order, as written in the page."""
    from bs4 import BeautifulSoup

    nav = BeautifulSoup(page.read_text(), "html.parser").select_one("nav.md-nav--primary")
    return [a["href"] for a in nav.select("a.md-nav__link[href]")]


def test_the_topics_and_their_pages_follow_the_order_of_learning(site):
    """Topics as on the home page; inside each, the folder's .nav.yml; the cheat sheets and results too."""
    import yaml
    from bs4 import BeautifulSoup

    home = (ROOT / "docs" / "index.md").read_text()
    topics = re.findall(r"(?:Note|Page)\]\(([a-z-]+)/index\.md\)", home)  # the home page's topic cards
    assert topics == ["foundations", "vision", "nlp", "tabular", "collab", "deploy"]
    links = _primary_nav_links(site / "foundations" / "index.html")
    notes = [link.split("/")[-2] for link in links if link.endswith("/index.html") and link.startswith("../")]
    assert [t for t in ["foundations", *notes] if t in topics] == topics  # this page's own note is "index.html"
    for topic in topics:
        listing = ROOT / "docs" / topic / ".nav.yml"
        pages = [p.name for p in (ROOT / "docs" / topic).iterdir() if p.suffix in (".md", ".ipynb")]
        order = (["index.md", *sorted(set(pages) - {"index.md"})] if not listing.is_file() else
                 [entry for entry in yaml.safe_load(listing.read_text())["nav"] if isinstance(entry, str)])
        assert set(pages) <= set(order), f"docs/{topic}/.nav.yml leaves out {set(pages) - set(order)}"
        expected = [Path(name).with_suffix(".html").as_posix() for name in order]
        shown = [link for link in _primary_nav_links(site / topic / "index.html") if "/" not in link]
        assert [link for link in shown if link in expected] == [e for e in expected if e in shown] == expected
    # the cheat sheets by their topic's place, the results page's notebooks in the navigation's order
    sheets = [link for link in _primary_nav_links(site / "cheatsheet" / "vision.html")
              if "/" not in link and link.endswith(".html")]
    assert sheets[:3] == ["foundations.html", "vision.html", "vision-techniques.html"]
    rows = BeautifulSoup((site / "results.html").read_text(), "html.parser").select("article table tbody tr a")
    notebooks = list(dict.fromkeys(a["href"] for a in rows))
    in_nav = [posixpath.normpath(posixpath.join("vision", link))  # a Topics page: every topic's pages are listed
              for link in _primary_nav_links(site / "vision" / "digits.html")]
    assert notebooks == [link for link in in_nav if link in notebooks]
    # the footer's next link follows the same order, from one topic into the next
    footer = BeautifulSoup((site / "foundations" / "titanic-from-scratch.html").read_text(), "html.parser")
    assert footer.select_one("a.md-footer__link--next")["href"] == "../vision/index.html"


def test_a_topic_order_that_is_not_a_number_fails_the_build_and_names_the_note(tmp_path):
    from mkdocs.exceptions import PluginError

    from tools.hooks.navigation import reading_position, topic_order

    (tmp_path / "vision").mkdir()
    (tmp_path / "vision" / "index.md").write_text("---\ntitle: Vision\norder: second\n---\n# Vision\n")
    message = "vision/index.md: 'order' in the front matter must be a number, not 'second'"
    with pytest.raises(PluginError, match=exactly(message)):
        topic_order(tmp_path, "vision")
    (tmp_path / "vision" / "index.md").write_text("---\ntitle: Vision\norder: 2\n---\n# Vision\n")
    (tmp_path / "vision" / ".nav.yml").write_text("nav:\n  - index.md\n  - b.ipynb\n  - a.ipynb\n")
    assert topic_order(tmp_path, "vision") == 2 and topic_order(tmp_path, "nlp") == float("inf")
    assert sorted(["vision/a.ipynb", "vision/c.ipynb", "vision/b.ipynb", "nlp/x.ipynb"],
                  key=lambda src: reading_position(tmp_path, src)) == [
        "vision/b.ipynb", "vision/a.ipynb", "vision/c.ipynb", "nlp/x.ipynb"]


def test_notebook_pages_offer_colab_and_kaggle_exactly_when_the_repository_address_is_set(site):
    """[project.urls] Repository in pyproject.toml: with it, each notebook page opens the notebook in Colab and
    Kaggle from the main branch; without it (as here), no link. tests/test_new_topic.py builds a copy with it set.
    """
    from bs4 import BeautifulSoup

    from tools.install_cell import repository_url

    url = repository_url()
    for path in NOTEBOOKS:
        page = BeautifulSoup((site / path.relative_to(ROOT / "docs")).with_suffix(".html").read_text(), "html.parser")
        assert page.select_one("a[download]")
        links = [a["href"] for a in page.select("a.notebook-colab, a.notebook-kaggle")]
        src = path.relative_to(ROOT).as_posix()  # docs/vision/digits.ipynb
        assert links == ([f"https://colab.research.google.com/github/{url[19:]}/blob/main/{src}",
                          f"https://kaggle.com/kernels/welcome?src={url}/blob/main/{src}"] if url else [])
