"""Mark a table's cells in a workbook: the user's own workbook, or a new one laid out like the input.

Why one module for ``check`` and ``code``: both hand back the user's table with something
written on it (findings: fills and comments on the cells, suggested categories: values in
added columns). Where a record's cells are, how a merged range is written, where the added
columns go and how the user's workbook survives the round trip are the same for both.

Two ways out:

* :func:`annotate_workbook` — an ``.xlsx`` input is loaded with openpyxl (formulas kept,
  not ``data_only``), changed and saved under another name: every sheet, merged range,
  width, style, comment, data validation, conditional format, defined name, frozen pane
  and print setting stays as openpyxl keeps it (images and charts are re-written by openpyxl,
  shapes and text boxes are lost; see README).
* :func:`report_workbook` — any other input (CSV/TSV, the seed layout, JSONL; ``.xls``,
  ``.docx``, ``.pdf`` through their readers) becomes a NEW workbook, one sheet per input
  sheet/table laid out like the input (the grid as read, else the records' columns), with
  the same marks.

What to write comes in as :class:`Note` (a fill and a comment line on one record's cell) and
:class:`Column` (an added column: header, width, a value and a fill per record); an optional
list sheet (问题清单) gets one row per entry with a link to its cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IndicatormlError
from ..records import Table
from .columns import cell_text, match_columns

__all__ = ["Note", "Column", "Listing", "Place", "Sheet", "layout", "annotate_workbook", "report_workbook",
           "link_ref", "same_file", "AUTHOR", "RECORD_HEADER", "FILLS", "OWN_WORKBOOK", "NEW_WORKBOOK",
           "losses", "lost_line"]

AUTHOR = "indicatorml"
_OURS = f"—— {AUTHOR} ——"  # between a user's comment and ours
# Fills by severity: red, amber, blue (Excel's own "bad / neutral / note" tones).
FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
# Where a user's workbook is written back in place; .xls/.docx/.pdf get a new workbook instead.
OWN_WORKBOOK = (".xlsx", ".xlsm")
NEW_WORKBOOK = (".xls", ".docx", ".pdf")
# The records' columns: the layout of a table that has no grid of its own (the seed layout, JSONL).
RECORD_HEADER = ("项目名称", "绩效目标", "一级指标", "二级指标", "三级指标", "实施周期指标值", "年度指标值")
_RECORD_FIELD_COL = {"project": 1, "goal": 2, "level1": 3, "level2": 4, "indicator": 5, "period_target": 6,
                     "target": 7}
_CELL_FIELDS = ("project", "goal", "level1", "level2", "indicator", "period_target", "target")
_SHEET_BAD = "[]:*?/\\"


@dataclass
class Note:
    """One mark on one record's cell: a fill (RGB hex, or None) and a line for its comment.

    ``record`` is the index into ``table.records``; None with a ``project`` marks that
    project's first record (its project cell where the reader knows it, else its indicator
    cell); None with no project is about the whole table (listed, not marked).
    """

    record: int | None
    field: str | None
    fill: str | None
    text: str | None
    project: str | None = None
    rank: int = 0  # where several notes fill one cell, the lowest rank's fill wins (error 0 < warning 1)


@dataclass
class Column:
    """A column added at the right of each table: one value (and fill) per record index."""

    header: str
    width: float = 14
    values: dict[int, Any] = field(default_factory=dict)
    fills: dict[int, str] = field(default_factory=dict)
    wrap: bool = False
    number_format: str | None = None


@dataclass
class Listing:
    """A list sheet (问题清单): a header and rows; ``link`` gives, per row, the note whose cell
    the row's ``link_column`` links to; ``fills`` an RGB per row for ``fill_column``."""

    name: str
    header: Sequence[str]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[Note | None] = field(default_factory=list)
    fills: list[str | None] = field(default_factory=list)
    link_column: int = 3  # 1-based: the 单元格 column
    fill_column: int | None = None
    sheet_column: int | None = 2  # 1-based: filled in with the sheet's name
    ref_column: int | None = 3  # 1-based: filled in with the cell's reference
    widths: Sequence[float] = ()


@dataclass
class Place:
    """Where one record's cells are: the sheet, the row its added-column values go in, and
    1-based (row, column) per field."""

    sheet: str
    row: int
    cells: dict[str, tuple[int, int]]
    grid: int  # index into the sheet's grids


