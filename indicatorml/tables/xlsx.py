"""XLSX workbooks: sheets with merged cells and number formats into records."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..records import Problem, Table
from .columns import cell_text, head_rows, match_columns
from .delimited import rows_to_records

__all__ = ["read_xlsx"]


def _has_merged_cells(path: Path) -> bool:
    """Merged ranges are listed only in the sheet XML; read-only mode would not see them."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with z.open(name) as f:
                    while chunk := f.read(1 << 20):
                        if b"<mergeCell " in chunk or b"<mergeCells" in chunk:
                            return True
    return False


def read_xlsx(path: Path, table: Table) -> None:
    """First sheet with a recognizable header; merged cells give their value to every cell."""
    p = table.path
    try:
        from openpyxl import load_workbook

        merged = _has_merged_cells(path)
        wb = load_workbook(path, read_only=not merged, data_only=True)
    except Exception as e:  # noqa: BLE001 - any damage in the zip/XML is a problem, not a crash
        table.problems.append(Problem(p, None, f"cannot read as XLSX: {type(e).__name__}: {e}"))
        return
    try:
        names = []
        for ws in wb.worksheets:
            fill: dict[tuple[int, int], tuple[Any, str | None]] = {}
            if merged:
                for rng in ws.merged_cells.ranges:
                    top = ws.cell(rng.min_row, rng.min_col)
                    for r in range(rng.min_row, rng.max_row + 1):
                        for c in range(rng.min_col, rng.max_col + 1):
                            fill[(r, c)] = (top.value, top.number_format)
            values: list[list[Any]] = []
            texts: list[list[str]] = []
            for r, row in enumerate(ws.iter_rows(), start=1):
                vals, txt = [], []
                for c, cell in enumerate(row, start=1):
                    v, fmt = fill.get((r, c), (getattr(cell, "value", None), getattr(cell, "number_format", None)))
                    vals.append(v)
                    txt.append(cell_text(v, fmt))
                while txt and not txt[-1]:
                    txt.pop()
                    vals.pop()
                values.append(vals)
                texts.append(txt)
            header_idx = _find_flat_header(texts)
            names.append(ws.title)
            if header_idx is None:
                continue
            header = texts[header_idx]
            table.preamble = ["\t".join(t) for t in texts[:header_idx]]
            table.columns = header
            rows = [(header_idx + 2 + k, values[header_idx + 1 + k], None)
                    for k in range(len(values) - header_idx - 1)]
            rows_to_records(rows, header, table, check_width=False, texts=texts[header_idx + 1:])
            return
        table.problems.append(Problem(p, None, "no sheet has an indicator column (indicator / 指标名称 / 三级指标); "
                                      f"sheets: {', '.join(names) or 'none'}"))
    finally:
        wb.close()


def _find_flat_header(texts: Sequence[Sequence[str]]) -> int | None:
    for i, cells in head_rows(texts, lambda row: not any(row)):
        if "indicator" in match_columns(cells):
            return i
    return None
