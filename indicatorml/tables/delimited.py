"""CSV and TSV tables (text already decoded): rows under a header row into records.

What a column means lives in :mod:`.columns`; this module deals with how cells are stored:
TSV without quoting, CSV quotes that may span lines (or be left open). ``rows_to_records`` is
shared with the XLSX reader: a stored row becomes records the same way whatever the file kind.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from typing import Any

from ..records import Indicator, Problem, Table
from .columns import canon_header, head_rows, match_columns, row_to_indicator
from .continuation import continue_project
from .seed import NUMBERED, expand_numbered
from .seed_cell import strip_p

__all__ = ["read_delimited", "rows_to_records"]


def _split_line(line: str, delim: str) -> list[str]:
    """TSV: no quoting, except whole cells quoted the csv module's way (``"a""b"``)."""
    cells = line.split(delim)
    out = []
    for c in cells:
        if len(c) >= 2 and c[0] == '"' and c[-1] == '"' and re.fullmatch(r'"(?:[^"]|"")*"', c):
            c = c[1:-1].replace('""', '"')
        out.append(c)
    return out


def _csv_rows(lines: list[str], start: int, width: int | None) -> Iterator[tuple[int, list[str], str | None]]:
    """CSV rows from ``lines[start:]`` as (1-based line, cells, problem).

    Quoted cells may span lines. An unbalanced quote would swallow the rest of the file; when a
    multi-line row does not have the header's width, that line is read on its own instead and
    the quote is reported.
    """
    i = start
    n = len(lines)
    while i < n:
        line = lines[i]
        if '"' not in line:
            yield i + 1, line.split(","), None
            i += 1
            continue

        def feed(j: int = i) -> Iterator[str]:
            while j < n:
                yield lines[j] + "\n"
                j += 1

        rdr = csv.reader(feed())
        try:
            row = next(rdr)
            used = rdr.line_num
        except (StopIteration, csv.Error):
            row, used = [], n + 1
        # A quote left open runs to the end of the file: its last cell keeps the line ends.
        unclosed = bool(row) and row[-1].endswith("\n")
        if not unclosed and (used <= 1 or width is None or len(row) == width):
            yield i + 1, row, None
            i += max(used, 1)
            continue
        cells = next(csv.reader([line], quoting=csv.QUOTE_NONE))
        yield i + 1, cells, 'unbalanced quote (") in this row'
        i += 1


def read_delimited(lines: list[str], delim: str, table: Table) -> None:
    p = table.path
    header_idx = None
    for i, line in head_rows(lines, lambda ln: not ln.strip()):
        cells = _split_line(line, delim) if delim == "\t" else next(csv.reader([line]), [])
        if "indicator" in match_columns(cells):
            header_idx = i
            header = cells
            break
    if header_idx is None:
        first = next((ln for ln in lines if ln.strip()), "")
        cells = _split_line(first, delim) if delim == "\t" else next(csv.reader([first]), [])
        found = ", ".join(repr(c.strip()) for c in cells if c.strip())
        table.problems.append(
            Problem(
                p,
                None,
                f"没有指标名称列(指标名称 / 三级指标 / indicator);读到的列: {found or '无'}",
            )
        )
        return
    table.preamble = lines[:header_idx]
    table.columns = header
    if lines and lines[-1] == "":
        lines = lines[:-1]  # the final line end does not start another row
    rows: Iterable[tuple[int, list[str], str | None]]
    if delim == "\t":
        rows = ((i + 1, _split_line(lines[i], delim), None) for i in range(header_idx + 1, len(lines)))
    else:
        rows = _csv_rows(lines, header_idx + 1, len(header))
    rows_to_records(rows, header, table, check_width=True)


def _problem(table: Table, line: int, reason: str) -> None:
    table.problems.append(Problem(table.path, line, reason))


def rows_to_records(
    rows: Iterable[tuple[int, list[Any], str | None]],
    header: Sequence[str],
    table: Table,
    check_width: bool,
    texts: Sequence[list[str]] | None = None,
) -> None:
    cols = match_columns(header)
    p = table.path
    # The seed's columns saved as CSV/XLSX: summary rows (合计, the department) have neither goal
    # nor indicators, and numbered indicator cells are split as in the seed layout.
    seed_like = canon_header(header[cols["indicator"]]) == "绩效指标" and "goal" in cols
    above: Indicator | None = None  # the last record with a project: a blank project cell is its
    for k, (lineno, cells, problem) in enumerate(rows):
        table.rows.append(cells)
        text_cells = texts[k] if texts is not None else cells
        if problem:
            table.problems.append(Problem(p, lineno, problem))
        if not any(str(c).strip() for c in text_cells):
            continue
        if seed_like and not any(
            strip_p(str(text_cells[cols[c]]))[0] for c in ("indicator", "goal") if cols[c] < len(text_cells)
        ):
            continue
        where = f"{p}:{lineno}"
        if check_width and len(text_cells) != len(header):
            short = len(text_cells) < len(header)
            table.problems.append(
                Problem(
                    p,
                    lineno,
                    f"这一行有{len(text_cells)}个字段,表头有{len(header)}个"
                    + (";缺的字段按空读取" if short else ";这一行未读取"),
                )
            )
            if not short:
                continue
        rec, reasons = row_to_indicator(text_cells, cols, header, where, where)
        for reason in reasons:
            table.problems.append(Problem(p, lineno, reason))
        if rec is None:
            continue
        above = continue_project(rec, above)
        rec.origin.row = len(table.rows) - 1
        if NUMBERED.match(rec.indicator):
            table.records.extend(expand_numbered(rec, partial(_problem, table, lineno)))
        else:
            table.records.append(rec)