@dataclass
class Grid:
    """One table on a sheet: its header row and last column (added columns go right of it)."""

    header_row: int
    first_row: int
    last_row: int
    last_col: int


@dataclass
class Sheet:
    """A sheet as laid out for output: its name, tables, and (for a new workbook) its cells."""

    name: str
    grids: list[Grid] = field(default_factory=list)
    rows: list[list[Any]] | None = None  # cell values from row 1, for a new workbook
    merges: list[str] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    bold_rows: list[int] = field(default_factory=list)
    project_rows: dict[str, int] = field(default_factory=dict)  # a project without indicators: its own row


# ---------------------------------------------------------------------------- where the cells are
def _flat(table: Table) -> bool:
    return (table.kind in ("csv", "tsv", "xlsx") and bool(table.columns)
            and all("_row" in r.extra for r in table.records))


def _native(table: Table) -> bool:
    """The reader said where every record's cells are (sheet name and coordinates)."""
    return bool(table.records) and all("_sheet" in r.extra and "_cells" in r.extra for r in table.records)


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
            return ws.title
    return wb.worksheets[0].title


def layout(table: Table, wb: Any = None, new: bool = False, title: str | None = None) -> tuple[list[Sheet], list[Place]]:
    """The sheets of ``table`` and the place of each record.

    ``wb`` is the user's workbook (annotating in place: sheet names come from it); ``new``
    asks for the cells too (writing a new workbook); ``title`` names the sheet of a table
    that has none of its own (CSV, seed, JSONL).
    """
    name = title or _safe_title(Path(table.path).stem)
    if _native(table):
        sheets, places = _native_layout(table)
        if not new:
            return sheets, places
        grids = _source_grids(table)
        if grids is not None and all(s.name in grids for s in sheets):
            # Every input sheet/table/page, in file order; those without indicators as they were.
            have = {s.name: s for s in sheets}
            sheets = [have.get(name) or Sheet(name) for name in grids]
            for s in sheets:
                _fill_from_grid(s, grids[s.name])
            return sheets, places
    if _flat(table):
        sheet_name = _sheet_of_flat_xlsx(table, wb) if wb is not None else name
        header_row = len(table.preamble) + 1
        fcols = _flat_field_cols(table)
        fallback = fcols.get("project", fcols.get("indicator", 1))
        places = []
        for r in table.records:
            row = header_row + 1 + r.extra["_row"]
            cells = {f: (row, c) for f, c in fcols.items()}
            cells.setdefault("project", (row, fallback))
            places.append(Place(sheet_name, row, cells, 0))
        width = max([len(table.columns)] + [len(r) for r in table.rows])
        grid = Grid(header_row, header_row + 1, header_row + len(table.rows), len(table.columns))
        sheet = Sheet(sheet_name, [grid])
        if new:
            pre = [line.split("\t") if table.kind not in ("csv", "tsv") else [line] for line in table.preamble]
            sheet.rows = pre + [list(table.columns)] + [list(r) + [None] * (width - len(r)) for r in table.rows]
            sheet.bold_rows = [header_row]
            for f, w in (("indicator", 30), ("goal", 30), ("project", 24), ("target", 16)):
                if f in fcols:
                    sheet.widths[fcols[f]] = w
        return [sheet], places
    return _record_layout(table, name)


