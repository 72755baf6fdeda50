"""The user's own ``.xlsx`` marked in place: loaded with openpyxl from its bytes, changed, returned as bytes.

Formulas are kept (not ``data_only``): every sheet, merged range, width, style, comment, data
validation, conditional format, defined name, frozen pane and print setting stays as openpyxl
keeps it (images and charts are re-written by openpyxl, shapes and text boxes are lost; see
:mod:`.losses` and README).

Why bytes in, bytes out: the review pipeline writes a stored upload's workbook (it has the
bytes, not a file), and the CLI writes the result whole or not at all
(:func:`~.write_marks.save_bytes`); neither needs the input's path.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from ...errors import IndicatormlError
from ..limits import FileBudget, LimitExceeded
from ..reading import current_policy
from ..zipcheck import check_zip
from .layout import layout
from .marks import Listing, Marked
from .write_marks import (
    Book,
    Locator,
    add_columns,
    fill_entries,
    mark_cells,
    note_target,
    workbook_bytes,
    write_listing,
)

__all__ = ["annotate_workbook", "OWN_WORKBOOK"]

# Where a user's workbook is written back in place; .xls/.docx/.pdf get a new workbook instead.
OWN_WORKBOOK = (".xlsx", ".xlsm")


def annotate_workbook(item: Marked, listing: Listing | None = None, more: Sequence[Listing] = ()) -> bytes:
    """The user's own ``.xlsx`` (``item.source.data``) marked: the entries in their empty cells,
    the notes on their cells, the columns right of each table, the listing as a last sheet
    whose rows link to their notes' cells, then the ``more`` list sheets (plain rows, no links).
    Returns the new workbook's bytes."""
    from openpyxl import load_workbook

    src = item.source
    if src.data is None:
        raise IndicatormlError(f"{src.name}: 要在原工作簿上标注,需要工作簿文件本身的内容")
    try:
        # The same zip limits as the review's read (inflated size, ratio, members) before
        # openpyxl inflates anything: this is a second parse of an untrusted upload.
        check_zip(io.BytesIO(src.data), FileBudget(current_policy().limits))
    except LimitExceeded as e:
        raise IndicatormlError(f"{src.name}: {e}") from None
    try:
        wb = load_workbook(io.BytesIO(src.data))
    except Exception as e:  # noqa: BLE001 - a workbook openpyxl cannot load is the user's to fix
        raise IndicatormlError(
            f"无法把 {src.name} 作为工作簿打开(技术细节: {type(e).__name__}: {e})"
        ) from None
    sheets, places = layout(src.table, wb=wb)
    book = Book(wb)
    locator = Locator(src.table, places, sheets)
    fill_entries(wb, locator, item.entries, book=book)
    for sheet in sheets:
        if sheet.name in wb.sheetnames and item.columns:
            add_columns(wb[sheet.name], sheet, places, sheet.name, item.columns, header_style=True, book=book)
    mark_cells(wb, locator, item.notes, book=book)
    if listing is not None:
        write_listing(wb, listing, note_target(wb, locator, book=book))
    for extra in more:
        write_listing(wb, extra, _nowhere)
    return workbook_bytes(wb)


def _nowhere(note: object) -> None:
    """A list sheet whose rows link to no cell (the review's 与去年对照)."""
    return None
