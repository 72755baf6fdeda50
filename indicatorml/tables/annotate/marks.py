"""What to write on a user's table: the marks ``check`` and ``code`` hand to the workbook writers.

:class:`Note` is a fill and a comment line on one record's cell, :class:`Column` an added column
(header, width, a value and a fill per record), :class:`Listing` a list sheet (问题清单) with one
row per entry linking to its cell. ``FILLS`` are the severity colours, ``AUTHOR`` the name our
comments are signed with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Note", "Column", "Listing", "AUTHOR", "FILLS"]

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
