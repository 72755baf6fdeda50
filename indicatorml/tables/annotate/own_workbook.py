"""The user's own ``.xlsx`` marked in place: loaded with openpyxl, changed, saved under another name.

Formulas are kept (not ``data_only``): every sheet, merged range, width, style, comment, data
validation, conditional format, defined name, frozen pane and print setting stays as openpyxl
keeps it (images and charts are re-written by openpyxl, shapes and text boxes are lost; see
:mod:`.losses` and README).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ...errors import IndicatormlError
from ...records import Table
from .layout import layout
from .losses import losses
from .marks import Column, Listing, Note
from .write_marks import add_columns, mark_cells, note_target, same_file, save_workbook, write_listing

__all__ = ["annotate_workbook", "OWN_WORKBOOK"]

# Where a user's workbook is written back in place; .xls/.docx/.pdf get a new workbook instead.
OWN_WORKBOOK = (".xlsx", ".xlsm")


def annotate_workbook(
    table: Table,
    out: str | Path,
    notes: Sequence[Note] = (),
    columns: Sequence[Column] = (),
    listing: Listing | None = None,
    source: str | Path | None = None,
) -> list[str]:
    """Load the user's own ``.xlsx`` (``table.path``), mark it and save it as ``out``: the
    notes on their cells, the columns right of each table, the listing as a last sheet whose
    rows link to their notes' cells. Refuses to overwrite the input. Returns what openpyxl
    could not keep (see :func:`losses`), for the caller to warn about.

    ``source``: where the workbook's bytes are when ``table.path`` is only the file's own name
    (a stored review's upload, written to a temporary file): the name is what the workbook
    shows, the source what is loaded.
    """
    from openpyxl import load_workbook

    src = Path(source if source is not None else table.path)
    if same_file(src, out):
        raise IndicatormlError(
            f"--output {out} is the input file; choose another name (the input is never overwritten)"
        )
    try:
        wb = load_workbook(src)
    except Exception as e:  # noqa: BLE001 - a workbook openpyxl cannot load is the user's to fix
        raise IndicatormlError(f"cannot open {src} as a workbook: {type(e).__name__}: {e}") from None
    sheets, places = layout(table, wb=wb)
    for sheet in sheets:
        if sheet.name in wb.sheetnames and columns:
            add_columns(wb[sheet.name], sheet, places, sheet.name, columns, header_style=True)
    mark_cells(wb, table, places, notes, sheets=sheets)
    if listing is not None:
        write_listing(wb, listing, note_target(wb, table, places, sheets))
    save_workbook(wb, out)
    return losses(src)
