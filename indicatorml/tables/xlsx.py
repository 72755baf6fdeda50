"""XLSX workbooks: every sheet a :class:`~.grid.Grid` (merged cells, number formats), read by :mod:`.forms`."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from ..records import Problem, Table
from .columns import cell_text
from .forms import read_grids
from .grid import Grid, fill_merges

__all__ = ["read_xlsx", "xlsx_grids"]


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


def xlsx_grids(path: Path) -> list[Grid]:
    """Every worksheet as a grid, in workbook order. Raises on a damaged file."""
    from openpyxl import load_workbook

    merged = _has_merged_cells(path)
    wb = load_workbook(path, read_only=not merged, data_only=True)
    grids = []
    try:
        for ws in wb.worksheets:
            values: list[list[Any]] = []
            texts: list[list[str]] = []
            for row in ws.iter_rows(min_row=1, min_col=1):
                vals = [getattr(cell, "value", None) for cell in row]
                txt = [cell_text(v, getattr(cell, "number_format", None)) for v, cell in zip(vals, row, strict=True)]
                values.append(vals)
                texts.append(txt)
            ranges = []
            if merged:
                for rng in ws.merged_cells.ranges:
                    ranges.append((rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1))
                    top = values[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(values) else None
                    for r in range(rng.min_row - 1, min(rng.max_row, len(values))):
                        row_v = values[r]
                        row_v.extend([None] * (rng.max_col - len(row_v)))
                        for c in range(rng.min_col - 1, rng.max_col):
                            row_v[c] = top
            cont = fill_merges(texts, ranges)
            # Trailing empty columns of the whole sheet (formatting reaches far to the right).
            width = max((max((c + 1 for c, t in enumerate(r) if t), default=0) for r in texts), default=0)
            for k in range(len(texts)):
                texts[k] = texts[k][:width]
                cont[k] = cont[k][:width]
                values[k] = values[k][:width]
            grids.append(Grid(ws.title, "sheet", texts, cont, list(range(1, len(texts) + 1)), values))
    finally:
        wb.close()
    return grids


def read_xlsx(path: Path, table: Table) -> None:
    """Every sheet; a sheet without an indicator table is named in the summary, not an error."""
    try:
        grids = xlsx_grids(path)
    except Exception as e:  # noqa: BLE001 - any damage in the zip/XML is a problem, not a crash
        table.problems.append(Problem(table.path, None, f"cannot read as XLSX: {type(e).__name__}: {e}"))
        return
    read_grids(grids, table)
    no_table(table, grids, "sheet")


def no_table(table: Table, grids: list[Grid], what: str) -> None:
    """No grid has an indicator table: one problem for the file, naming what it has."""
    if table.records or any(s["tables"] for s in table.sheets):
        return
    names = ", ".join(g.name for g in grids) or "none"
    noun = {"sheet": "sheet", "table": "table", "page": "page"}[what]
    table.problems.append(Problem(table.path, None, f"no {noun} has an indicator column (indicator / 指标名称 / "
                                  f"三级指标); {noun}s: {names}"))