def _native_layout(table: Table) -> tuple[list[Sheet], list[Place]]:
    """Records with ``_sheet``/``_cells`` from the workbook/document reader; the tables of each
    sheet from ``table.sheets`` (``tables``: header_row, first_row, last_row, last_col)."""
    infos = {s.get("name"): s for s in table.sheets if isinstance(s, dict)}
    by_sheet: dict[str, list[tuple[int, dict[str, tuple[int, int]]]]] = {}
    # One indicator table in the file: its header also says where the project column is.
    project_col = match_columns(table.columns).get("project") if table.columns else None
    for i, r in enumerate(table.records):
        cells = {f: (int(rc[0]), int(rc[1])) for f, rc in r.extra["_cells"].items()}
        if project_col is not None and "_row" in r.extra and "project" not in cells and cells:
            cells["project"] = (next(iter(cells.values()))[0], project_col + 1)
        by_sheet.setdefault(r.extra["_sheet"], []).append((i, cells))
    order = [s["name"] for s in table.sheets if isinstance(s, dict) and s.get("name") in by_sheet]
    order += [s for s in by_sheet if s not in order]
    sheets: list[Sheet] = []
    places: list[Place] = [None] * len(table.records)  # type: ignore[list-item]
    for s in order:
        recs = by_sheet[s]
        grids = _grids_of(infos.get(s), recs)
        sheets.append(Sheet(s, grids))
        for i, cells in recs:
            row = cells.get("indicator", next(iter(cells.values())))[0]
            g = next((k for k, gr in enumerate(grids) if gr.first_row <= row <= gr.last_row), 0)
            places[i] = Place(s, row, cells, g)
    return sheets, places


def _grids_of(info: dict[str, Any] | None, recs: list[tuple[int, dict[str, tuple[int, int]]]]) -> list[Grid]:
    """The sheet's tables as the reader described them, else one spanning its records' cells."""
    grids = []
    for t in (info or {}).get("tables") or []:
        try:
            grids.append(Grid(int(t["header_row"]), int(t["first_row"] or t["header_row"]),
                              int(t["last_row"] or t["header_row"]), int(t["last_col"])))
        except (KeyError, TypeError, ValueError):
            continue
    if grids:
        return grids
    rows = [rc[0] for _, cells in recs for rc in cells.values()]
    cols = [rc[1] for _, cells in recs for rc in cells.values()]
    first = min(rows)
    return [Grid(max(first - 1, 1), first, max(rows), max(cols))]


def _source_grids(table: Table) -> dict[str, Any] | None:
    """The input's grids as its reader sees them (cells, merge continuations), by name; None
    where no reader gives grids for this kind of file (then the records' columns are used)."""
    path = Path(table.path)
    try:
        if table.kind == "xlsx":
            from .xlsx import xlsx_grids

            grids = xlsx_grids(path)
        elif table.kind == "xls":
            from .xls import xls_grids

            grids = xls_grids(path.read_bytes())
        elif table.kind == "docx":
            from .docx import docx_grids

            grids = docx_grids(path)
        elif table.kind == "pdf":
            from .pdf import pdf_grids

            grids = pdf_grids(path)[0]
        else:
            return None
    except Exception:  # noqa: BLE001 - no grids: the records' columns instead
        return None
    return {g.name: g for g in grids}


def _fill_from_grid(sheet: Sheet, grid: Any) -> None:
    """A new sheet laid out like the input grid: its texts at their rows, its merges re-made."""
    n = max(grid.rownums, default=0)
    rows: list[list[Any]] = [[] for _ in range(n)]
    values = grid.values if getattr(grid, "values", None) is not None else grid.cells
    for k, rn in enumerate(grid.rownums):
        rows[rn - 1] = [None if (grid.cont[k][c] if c < len(grid.cont[k]) else False) else v
                        for c, v in enumerate(values[k])]
    sheet.rows = rows
    sheet.merges = _merges_from_cont(grid)
    sheet.bold_rows = [g.header_row for g in sheet.grids]
    for c in range(grid.width):
        longest = max((_display_len(str(r[c])) for r in grid.cells if c < len(r) and r[c]), default=0)
        sheet.widths[c + 1] = max(8, min(40, longest + 2))


def _merges_from_cont(grid: Any) -> list[str]:
    """Merged ranges from the continuation flags, row by row: each top-left cell takes the
    continuations right of it, then the rows below whose cells under it all continue."""
    from openpyxl.utils import get_column_letter

    cont, nums = grid.cont, grid.rownums
    used: set[tuple[int, int]] = set()

    def free(r: int, c: int) -> bool:
        return c < len(cont[r]) and cont[r][c] and (r, c) not in used

    out = []
    for r, row in enumerate(cont):
        for c, is_cont in enumerate(row):
            if is_cont:
                continue
            w = 0
            while free(r, c + w + 1):
                w += 1
            h = 0
            while (r + h + 1 < len(cont) and nums[r + h + 1] == nums[r + h] + 1
                   and all(free(r + h + 1, c + j) for j in range(w + 1))):
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
        rows.append([r.project, r.goal or goals.get(r.project), _label(r.level1_code, r.level1_raw),
                     _label(r.level2_code, r.level2_raw), r.indicator, r.period_target, r.target])
        n = len(rows)
        places.append(Place(name, n, {f: (n, c) for f, c in _RECORD_FIELD_COL.items()}, 0))
    sheet = Sheet(name, [Grid(1, 2, len(rows), len(RECORD_HEADER))], rows=rows, bold_rows=[1],
                  widths={1: 24, 2: 30, 5: 30, 7: 20}, project_rows=alone)
    return [sheet], places


