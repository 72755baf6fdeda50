"""A NEW workbook laid out like the input, marked: for CSV/TSV, the seed layout, JSONL, ``.xls``, ``.docx``, ``.pdf``.

One sheet per input sheet/table (the grid as read, else the records' columns), with the same
marks as the user's own workbook would get; several inputs go in one workbook, their sheets
prefixed with the file's name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ...errors import IndicatormlError
from ...output import keep_as_text
from ...records import Table
from ..write import xlsx_value
from .layout import Place, Sheet, layout, sheet_title
from .marks import Column, Listing, Note
from .write_marks import add_columns, mark_cells, note_target, same_file, save_workbook, write_listing

__all__ = ["report_workbook", "NEW_WORKBOOK"]

# Where a user's workbook is written back in place; .xls/.docx/.pdf get a new workbook instead.
NEW_WORKBOOK = (".xls", ".docx", ".pdf")


def report_workbook(
    items: Sequence[tuple[Table, Sequence[Note], Sequence[Column]]],
    out: str | Path,
    listing: Listing | None = None,
    listing_table: Callable[[Note], int | None] | None = None,
    sources: Sequence[str | Path | None] | None = None,
) -> None:
    """A NEW workbook: per table, one sheet per input sheet laid out like the input, marked.

    ``listing`` rows link through ``listing_table(i)`` → the index into ``items`` of the
    table that row's note belongs to. ``sources[i]``: where table i's bytes are when its
    ``path`` is only its own name (a stored review's file); the input's grids are read there.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    where = list(sources) if sources is not None else [None] * len(items)
    for (table, _, _), source in zip(items, where, strict=True):
        if same_file(source if source is not None else table.path, out):
            raise IndicatormlError(f"--output {out} is an input file; choose another name")
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    laid: list[tuple[list[Sheet], list[Place], dict[str, str]]] = []
    several = len(items) > 1
    for (table, notes, columns), source in zip(items, where, strict=True):
        stem = Path(table.path).stem
        sheets, places = layout(table, new=True, title=sheet_title(stem), source=source)
        names: dict[str, str] = {}
        for sheet in sheets:
            # one input: its own sheet names; several: prefixed with the file's name
            want = sheet.name if not several else (stem if len(sheets) == 1 else f"{stem}-{sheet.name}")
            names[sheet.name] = sheet_title(want, used)
            ws = wb.create_sheet(names[sheet.name])
            for row in sheet.rows or []:
                ws.append([xlsx_value(v) for v in row])
                keep_as_text(ws[ws.max_row])
            for rng in sheet.merges:
                ws.merge_cells(rng)
            for r in sheet.bold_rows:
                for cell in ws[r]:
                    cell.font = Font(bold=True)
            for c, w in sheet.widths.items():
                from openpyxl.utils import get_column_letter

                ws.column_dimensions[get_column_letter(c)].width = w
            for row in ws.iter_rows(min_row=(sheet.tables[0].first_row if sheet.tables else 1)):
                for cell in row:
                    if isinstance(cell.value, str) and len(cell.value) > 20:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
            if sheet.tables:
                ws.freeze_panes = ws.cell(row=sheet.tables[0].header_row + 1, column=1)
            if columns:
                add_columns(
                    ws,
                    sheet,
                    [_renamed(p, names) for p in places],
                    names[sheet.name],
                    columns,
                    header_style=False,
                )
        mark_cells(wb, table, places, notes, names, sheets)
        laid.append((sheets, places, names))
    if listing is not None:
        targets = [
            note_target(wb, t, laid[k][1], laid[k][0], laid[k][2]) for k, (t, _, _) in enumerate(items)
        ]

        def target(note: Note) -> tuple[str, int, int] | None:
            k = listing_table(note) if listing_table is not None else 0
            return targets[k](note) if k is not None else None

        write_listing(wb, listing, target)
    if not wb.sheetnames:
        wb.create_sheet("Sheet")
    save_workbook(wb, out)


def _renamed(p: Place, names: dict[str, str]) -> Place:
    return Place(names.get(p.sheet, p.sheet), p.row, p.cells, p.table)
