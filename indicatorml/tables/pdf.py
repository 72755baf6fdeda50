"""PDF with a text layer: every ruled table of every page a :class:`~.grid.Grid` (``第N页``, or
``第N页-2`` for a page's second table) through pdfplumber.

Only as far as the tables come out clean: pdfplumber finds a table by its ruling lines, and a
cell that spans rows or columns is one rectangle, which gives the merged ranges. A page without
any text is a scan: "no text layer: OCR it first". A table that runs on to the next page
without repeating its header is read on (see :mod:`.forms`).

Before pdfplumber opens the file, :mod:`.pdfcheck` inflates its Flate streams in bounded
pieces, counts its pages and makes reference loops an error; each table's rows × columns are
checked before its grid is built (:class:`~.limits.FileBudget`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..records import Problem, Table
from .forms import read_grids
from .grid import Grid, fill_merges
from .limits import FileBudget, Limits, Refused
from .pdfcheck import check_document, check_streams, guard_references
from .reading import current_policy
from .xlsx import no_table

__all__ = ["read_pdf", "pdf_grids"]

_EPS = 2.0


def _refusal(e: BaseException) -> Refused | MemoryError | None:
    """pdfplumber wraps what pdfminer raises while building pages (``PdfminerException(e)``):
    a refusal of ours, or running out of memory, inside it is still that."""
    seen = 0
    x: BaseException | None = e
    while x is not None and seen < 5:
        if isinstance(x, (Refused, MemoryError)):
            return x
        inner = x.args[0] if x.args and isinstance(x.args[0], BaseException) else None
        x = inner or x.__cause__ or x.__context__
        seen += 1
    return None


def unwrap(text: str) -> str:
    """A cell's text wrapped over lines as one line: Chinese joins without a space, words with one."""
    lines = [ln.strip() for ln in text.strip().split("\n") if ln.strip()]
    out = lines[0] if lines else ""
    for ln in lines[1:]:
        sep = (
            " " if out[-1:].isascii() and out[-1:].isalnum() and ln[:1].isascii() and ln[:1].isalnum() else ""
        )
        out += sep + ln
    return out


def _spans(edges: list[float], lo: float, hi: float) -> tuple[int, int] | None:
    """Indexes of the first and last band (between consecutive edges) inside [lo, hi]."""
    inside = [k for k in range(len(edges) - 1) if edges[k] >= lo - _EPS and edges[k + 1] <= hi + _EPS]
    return (inside[0], inside[-1]) if inside else None


def _page_grid(tab: Any, name: str, budget: FileBudget) -> Grid:  # a pdfplumber Table (pdfplumber is untyped)
    ys = sorted({round(y, 1) for c in tab.cells for y in (c[1], c[3])})
    xs = sorted({round(x, 1) for c in tab.cells for x in (c[0], c[2])})
    n_r, n_c = len(ys) - 1, len(xs) - 1
    budget.grid(name, n_r, n_c)
    rows = tab.extract()
    cells = [["" for _ in range(n_c)] for _ in range(n_r)]
    ranges = []
    # Text of each rectangle: pdfplumber's extract() has it at the rectangle's first row/column.
    texts: dict[tuple[float, float], str] = {}
    for r, row in enumerate(tab.rows):
        for c, bbox in enumerate(row.cells):
            if bbox is not None and r < len(rows) and c < len(rows[r]):
                texts[(round(bbox[0], 1), round(bbox[1], 1))] = unwrap(rows[r][c] or "")
    for bbox in tab.cells:
        rs = _spans(ys, bbox[1], bbox[3])
        cs = _spans(xs, bbox[0], bbox[2])
        if rs is None or cs is None:
            continue
        cells[rs[0]][cs[0]] = texts.get((round(bbox[0], 1), round(bbox[1], 1)), "")
        if rs != (rs[0], rs[0]) or cs != (cs[0], cs[0]):
            ranges.append((rs[0], cs[0], rs[1], cs[1]))
    cont = fill_merges(cells, ranges)
    return Grid(name, "page", cells, cont, list(range(1, len(cells) + 1)))


def pdf_grids(
    path: Path, limits: Limits | None = None, budget: FileBudget | None = None, data: bytes | None = None
) -> tuple[list[Grid], list[int]]:
    """(grids, numbers of the pages without a text layer). Raises
    :class:`~.limits.LimitExceeded` on a file over ``limits`` (default: those in force)."""
    import pdfplumber

    budget = budget or FileBudget(limits or current_policy().limits)
    data = data if data is not None else path.read_bytes()
    check_streams(data, budget)
    check_document(data, budget)  # before pdfplumber, which builds every page on open

    grids: list[Grid] = []
    scanned: list[int] = []
    # pdfminer logs every damaged stream as a warning on stderr; the reader reports problems itself.
    log = logging.getLogger("pdfminer")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        _pages(pdfplumber, path, grids, scanned, budget)
    finally:
        log.setLevel(level)
    return grids, scanned


def _pages(pdfplumber: Any, path: Path, grids: list[Grid], scanned: list[int], budget: FileBudget) -> None:
    with pdfplumber.open(str(path)) as pdf:
        guard_references(pdf.doc)
        for n, page in enumerate(pdf.pages, start=1):
            if not page.chars:
                scanned.append(n)
                continue
            for k, tab in enumerate(page.find_tables()):
                grids.append(_page_grid(tab, f"第{n}页" if k == 0 else f"第{n}页-{k + 1}", budget))


def read_pdf(path: Path, table: Table, budget: FileBudget, data: bytes | None = None) -> None:
    try:
        grids, scanned = pdf_grids(path, budget=budget, data=data)
    except (Refused, MemoryError):
        raise  # read_table says these in its own words
    except Exception as e:  # noqa: BLE001 - a damaged PDF is a problem, not a crash
        refused = _refusal(e)
        if refused is not None:
            raise refused from None
        table.problems.append(
            Problem(table.path, None, f"无法按 PDF 读取(技术细节: {type(e).__name__}: {e})")
        )
        return
    if scanned and not grids:
        table.problems.append(Problem(table.path, None, "没有文字层(扫描件):先做文字识别(OCR)再读取"))
        return
    for n in scanned:
        table.problems.append(Problem(table.path, None, f"第{n}页没有文字层(扫描件):先做文字识别(OCR)再读取"))
    if not grids:
        table.problems.append(Problem(table.path, None, "PDF 里没有找到表格(按表格线识别表格)"))
        return
    read_grids(grids, table)
    no_table(table, grids, "page")
