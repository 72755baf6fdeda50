"""Every benchmark and script still imports: a rename in the package must not leave them broken
until the next person runs them (bench_write.py once imported ``run_check`` from where it had moved
away). Importing runs only their top level; each keeps its work under ``main()``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted([*ROOT.glob("benchmarks/*.py"), *ROOT.glob("scripts/*.py")])


@pytest.mark.parametrize("path", SCRIPTS, ids=[f"{p.parent.name}/{p.name}" for p in SCRIPTS])
def test_imports(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in ("benchmarks", "tests", "scripts"):
        monkeypatch.syspath_prepend(str(ROOT / folder))
    name = f"_script_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    assert callable(getattr(module, "main", None)), f"{path.name} has no main()"
