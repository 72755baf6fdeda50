"""Excel 97–2003 .xls: every sheet a :class:`~.grid.Grid` through xlrd (merged cells, number formats).

Limits: a sheet's rows × columns and its merged ranges are checked (:class:`~.limits.FileBudget`)
after xlrd has loaded it and before its grid is built. xlrd itself holds at most the format's
own grid (65,536 × 256) per sheet; what it spends loading one is bounded only by the worker's
memory limit (:mod:`.pool`).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from ..records import Problem, Table
from .columns import cell_text
from .forms import read_grids
from .grid import Grid, fill_merges
from .limits import FileBudget, Limits, Refused
from .reading import current_policy
from .xlsx import no_table

__all__ = ["read_xls", "xls_grids"]


def xls_grids(data: bytes, limits: Limits | None = None, budget: FileBudget | None = None) -> list[Grid]:
    """Every sheet as a grid. Raises on a damaged file, and :class:`~.limits.LimitExceeded` on
    one over ``limits`` (default: those in force)."""
    import xlrd

    budget = budget or FileBudget(limits or current_policy().limits)
    # xlrd writes its warnings to stdout by default: that would mix with parse's JSONL output.
    book = xlrd.open_workbook(
        file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO(), verbosity=0
    )
    grids = []
    try:
        for k in range(book.nsheets):
            sh = book.sheet_by_index(k)
            budget.grid(sh.name, sh.nrows, sh.ncols)
            ranges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sh.merged_cells]
            budget.merged(sh.name, ranges)
            values: list[list[Any]] = []
            texts: list[list[str]] = []
            for r in range(sh.nrows):
                vals, txt = [], []
                for c in range(sh.ncols):
                    cell = sh.cell(r, c)
                    v: Any = cell.value
                    fmt = None
                    if cell.ctype == xlrd.XL_CELL_EMPTY or cell.ctype == xlrd.XL_CELL_BLANK:
                        v = None
                    elif cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            v = xlrd.xldate.xldate_as_datetime(v, book.datemode)
                            if isinstance(v, dt.datetime) and v.time() == dt.time(0):
                                v = v.date()
                        except (ValueError, OverflowError):
                            pass
                    elif cell.ctype == xlrd.XL_CELL_NUMBER:
                        xf = book.xf_list[cell.xf_index] if cell.xf_index is not None else None
                        f = book.format_map.get(xf.format_key) if xf is not None else None
                        fmt = f.format_str if f is not None else None
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        v = bool(v)
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        v = None
                    vals.append(v)
                    txt.append(cell_text(v, fmt))
                values.append(vals)
                texts.append(txt)
            for r0, c0, r1, c1 in ranges:
                for r in range(r0, min(r1 + 1, len(values))):
                    for c in range(c0, min(c1 + 1, len(values[r]))):
                        values[r][c] = values[r0][c0] if c0 < len(values[r0]) else None
            cont = fill_merges(texts, ranges)
            grids.append(Grid(sh.name, "sheet", texts, cont, list(range(1, len(texts) + 1)), values))
            book.unload_sheet(k)
    finally:
        book.release_resources()
    return grids


def read_xls(path: Path, data: bytes, table: Table, budget: FileBudget) -> None:
    try:
        grids = xls_grids(data, budget=budget)
    except (Refused, MemoryError):
        raise  # read_table says these in its own words
    except Exception as e:  # noqa: BLE001 - a damaged file is a problem, not a crash
        table.problems.append(
            Problem(
                table.path, None, f"无法按 Excel 97–2003 工作簿(.xls)读取(技术细节: {type(e).__name__}: {e})"
            )
        )
        return
    read_grids(grids, table)
    no_table(table, grids, "sheet")
