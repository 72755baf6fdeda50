"""The versions the package declares are the versions the tests ran on.

pyproject.toml's floors, constraints.txt's pins and the running environment must agree: a floor
that no test run installed is a promise nobody checked (issue 14 found ``scikit-learn>=1.3``
beside code that needs 1.6). And ``requires-python`` must be one the pins can be installed on.
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import version

from helpers import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FLOOR = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[A-Za-z0-9_,-]+\])?>=([0-9][0-9A-Za-z.]*)$")


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503 normalized name


def _floors() -> dict[str, str]:
    project = PYPROJECT["project"]
    out = {}
    for req in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        m = FLOOR.match(req.replace(" ", ""))
        assert m, f"{req!r}: every dependency is 'name>=version', a floor the tests ran on"
        out[_key(m.group(1))] = m.group(2)
    return out


def _pins() -> dict[str, str]:
    out = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            assert pinned, f"constraints.txt: {line!r} is not 'name==version'"
            out[_key(name)] = pinned
    return out


def test_every_floor_is_pinned_at_itself() -> None:
    assert _pins() == _floors()


def test_the_tests_run_on_the_floors() -> None:
    installed = {name: version(name) for name in _floors()}
    assert installed == _floors(), "rebuild the venv: make clean venv (pip install -c constraints.txt)"


def test_requires_python_is_what_the_tools_target() -> None:
    m = re.fullmatch(r">=(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"])
    assert m, "requires-python is a lower bound only"
    major, minor = int(m.group(1)), int(m.group(2))
    assert PYPROJECT["tool"]["ruff"]["target-version"] == f"py{major}{minor}"
    assert PYPROJECT["tool"]["mypy"]["python_version"] == f"{major}.{minor}"
    assert sys.version_info[:2] >= (major, minor)
