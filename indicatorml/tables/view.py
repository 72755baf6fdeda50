"""What ``indicatorml parse`` shows on a terminal: codes with Chinese names, and a summary line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..output import fit_width
from ..records import Indicator, Table
from ..taxonomy import code_label

__all__ = ["VIEW_COLUMNS", "VIEW_HEADERS", "view_rows", "summary_line"]


VIEW_COLUMNS = ("project", "level1", "level2", "indicator", "target", "where")
VIEW_HEADERS = {
    "project": "项目",
    "level1": "一级指标",
    "level2": "二级指标",
    "indicator": "指标",
    "target": "年度指标值",
    "where": "位置",
}


def _view_label(code: str | None, name: str | None, raw: str | None) -> str:
    if code:
        return code_label(code, name, sep=" ")
    return f"? {raw}" if raw else ""


def _file(r: Indicator) -> str:
    return r.origin.file or r.source.rsplit(":", 1)[0]


def _where(r: Indicator) -> str:
    """The line alone (``12``), or sheet and row (``项目3:14``) for a file of several sheets."""
    rest = r.source[len(_file(r)) :] if r.source.startswith(_file(r)) else ":" + r.source.rsplit(":", 1)[-1]
    m = re.fullmatch(r"\[(.*)\]:(\d+)", rest)
    return f"{m.group(1)}:{m.group(2)}" if m else rest.lstrip(":")


def view_rows(records: Sequence[Indicator]) -> list[dict[str, Any]]:
    """Rows for a terminal: codes with Chinese names, and where each record came from
    (the line alone when all records come from one file)."""
    files = {_file(r) for r in records}
    rows = []
    last = None
    for r in records:
        key = (_file(r), r.project)
        rows.append(
            {
                "project": fit_width(r.project or "", 24) if key != last else "",  # once per project
                "level1": _view_label(r.level1_code, r.level1, r.level1_raw),
                "level2": _view_label(r.level2_code, r.level2, r.level2_raw),
                "indicator": fit_width(r.indicator, 36),
                "target": fit_width(r.target or "", 30),
                "where": _where(r) if len(files) == 1 else r.source,
            }
        )
        last = key
    return rows


def summary_line(tables: Sequence[Table]) -> str:
    """``读取 75 条指标, 24 个项目 (1 个文件); 0 个问题`` — what a user checks first."""
    n_rec = sum(len(t.records) for t in tables)
    n_proj = 0
    for t in tables:
        n_proj += len(t.projects) if t.kind == "seed" else len({r.project for r in t.records if r.project})
    n_prob = sum(len(t.problems) for t in tables)
    rows = len({(x.file, x.sheet, x.line) for t in tables for x in t.problems})
    line = f"读取 {n_rec} 条指标, {n_proj} 个项目 ({len(tables)} 个文件); {n_prob} 个问题 ({rows} 处)"
    # A sheet (Word table, PDF page) without an indicator table: named, never passed over in silence.
    empty = [(t, s.name) for t in tables for s in t.sheets if not s.tables]
    if empty and any(s.tables for t in tables for s in t.sheets):
        names = ", ".join(name if len(tables) == 1 else f"{t.path}[{name}]" for t, name in empty)
        line += f"; 无指标表的工作表: {names}"
    return line
