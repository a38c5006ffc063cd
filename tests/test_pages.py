"""Every Python block on a page either runs under pytest-markdown-docs or is included from snippets/.

pytest-markdown-docs executes the Python fences of every Markdown page (`--markdown-docs`).
A fence marked `notest` is skipped, so this test makes sure that the mark hides nothing:
a `notest` fence may only hold `--8<--` includes of tested code from `snippets/`, or start
with a `# not run: <reason>` comment.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tools import ROOT

PAGES = sorted([*(ROOT / "docs").rglob("*.md"), *(ROOT / "cheatsheet").glob("*.md")])
# Tested code: the package, and the Hugging Face Space's files (tests/deploy/test_app.py runs them).
INCLUDE = re.compile(r'^\s*--8<-- "(snippets/[\w/.-]+\.py(:[\w-]+)?|docs/deploy/space/[\w.-]+)"\s*$')


def python_fences(page: Path) -> list[tuple[int, str, str]]:
    """(line, info, body) of every fenced Python block, at any indentation (admonitions too)."""
    text = re.sub(r"^ {4}", "", page.read_text(), flags=re.M)  # un-indent admonition bodies
    tokens = MarkdownIt("commonmark").parse(text)
    return [(t.map[0] + 1, t.info, t.content) for t in tokens if t.type == "fence" and "python" in t.info]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_notest_fences_hold_only_includes_or_give_a_reason(page):
    for line, info, body in python_fences(page):
        if "notest" not in info:
            assert "--8<--" not in body, f"{page}:{line}: an include fence must be marked notest"
            continue
        lines = [x for x in body.splitlines() if x.strip() and not x.lstrip().startswith("#")]
        reason = body.lstrip().startswith("# not run:")
        assert reason or (lines and all(INCLUDE.match(x) for x in lines)), (
            f"{page}:{line}: a notest block must only include snippets/ code, or start with '# not run: <reason>'"
        )


def test_pages_have_runnable_or_included_code():
    fences = [f for page in PAGES for f in python_fences(page)]
    assert any("notest" not in info for _, info, _ in fences), "no Python block runs at all"
    assert any("--8<--" in body for _, _, body in fences), "no page includes code from snippets/"


def test_pre_commit_config_is_valid_and_runs_ruff():
    import subprocess
    import sys

    config = ROOT / ".pre-commit-config.yaml"
    command = [sys.executable, "-m", "pre_commit", "validate-config", str(config)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ruff check" in config.read_text()
