"""Writing the marks into an openpyxl workbook: fills and comments on cells, added columns, the list sheet.

Shared by both ways out (:mod:`.own_workbook`, :mod:`.new_workbook`): a merged range is written
at its top-left cell, a user's own comment stays above ours, added columns go in the first free
column right of each table, and list rows link to their notes' cells. That is why its writers
(:func:`mark_cells`, :func:`add_columns`, :func:`write_listing`, :func:`note_target`,
:func:`save_workbook`) are public: both workbook modules call them, neither owns them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from copy import copy
from pathlib import Path
from typing import Any

from ...errors import IndicatormlError
from ...output import display_width, keep_as_text
from ...records import Table
from ..columns import cell_text
from .layout import Place, Sheet, TableArea
from .marks import AUTHOR, Column, Listing, Note

__all__ = [
    "link_ref",
    "same_file",
    "mark_cells",
    "add_columns",
    "write_listing",
    "note_target",
    "save_workbook",
    "NoteTarget",
]

_OURS = f"—— {AUTHOR} ——"  # between a user's comment and ours
# A note → the (sheet, row, column) its list row links to, or None.
NoteTarget = Callable[[Note], tuple[str, int, int] | None]


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


def _note_cell(
    note: Note, table: Table, places: Sequence[Place], sheets: Sequence[Sheet] = ()
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
    lines = sum(max(1, math.ceil(display_width(line) / 44)) for line in text.split("\n"))
    return width, min(40 + 15 * lines, 600)


def mark_cells(
    wb: Any,
    table: Table,
    places: Sequence[Place],
    notes: Sequence[Note],
    sheet_map: dict[str, str] | None = None,
    sheets: Sequence[Sheet] = (),
) -> None:
    """Fill and comment the cell of each note (the top-left cell where it is merged).

    ``sheet_map`` renames a layout's sheet to the sheet written (a new workbook prefixes the
    file's name); a note whose sheet is not in ``wb`` is left out (it is still listed).
    """
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


def _free_column(ws: Any, area: TableArea) -> int:
    """The first column right of the table with nothing in it on the table's rows (values or
    merged ranges): added columns never write over the user's cells."""
    col = area.last_col
    top, bottom = area.header_row, max(area.last_row, area.header_row)
    for row in ws.iter_rows(min_row=top, max_row=bottom, min_col=area.last_col + 1):
        for cell in row:
            if cell.value not in (None, ""):
                col = max(col, cell.column)
    for rng in ws.merged_cells.ranges:
        if rng.max_row >= top and rng.min_row <= bottom and rng.max_col > area.last_col:
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


def add_columns(
    ws: Any,
    sheet: Sheet,
    places: Sequence[Place],
    sheet_name: str,
    columns: Sequence[Column],
    header_style: bool,
) -> dict[int, int]:
    """Write each table's added columns; returns {table index: first added column}."""
    from openpyxl.styles import Alignment, Font, PatternFill

    starts = {}
    for g, area in enumerate(sheet.tables):
        start = _free_column(ws, area)
        starts[g] = start
        hr, hc = _top_left(ws, area.header_row, area.last_col)
        model = ws.cell(row=hr, column=hc)
        for k, col in enumerate(columns):
            cell = ws.cell(row=area.header_row, column=start + k, value=col.header)
            if header_style and model.has_style:
                cell._style = copy(model._style)
            else:
                cell.font = Font(bold=True)
            _set_width(ws, start + k, col.width)
        rows: dict[int, list[int]] = {}
        for i, p in enumerate(places):
            if p is not None and p.sheet == sheet_name and p.table == g:
                rows.setdefault(p.row, []).append(i)
        for row, idxs in rows.items():
            src = ws.cell(row=row, column=area.last_col)
            for k, col in enumerate(columns):
                vals = [col.values[i] for i in idxs if col.values.get(i) not in (None, "")]
                if not vals:
                    value = None
                elif len(vals) == 1:
                    value = vals[0]
                else:
                    value = "\n".join(cell_text(v) for v in vals)
                cell = ws.cell(row=row, column=start + k, value=value)
                keep_as_text([cell])
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


def write_listing(wb: Any, listing: Listing, table_of: NoteTarget) -> None:
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
        keep_as_text(ws[r])
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
            ws.cell(row=r, column=listing.fill_column).fill = PatternFill(
                "solid", start_color=fill, end_color=fill
            )
    for c, w in enumerate(listing.widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = "A2"
    if listing.rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(listing.header))}{len(listing.rows) + 1}"


def note_target(
    wb: Any,
    table: Table,
    places: Sequence[Place],
    sheets: Sequence[Sheet],
    sheet_map: dict[str, str] | None = None,
) -> NoteTarget:
    """A note → the (sheet, row, col) its list row links to: its cell, else the table's header.

    Returns the function :func:`write_listing` takes; ``sheet_map`` as in :func:`mark_cells`.
    """

    def target(note: Note) -> tuple[str, int, int] | None:
        at = _note_cell(note, table, places, sheets)
        if at is None and sheets:
            s = sheets[0]
            g = s.tables[0] if s.tables else TableArea(1, 1, 1, 1)
            at = (s.name, g.header_row, 1)
        if at is None:
            return None
        sheet = (sheet_map or {}).get(at[0], at[0])
        if sheet not in wb.sheetnames:
            return None
        r, c = _top_left(wb[sheet], at[1], at[2])
        return sheet, r, c

    return target


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: the input is never overwritten by the output."""
    pa, pb = Path(a), Path(b)
    try:
        return pa.resolve() == pb.resolve() or (pa.exists() and pb.exists() and pa.samefile(pb))
    except OSError:
        return False


def save_workbook(wb: Any, out: str | Path) -> None:
    """Save, turning a missing directory or a permission problem into a one-line user error."""
    try:
        wb.save(out)
    except OSError as e:
        raise IndicatormlError(f"cannot write {out}: {e.strerror or e}") from None
