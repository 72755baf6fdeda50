"""The README's Python API block runs as written, and each `expr  # value` line gives that value."""

from __future__ import annotations

import ast
import re

import pytest

from helpers import ROOT


def _python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def _expected(line: str) -> tuple[str, object] | None:
    """``expr  # literal`` → (expr, literal) when the comment is a Python literal, else None."""
    if "  # " not in line:
        return None
    code, comment = line.split("  # ", 1)
    try:
        return code, ast.literal_eval(comment.strip())
    except (ValueError, SyntaxError):
        return None


def test_readme_has_a_python_api_block():
    blocks = _python_blocks()
    assert blocks, "README.md lost its ```python block"
    assert any("from indicatorml." in b for b in blocks)


@pytest.mark.parametrize("block", _python_blocks())
def test_readme_python_block_runs_and_gives_the_values_it_shows(block, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("INDICATORML_MODEL", raising=False)
    env: dict[str, object] = {}
    checked = 0
    for line in block.splitlines():
        if not line.strip():
            continue
        pair = _expected(line)
        if pair is None:
            exec(compile(line, "README.md", "exec"), env)  # noqa: S102 - the README's own lines
            continue
        code, want = pair
        tree = ast.parse(code)
        if isinstance(tree.body[0], ast.Assign):
            exec(compile(code, "README.md", "exec"), env)  # noqa: S102
            continue
        got = eval(compile(code, "README.md", "eval"), env)  # noqa: S307
        assert got == want, f"README line {code!r} gives {got!r}, the README says {want!r}"
        checked += 1
    assert checked >= 1, "no `expr  # value` line was checked"


def test_readme_lists_every_rule_with_its_chinese_name():
    """The rule table (检查规则与项目评级) is the reviewer's reference: a rule added to the registry
    without its row, or renamed, fails here."""
    from indicatorml.checks import RULE_INFO

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [r.id for r in RULE_INFO.values() if f"| `{r.id}` | {r.name} |" not in text]
    assert missing == []
