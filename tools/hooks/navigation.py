"""MkDocs hook: the topics in the order of learning, each placing itself.

The navigation comes from the folders (awesome-nav, `docs/.nav.yml`): the topic folders are the
sections of the "Topics" part. A topic says where it comes in the course with `order:` in its note's
front matter (`docs/<topic>/index.md`); this hook sorts the topics by it, and the cheat sheets by
their topic's (`cheatsheet/vision-techniques.md` goes with `vision`), those without one last, in
folder order, so a new topic appears without any list being edited. Inside a topic the pages follow
the folder's own `.nav.yml`, in the order its note teaches them; `reading_position` gives the same
order to the results page. The previous and next links at the foot of each page follow the sorted
navigation.
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation, Section, _add_previous_and_next_links, _get_by_type
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

TOPICS = "Topics"  # the part of docs/.nav.yml that holds the topic folders
CHEAT_SHEETS = "Cheat sheets"


def note_front_matter(docs_dir: str | Path, topic: str) -> dict:
    """The front matter of a topic's note, `docs/<topic>/index.md`; empty if there is no note."""
    note = Path(docs_dir) / topic / "index.md"
    return get_data(note.read_text(encoding="utf-8"))[1] if note.is_file() else {}


def topic_order(docs_dir: str | Path, topic: str) -> float:
    """Where `topic` comes: the `order` in the front matter of `docs/<topic>/index.md`, or infinity.

    Raises:
        PluginError: naming the note, if its `order` is not a number.
    """
    order = note_front_matter(docs_dir, topic).get("order")
    if order is None:
        return math.inf
    if not isinstance(order, (int, float)) or isinstance(order, bool):
        raise PluginError(f"{topic}/index.md: 'order' in the front matter must be a number, not {order!r}")
    return float(order)


def page_order(docs_dir: str | Path, src_uri: str) -> float:
    """A page's position in its folder's `.nav.yml` list (the note teaches them in this order), or infinity."""
    folder = Path(docs_dir) / Path(src_uri).parent
    listing = folder / ".nav.yml"
    if not listing.is_file():
        return math.inf
    entries = (yaml.safe_load(listing.read_text(encoding="utf-8")) or {}).get("nav", [])
    names = [entry for entry in entries if isinstance(entry, str)]
    return float(names.index(Path(src_uri).name)) if Path(src_uri).name in names else math.inf


def reading_position(docs_dir: str | Path, src_uri: str) -> tuple[float, float, str]:
    """Sort key for a page under a topic folder (`vision/digits.ipynb`): topic, then page, then path."""
    topic = src_uri.split("/")[0]
    return topic_order(docs_dir, topic), page_order(docs_dir, src_uri), src_uri


def _section(nav: Navigation, title: str) -> Section:
    found = next((item for item in nav.items if isinstance(item, Section) and item.title == title), None)
    if found is None:
        raise PluginError(f"docs/.nav.yml has no '{title}' section")
    return found


def _first_page(section: Section) -> Page | None:
    for child in section.children:
        if isinstance(child, Page):
            return child
        if isinstance(child, Section) and (page := _first_page(child)) is not None:
            return page
    return None


def on_nav(nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
    docs_dir = config.docs_dir

    def topic_of(item: Section | Page) -> float:
        page = item if isinstance(item, Page) else _first_page(item)
        return math.inf if page is None else topic_order(docs_dir, page.file.src_uri.split("/")[0])

    _section(nav, TOPICS).children.sort(key=topic_of)  # sort is stable: ties keep folder order
    _section(nav, CHEAT_SHEETS).children.sort(
        key=lambda sheet: topic_order(docs_dir, Path(sheet.file.src_uri).stem.split("-")[0])
        if isinstance(sheet, Page) else math.inf)
    nav.pages = _get_by_type(nav.items, Page)
    _add_previous_and_next_links(nav.pages)
    return nav
