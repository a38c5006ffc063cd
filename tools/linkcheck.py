"""Check every link of the built site: `python -m tools.linkcheck site/`.

Every `href` and `src` of every HTML page in the folder (notebook pages, generated pages and the
404 page included; `<a>`, `<link>`, `<script>`, `<img>`, `<source>`, `<iframe>`) must lead to a
file of the site, and a `#fragment` to an element with that id on the target page. Links to
other sites are listed, never fetched: the check runs offline. Each page is parsed once.

Why not a packaged checker: linkchecker 10.6 checked the files in 5 s but its anchor check took
over 200 s on this site (it parses the target page again for every link into it), and as root
it drops to user `nobody`, which cannot read pytest's temporary folders; mkdocs-htmlproofer-plugin
1.6 takes its list of files before the hooks and the blog plugin add pages, and resolves a blog
post's relative links from its source path, so it reported correct links as broken.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINKING = {"a": "href", "link": "href", "script": "src", "img": "src", "source": "src", "iframe": "src"}
NOT_CHECKED = ("http", "https", "mailto", "data", "javascript", "tel")


@dataclass
class Report:
    """What a check found: broken links as (page, url, reason), and the external URLs it saw."""

    broken: list[tuple[str, str, str]] = field(default_factory=list)
    external: set[str] = field(default_factory=set)
    pages: int = 0
    links: int = 0


class _Targets(HTMLParser):
    """A page's ids (and `<a name>`s) and its linking attributes, read tag by tag.

    The same parser BeautifulSoup's "html.parser" uses, without building a tree: reading the whole
    site took 6 s with the tree, 1 s without.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.urls: dict[str, list[str]] = {name: [] for name in LINKING}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        if tag in LINKING and LINKING[tag] in values:
            self.urls[tag].append(values[LINKING[tag]])

    handle_startendtag = handle_starttag


def _read(page: Path) -> tuple[set[str], list[str]]:
    targets = _Targets()
    targets.feed(page.read_text(errors="replace"))
    targets.close()
    return targets.ids, [url for name in LINKING for url in targets.urls[name]]


def check_site(site: Path, base_path: str = "/") -> Report:
    """Check every link of every `*.html` file under `site`.

    `base_path` is the path of the address the site is built for (`/notes/` for
    `https://you.github.io/notes/`): links from the root, such as the 404 page's `/notes/x.html`,
    start with it.

    Examples:
        >>> import tempfile
        >>> site = Path(tempfile.mkdtemp())
        >>> _ = (site / "a.html").write_text('<h1 id="top">A</h1><a href="b.html#top">b</a><a href="c.html">c</a>')
        >>> _ = (site / "b.html").write_text('<p id="top"><a href="a.html#top">a</a> <a href="a.html#gone">?</a></p>')
        >>> check_site(site).broken
        [('a.html', 'c.html', 'no such file'), ('b.html', 'a.html#gone', 'no element with id "gone"')]
    """
    root = site.resolve()
    pages = sorted(p.resolve() for p in site.rglob("*.html"))
    parsed = {page: _read(page) for page in pages}
    report = Report(pages=len(pages))
    for page, (_, urls) in list(parsed.items()):
        where = page.relative_to(root).as_posix()
        for url in sorted(set(urls)):
            report.links += 1
            parts = urlsplit(url)
            if parts.scheme in NOT_CHECKED or url.startswith("//"):
                report.external.add(url)
                continue
            if parts.scheme or parts.netloc:
                report.broken.append((where, url, f"a {parts.scheme or 'network'} link cannot be followed offline"))
                continue
            # "/x.html" is from the site's root (the 404 page links so, to work from any folder)
            path = unquote(parts.path)
            if path.startswith("/"):
                if not path.startswith(base_path):
                    report.broken.append((where, url, f"outside the site's address {base_path}"))
                    continue
                base, path = root, path[len(base_path):]
            else:
                base = page.parent
            target = (base / path).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(root):
                report.broken.append((where, url, "outside the site"))
                continue
            if not target.is_file():
                report.broken.append((where, url, "no such file"))
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html":
                if target not in parsed:
                    parsed[target] = _read(target)
                if fragment not in parsed[target][0]:
                    report.broken.append((where, url, f'no element with id "{fragment}"'))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built site (mkdocs build --site-dir ...)")
    parser.add_argument("--site-url", default=os.environ.get("SITE_URL") or "/",
                        help="the address it was built for (default: $SITE_URL, as mkdocs.yml reads it)")
    args = parser.parse_args(argv)
    base_path = urlsplit(args.site_url).path or "/"
    report = check_site(args.site, base_path if base_path.endswith("/") else base_path + "/")
    for where, url, reason in report.broken:
        print(f"BROKEN {where}: {url} ({reason})")
    print(f"{report.pages} pages, {report.links} links checked: {len(report.broken)} broken; "
          f"{len(report.external)} external links listed, not fetched")
    return 1 if report.broken else 0


if __name__ == "__main__":
    sys.exit(main())
