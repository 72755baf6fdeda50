"""Limits that hold whatever a file claims: sizes, counts and spans a reader refuses to go past.

Why: a 34 KB Word file that declares a table row a billion columns wide, or a 1 MB workbook
that inflates to gigabytes of XML, costs the reader what it *claims*, not what it weighs.
Every limit here is checked from the claim (the zip directory, the span attribute, the merge
range, the page count) *before* the step that would spend memory or time on it, and each
refusal is one :class:`LimitExceeded` whose message (Chinese, naming the limit and the
file's value) becomes the file's :class:`~indicatorml.records.Problem`: that file fails, the
other files of a batch are read as usual.

The defaults are far above what real tables use (measured by benchmarks/bench_hostile.py
``--real``): the largest fixture workbook has 264 cells and 110 merged cells; 100 forms of 20
indicators in one sheet have 3,098 rows and 12,392 cells; a flat 30,000-indicator workbook
(11 columns) has 30,001 rows, 330,011 cells and 32 MB of sheet XML at a compression ratio of
11:1; the most compressed part of any of them is at 35:1. ``TRUSTED``
raises every limit tenfold for a batch the user vouches for (``indicatorml … --trusted``).

:class:`FileBudget` is the one place a reader spends its limits: one per file, it counts rows
and columns per grid and cells and merged ranges over the whole file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Limits",
    "DEFAULT_LIMITS",
    "TRUSTED_LIMITS",
    "Refused",
    "LimitExceeded",
    "FileBudget",
    "megabytes",
]

_MB = 1024 * 1024


def megabytes(n: int) -> str:
    """``134217728`` → ``128 MB``; one decimal below 10 MB; bytes below 1 MB."""
    if n < _MB:
        return f"{n:,} 字节"
    mb = n / _MB
    return f"{mb:,.1f} MB" if mb < 10 else f"{mb:,.0f} MB"


@dataclass(frozen=True)
class Limits:
    """What one file may make the reader hold. Counts are per file unless the name says grid.

    Each default, and the largest real use it is set against (see the module docstring):
    """

    file_bytes: int = 64 * _MB  # the file itself (uploads stop at 20 MB; the 30,000-row CSV is 8 MB)
    unzipped_bytes: int = 256 * _MB  # .xlsx/.docx: all zip members inflated (real: 32 MB)
    zip_ratio: int = 100  # inflated ÷ compressed size of one zip member over 1 MB (real: 35)
    zip_members: int = 10_000  # files inside one .xlsx/.docx (real: 108 for 100 sheets)
    rows: int = 100_000  # rows of one grid: sheet, Word table, PDF page table (real: 30,001)
    columns: int = 1_000  # columns of one grid (real: 11; Excel allows 16,384)
    cells: int = 2_000_000  # rows × columns over every grid of the file (real: 330,011)
    merges: int = 100_000  # merged ranges in the file (real: fewer than 3,772)
    pages: int = 1_000  # PDF pages
    pdf_stream_bytes: int = 128 * _MB  # one PDF stream inflated (an A3 600-dpi colour scan: 104 MB)
    pdf_decoded_bytes: int = 512 * _MB  # all Flate streams of one PDF inflated

    def to_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Limits:
        """Limits from :meth:`to_dict`'s data; ``ValueError`` for unknown keys or non-integers."""
        names = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(d, dict) or set(d) - names:
            raise ValueError(f"unknown limits: {sorted(set(d) - names) if isinstance(d, dict) else d!r}")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in d.values()):
            raise ValueError("limits are positive integers")
        return cls(**d)

    def scaled(self, factor: int) -> Limits:
        """Every limit ``factor`` times higher (the zip ratio too)."""
        return Limits(**{k: v * factor for k, v in self.to_dict().items()})


DEFAULT_LIMITS = Limits()
TRUSTED_LIMITS = DEFAULT_LIMITS.scaled(10)

_HINT = "这个上限防止异常或损坏的文件拖垮程序;表格确实这么大时,请拆成几个文件再读。"


class Refused(Exception):
    """A file the reader will not read on, for a reason given in Chinese (``str()``): it becomes
    the file's one Problem. Readers let it through their own ``except Exception`` (which turn
    a library's error into "cannot read as …"), so the message reaches the user unchanged."""


class LimitExceeded(Refused):
    """A file claims more than a :class:`Limits` allows. ``str()`` is the Chinese message for
    the file's Problem: what was over, the file's value, the limit."""

    def __init__(self, what: str, value: str, limit: str) -> None:
        super().__init__(f"{what}超过上限:{value},上限 {limit}。{_HINT}")
        self.what = what


def _n(k: int) -> str:
    return f"{k:,}"


class FileBudget:
    """The limits of one file as its reader spends them. Each method is called *before* the
    reader builds what it counts, with the number the file claims."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.cells = 0
        self.merges = 0

    def file_size(self, n: int) -> None:
        if n > self.limits.file_bytes:
            raise LimitExceeded("文件大小", megabytes(n), megabytes(self.limits.file_bytes))

    def rows(self, grid: str, n: int) -> None:
        """A grid reaches row ``n`` (1-based)."""
        if n > self.limits.rows:
            raise LimitExceeded(f"「{grid}」的行数", f"至少 {_n(n)} 行", f"{_n(self.limits.rows)} 行")

    def columns(self, grid: str, n: int, row: int | None = None) -> None:
        """A row of a grid reaches column ``n`` (1-based)."""
        at = f"第 {row} 行" if row is not None else ""
        if n > self.limits.columns:
            raise LimitExceeded(f"「{grid}」的列数", f"{at}至少 {_n(n)} 列", f"{_n(self.limits.columns)} 列")

    def grid(self, grid: str, rows: int, columns: int) -> None:
        """A grid of ``rows`` × ``columns`` cells is about to be built."""
        self.rows(grid, rows)
        self.columns(grid, columns)
        self.add_cells(rows * columns)

    def add_cells(self, n: int) -> None:
        self.cells += n
        if self.cells > self.limits.cells:
            raise LimitExceeded("单元格数", f"全文件至少 {_n(self.cells)} 个", f"{_n(self.limits.cells)} 个")

    def merged(self, grid: str, ranges: list[tuple[int, int, int, int]]) -> None:
        """Merged ranges (r0, c0, r1, c1; 0-based, inclusive) of one grid, before any is filled:
        their number, how far each reaches, and the cells they cover together."""
        self.merges += len(ranges)
        if self.merges > self.limits.merges:
            raise LimitExceeded(
                "合并单元格区域数", f"全文件至少 {_n(self.merges)} 个", _n(self.limits.merges) + " 个"
            )
        covered = 0
        for r0, c0, r1, c1 in ranges:
            self.rows(grid, r1 + 1)
            self.columns(grid, c1 + 1)
            covered += (r1 - r0 + 1) * (c1 - c0 + 1)
        if covered > self.limits.cells:
            raise LimitExceeded(
                f"「{grid}」合并单元格覆盖的范围", f"{_n(covered)} 个单元格", f"{_n(self.limits.cells)} 个"
            )

    def pages(self, n: int) -> None:
        if n > self.limits.pages:
            raise LimitExceeded("PDF 页数", f"至少 {_n(n)} 页", f"{_n(self.limits.pages)} 页")
