"""Gather the files a Hugging Face Space needs: `python -m tools.space --model models/digits --out build/space`.

A Space runs `app.py` with the packages of its `requirements.txt`. Besides those two files
(kept in `docs/deploy/space/`), it needs the modules of `snippets` that `app.py` imports,
directly or through each other, and the exported model. The modules are found by reading
the import statements (no list to keep by hand): a new import in the app ships the new module.
"""

from __future__ import annotations

import argparse
import ast
import shutil
from pathlib import Path

from tools import ROOT

SPACE_SOURCE = ROOT / "docs" / "deploy" / "space"
PACKAGE = "snippets"


def module_file(module: str, root: Path = ROOT) -> Path | None:
    """The source file of `module` under `root` (`a.b` -> `a/b.py` or `a/b/__init__.py`), or None."""
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_names(path: Path) -> set[str]:
    """Every absolute import of the file at `path`: `import a.b` gives `a.b`; `from a import b`, `a` and `a.b`."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imported_modules(path: Path) -> set[str]:
    """The `snippets` modules that the file at `path` imports (`from x import y` may name a module `x.y`)."""
    return {n for n in imported_names(path) if n.split(".")[0] == PACKAGE}


def needed_files(entry: Path, root: Path = ROOT) -> list[Path]:
    """Every package file that `entry` needs: its imports, theirs, and each package's `__init__.py` on the way.

    Examples:
        >>> files = needed_files(SPACE_SOURCE / "app.py")
        >>> [f.relative_to(ROOT).as_posix() for f in files][:3]
        ['snippets/__init__.py', 'snippets/deploy/__init__.py', 'snippets/deploy/app.py']
    """
    seen: set[Path] = set()
    todo = [entry]
    while todo:
        for module in imported_modules(todo.pop()):
            parts = module.split(".")
            for i in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__.py and a/b/__init__.py first
                path = module_file(".".join(parts[:i]), root)
                if path is not None and path not in seen:
                    seen.add(path)
                    todo.append(path)
    return sorted(seen)


def assemble(model: Path, out: Path) -> list[Path]:
    """Write the Space's folder: app.py, requirements.txt, the needed package files and `models/digits/`."""
    for name in ("model.safetensors", "domain.safetensors"):
        if not (model / name).is_file():
            raise FileNotFoundError(f"{model}: no {name} (run `make model` first)")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    written = []
    for name in ("app.py", "requirements.txt"):
        written.append(Path(shutil.copy(SPACE_SOURCE / name, out / name)))
    for path in needed_files(SPACE_SOURCE / "app.py"):
        target = out / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        written.append(Path(shutil.copy(path, target)))
    shutil.copytree(model, out / "models" / "digits")
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("models/digits"))
    parser.add_argument("--out", type=Path, default=Path("build/space"))
    args = parser.parse_args(argv)
    for path in assemble(args.model, args.out):
        print(path.relative_to(args.out).as_posix())


if __name__ == "__main__":
    main()