def _label(code: str | None, raw: str | None) -> str | None:
    if raw:
        return raw
    if code:
        from ..taxonomy import by_code

        try:
            return by_code(code).label
        except KeyError:
            return code
    return None


def _safe_title(name: str, used: set[str] | None = None) -> str:
    base = "".join(ch for ch in name if ch not in _SHEET_BAD).strip("'")[:31] or "table"
    if used is None:
        return base
    title, k = base, 2
    while title in used:
        suffix = f"({k})"
        title, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(title)
    return title


# ---------------------------------------------------------------------------- writing the marks
def link_ref(sheet: str, row: int, col: int) -> str:
    """``'Sheet name'!C7``: the location of an internal hyperlink."""
    from openpyxl.utils import get_column_letter

    return "'{}'!{}{}".format(sheet.replace("'", "''"), get_column_letter(col), row)


def _top_left(ws: Any, row: int, col: int) -> tuple[int, int]:
    """A cell inside a merged range is written at the range's top-left cell."""
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng.min_row, rng.min_col
    return row, col


def _note_cell(note: Note, table: Table, places: Sequence[Place], sheets: Sequence[Sheet] = ()
               ) -> tuple[str, int, int] | None:
    """The (sheet, row, col) a note marks, or None (a whole-table note, or no place)."""
    idx = note.record
    fld = note.field
    if idx is None and note.project is not None:
        idx = next((i for i, r in enumerate(table.records) if r.project == note.project), None)
        fld = "project"
        if idx is None:  # a project without indicators: its own row, where the layout has one
            row = next((s.project_rows[note.project] for s in sheets if note.project in s.project_rows), None)
            sheet = next((s.name for s in sheets if note.project in s.project_rows), None)
            return (sheet, row, 1) if sheet is not None and row is not None else None
    if idx is None or idx >= len(places) or places[idx] is None:
        return None
    p = places[idx]
    cell = p.cells.get(fld or "") or p.cells.get("indicator") or next(iter(p.cells.values()), None)
    if fld == "project" and "project" not in p.cells:
        cell = p.cells.get("indicator", cell)
    if cell is None:
        return None
    return p.sheet, cell[0], cell[1]


def _comment_size(text: str) -> tuple[int, int]:
    """Width and height (pt) of a comment box that shows its text: ~22 CJK characters a line."""
    width = 300
    lines = sum(max(1, math.ceil(_display_len(line) / 44)) for line in text.split("\n"))
    return width, min(40 + 15 * lines, 600)


