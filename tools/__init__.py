"""Site and notebook tooling: MkDocs hooks, notebook normalising and determinism, site metrics, flashcards.

Nothing here is a lesson, and `snippets/` never imports from here: the teaching package does
not know the site. The tests, `bench/` and the Makefile use these modules (`python -m tools.X`).
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The repository root."""
