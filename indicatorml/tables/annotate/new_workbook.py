"""A NEW workbook laid out like the input, marked: for CSV/TSV, the seed layout, JSONL, ``.xls``, ``.docx``, ``.pdf``.

One sheet per input sheet/table (the grid as read from the file's bytes, else the flat rows,
else the records' columns), with the same marks as the user's own workbook would get; several
inputs go in one workbook, their sheets prefixed with the file's name.

Every cell is written at its known row through :func:`~.write_marks.put` (no ``ws.append``
followed by a look-up of the row just written: openpyxl finds "the last row" by scanning the
whole sheet, which made a 29,000-row table take minutes). Merged cells are never written to,
and a frozen pane whose cell lies in a merged range is set by its coordinate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from ..write import xlsx_value
from .layout import Place, Sheet, layout, sheet_title, source_grids
from .marks import Listing, Marked, Note
from .names import NEW_WORKBOOK, stem_of
from .write_marks import (
    Book,
    Locator,
    Styles,
    add_columns,
    fill_entries,
    mark_cells,
    note_target,
    put,
    workbook_bytes,
    write_listing,
)

__all__ = ["report_workbook", "NEW_WORKBOOK"]

_LONG = 20  # a text longer than this wraps in its cell


def report_workbook(
    items: Sequence[Marked],
    listing: Listing | None = None,
    listing_table: Callable[[Note], int | None] | None = None,
    more: Sequence[Listing] = (),
) -> bytes:
    """A NEW workbook: per item, one sheet per input sheet laid out like the input, marked.

    ``listing`` rows link through ``listing_table(note)`` → the index into ``items`` of the
    item that row's note belongs to. Sheets are named after the input's own sheets (one input)
    or ``<file stem>-<sheet>`` (several), never after a path. Returns the workbook's bytes.
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    book = Book(wb)
    used: set[str] = set()
    laid: list[tuple[Locator, dict[str, str]]] = []
    several = len(items) > 1
    for item in items:
        src = item.source
        stem = stem_of(src.name)
        grids = source_grids(src.table.kind, src.data) if src.data is not None else None
        sheets, places = layout(src.table, new=True, title=sheet_title(stem), grids=grids)
        names: dict[str, str] = {}
        for sheet in sheets:
            # one input: its own sheet names; several: prefixed with the file's name
            want = sheet.name if not several else (stem if len(sheets) == 1 else f"{stem}-{sheet.name}")
            names[sheet.name] = sheet_title(want, used)
            ws = wb.create_sheet(names[sheet.name])
            _write_sheet(ws, sheet, book.styles)
            if item.columns:
                add_columns(
                    ws,
                    sheet,
                    [_renamed(p, names) for p in places],
                    names[sheet.name],
                    item.columns,
                    header_style=False,
                    book=book,
                )
        locator = Locator(src.table, places, sheets)
        fill_entries(wb, locator, item.entries, names, book)
        mark_cells(wb, locator, item.notes, names, book)
        laid.append((locator, names))
    if listing is not None:
        targets = [note_target(wb, loc, names, book) for loc, names in laid]

        def target(note: Note) -> tuple[str, int, int] | None:
            k = listing_table(note) if listing_table is not None else 0
            return targets[k](note) if k is not None else None

        write_listing(wb, listing, target)
    for extra in more:  # plain list sheets after the listing (the review's 与去年对照)
        write_listing(wb, extra, lambda note: None)
    if not wb.sheetnames:
        wb.create_sheet("Sheet")
    return workbook_bytes(wb)


def _write_sheet(ws: Any, sheet: Sheet, styles: Styles) -> None:
    """The sheet's cells, merges, bold rows, widths and frozen pane, each row written once."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    first_body = sheet.tables[0].first_row if sheet.tables else 1
    covered = _covered(sheet.merges)
    for r, row in enumerate(sheet.rows or [], start=1):
        for c, v in enumerate(row, start=1):
            value = xlsx_value(v)
            if value is None or (r, c) in covered:
                continue
            cell = put(ws, r, c, value)
            if r >= first_body and isinstance(value, str) and len(value) > _LONG:
                styles.set(cell, "alignment", "wrap", lambda: Alignment(wrap_text=True, vertical="top"))
    for rng in sheet.merges:
        ws.merge_cells(rng)
        # A merged label (绩效指标, a merged 一级指标) sits in the middle of its range, as in the
        # Word or Excel form it came from, not at the bottom where a spreadsheet puts it.
        cell = ws[rng.split(":")[0]]
        if cell.value is not None:
            wrap = cell.row >= first_body and isinstance(cell.value, str) and len(cell.value) > _LONG
            styles.set(
                cell, "alignment", ("merged", wrap), partial(Alignment, wrap_text=wrap, vertical="center")
            )
    rows = sheet.rows or []
    for r in sheet.bold_rows:
        width = len(rows[r - 1]) if 0 < r <= len(rows) else 0
        for cells in ws.iter_rows(min_row=r, max_row=r, min_col=1, max_col=max(width, 1)):
            for cell in cells:
                styles.set(cell, "font", "bold", lambda: Font(bold=True))
    for c, w in sheet.widths.items():
        ws.column_dimensions[get_column_letter(c)].width = w
    if sheet.tables:
        # Below the header (both rows of a two-row header), by coordinate: that cell may be
        # inside a merged range (a 绩效指标 column merged down the whole table), and openpyxl
        # takes only a Cell or a string.
        area = sheet.tables[0]
        ws.freeze_panes = f"A{max(area.first_row, area.header_row + 1)}"


def _covered(merges: Sequence[str]) -> set[tuple[int, int]]:
    """The cells of the merged ranges other than their top-left cells: nothing is written there."""
    from openpyxl.utils.cell import range_boundaries

    out: set[tuple[int, int]] = set()
    for rng in merges:
        c0, r0, c1, r1 = range_boundaries(rng)
        out.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0))
    return out


def _renamed(p: Place, names: dict[str, str]) -> Place:
    return Place(names.get(p.sheet, p.sheet), p.row, p.cells, p.table)
