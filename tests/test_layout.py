"""The layout shows the architecture: one naming rule for every topic, and imports that go one way.

A topic is `docs/<topic>/` (its note and notebooks), `cheatsheet/<topic>.md`, `snippets/<topic>/`
or `snippets/<topic>.py`, and `tests/<topic>/` or `tests/test_<topic>*.py`. The package never
imports the site's tooling, and a topic never imports another topic: what two topics share
lives in a lower layer (`snippets.foundations`, `snippets.datasets`).
"""

from __future__ import annotations

import re

import pytest
from mkdocs.utils.meta import get_data

from tools import ROOT
from tools.space import imported_names

# Folders of docs/ that are parts of the site, not topics.
SITE_FOLDERS = {"api", "assets", "log", "overrides"}
TOPICS = sorted(p.name for p in (ROOT / "docs").iterdir() if p.is_dir() and p.name not in SITE_FOLDERS)
# Lower layers that every topic may import.
SHARED = {"datasets", "notebook", "results", "textlog"}


def test_the_topics_are_found():
    assert {"foundations", "vision", "nlp", "tabular", "collab", "deploy"} <= set(TOPICS)


@pytest.mark.parametrize("topic", TOPICS)
def test_each_topic_follows_the_naming_rule(topic):
    assert (ROOT / "docs" / topic / "index.md").is_file(), f"docs/{topic}/ has no note (index.md)"
    assert (ROOT / "cheatsheet" / f"{topic}.md").is_file(), f"no cheatsheet/{topic}.md"
    package, module = ROOT / "snippets" / topic / "__init__.py", ROOT / "snippets" / f"{topic}.py"
    assert package.is_file() or module.is_file(), f"no snippets/{topic}/ or snippets/{topic}.py"
    tests = [*(ROOT / "tests" / topic).glob("test_*.py"), *(ROOT / "tests").glob(f"test_{topic}*.py")]
    assert tests, f"no tests/{topic}/test_*.py or tests/test_{topic}*.py"


@pytest.mark.parametrize("topic", TOPICS)
def test_notes_and_cheat_sheets_outrank_api_pages_in_search(topic):
    """Front matter `search: boost:` above 1 (the API pages and notebooks keep Material's 1)."""
    for page in (ROOT / "docs" / topic / "index.md", ROOT / "cheatsheet" / f"{topic}.md"):
        _, meta = get_data(page.read_text())
        boost = (meta.get("search") or {}).get("boost", 1)
        assert boost > 1, f"{page.relative_to(ROOT)}: no search boost in its front matter (search: boost: 4)"


def test_every_package_module_belongs_to_a_topic_or_a_shared_layer():
    names = {p.stem for p in (ROOT / "snippets").glob("*.py") if p.stem != "__init__"}
    names |= {p.parent.name for p in (ROOT / "snippets").glob("*/__init__.py")}
    assert names <= set(TOPICS) | SHARED, f"not a topic or a shared layer: {sorted(names - set(TOPICS) - SHARED)}"


def topic_of(module: str) -> str | None:
    """`snippets.nlp.text` -> `nlp`; None for a shared layer or anything outside the package."""
    parts = module.split(".")
    return parts[1] if parts[0] == "snippets" and len(parts) > 1 and parts[1] in TOPICS else None


PACKAGE_FILES = sorted((ROOT / "snippets").rglob("*.py"))


@pytest.mark.parametrize("path", PACKAGE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_package_imports_go_one_way(path):
    own = topic_of(".".join(path.relative_to(ROOT).with_suffix("").parts))
    for module in imported_names(path):
        assert module.split(".")[0] not in {"tools", "tests", "docs", "bench"}, (
            f"{path.name} imports {module}: the package must not know the site"
        )
        other = topic_of(module)
        # foundations is also the layer under every topic: a topic may import it, not the reverse
        allowed = {None, own} if own == "foundations" else {None, own, "foundations"}
        assert other in allowed, f"{path.relative_to(ROOT)} imports {module}: move what two topics share down a layer"


def test_layer_rule_catches_a_topic_importing_another(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from snippets.collab import rmse\nimport snippets.vision\nfrom snippets.foundations import fit\n")
    assert {topic_of(m) for m in imported_names(bad)} == {"collab", "vision", "foundations"}


SCRIPTS = sorted([*(ROOT / "tests").rglob("*.py"), *(ROOT / "tools").rglob("*.py"), *(ROOT / "bench").glob("*.py")])


def test_no_sys_path_edits_and_no_pythonpath():
    for path in SCRIPTS:
        assert not re.search(r"sys\.path\.(insert|append)", path.read_text()), f"{path}: edits sys.path"
    assert "PYTHONPATH" not in (ROOT / "Makefile").read_text()
