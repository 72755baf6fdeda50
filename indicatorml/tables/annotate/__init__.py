"""Mark a table's cells in a workbook: the user's own workbook, or a new one laid out like the input.

Why one package for ``check`` and ``code``: both hand back the user's table with something
written on it (findings: fills and comments on the cells, suggested categories: values in
added columns). Where a record's cells are, how a merged range is written, where the added
columns go and how the user's workbook survives the round trip are the same for both.

* :mod:`.marks` — what to write: :class:`Note` (a fill and a comment line on one record's
  cell), :class:`Column` (an added column: header, width, a value and a fill per record),
  :class:`Listing` (a list sheet, 问题清单, one row per entry with a link to its cell).
* :mod:`.layout` — where a record's cells are (:class:`Place`, :class:`Sheet` with its
  :class:`TableArea` s, :func:`layout`).
* :mod:`.write_marks` — writing those marks into an openpyxl workbook (both ways out).
* :mod:`.own_workbook` — :func:`annotate_workbook`: an ``.xlsx`` input is loaded with
  openpyxl, changed and saved under another name.
* :mod:`.new_workbook` — :func:`report_workbook`: any other input (CSV/TSV, the seed layout,
  JSONL; ``.xls``, ``.docx``, ``.pdf`` through their readers) becomes a NEW workbook, one sheet
  per input sheet/table laid out like the input, with the same marks.
* :mod:`.losses` — what openpyxl cannot carry from the user's workbook (:func:`losses`,
  :func:`lost_line`), for the caller to warn about.
"""

from __future__ import annotations

from .layout import RECORD_HEADER, Place, Sheet, TableArea, layout
from .losses import losses, lost_line
from .marks import AUTHOR, FILLS, Column, Listing, Note
from .new_workbook import NEW_WORKBOOK, report_workbook
from .own_workbook import OWN_WORKBOOK, annotate_workbook
from .write_marks import link_ref, same_file

__all__ = [
    "Note",
    "Column",
    "Listing",
    "Place",
    "Sheet",
    "TableArea",
    "layout",
    "annotate_workbook",
    "report_workbook",
    "link_ref",
    "same_file",
    "AUTHOR",
    "RECORD_HEADER",
    "FILLS",
    "OWN_WORKBOOK",
    "NEW_WORKBOOK",
    "losses",
    "lost_line",
]
