"""XLSX workbooks: every sheet a :class:`~.grid.Grid` (merged cells, number formats), read by :mod:`.forms`.

Limits (:class:`~.limits.FileBudget`) are spent in :func:`xlsx_grids` before each costly step:
the zip is checked before openpyxl opens it, a sheet's merged ranges before any is filled, and
rows and columns as openpyxl hands them over. A sheet whose ``<dimension>`` claims more than
the limits allow is not believed: openpyxl would pad every row to the claimed width, so the
claim is dropped and the rows are read as the XML has them.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import range_boundaries

from ..records import Problem, Table
from .columns import cell_text
from .forms import read_grids
from .grid import Grid, fill_merges
from .limits import FileBudget, Limits, Refused
from .reading import current_policy
from .zipcheck import check_zip

__all__ = ["read_xlsx", "xlsx_grids"]


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')


def _merged_ranges(z: zipfile.ZipFile, member: str | None) -> list[tuple[int, int, int, int]] | None:
    """Merged ranges (0-based, inclusive) from the sheet XML: read-only mode does not list them, and
    openpyxl's full mode spends most of its time re-styling merged cells. None if not found."""
    if member is None:
        return None
    try:
        data = z.read(member)
    except KeyError:
        return None
    out = []
    for m in _MERGE.finditer(data):
        ref = m.group(1).decode()
        c0, r0, c1, r1 = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
        out.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1))
    return out


def xlsx_grids(path: Path, limits: Limits | None = None, budget: FileBudget | None = None) -> list[Grid]:
    """Every worksheet as a grid, in workbook order. Raises on a damaged file, and
    :class:`~.limits.LimitExceeded` on one over ``limits`` (default: those in force)."""
    from openpyxl import load_workbook

    budget = budget or FileBudget(limits or current_policy().limits)
    check_zip(path, budget)
    wb = load_workbook(path, read_only=True, data_only=True)
    grids = []
    try:
        with zipfile.ZipFile(path) as z:
            for ws in wb.worksheets:
                ranges = _merged_ranges(z, getattr(ws, "_worksheet_path", None))
                grids.append(_sheet_grid(ws, ranges, path, budget))
    finally:
        wb.close()
    return grids


def _believable(ws: Any, budget: FileBudget) -> None:
    """Drop a ``<dimension>`` claim the limits would refuse (see the module docstring)."""
    rows, cols = ws.max_row or 0, ws.max_column or 0
    lim = budget.limits
    if rows > lim.rows or cols > lim.columns or rows * cols > lim.cells - budget.cells:
        ws.reset_dimensions()


def _sheet_grid(
    ws: Any, ranges: list[tuple[int, int, int, int]] | None, path: Path, budget: FileBudget
) -> Grid:
    if ranges is None:  # no path to the sheet XML: the slow way, through openpyxl's full mode
        from openpyxl import load_workbook

        full = load_workbook(path, data_only=True)[ws.title]
        ranges = [
            (r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1) for r in full.merged_cells.ranges
        ]
    budget.merged(ws.title, ranges)
    _believable(ws, budget)
    values: list[list[Any]] = []
    texts: list[list[str]] = []
    held = 0
    for row in ws.iter_rows(min_row=1, min_col=1):
        budget.rows(ws.title, len(values) + 1)
        budget.columns(ws.title, len(row), len(values) + 1)
        budget.add_cells(len(row))
        held += len(row)
        vals = [getattr(cell, "value", None) for cell in row]
        txt = [cell_text(v, getattr(cell, "number_format", None)) for v, cell in zip(vals, row, strict=True)]
        values.append(vals)
        texts.append(txt)
    # fill_merges pads every row to the widest (or the widest merge): count the padding first.
    widest = max([len(r) for r in texts] + [c1 + 1 for r0, _, _, c1 in ranges if r0 < len(texts)] or [0])
    budget.add_cells(len(texts) * widest - held)
    for r0, c0, r1, c1 in ranges:
        if r0 >= len(values):
            continue
        top = values[r0][c0] if c0 < len(values[r0]) else None
        for r in range(r0, min(r1 + 1, len(values))):
            row_v = values[r]
            row_v.extend([None] * (c1 + 1 - len(row_v)))
            for c in range(c0, c1 + 1):
                row_v[c] = top
    cont = fill_merges(texts, ranges)
    # Trailing empty columns of the whole sheet (formatting reaches far to the right).
    width = max((max((c + 1 for c, t in enumerate(r) if t), default=0) for r in texts), default=0)
    for k in range(len(texts)):
        texts[k] = texts[k][:width]
        cont[k] = cont[k][:width]
        values[k] = values[k][:width]
    return Grid(ws.title, "sheet", texts, cont, list(range(1, len(texts) + 1)), values)


def read_xlsx(path: Path, table: Table, budget: FileBudget) -> None:
    """Every sheet; a sheet without an indicator table is named in the summary, not an error."""
    try:
        grids = xlsx_grids(path, budget=budget)
    except (Refused, MemoryError):
        raise  # read_table says these in its own words
    except Exception as e:  # noqa: BLE001 - any damage in the zip/XML is a problem, not a crash
        hint = "文件损坏或不完整;" if isinstance(e, zipfile.BadZipFile) else ""
        table.problems.append(
            Problem(
                table.path, None, f"无法按 Excel 工作簿(.xlsx)读取:{hint}(技术细节: {type(e).__name__}: {e})"
            )
        )
        return
    read_grids(grids, table)
    no_table(table, grids, "sheet")


def no_table(table: Table, grids: list[Grid], what: str) -> None:
    """No grid has an indicator table: one problem for the file, naming what it has."""
    if table.records or any(s.tables for s in table.sheets):
        return
    names = ", ".join(g.name for g in grids) or "无"
    noun = {"sheet": "工作表", "table": "表格", "page": "页"}[what]
    table.problems.append(
        Problem(
            table.path,
            None,
            f"没有一个{noun}有指标名称列(指标名称 / 三级指标 / indicator);{noun}: {names}",
        )
    )
