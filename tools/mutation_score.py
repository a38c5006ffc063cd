"""Print the mutation score that `mutmut export-cicd-stats` saved (`make mutation` calls it)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

GOAL = 0.85


def summary(stats: dict[str, int]) -> str:
    """One line: mutants killed out of all, and what happened to the rest.

    Example:
        >>> summary({"killed": 89, "survived": 19, "total": 108, "no_tests": 0, "timeout": 0})
        'mutation score: 89 of 108 mutants killed (82%; goal 85%); survived 19, no tests 0, timeout 0'
    """
    if stats["total"] == 0:
        raise ValueError("no mutants: check [tool.mutmut] only_mutate in pyproject.toml")
    share = stats["killed"] / stats["total"]
    return (f"mutation score: {stats['killed']} of {stats['total']} mutants killed ({share:.0%}; goal {GOAL:.0%}); "
            f"survived {stats['survived']}, no tests {stats['no_tests']}, timeout {stats['timeout']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stats", type=Path, default=Path("mutants/mutmut-cicd-stats.json"))
    args = parser.parse_args(argv)
    print(summary(json.loads(args.stats.read_text())))
    print("survivors: `.venv/bin/mutmut results`; one of them: `.venv/bin/mutmut show <name>`")


if __name__ == "__main__":
    main()
