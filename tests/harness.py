"""The test configuration that the pages' code and the package's tests run under (`-p tests.harness`).

What a test run needs and a reader's notebook does not lives here, not in the recipes:

- fastai logs one plain-text line per epoch instead of drawing progress bars, torch uses one thread,
  and the pinned libraries' known warnings are silenced (`snippets.notebook.quiet_and_repeatable`,
  the same call a notebook makes first; its warning list becomes pytest's `filterwarnings`);
- pytest-markdown-docs reads the pages with `PageParser`, which finds fences inside content tabs,
  admonitions and grids (indented four spaces), and runs an include fence (`--8<--`) with the
  included code in place, the way pymdownx.snippets renders it on the site;
- a fence followed by a `continuation` fence is not run on its own: pytest-markdown-docs runs a
  continuation with every fence before it in front, so the last fence of a recipe runs the whole
  recipe once, and running each earlier fence again would only repeat the same code
  (`repeated_fences`; a recipe of seven fences ran its first fence seven times, 41 s instead of 14 s);
- nbval compares what training prints within the tolerance a notebook declares
  (`compare_within_tolerance`, with `tools.tolerance`): the same data, shapes and text, and
  decimal numbers within `abs + rel * |stored|`, so that another CPU's last bits pass;
- the longest files run first (`longest_first`): pytest-xdist hands each worker one file at a time
  (`--dist loadfile`), so a three-minute notebook handed out last keeps one worker busy while the
  other has nothing left to do;
- timing loops run one step (`SNIPPETS_BRIEF_TIMING=1`, `snippets.vision.speed.brief_timing`): the
  notebooks' timing cells are not compared (`NBVAL_IGNORE_OUTPUT`), so their timing loops run one
  step each, and the figures the pages quote stay those `make notebooks` recorded with every step;
- `--shard K/N` keeps the K-th of N parts of the suite, whole files balanced by the durations in
  `.test_durations` (`shard_files`): the GitHub workflow's parallel jobs.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import markdown
import pytest
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from nbval.plugin import IPyNbCell
from pytest_markdown_docs.plugin import parse_superfences_block_info

from snippets.notebook import KNOWN_WARNINGS, quiet_and_repeatable
from snippets.vision.speed import BRIEF_TIMING
from tools import ROOT
from tools.tolerance import cell_tolerance, within_tolerance

INDENTED_FENCE = re.compile(r"^ {4}(`{3,})")


@cache
def snippets_config() -> dict:
    """pymdownx.snippets' options, read from mkdocs.yml (one place for the site and the tests)."""
    loader = type("Loader", (yaml.SafeLoader,), {})
    loader.add_multi_constructor("", lambda loader, suffix, node: None)  # !ENV, !!python/name: not needed here
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), loader)  # a SafeLoader
    for extension in config["markdown_extensions"]:
        if isinstance(extension, dict) and "pymdownx.snippets" in extension:
            options = dict(extension["pymdownx.snippets"])
            options["base_path"] = [str(ROOT / p) for p in options.get("base_path", ["."])]
            return options
    raise LookupError("mkdocs.yml does not configure pymdownx.snippets")


