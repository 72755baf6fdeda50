"""Where a table's records are in a workbook: the sheets, their tables, and one :class:`Place` per record.

For the user's own workbook the places come from the reader (``Indicator.origin``: sheet and
cells) or, for a flat table, from its header; for a new workbook :func:`layout` also gives the
cells to write: the input's grids (:func:`source_grids`, from the file's bytes; merges re-made),
else the flat table's rows, else the records' columns (``RECORD_HEADER``).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...output import display_width
from ...records import GridInfo, Table
from ..columns import cell_text, match_columns
from ..file_grids import file_grids
from ..grid import Grid

__all__ = ["Place", "TableArea", "Sheet", "layout", "sheet_title", "source_grids", "RECORD_HEADER"]

# The records' columns: the layout of a table that has no grid of its own (the seed layout, JSONL).
RECORD_HEADER = ("项目名称", "绩效目标", "一级指标", "二级指标", "三级指标", "实施周期指标值", "年度指标值")
_RECORD_FIELD_COL = {
    "project": 1,
    "goal": 2,
    "level1": 3,
    "level2": 4,
    "indicator": 5,
    "period_target": 6,
    "target": 7,
}
_CELL_FIELDS = ("project", "goal", "level1", "level2", "indicator", "period_target", "target")
_SHEET_BAD = "[]:*?/\\"


@dataclass
class Place:
    """Where one record's cells are: the sheet, the row its added-column values go in, and
    1-based (row, column) per field."""

    sheet: str
    row: int
    cells: dict[str, tuple[int, int]]
    table: int  # index into the sheet's tables


@dataclass
class TableArea:
    """Where one indicator table is on an output sheet (1-based): its header row, first and last
    row under it, and its last column (added columns go right of it).

    Unlike the reader's :class:`~indicatorml.records.TableSpan` every field is known: a table
    without rows spans its header row alone; one continued from the page before without its
    header is no area of its own (its records go with the page's first table, or one area
    spanning their cells, whose header row is the row above them — 0 when they start on the
    grid's first row: then the added columns have no header on this sheet, and nothing is
    written over the first record).
    """

    header_row: int
    first_row: int
    last_row: int
    last_col: int


@dataclass
class Sheet:
    """A sheet as laid out for output: its name, tables, and (for a new workbook) its cells."""

    name: str
    tables: list[TableArea] = field(default_factory=list)
    rows: list[list[Any]] | None = None  # cell values from row 1, for a new workbook
    merges: list[str] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    bold_rows: list[int] = field(default_factory=list)
    project_rows: dict[str, int] = field(default_factory=dict)  # a project without indicators: its own row


def _flat_rows(table: Table) -> list[int] | None:
    """Each record's index into ``table.rows``, where ``table`` is a flat table (else None)."""
    rows = [r.origin.row for r in table.records if r.origin.row is not None]
    flat = table.kind in ("csv", "tsv", "xlsx") and bool(table.columns) and len(rows) == len(table.records)
    return rows if flat else None


def _native_sheets(table: Table) -> list[str] | None:
    """Each record's grid name, where the reader said where every record's cells are (else None)."""
    names = [r.origin.sheet for r in table.records if r.origin.sheet is not None]
    return names if table.records and len(names) == len(table.records) else None


def _flat_field_cols(table: Table) -> dict[str, int]:
    cols = match_columns(table.columns)
    out = {}
    for f in _CELL_FIELDS:
        c = cols.get(f + "_raw", cols.get(f)) if f in ("level1", "level2") else cols.get(f)
        if c is not None:
            out[f] = c + 1
    return out


def _sheet_of_flat_xlsx(table: Table, wb: Any) -> str:
    """The sheet today's flat reader read: the first whose header row is the table's header."""
    row = len(table.preamble) + 1
    want = [str(c).strip() for c in table.columns]
    for ws in wb.worksheets:
        got = [cell_text(ws.cell(row=row, column=c + 1).value) for c in range(len(want))]
        if got == want:
            return str(ws.title)
    return str(wb.worksheets[0].title)