def _display_len(s: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _mark_cells(wb: Any, table: Table, places: Sequence[Place], notes: Sequence[Note],
                sheet_map: dict[str, str] | None = None, sheets: Sequence[Sheet] = ()) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    grouped: dict[tuple[str, int, int], list[Note]] = {}
    for n in notes:
        at = _note_cell(n, table, places, sheets)
        if at is None:
            continue
        sheet = (sheet_map or {}).get(at[0], at[0])
        if sheet not in wb.sheetnames:
            continue
        r, c = _top_left(wb[sheet], at[1], at[2])
        grouped.setdefault((sheet, r, c), []).append(n)
    for (sheet, r, c), here in grouped.items():
        cell = wb[sheet].cell(row=r, column=c)
        filled = [n for n in here if n.fill]
        if filled:
            best = min(filled, key=lambda n: n.rank)
            cell.fill = PatternFill("solid", start_color=best.fill, end_color=best.fill)
        lines = _comment_lines(table, here)
        if not lines:
            continue
        text, author = "\n".join(lines), AUTHOR
        old = cell.comment
        theirs = (old.text or "").split(_OURS)[0].rstrip() if old is not None else ""
        if theirs and old.author != AUTHOR:
            # The user's comment stays; ours goes below it (a comment has one author: both).
            text = f"{theirs}\n{_OURS}\n{text}"
            prior = (old.author or "").split(" / ")[0]
            author = f"{prior} / {AUTHOR}" if prior and prior != AUTHOR else AUTHOR
        w, h = _comment_size(text)
        cell.comment = Comment(text, author, height=h, width=w)


def _comment_lines(table: Table, here: Sequence[Note]) -> list[str]:
    """The comment's lines; when one cell carries several indicators' notes (a merged 一级指标
    cell), each line says which indicator it is about."""
    texts = [n for n in here if n.text]
    records = {n.record for n in texts}
    lines = []
    for n in texts:
        if len(records) > 1 and n.record is not None and n.record < len(table.records):
            lines.append(f"「{table.records[n.record].indicator}」{n.text}")
        else:
            lines.append(n.text or "")
    return lines


def _free_column(ws: Any, grid: Grid) -> int:
    """The first column right of the table with nothing in it on the table's rows (values or
    merged ranges): added columns never write over the user's cells."""
    col = grid.last_col
    top, bottom = grid.header_row, max(grid.last_row, grid.header_row)
    for row in ws.iter_rows(min_row=top, max_row=bottom, min_col=grid.last_col + 1):
        for cell in row:
            if cell.value not in (None, ""):
                col = max(col, cell.column)
    for rng in ws.merged_cells.ranges:
        if rng.max_row >= top and rng.min_row <= bottom and rng.max_col > grid.last_col:
            col = max(col, rng.max_col)
    return col + 1


def _set_width(ws: Any, col: int, width: float) -> None:
    """Set a column's width unless a width the user set already covers it (a <col min max>
    group: a second entry for one of its columns would overlap it)."""
    from openpyxl.utils import get_column_letter

    for dim in ws.column_dimensions.values():
        lo, hi = dim.min or 0, dim.max or 0
        if lo <= col <= hi and dim.customWidth:
            return
    ws.column_dimensions[get_column_letter(col)].width = width


def _add_columns(ws: Any, sheet: Sheet, places: Sequence[Place], sheet_name: str, columns: Sequence[Column],
                 header_style: bool) -> dict[int, int]:
    """Write each grid's added columns; returns {grid index: first added column}."""
    from openpyxl.styles import Alignment, Font, PatternFill

    starts = {}
    for g, grid in enumerate(sheet.grids):
        start = _free_column(ws, grid)
        starts[g] = start
        hr, hc = _top_left(ws, grid.header_row, grid.last_col)
        model = ws.cell(row=hr, column=hc)
        for k, col in enumerate(columns):
            cell = ws.cell(row=grid.header_row, column=start + k, value=col.header)
            if header_style and model.has_style:
                cell._style = copy(model._style)
            else:
                cell.font = Font(bold=True)
            _set_width(ws, start + k, col.width)
        rows: dict[int, list[int]] = {}
        for i, p in enumerate(places):
            if p is not None and p.sheet == sheet_name and p.grid == g:
                rows.setdefault(p.row, []).append(i)
        for row, idxs in rows.items():
            src = ws.cell(row=row, column=grid.last_col)
            for k, col in enumerate(columns):
                vals = [col.values[i] for i in idxs if col.values.get(i) not in (None, "")]
                if not vals:
                    value = None
                elif len(vals) == 1:
                    value = vals[0]
                else:
                    value = "\n".join(cell_text(v) for v in vals)
                cell = ws.cell(row=row, column=start + k, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"
                if src.has_style:
                    cell.border = copy(src.border)
                    cell.font = copy(src.font)
                cell.alignment = Alignment(wrap_text=col.wrap or len(vals) > 1, vertical="top")
                if col.number_format and len(vals) == 1:
                    cell.number_format = col.number_format
                fills = [col.fills[i] for i in idxs if col.fills.get(i)]
                if fills:
                    cell.fill = PatternFill("solid", start_color=fills[0], end_color=fills[0])
    return starts


def _write_listing(wb: Any, listing: Listing, table_of: Any) -> None:
    """The list sheet, last; each row's link column links to its note's cell."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    name, k = listing.name, 2
    while name in wb.sheetnames:
        name, k = f"{listing.name}({k})", k + 1
    ws = wb.create_sheet(name)
    ws.append(list(listing.header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r, values in enumerate(listing.rows, start=2):
        ws.append(list(values))
        for cell in ws[r]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
        note = listing.links[r - 2] if r - 2 < len(listing.links) else None
        target = table_of(note) if note is not None else None
        if target is not None:
            sheet, row, col = target
            if listing.sheet_column:
                ws.cell(row=r, column=listing.sheet_column, value=sheet)
            if listing.ref_column:
                ws.cell(row=r, column=listing.ref_column, value=f"{get_column_letter(col)}{row}")
            cell = ws.cell(row=r, column=listing.link_column)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=link_ref(sheet, row, col))
            cell.font = Font(color="0563C1", underline="single")
        fill = listing.fills[r - 2] if r - 2 < len(listing.fills) else None
        if fill and listing.fill_column:
            ws.cell(row=r, column=listing.fill_column).fill = PatternFill("solid", start_color=fill, end_color=fill)
    for c, w in enumerate(listing.widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = "A2"
    if listing.rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(listing.header))}{len(listing.rows) + 1}"


def _target_of(wb: Any, table: Table, places: Sequence[Place], sheets: Sequence[Sheet],
               sheet_map: dict[str, str] | None = None):
    """A note → the (sheet, row, col) its list row links to: its cell, else the table's header."""
    def target(note: Note) -> tuple[str, int, int] | None:
        at = _note_cell(note, table, places, sheets)
        if at is None and sheets:
            s = sheets[0]
            g = s.grids[0] if s.grids else Grid(1, 1, 1, 1)
            at = (s.name, g.header_row, 1)
        if at is None:
            return None
        sheet = (sheet_map or {}).get(at[0], at[0])
        if sheet not in wb.sheetnames:
            return None
        r, c = _top_left(wb[sheet], at[1], at[2])
        return sheet, r, c
    return target


def lost_line(src: str | Path, out: str | Path, lost: Sequence[str]) -> str:
    """The warning for :func:`losses`: one line naming what the output lacks."""
    return f"indicatorml: warning: {src}: 写出的 {out} 不含原表的{'、'.join(lost)}(openpyxl 不能保留)"


def same_file(a: str | Path, b: str | Path) -> bool:
    pa, pb = Path(a), Path(b)
    try:
        return pa.resolve() == pb.resolve() or (pa.exists() and pb.exists() and pa.samefile(pb))
    except OSError:
        return False


def _save(wb: Any, out: str | Path) -> None:
    try:
        wb.save(out)
    except OSError as e:
        raise IndicatormlError(f"cannot write {out}: {e.strerror or e}") from None


def losses(path: str | Path) -> list[str]:
    """What openpyxl will not carry from this workbook into the written one (checked in the
    file's parts): each a short Chinese phrase for a warning. Empty when nothing is lost."""
    import re
    import zipfile

    out = []
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            drawings = [z.read(n) for n in names if re.match(r"xl/drawings/drawing\d+\.xml$", n)]
            sheets = [z.read(n) for n in names if re.match(r"xl/worksheets/sheet\d+\.xml$", n)]
    except (OSError, zipfile.BadZipFile):
        return out
    if any(re.search(rb"<(?:\w+:)?(?:sp|grpSp|cxnSp)[ >]", d) for d in drawings):
        out.append("文本框和形状")
    if any(n.startswith("xl/media/") for n in names):
        try:
            import PIL  # noqa: F401 - openpyxl keeps images only with Pillow installed
        except ImportError:
            out.append("图片(未安装 Pillow)")
    if "xl/vbaProject.bin" in names:
        out.append("宏(VBA)")
    if any(n.startswith(("xl/ctrlProps/", "xl/activeX/")) for n in names):
        out.append("表单控件")
    if any(n.startswith(("xl/slicers/", "xl/timelines/")) for n in names):
        out.append("切片器")
    if any(b"sparklineGroup" in s for s in sheets):
        out.append("迷你图")
    return out


def annotate_workbook(table: Table, out: str | Path, notes: Sequence[Note] = (), columns: Sequence[Column] = (),
                      listing: Listing | None = None) -> list[str]:
    """Load the user's own ``.xlsx`` (``table.path``), mark it and save it as ``out``: the
    notes on their cells, the columns right of each table, the listing as a last sheet whose
    rows link to their notes' cells. Refuses to overwrite the input. Returns what openpyxl
    could not keep (see :func:`losses`), for the caller to warn about.
    """
    from openpyxl import load_workbook

    src = Path(table.path)
    if same_file(src, out):
        raise IndicatormlError(f"--output {out} is the input file; choose another name (the input is never "
                               "overwritten)")
    try:
        wb = load_workbook(src)
    except Exception as e:  # noqa: BLE001 - a workbook openpyxl cannot load is the user's to fix
        raise IndicatormlError(f"cannot open {src} as a workbook: {type(e).__name__}: {e}") from None
    sheets, places = layout(table, wb=wb)
    for sheet in sheets:
        if sheet.name in wb.sheetnames and columns:
            _add_columns(wb[sheet.name], sheet, places, sheet.name, columns, header_style=True)
    _mark_cells(wb, table, places, notes, sheets=sheets)
    if listing is not None:
        _write_listing(wb, listing, _target_of(wb, table, places, sheets))
    _save(wb, out)
    return losses(src)


def report_workbook(items: Sequence[tuple[Table, Sequence[Note], Sequence[Column]]], out: str | Path,
                    listing: Listing | None = None, listing_table: Any = None) -> None:
    """A NEW workbook: per table, one sheet per input sheet laid out like the input, marked.

    ``listing`` rows link through ``listing_table(i)`` → the index into ``items`` of the
    table that row's note belongs to.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    for table, _, _ in items:
        if same_file(table.path, out):
            raise IndicatormlError(f"--output {out} is an input file; choose another name")
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    laid: list[tuple[list[Sheet], list[Place], dict[str, str]]] = []
    several = len(items) > 1
    for table, notes, columns in items:
        stem = Path(table.path).stem
        sheets, places = layout(table, new=True, title=_safe_title(stem))
        names: dict[str, str] = {}
        for sheet in sheets:
            # one input: its own sheet names; several: prefixed with the file's name
            want = sheet.name if not several else (stem if len(sheets) == 1 else f"{stem}-{sheet.name}")
            names[sheet.name] = _safe_title(want, used)
            ws = wb.create_sheet(names[sheet.name])
            for row in sheet.rows or []:
                ws.append([_cell_value(v) for v in row])
                for cell in ws[ws.max_row]:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        cell.data_type = "s"  # a target such as =100% is text, not a formula
            for rng in sheet.merges:
                ws.merge_cells(rng)
            for r in sheet.bold_rows:
                for cell in ws[r]:
                    cell.font = Font(bold=True)
            for c, w in sheet.widths.items():
                from openpyxl.utils import get_column_letter

                ws.column_dimensions[get_column_letter(c)].width = w
            for row in ws.iter_rows(min_row=(sheet.grids[0].first_row if sheet.grids else 1)):
                for cell in row:
                    if isinstance(cell.value, str) and len(cell.value) > 20:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
            if sheet.grids:
                ws.freeze_panes = ws.cell(row=sheet.grids[0].header_row + 1, column=1)
            if columns:
                _add_columns(ws, sheet, [_renamed(p, names) for p in places], names[sheet.name], columns,
                             header_style=False)
        _mark_cells(wb, table, places, notes, names, sheets)
        laid.append((sheets, places, names))
    if listing is not None:
        targets = [_target_of(wb, t, laid[k][1], laid[k][0], laid[k][2]) for k, (t, _, _) in enumerate(items)]

        def target(note: Note) -> tuple[str, int, int] | None:
            k = listing_table(note) if listing_table is not None else 0
            return targets[k](note) if k is not None else None

        _write_listing(wb, listing, target)
    if not wb.sheetnames:
        wb.create_sheet("Sheet")
    _save(wb, out)


def _renamed(p: Place | None, names: dict[str, str]) -> Place | None:
    if p is None:
        return None
    return Place(names.get(p.sheet, p.sheet), p.row, p.cells, p.grid)


def _cell_value(v: Any) -> Any:
    if isinstance(v, (list, dict)):
        import json

        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, str) and v == "":
        return None
    return v
