"""JSONL tables, as ``indicatorml parse --format jsonl`` writes them: one object per line."""

from __future__ import annotations

import json
from typing import Any

from ..records import Problem, Table
from .columns import cell_text, match_columns, row_to_indicator

__all__ = ["read_jsonl"]


def read_jsonl(lines: list[str], table: Table) -> None:
    p = table.path
    columns: list[str] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            table.problems.append(Problem(p, n, f"不是一个 JSON 对象(技术细节: {e})"))
            continue
        if not isinstance(obj, dict):
            table.problems.append(Problem(p, n, "不是一个 JSON 对象"))
            continue
        keys = [str(k) for k in obj]
        for k in keys:
            if k not in columns:
                columns.append(k)
        cells = [_json_cell(v) for v in obj.values()]
        where = f"{p}:{n}"
        rec, reasons = row_to_indicator(cells, match_columns(keys), keys, where, where)
        for reason in reasons:
            table.problems.append(Problem(p, n, reason))
        if rec is not None:
            table.records.append(rec)
    if not columns and not table.problems:
        table.problems.append(Problem(p, None, "空文件"))


def _json_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return cell_text(v)
