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
  openpyxl from its bytes, changed and returned as new bytes.
* :mod:`.new_workbook` — :func:`report_workbook`: any other input (CSV/TSV, the seed layout,
  JSONL; ``.xls``, ``.docx``, ``.pdf`` through their grids) becomes a NEW workbook, one sheet
  per input sheet/table laid out like the input, with the same marks.
* :mod:`.marked` — :func:`marked_workbook`: which of the two an input goes to;
  :func:`source_of` reads a CLI input's bytes.
* :mod:`.names` — what a file handed back is called (``申报表.审核.xlsx``, ``申报表.coded.xlsx``):
  the one rule the CLI, the web and the review pipeline name files by.
* :mod:`.losses` — what openpyxl cannot carry from the user's workbook (:func:`losses`,
  :func:`lost_line`), for the caller to warn about.
"""

from __future__ import annotations

from .layout import RECORD_HEADER, Place, Sheet, TableArea, layout, source_grids
from .losses import losses, lost_line
from .marked import in_place, marked_workbook, source_of
from .marks import AUTHOR, FILLS, Column, Entry, Listing, Marked, Note, Source
from .names import (
    CODED_TAG,
    NEW_WORKBOOK,
    REVIEW_TAG,
    coded_name,
    review_name,
    shown_name,
    stem_of,
    unique_names,
)
from .new_workbook import report_workbook
from .own_workbook import OWN_WORKBOOK, annotate_workbook
from .write_marks import link_ref, put, same_file, save_bytes

__all__ = [
    "Note",
    "Column",
    "Entry",
    "Listing",
    "Source",
    "Marked",
    "source_of",
    "in_place",
    "marked_workbook",
    "source_grids",
    "review_name",
    "coded_name",
    "shown_name",
    "stem_of",
    "unique_names",
    "REVIEW_TAG",
    "CODED_TAG",
    "put",
    "save_bytes",
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
