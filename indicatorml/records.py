"""The record types every module passes around: one indicator, one project, one read problem.

Kept apart from the reader so that the classifier, search and checks depend on the shape of
the data, not on how a file was parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# ``file[sheet]`` at the end of a source's file part: Excel forbids [ ] in sheet names.
_GRID = re.compile(r"\[[^\[\]]*\]$")

__all__ = [
    "Indicator",
    "Origin",
    "SeedItem",
    "Project",
    "Problem",
    "Table",
    "GridInfo",
    "TableSpan",
    "RECORD_KEYS",
]

# Keys of a record in machine-readable output, in this order.
RECORD_KEYS = (
    "project",
    "goal",
    "level1_code",
    "level1",
    "level2_code",
    "level2",
    "level2_raw",
    "indicator",
    "target",
    "period_target",
    "source",
)


@dataclass
class SeedItem:
    """Where a record sits in the seed layout's numbered indicator cell, and how it was written.

    Why it is kept: a seed table written back comes out byte for byte the same; a record whose
    fields still equal ``read_as`` is left as it was, a changed one is rewritten at ``span`` in
    its own ``style``.
    """

    span: tuple[int, int]  # the item's text in the (unwrapped) cell: start, end
    number: int  # its number in the cell (1、2、…)
    style: dict[str, str]  # its punctuation (keys as in tables.seed_cell.DEFAULT_STYLE)
    read_as: tuple[str | None, ...]  # level1_raw, level2_raw, indicator, period_target, target, codes


@dataclass
class Origin:
    """Where a record was read from: the reader's bookkeeping, never written out as a column.

    Why apart from ``Indicator.extra``: ``extra`` holds what the table says beside the
    indicator (org, amount, actual, weight …) and is written back as columns; this is what the
    workbook writers, the terminal view and the model need to find the record again. A field the reader does
    not know stays empty (a record made in code has an empty Origin).

    * ``file``, ``sheet``, ``cells`` — a workbook or document (XLSX, XLS, DOCX, PDF): the path,
      the grid's name (as in :attr:`Table.sheets`) and ``{field: (row, col)}``, 1-based in that
      grid, for those of ``indicator``, ``target``, ``period_target``, ``level1``, ``level2``
      that have a column.
    * ``row`` — a flat table (CSV/TSV/XLSX, or a workbook with one indicator table): the index
      into :attr:`Table.rows` of the row the record came from (an added column goes there).
    * ``seed`` — the seed layout: the item in its numbered cell (:class:`SeedItem`).
    * ``file_sha256`` — the :attr:`Table.sha256` of the file, set where training data is loaded
      so that a model can say which files it has seen.
    """

    file: str | None = None
    sheet: str | None = None
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)
    row: int | None = None
    seed: SeedItem | None = None
    file_sha256: str | None = None


@dataclass
class Indicator:
    """One indicator row. Labels and targets are optional: a draft has none.

    ``level1_raw``/``level2_raw`` keep the label exactly as written so a table can be written
    back unchanged; ``level1``/``level2`` are the standard Chinese names from the taxonomy.
    ``source`` is ``file:line`` (1-based line of the file, or of the sheet for XLSX); in a
    file of several grids (workbook sheets, Word tables, PDF pages) it is ``file[grid]:row``
    (grid as in :attr:`Table.sheets`, row 1-based in that sheet/table/page).
    ``url`` is the published page a row came from, where the table says so; ``group`` is
    what evaluation splits on (url, else file — never a sheet of a file).

    ``extra`` holds the table's other columns and header-block values under their keys (see
    :mod:`indicatorml.tables`); ``origin`` where the record was read from (:class:`Origin`).
    """

    indicator: str
    target: str | None = None
    period_target: str | None = None
    level1_code: str | None = None
    level1: str | None = None
    level2_code: str | None = None
    level2: str | None = None
    level1_raw: str | None = None
    level2_raw: str | None = None
    project: str | None = None
    goal: str | None = None
    source: str = ""
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    origin: Origin = field(default_factory=Origin)

    @property
    def group(self) -> str:
        """The unit that must not be split between train and test: page, else file."""
        if self.url:
            return self.url
        if self.origin.file:
            return self.origin.file
        return _GRID.sub("", self.source.rsplit(":", 1)[0])

    def to_dict(self) -> dict[str, Any]:
        """The JSONL object: RECORD_KEYS first, then raw level-1 label and url."""
        out: dict[str, Any] = {k: getattr(self, k) for k in RECORD_KEYS}
        out["level1_raw"] = self.level1_raw
        out["url"] = self.url
        return out


@dataclass
class Project:
    """A project row of a table: name, amounts in 万元, goal, and its indicators' positions."""

    name: str
    goal: str | None = None
    amounts: dict[str, float | None] = field(default_factory=dict)
    source: str = ""
    indicator_rows: list[int] = field(default_factory=list)  # indexes into Table.records


