"""What to write on a user's table: the marks ``check`` and ``code`` hand to the workbook writers.

:class:`Note` is a fill and a comment line on one record's cell, :class:`Column` an added column
(header, width, a value and a fill per record), :class:`Entry` a value written into one of the
table's own cells where it is empty (``code`` filling a draft's empty 一级/二级 cells),
:class:`Listing` a list sheet (问题清单) with one row per entry linking to its cell.
:class:`Source` is one input as the writers take it (the table, the name to show, the file's
bytes) and :class:`Marked` a source with its marks. ``FILLS`` are the severity colours,
``AUTHOR`` the name our comments are signed with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ...records import Table

__all__ = ["Note", "Column", "Entry", "Listing", "Source", "Marked", "AUTHOR", "FILLS"]

AUTHOR = "indicatorml"
# Fills by severity: red, amber, blue (Excel's own "bad / neutral / note" tones).
FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}


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
class Entry:
    """A value for one of the table's own cells: record ``record``'s ``field`` cell (``level1``
    or ``level2``), written only where that cell is empty — a cell the user filled is never
    overwritten — with a fill and a comment line saying where the value came from.

    Where several records share the cell (a merged 一级指标 cell) the value is written only if
    all of them agree; otherwise the cell keeps empty and its comment lists theirs.
    """

    record: int
    field: str
    value: str
    fill: str | None = None
    text: str | None = None


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
class Source:
    """One input as the writers take it: the table as read, the name to show, its bytes.

    Why the name is apart from ``table.path``: the path is where the server or the CLI read the
    file (a temporary file, a stored blob); what the user sees in sheet titles and the 问题清单
    is her own file name. ``data`` are the file's bytes: an ``.xlsx`` is annotated in them, an
    ``.xls``/``.docx``/``.pdf`` is laid out from the grids read from them; without them a new
    workbook is laid out from the table alone (its flat rows, else one row per record).
    """

    table: Table
    name: str
    data: bytes | None = None


@dataclass
class Marked:
    """A source with the marks to write on it."""

    source: Source
    notes: Sequence[Note] = ()
    columns: Sequence[Column] = ()
    entries: Sequence[Entry] = ()