def layout(
    table: Table,
    wb: Any = None,
    new: bool = False,
    title: str | None = None,
    grids: dict[str, Grid] | None = None,
) -> tuple[list[Sheet], list[Place]]:
    """The sheets of ``table`` and the place of each record.

    ``wb`` is the user's workbook (annotating in place: sheet names come from it); ``new``
    asks for the cells too (writing a new workbook), laid out from ``grids`` (the input's,
    from :func:`source_grids`) where given; ``title`` names the sheet of a table that has none
    of its own (CSV, seed, JSONL).
    """
    name = title or sheet_title(Path(table.path).stem)
    native = _native_sheets(table)
    if native is not None:
        sheets, places = _native_layout(table, native)
        if not new:
            return sheets, places
        if grids is not None and all(s.name in grids for s in sheets):
            # Every input sheet/table/page, in file order; those without indicators as they were.
            have = {s.name: s for s in sheets}
            sheets = [have.get(name) or Sheet(name) for name in grids]
            for s in sheets:
                _fill_from_grid(s, grids[s.name])
            _repeat_headers(sheets, places)
            return sheets, places
    flat_rows = _flat_rows(table)
    if flat_rows is not None:
        sheet_name = _sheet_of_flat_xlsx(table, wb) if wb is not None else name
        header_row = len(table.preamble) + 1
        fcols = _flat_field_cols(table)
        fallback = fcols.get("project", fcols.get("indicator", 1))
        places = []
        for index in flat_rows:
            row = header_row + 1 + index
            cells = {f: (row, c) for f, c in fcols.items()}
            cells.setdefault("project", (row, fallback))
            places.append(Place(sheet_name, row, cells, 0))
        width = max([len(table.columns)] + [len(r) for r in table.rows])
        area = TableArea(header_row, header_row + 1, header_row + len(table.rows), len(table.columns))
        sheet = Sheet(sheet_name, [area])
        if new:
            pre = [
                line.split("\t") if table.kind not in ("csv", "tsv") else [line] for line in table.preamble
            ]
            sheet.rows = (
                pre + [list(table.columns)] + [list(r) + [None] * (width - len(r)) for r in table.rows]
            )
            sheet.bold_rows = [header_row]
            for f, w in (("indicator", 30), ("goal", 30), ("project", 24), ("target", 16)):
                if f in fcols:
                    sheet.widths[fcols[f]] = w
        return [sheet], places
    return _record_layout(table, name)


def _repeat_headers(sheets: list[Sheet], places: list[Place]) -> None:
    """A new sheet whose table runs on from the page before from its very first row (a PDF
    table continued without its header) gets the header of the table it continues, repeated
    on a row of its own on top — as a printed table repeats its header — so the added columns
    have a header row there too and nothing is written over the first record. Its cells and
    its records' places move down one row."""
    header: list[Any] | None = None
    for sheet in sheets:
        if sheet.rows is None or not sheet.tables:
            continue
        if sheet.tables[0].header_row >= 1:
            a = sheet.tables[-1]  # the table a next page may continue: the last on this one
            header = list(sheet.rows[a.header_row - 1]) if 1 <= a.header_row <= len(sheet.rows) else None
            continue
        if header is None:
            continue
        sheet.rows.insert(0, list(header))
        sheet.merges = [_shift_range(m) for m in sheet.merges]
        sheet.tables = [
            TableArea(a.header_row + 1, a.first_row + 1, a.last_row + 1, a.last_col) for a in sheet.tables
        ]
        sheet.bold_rows = [1] + [r + 1 for r in sheet.bold_rows]
        sheet.project_rows = {k: r + 1 for k, r in sheet.project_rows.items()}
        for k, p in enumerate(places):
            if p.sheet == sheet.name:
                places[k] = Place(
                    p.sheet, p.row + 1, {f: (r + 1, c) for f, (r, c) in p.cells.items()}, p.table
                )


