"""Every Python block on a page either runs under pytest-markdown-docs or is included from snippets/.

pytest-markdown-docs executes the Python fences of every Markdown page (`--markdown-docs`), read the
way `tests.harness.PageParser` reads them: fences in tabs, admonitions and grid cells count, and an
include (`--8<--`) runs with the included code in place. A fence marked `notest` is skipped, so
this test makes sure that the mark hides nothing: a `notest` fence may only hold `--8<--` includes
of tested code from `snippets/`, or start with a `# not run: <reason>` comment.

Cheat sheets are also held to the copy rule: a recipe pasted alone into a fresh notebook runs there,
so it imports nothing of this project but its data loaders (`snippets.datasets`, which stand for
"your data").
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.harness import python_fences, recipe_chains
from tools import ROOT

PAGES = sorted([*(ROOT / "docs").rglob("*.md"), *(ROOT / "cheatsheet").glob("*.md")])
CHEAT_SHEETS = sorted((ROOT / "cheatsheet").glob("*.md"))
# Tested code: the package, and the Hugging Face Space's files (tests/deploy/test_app.py runs them).
INCLUDE = re.compile(r'^\s*--8<-- "(snippets/[\w/.-]+\.py(:[\w-]+)?|docs/deploy/space/[\w.-]+)"\s*$')
# What a copied recipe may import from this project: its data loaders, which stand for "your data".
ALLOWED = "snippets.datasets"
RECIPES_FREE_OF_THE_PROJECT = 0.9


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_notest_fences_hold_only_includes_or_give_a_reason(page):
    for fence in python_fences(page):
        if fence.runs:
            continue
        lines = [x for x in fence.written.splitlines() if x.strip() and not x.lstrip().startswith("#")]
        reason = fence.written.lstrip().startswith("# not run:")
        assert reason or (lines and all(INCLUDE.match(x) for x in lines)), (
            f"{page}:{fence.line}: a notest block must only include snippets/ code, or start with '# not run: <reason>'"
        )


def test_pages_have_runnable_or_included_code():
    fences = [f for page in PAGES for f in python_fences(page)]
    assert any(f.runs for f in fences), "no Python block runs at all"
    assert any("--8<--" in f.written for f in fences), "no page includes code from snippets/"


def project_imports(code: str) -> set[str]:
    """The modules of this project (`snippets...`) that `code` imports, except the data loaders.

    Example:
        >>> sorted(project_imports("from snippets.datasets import load_adult\\nimport snippets.tabular as t"))
        ['snippets.tabular']
    """
    modules = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return {m for m in modules if m.split(".")[0] == "snippets" and not m.startswith(ALLOWED)}


def test_a_recipe_is_a_fence_and_its_continuations_with_includes_in_place(tmp_path):
    page = tmp_path / "sheet.md"
    page.write_text(
        '``` {.python title="snippets/collab.py"}\nimport torch\n--8<-- "snippets/collab.py:dot_product"\n```\n\n'
        '=== "A tab"\n\n    ``` {.python continuation}\n    from snippets.collab import rmse\n    ```\n\n'
        '```python\nfrom snippets.datasets import load_adult\n```\n'
    )
    first, second = recipe_chains(page)
    assert [len(first), len(second)] == [2, 1]
    assert "class DotProduct(nn.Module):" in first[0].code and "--8<--" in first[0].written
    assert [project_imports(f.code) for f in first] == [set(), {"snippets.collab"}]
    assert project_imports(second[0].code) == set()


def test_cheat_sheet_recipes_paste_into_a_fresh_notebook():
    """At least 90% of the recipes (a fence and its continuations) need nothing of `snippets` but its data."""
    chains = {f"{page.name}:{chain[0].line}": chain for page in CHEAT_SHEETS for chain in recipe_chains(page)}
    recipes = {name: chain for name, chain in chains.items() if any(f.runs or "# not run" in f.written for f in chain)}
    needing = {name: sorted(set().union(*(project_imports(f.code) for f in chain))) for name, chain in recipes.items()}
    needing = {name: modules for name, modules in needing.items() if modules}
    free = 1 - len(needing) / len(recipes)
    assert len(recipes) >= 20, f"only {len(recipes)} recipes on the cheat sheets"
    assert free >= RECIPES_FREE_OF_THE_PROJECT, (
        f"{free:.0%} of {len(recipes)} recipes paste alone; these import the project: {needing}"
    )


def test_pre_commit_config_is_valid_and_runs_ruff():
    import subprocess
    import sys

    config = ROOT / ".pre-commit-config.yaml"
    command = [sys.executable, "-m", "pre_commit", "validate-config", str(config)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ruff check" in config.read_text()
