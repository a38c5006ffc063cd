"""Building the site, and figures about it: the tests assert goals on them, `make bench` prints them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
# The topic notes: docs/<topic>/index.md, except the API reference and the learning log.
TOPIC_NOTES = sorted(p for p in (ROOT / "docs").glob("*/index.md") if p.parent.name not in ("api", "log"))
NOT_CONTENT = re.compile(r"<(style|script)[^>]*>.*?</\1>", re.S)


def mkdocs_build(
    config_dir: Path, site_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a strict build of the MkDocs project in `config_dir`, with `env` added to the environment."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=config_dir,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
        check=False,
    )


def article_text(html: str) -> str:
    """The text a reader sees in a page's article: no CSS, scripts or hidden elements, whitespace squeezed."""
    soup = BeautifulSoup(html, "html.parser")
    article = soup.find("article") or soup
    for hidden in article.select("style, script, [hidden], .clipboard-copy-txt"):
        hidden.decompose()
    return re.sub(r"\s+", " ", article.get_text(" ")).strip()


def search_index_ratio(site: Path) -> tuple[int, int]:
    """Bytes of the search index and of the text of every page it covers (404 page excluded)."""
    index = (site / "search" / "search_index.json").stat().st_size
    pages = [p for p in site.rglob("*.html") if p.name != "404.html" and "assets" not in p.parts]
    text = sum(len(article_text(p.read_text()).encode()) for p in pages)
    return index, text


def notebook_page_ratio(page: Path) -> tuple[float, int]:
    """A notebook page's bytes over its content's: the article's cells and outputs (plots too), no CSS or scripts."""
    html = page.read_text()
    article = html[html.index("<article") : html.rindex("</article>")]
    return len(html) / len(NOT_CONTENT.sub("", article)), len(html)