def _shift_range(ref: str) -> str:
    """An A1 range one row down."""
    from openpyxl.utils import get_column_letter, range_boundaries

    c1, r1, c2, r2 = range_boundaries(ref)
    return f"{get_column_letter(c1)}{r1 + 1}:{get_column_letter(c2)}{r2 + 1}"


def _native_layout(table: Table, names: list[str]) -> tuple[list[Sheet], list[Place]]:
    """Records placed by the workbook/document reader (``names``: each record's grid, and its
    ``origin.cells``); the tables of each sheet from ``table.sheets``."""
    infos = {s.name: s for s in table.sheets}
    by_sheet: dict[str, list[tuple[int, dict[str, tuple[int, int]]]]] = {}
    # One indicator table in the file: its header also says where the project column is.
    project_col = match_columns(table.columns).get("project") if table.columns else None
    for i, (r, name) in enumerate(zip(table.records, names, strict=True)):
        cells = dict(r.origin.cells)
        if project_col is not None and r.origin.row is not None and "project" not in cells and cells:
            cells["project"] = (next(iter(cells.values()))[0], project_col + 1)
        by_sheet.setdefault(name, []).append((i, cells))
    order = [s.name for s in table.sheets if s.name in by_sheet]
    order += [s for s in by_sheet if s not in order]
    sheets: list[Sheet] = []
    places: dict[int, Place] = {}
    for s in order:
        recs = by_sheet[s]
        areas = _areas_of(infos.get(s), recs)
        sheets.append(Sheet(s, areas))
        # The table a row is in, by bisection over the tables' first rows (a sheet may hold
        # hundreds of forms: no scan of them all per record).
        by_first = sorted(range(len(areas)), key=lambda k: areas[k].first_row)
        firsts = [areas[k].first_row for k in by_first]
        for i, cells in recs:
            row = cells.get("indicator", next(iter(cells.values())))[0]
            j = bisect.bisect_right(firsts, row) - 1
            g = by_first[j] if j >= 0 and areas[by_first[j]].last_row >= row else 0
            places[i] = Place(s, row, cells, g)
    return sheets, [places[i] for i in range(len(table.records))]


def _areas_of(info: GridInfo | None, recs: list[tuple[int, dict[str, tuple[int, int]]]]) -> list[TableArea]:
    """The sheet's tables as the reader described them (see :class:`TableArea`), else one
    spanning its records' cells."""
    areas = [
        TableArea(t.header_row, t.first_row or t.header_row, t.last_row or t.header_row, t.last_col)
        for t in (info.tables if info is not None else [])
        if t.header_row is not None
    ]
    if areas:
        return areas
    rows = [rc[0] for _, cells in recs for rc in cells.values()]
    cols = [rc[1] for _, cells in recs for rc in cells.values()]
    first = min(rows)
    # The row above the records takes the added columns' headers; a table continued from the
    # page before from the grid's very first row has none (header_row 0: no header here).
    return [TableArea(first - 1, first, max(rows), max(cols))]


def source_grids(kind: str, data: bytes) -> dict[str, Grid] | None:
    """The input's grids from its bytes, as its reader sees them (cells, merge continuations),
    by name; None where no reader gives grids for this kind of file or the bytes cannot be read
    (then the table's flat rows or the records' columns are used).

    Why from bytes: the writer of a stored review has the upload's bytes, not a file; the
    path the table was read from may be a temporary file long gone. The read is
    :func:`~indicatorml.tables.file_grids.file_grids`: in a reader worker when the caller reads
    through a pool (an untrusted upload on the server), here otherwise.
    """
    return file_grids(kind, data)


def _fill_from_grid(sheet: Sheet, grid: Grid) -> None:
    """A new sheet laid out like the input grid: its texts at their rows, its merges re-made."""
    n = max(grid.rownums, default=0)
    rows: list[list[Any]] = [[] for _ in range(n)]
    values = grid.values if grid.values is not None else grid.cells
    for k, rn in enumerate(grid.rownums):
        rows[rn - 1] = [
            None if (grid.cont[k][c] if c < len(grid.cont[k]) else False) else v
            for c, v in enumerate(values[k])
        ]
    sheet.rows = rows
    sheet.merges = _merges_from_cont(grid)
    sheet.bold_rows = [a.header_row for a in sheet.tables if a.header_row >= 1]
    for c in range(grid.width):
        longest = max((display_width(str(r[c])) for r in grid.cells if c < len(r) and r[c]), default=0)
        sheet.widths[c + 1] = max(8, min(40, longest + 2))


