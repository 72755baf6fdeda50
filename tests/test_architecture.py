"""docs/ARCHITECTURE.md names every module of the package, so a new reader's map stays whole.

The module list is read from the tree, never written down here: a module added, moved or
renamed without its line in the "What each folder owns" table fails this test, and so does a
row naming a file or folder that is gone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import ROOT

PACKAGE = ROOT / "indicatorml"
DOC = ROOT / "docs" / "ARCHITECTURE.md"


def _rows() -> dict[str, set[str]]:
    """The table's rows: each name in a row's first cell (``checks/``, ``taxonomy.py``) → every
    identifier written in backticks anywhere in that row."""
    rows: dict[str, set[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        first = line.split("|")[1]
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", " ".join(re.findall(r"`([^`]+)`", line))))
        for name in re.findall(r"`([^`]+)`", first):
            rows[name] = words
    return rows


def _modules() -> list[Path]:
    """Every module of the package, relative to it; a package's ``__init__`` is its folder's row."""
    return sorted(p.relative_to(PACKAGE) for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")


def _folders() -> list[Path]:
    """The package's top-level subpackages (``checks``, ``resources`` …)."""
    return sorted(p.parent.relative_to(PACKAGE) for p in PACKAGE.glob("*/__init__.py"))


def test_the_tree_has_modules_to_check() -> None:
    assert len(_modules()) > 40 and Path("checks") in _folders()  # the walk itself works


@pytest.mark.parametrize("module", _modules(), ids=str)
def test_every_module_is_named_in_the_architecture_doc(module: Path) -> None:
    rows = _rows()
    if len(module.parts) == 1:  # taxonomy.py, cli.py, __main__.py: a row of its own
        assert module.name in rows, f"docs/ARCHITECTURE.md has no row naming `{module.name}`"
        return
    folder, *inner, _ = module.parts
    row = rows.get(f"{folder}/")
    assert row is not None, f"docs/ARCHITECTURE.md has no row for `{folder}/`"
    for name in [*inner, module.stem]:  # tables/annotate/layout.py: `annotate/` and `layout`
        assert name in row, f"the `{folder}/` row of docs/ARCHITECTURE.md does not name `{name}` ({module})"


@pytest.mark.parametrize("folder", _folders(), ids=str)
def test_every_folder_has_a_row(folder: Path) -> None:
    assert f"{folder}/" in _rows(), f"docs/ARCHITECTURE.md has no row for `{folder}/`"


def test_every_row_names_something_that_exists() -> None:
    gone = [name for name in _rows() if not (PACKAGE / name.rstrip("/")).exists()]
    assert gone == [], f"docs/ARCHITECTURE.md names what is not in indicatorml/: {gone}"


# A function a reader must scroll through is several ideas: none over this many lines. Alembic
# revisions are exempt — each is one schema written out, table by table, as the tool expects.
MAX_FUNCTION_LINES = 100


def test_no_function_is_over_a_hundred_lines() -> None:
    import ast

    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []
