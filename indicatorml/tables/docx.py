"""Word .docx: every table a :class:`~.grid.Grid` (``表1``, ``表2``, …), read by :mod:`.forms`.

The cells are read from the document XML through python-docx: ``gridSpan`` (a cell over
several grid columns) and ``vMerge`` (a cell continued down) become merged ranges, so a merged
一级指标 reads on each of its rows. The paragraphs just above a table (``项目名称：…``) travel
with it: a project's header block is often written there instead of in the table.

Limits (:class:`~.limits.FileBudget`): the zip is checked before python-docx opens it, and a
row's ``gridBefore``/``gridSpan`` are checked against the column limit before the row is
widened by them (a 34 KB file declaring a billion columns took the server past 22 GB).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..records import Problem, Table
from .forms import read_grids
from .grid import Grid, fill_merges
from .limits import FileBudget, Limits, Refused
from .reading import current_policy
from .xlsx import no_table
from .zipcheck import check_zip

__all__ = ["read_docx", "docx_grids"]

_ABOVE = 8  # paragraphs kept above a table


def _w(tag: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + tag


def _text(el: Any) -> str:  # an lxml element of python-docx (untyped)
    """Paragraph texts of a cell joined by line breaks (w:t, w:tab, w:br)."""
    paras = []
    for p in el.iter(_w("p")):
        parts = []
        for node in p.iter():
            if node.tag == _w("t") and node.text:
                parts.append(node.text)
            elif node.tag == _w("tab"):
                parts.append("\t")
            elif node.tag in (_w("br"), _w("cr")):
                parts.append("\n")
        paras.append("".join(parts))
    return "\n".join(paras).strip()


def _table_grid(tbl: Any, name: str, above: list[str], budget: FileBudget) -> Grid:
    cells: list[list[str]] = []
    ranges: list[tuple[int, int, int, int]] = []
    open_v: dict[int, list[int]] = {}  # column → [r0, c0, r1, c1] of the vertical merge running there
    held = 0
    for r, tr in enumerate(tbl.iterchildren(_w("tr"))):
        budget.rows(name, r + 1)
        row: list[str] = []
        tr_pr = tr.find(_w("trPr"))
        before = tr_pr.find(_w("gridBefore")) if tr_pr is not None else None
        if before is not None:
            n = max(0, int(before.get(_w("val"), "0") or 0))
            budget.columns(name, n, r + 1)
            row.extend([""] * n)
        for tc in tr.iterchildren(_w("tc")):
            pr = tc.find(_w("tcPr"))
            span = 1
            vmerge = None
            if pr is not None:
                gs = pr.find(_w("gridSpan"))
                if gs is not None:
                    span = max(1, int(gs.get(_w("val"), "1") or 1))
                vm = pr.find(_w("vMerge"))
                if vm is not None:
                    vmerge = vm.get(_w("val"), "continue")
            c = len(row)
            budget.columns(name, c + span, r + 1)
            row.extend([_text(tc)] + [""] * (span - 1))
            if vmerge == "continue" and c in open_v:
                open_v[c][2] = r
                continue
            if span > 1 or vmerge == "restart":
                rng = [r, c, r, c + span - 1]
                ranges.append(rng)  # type: ignore[arg-type]
                if vmerge == "restart":
                    open_v[c] = rng
                else:
                    open_v.pop(c, None)
            else:
                open_v.pop(c, None)
        budget.add_cells(len(row))
        held += len(row)
        cells.append(row)
    rngs = [tuple(x) for x in ranges]
    budget.merged(name, rngs)  # type: ignore[arg-type]
    budget.add_cells(len(cells) * max((len(r) for r in cells), default=0) - held)  # fill_merges pads
    # A continued cell holds no text of its own: clear it so the merge gives it the top text.
    cont = fill_merges(cells, rngs)  # type: ignore[arg-type]
    return Grid(name, "table", cells, cont, list(range(1, len(cells) + 1)), above=above)


def docx_grids(path: Path, limits: Limits | None = None, budget: FileBudget | None = None) -> list[Grid]:
    """Every table of the document body, in order, each with the paragraphs just above it.
    Raises :class:`~.limits.LimitExceeded` on a file over ``limits`` (default: those in force)."""
    import docx

    budget = budget or FileBudget(limits or current_policy().limits)
    check_zip(path, budget)
    doc = docx.Document(str(path))
    body = doc.element.body
    grids: list[Grid] = []
    paras: list[str] = []
    for el in body.iterchildren():
        if el.tag == _w("p"):
            t = _text(el)
            if t:
                paras.append(t)
        elif el.tag == _w("tbl"):
            grids.append(_table_grid(el, f"表{len(grids) + 1}", paras[-_ABOVE:], budget))
            paras = []
    return grids


def read_docx(path: Path, table: Table, budget: FileBudget) -> None:
    try:
        grids = docx_grids(path, budget=budget)
    except (Refused, MemoryError):
        raise  # read_table says these in its own words
    except Exception as e:  # noqa: BLE001 - a damaged document is a problem, not a crash
        table.problems.append(
            Problem(table.path, None, f"无法按 Word 文档(.docx)读取(技术细节: {type(e).__name__}: {e})")
        )
        return
    if not grids:
        table.problems.append(Problem(table.path, None, "文档里没有表格"))
        return
    read_grids(grids, table)
    no_table(table, grids, "table")