def _merges_from_cont(grid: Grid) -> list[str]:
    """Merged ranges from the continuation flags, row by row: each top-left cell takes the
    continuations right of it, then the rows below whose cells under it all continue.

    A continuation carries its own range's text (:func:`~..grid.fill_merges`), so one with
    another text belongs to another range: an empty header cell above 指标值 cells that each
    span two columns does not swallow their second columns as one tall range.
    """
    from openpyxl.utils import get_column_letter

    cont, nums, texts = grid.cont, grid.rownums, grid.cells
    used: set[tuple[int, int]] = set()
    top = ""

    def free(r: int, c: int) -> bool:
        return (
            c < len(cont[r])
            and cont[r][c]
            and (r, c) not in used
            and (texts[r][c] if c < len(texts[r]) else "") == top
        )

    out = []
    for r, row in enumerate(cont):
        for c, is_cont in enumerate(row):
            if is_cont:
                continue
            top = texts[r][c] if c < len(texts[r]) else ""
            w = 0
            while free(r, c + w + 1):
                w += 1
            h = 0
            while (
                r + h + 1 < len(cont)
                and nums[r + h + 1] == nums[r + h] + 1
                and all(free(r + h + 1, c + j) for j in range(w + 1))
            ):
                h += 1
            used.update((r + i, c + j) for i in range(h + 1) for j in range(w + 1))
            if w or h:
                out.append(f"{get_column_letter(c + 1)}{nums[r]}:{get_column_letter(c + w + 1)}{nums[r + h]}")
    return out


def _record_layout(table: Table, name: str) -> tuple[list[Sheet], list[Place]]:
    """One row per indicator with its project; a project without indicators gets a row too."""
    goals = {p.name: p.goal for p in table.projects}
    with_records = {r.project for r in table.records}
    rows: list[list[Any]] = [list(RECORD_HEADER)]
    alone: dict[str, int] = {}
    for p in table.projects:
        if p.name not in with_records:
            rows.append([p.name, p.goal] + [None] * 5)
            alone[p.name] = len(rows)
    places = []
    for r in table.records:
        rows.append(
            [
                r.project,
                r.goal or (goals.get(r.project) if r.project is not None else None),
                _label(r.level1_code, r.level1_raw),
                _label(r.level2_code, r.level2_raw),
                r.indicator,
                r.period_target,
                r.target,
            ]
        )
        n = len(rows)
        places.append(Place(name, n, {f: (n, c) for f, c in _RECORD_FIELD_COL.items()}, 0))
    sheet = Sheet(
        name,
        [TableArea(1, 2, len(rows), len(RECORD_HEADER))],
        rows=rows,
        bold_rows=[1],
        widths={1: 24, 2: 30, 5: 30, 7: 20},
        project_rows=alone,
    )
    return [sheet], places


def _label(code: str | None, raw: str | None) -> str | None:
    if raw:
        return raw
    if code:
        from ...taxonomy import by_code

        try:
            return by_code(code).label
        except KeyError:
            return code
    return None


def sheet_title(name: str, used: set[str] | None = None) -> str:
    """``name`` as an Excel sheet title: without ``[]:*?/\\``, at most 31 characters; with
    ``used``, made unique among those titles (``name(2)``) and added to them.

    Public because a new workbook names its sheets after the input files (:mod:`.new_workbook`)
    by the same rule :func:`layout` names the sheet of a table that has none.
    """
    base = "".join(ch for ch in name if ch not in _SHEET_BAD).strip("'")[:31] or "table"
    if used is None:
        return base
    title, k = base, 2
    while title in used:
        suffix = f"({k})"
        title, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(title)
    return title