def expand_includes(code: str) -> str:
    """`code` with each `--8<--` line replaced by what it includes, as the site shows it.

    Example:
        >>> code = expand_includes('--8<-- "snippets/collab.py:dot_product"')
        >>> code.splitlines()[0]
        'class DotProduct(nn.Module):'
    """
    if "--8<--" not in code:
        return code
    md = markdown.Markdown(extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": snippets_config()})
    return "\n".join(md.preprocessors["snippet"].run(code.splitlines())) + "\n"


def unindent_fences(text: str) -> str:
    """Move fences indented four spaces (in a tab, admonition or grid cell) to the margin, body included.

    Example:
        >>> print(unindent_fences('=== "Tab"\\n\\n    ```python\\n    def f():\\n        pass\\n    ```\\n'))
        === "Tab"
        <BLANKLINE>
        ```python
        def f():
            pass
        ```
        <BLANKLINE>
    """
    lines, out, closing = text.splitlines(keepends=True), [], None
    for line in lines:
        if closing is None:
            opening = INDENTED_FENCE.match(line)
            if opening:
                closing = opening.group(1)
                line = line[4:]
        else:
            if line.strip() == closing:
                closing = None
            line = line[4:] if line.startswith("    ") else line.lstrip(" ")
        out.append(line)
    return "".join(out)


class PageParser(MarkdownIt):
    """CommonMark that sees indented fences and reads each include fence with the included code."""

    def __init__(self) -> None:
        super().__init__("commonmark")

    def parse(self, src: str, env: dict | None = None) -> list[Token]:
        tokens = super().parse(unindent_fences(src), env)
        for token in tokens:
            if token.type == "fence":
                token.meta["written"] = token.content  # as written on the page, before the includes
                token.content = expand_includes(token.content)
        return tokens


@dataclass
class Fence:
    """A Python fence of a page: where it starts, its options, its code as written and as run."""

    line: int
    options: set[str]
    written: str
    code: str  # with the includes expanded

    @property
    def runs(self) -> bool:
        return "notest" not in self.options

    @property
    def continues(self) -> bool:
        return "continuation" in self.options


def python_fences(page: Path) -> list[Fence]:
    """Every fenced Python block of a page, in order, as the tests read it."""
    fences = []
    for token in PageParser().parse(page.read_text()):
        info = parse_superfences_block_info(token.info) if token.type == "fence" else []
        if info and info[0] in ("py", "python", "python3"):
            fences.append(Fence(token.map[0] + 1, set(info[1:]), token.meta["written"], token.content))
    return fences


def recipe_chains(page: Path) -> list[Sequence[Fence]]:
    """A page's recipes: each Python fence with the `continuation` fences after it, as they run."""
    chains: list[list[Fence]] = []
    for fence in python_fences(page):
        if fence.continues and chains:
            chains[-1].append(fence)
        else:
            chains.append([fence])
    return chains


def repeated_fences(items: Sequence[pytest.Item]) -> list[pytest.Item]:
    """The fence items whose whole code the next item of the same page runs again, first.

    pytest-markdown-docs gives a `continuation` fence the code of the fences before it, blank lines
    keeping each line where it is on the page; so the next item fails wherever this one would,
    at the same line of the page.

    Example:
        >>> from types import SimpleNamespace as Item
        >>> page = object()
        >>> a, b, c = (Item(parent=page, code=code) for code in ("x = 1\\n", "x = 1\\n\\ny = x\\n", "z = 2\\n"))
        >>> repeated_fences([a, b, c]) == [a]
        True
    """
    repeated = []
    for item, after in itertools.pairwise(items):
        code, next_code = getattr(item, "code", None), getattr(after, "code", None)
        if isinstance(code, str) and isinstance(next_code, str) and item.parent is after.parent \
                and len(next_code) > len(code) and next_code.startswith(code):
            repeated.append(item)
    return repeated


# What a file's run is expected to cost, in seconds, for the order of `longest_first`: a notebook's
# own record of its last run (`execution_seconds`, written by `make notebooks`) or this default, and
# a file marked slow (it builds the site or runs notebooks itself).
NOTEBOOK_SECONDS, SLOW_FILE_SECONDS = 30, 40


@cache
def expected_seconds(path: Path) -> float:
    """The expected running time of a notebook, from its metadata (`NOTEBOOK_SECONDS` if not recorded)."""
    return float(json.loads(path.read_text()).get("metadata", {}).get("execution_seconds") or NOTEBOOK_SECONDS)


def longest_first(items: Sequence[pytest.Item]) -> list[pytest.Item]:
    """`items` with the files expected to run longest first; a file's items keep their order.

    Files with no expected cost keep their order after the others.

    Example:
        >>> from types import SimpleNamespace as Item
        >>> quick = Item(path=Path("a.py"), get_closest_marker=lambda name: None)
        >>> slow = Item(path=Path("b.py"), get_closest_marker=lambda name: name == "slow")
        >>> [item.path.name for item in longest_first([quick, slow])]
        ['b.py', 'a.py']
    """
    cost: dict[Path, float] = {}
    for item in items:
        path = Path(item.path)
        if path.suffix == ".ipynb":
            cost[path] = expected_seconds(path)
        elif item.get_closest_marker("slow"):
            cost[path] = max(cost.get(path, 0.0), SLOW_FILE_SECONDS)
        else:
            cost.setdefault(path, 0.0)
    return sorted(items, key=lambda item: -cost[Path(item.path)])  # a stable sort: a file's order is kept


DURATIONS = ROOT / ".test_durations"  # pytest-split's record of each test's seconds (`make durations`)


def shard_files(seconds: dict[str, float], n: int) -> list[list[str]]:
    """Files in `n` groups of about equal total seconds, no file split: longest first, each to the least loaded.

    A notebook's cells share one kernel, so a file is the unit. Ties go to the lowest group, so
    every process that computes this gets the same answer.

    Raises:
        ValueError: if `n` is less than 1.

    Example:
        >>> shard_files({"a.ipynb": 300.0, "b.ipynb": 200.0, "c.py": 150.0, "d.py": 100.0}, 2)
        [['a.ipynb', 'd.py'], ['b.ipynb', 'c.py']]
    """
    if n < 1:
        raise ValueError(f"the number of shards must be at least 1, got {n}")
    groups: list[list[str]] = [[] for _ in range(n)]
    loads = [0.0] * n
    for name in sorted(seconds, key=lambda f: (-seconds[f], f)):
        least = loads.index(min(loads))
        groups[least].append(name)
        loads[least] += seconds[name]
    return groups


def file_seconds(items: Sequence[pytest.Item], durations: dict[str, float]) -> dict[str, float]:
    """Each file's recorded seconds (its tests' sum; a test not yet recorded counts as the average test)."""
    average = sum(durations.values()) / len(durations) if durations else 1.0
    seconds: dict[str, float] = {}
    for item in items:
        path = item.nodeid.split("::")[0]
        seconds[path] = seconds.get(path, 0.0) + durations.get(item.nodeid, average)
    return seconds


def parse_shard(value: str) -> tuple[int, int]:
    """`"2/4"` as `(2, 4)`.

    Raises:
        ValueError: unless `value` is `K/N` with 1 <= K <= N.

    Example:
        >>> parse_shard("2/4")
        (2, 4)
    """
    match = re.fullmatch(r"(\d+)/(\d+)", value)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f"--shard must be K/N with 1 <= K <= N, such as 2/4, not {value!r}")
    return int(match[1]), int(match[2])


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--shard", metavar="K/N", default=None,
                     help="run the K-th of N parts of the suite: whole files, balanced by .test_durations")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the fences that a `continuation` fence after them runs again (`repeated_fences`), put
    the longest files first (`longest_first`; with `--no-loadscope-reorder`, pytest-xdist keeps it),
    and with `--shard K/N` keep the files of the K-th part only (`shard_files`)."""
    repeated = {id(item) for item in repeated_fences(items)}
    if repeated:
        config.hook.pytest_deselected(items=[item for item in items if id(item) in repeated])
    items[:] = longest_first([item for item in items if id(item) not in repeated])
    if config.getoption("shard"):
        try:
            k, n = parse_shard(config.getoption("shard"))
        except ValueError as error:
            raise pytest.UsageError(str(error)) from None
        durations = json.loads(DURATIONS.read_text()) if DURATIONS.is_file() else {}
        keep = set(shard_files(file_seconds(items, durations), n)[k - 1])
        config.hook.pytest_deselected(items=[item for item in items if item.nodeid.split("::")[0] not in keep])
        items[:] = [item for item in items if item.nodeid.split("::")[0] in keep]


def align_within_tolerance(computed: list, stored: list, tolerance, sanitize=lambda text: text) -> list:
    """`computed` outputs, each text that says what the stored one says within `tolerance` replaced by it.

    nbval then compares as usual: what was within the tolerance is equal, and anything else is
    reported by nbval as a difference, in its own words. Outputs are paired in order (nbval has
    merged the streams of both); texts are sanitised (timings, addresses) before they are
    compared, as nbval compares them.

    Example:
        >>> from nbformat.v4 import new_output
        >>> from tools.tolerance import Tolerance
        >>> stored = [new_output("stream", name="stdout", text="accuracy 0.965\\n")]
        >>> computed = [new_output("stream", name="stdout", text="accuracy 0.963\\n")]
        >>> align_within_tolerance(computed, stored, Tolerance(abs=0.005))[0].text
        'accuracy 0.965\\n'
        >>> align_within_tolerance(computed, stored, Tolerance(abs=0.001))[0].text
        'accuracy 0.963\\n'
    """
    aligned = []
    for index, out in enumerate(computed):
        ref = stored[index] if index < len(stored) else {}
        out = copy.deepcopy(out)
        if out.get("output_type") == ref.get("output_type"):
            if "text" in out:
                out["text"] = _align(out["text"], ref.get("text"), tolerance, sanitize)
            for mime, text in out.get("data", {}).items():
                out["data"][mime] = _align(text, ref.get("data", {}).get(mime), tolerance, sanitize)
        aligned.append(out)
    return aligned


def _align(computed, stored, tolerance, sanitize):
    if isinstance(computed, str) and isinstance(stored, str) and computed != stored \
            and within_tolerance(sanitize(stored), sanitize(computed), tolerance):
        return stored
    return computed


_nbval_compare_outputs = IPyNbCell.compare_outputs


def compare_within_tolerance(self: IPyNbCell, test: list, ref: list, skip_compare=None) -> bool:
    """nbval's comparison of a cell's outputs, after `align_within_tolerance` where a tolerance is declared."""
    tolerance = cell_tolerance(self.cell.source, self.parent.nb.metadata)
    if tolerance is not None:
        test = align_within_tolerance(test, ref, tolerance, self.sanitize)
    return _nbval_compare_outputs(self, test, ref, skip_compare)


IPyNbCell.compare_outputs = compare_within_tolerance


@pytest.hookimpl(tryfirst=True)  # before pytest-markdown-docs' own (plain CommonMark) answer
def pytest_markdown_docs_markdown_it() -> MarkdownIt:
    return PageParser()


def pytest_configure(config: pytest.Config) -> None:
    os.environ[BRIEF_TIMING] = "1"  # inherited by the notebooks' kernels
    with warnings.catch_warnings():  # the filters pytest should keep are the ini lines below
        quiet_and_repeatable(threads=1)
    for message, category in KNOWN_WARNINGS:
        config.addinivalue_line("filterwarnings", f"ignore:{message}:{category.__name__}")
