"""A grid: one workbook sheet, Word table or PDF page table as rows × columns of text.

Why a layer of its own: Excel, .xls, Word and PDF store merged cells, numbers and row numbers
each their own way; what a form means (a header block, an indicator table under it, merged
一级/二级 cells) is the same for all of them. Each file kind turns its content into grids;
:mod:`.forms` reads every grid the same way.

Every cell of a merged range carries the text of the range's top-left cell (so a merged
一级指标 reads on each of its rows); ``cont[r][c]`` says whether (r, c) is a continuation of a
merge (not its top-left cell), which is what tells a label repeated by a merge from a label
written again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Grid", "fill_merges"]


@dataclass
class Grid:
    """name: sheet name, ``表N`` (Word), ``第N页`` (PDF). kind: "sheet" | "table" | "page".

    ``cells[r]`` are the texts of row r (rows padded to one width), ``rownums[r]`` its 1-based
    row number in the sheet/table/page, ``cont[r][c]`` True for a merge continuation cell,
    ``values[r]`` the raw cell values where the kind has them (XLSX: numbers stay numbers, for
    writing a flat table back), ``above`` the paragraphs just above a Word table.
    """

    name: str
    kind: str
    cells: list[list[str]] = field(default_factory=list)
    cont: list[list[bool]] = field(default_factory=list)
    rownums: list[int] = field(default_factory=list)
    values: list[list[Any]] | None = None
    above: list[str] = field(default_factory=list)
    problems: list[tuple[int | None, str]] = field(default_factory=list)  # (row, reason) from the file kind

    @property
    def width(self) -> int:
        return max((len(r) for r in self.cells), default=0)


def fill_merges(cells: list[list[str]], ranges: list[tuple[int, int, int, int]]) -> list[list[bool]]:
    """Give every cell of each merged range (r0, c0, r1, c1; 0-based, inclusive) the top-left
    text, in place; return the continuation flags. Rows are padded to the widest row first."""
    width = max([len(r) for r in cells] + [c1 + 1 for _, _, _, c1 in ranges] or [0])
    for row in cells:
        row.extend([""] * (width - len(row)))
    cont = [[False] * width for _ in cells]
    for r0, c0, r1, c1 in ranges:
        if r0 >= len(cells):
            continue
        top = cells[r0][c0]
        for r in range(r0, min(r1, len(cells) - 1) + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    cells[r][c] = top
                    cont[r][c] = True
    return cont