@dataclass
class Problem:
    """A row or file that could not be read: reported, never dropped in silence."""

    file: str
    line: int | None
    reason: str
    sheet: str | None = None  # the grid (sheet, Word table 表N, PDF page 第N页) the line is in

    def __str__(self) -> str:
        at = self.file if self.sheet is None else f"{self.file}[{self.sheet}]"
        at = f"{at}:{self.line}" if self.line is not None else at
        return f"{at}: {self.reason}"


@dataclass
class TableSpan:
    """Where one indicator table sits in its grid: 1-based rows and columns of that grid.

    Why the reader keeps it: the workbook writers mark a table's cells and add columns right of
    it in the user's own sheet, and the summary names the grids that have no table.
    """

    # Its first header row; None for a PDF table continued from the page before.
    header_row: int | None
    # First and last row read under the header (indicators, empty template rows, problem rows);
    # None while (or if) no row is read there.
    first_row: int | None = None
    last_row: int | None = None
    first_col: int = 1  # leftmost column of the header
    last_col: int = 1  # rightmost column of the header: added columns go at last_col + 1
    continued: bool = False  # runs on from the page before without repeating its header (PDF)


@dataclass
class GridInfo:
    """One grid of a workbook or document as read: a sheet, a Word table or a PDF page table.

    ``tables`` are its indicator tables, top to bottom; a grid with ``tables == []`` has none
    (named in the summary line).
    """

    name: str  # "项目1" (sheet), "表2" (Word table), "第3页" (PDF page)
    kind: str  # "sheet" | "table" | "page"
    tables: list[TableSpan] = field(default_factory=list)


@dataclass
class Table:
    """What reading one file gives: its records, its projects and what could not be read."""

    path: str
    kind: str  # "seed", "csv", "tsv", "xlsx", "jsonl", "empty"
    records: list[Indicator] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str | None = None  # as read: utf-8, utf-8-sig, gb18030, utf-16
    sha256: str = ""  # of the text as read (decoded, LF), or of the bytes for XLSX: see tables.content_sha256
    newline: str = "\n"  # as read: "\r\n" for a CRLF file; writing back in its own kind keeps both
    columns: list[str] = field(default_factory=list)  # header of a flat table, as written
    rows: list[list[Any]] = field(default_factory=list)  # raw flat rows (for writing back)
    preamble: list[str] = field(default_factory=list)  # seed: the lines before the header
    # XLSX / XLS / DOCX / PDF: every grid (sheet, Word table, PDF page table), in file order.
    sheets: list[GridInfo] = field(default_factory=list)
    # Title rows of a form (「2025年度项目支出绩效目标表」, 「单位：万元」): rows with no known label
    # above or between its tables, in file order. Kept because they say the budget year and the
    # department where no header block does (reviews.metadata reads them); never written back.
    titles: list[str] = field(default_factory=list)
