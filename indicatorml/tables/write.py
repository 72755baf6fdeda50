"""Writing a table back: the seed layout, or CSV/TSV/XLSX/JSONL.

The seed layout comes back byte for byte the same when nothing changed (per-row punctuation
and ``<p>`` wrappers are kept in ``Indicator.origin.seed`` and the raw lines in
``Table.rows``). Written back in its own kind, a text table keeps its encoding and line ends.
Every key of ``extra`` becomes a column; the reader's bookkeeping is ``Indicator.origin``, never one.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import IndicatormlError, os_reason
from ..output import keep_as_text
from ..records import RECORD_KEYS, Indicator, Table
from .columns import cell_text
from .seed import render_seed

__all__ = [
    "WRITE_FORMATS",
    "write_table",
    "table_bytes",
    "record_columns",
    "records_to_rows",
    "add_column",
    "xlsx_value",
]

WRITE_FORMATS = ("seed", "csv", "tsv", "xlsx", "jsonl")


def record_columns(records: Sequence[Indicator]) -> list[str]:
    """RECORD_KEYS, level1_raw, url, then every extra key in first-seen order."""
    cols = list(RECORD_KEYS) + ["level1_raw", "url"]
    for r in records:
        for k in r.extra:
            if k not in cols:
                cols.append(k)
    return cols


def records_to_rows(records: Sequence[Indicator]) -> list[dict[str, Any]]:
    """Records → dicts for :func:`indicatorml.output.write_rows` (missing values None)."""
    rows = []
    for r in records:
        d = r.to_dict()
        for k, v in r.extra.items():
            if k not in d:
                d[k] = v
        rows.append(d)
    return rows


def add_column(table: Table, name: str, values: Sequence[Any]) -> None:
    """Add a column (one value per record, in record order) for writing the table back.

    Flat tables get it in their own rows (rows without a record get an empty cell; a row that
    gave several records, a numbered indicator cell, gets their values joined by ；); every
    record also gets ``extra[name]``, so JSONL and the seed-to-flat writers carry it.
    """
    if len(values) != len(table.records):
        raise ValueError(f"{len(values)} values for {len(table.records)} records")
    for rec, v in zip(table.records, values, strict=True):
        rec.extra[name] = v
    if table.columns and table.kind != "seed":
        width = len(table.columns)
        table.columns = list(table.columns) + [name]
        for row in table.rows:
            row.extend([""] * (width - len(row)) + [""])
        per_row: dict[int, list[Any]] = {}
        for rec, v in zip(table.records, values, strict=True):
            if rec.origin.row is not None:
                per_row.setdefault(rec.origin.row, []).append(v)
        for i, vals in per_row.items():
            # Several records from one row (a numbered indicator cell): their values in order.
            table.rows[i][-1] = vals[0] if len(vals) == 1 else "；".join(_text(v) for v in vals)


def _flat_cells(table: Table) -> tuple[list[str], list[list[Any]], list[str]]:
    """Columns, rows and preamble to write: the table's own for a flat table, else the records'."""
    if table.columns and table.kind in ("csv", "tsv", "xlsx"):
        return list(table.columns), [list(r) for r in table.rows], list(table.preamble)
    cols = record_columns(table.records)
    return cols, [[d.get(c) for c in cols] for d in records_to_rows(table.records)], []


def write_table(table: Table, path: str | Path, fmt: str | None = None) -> None:
    """Write a table: ``seed`` (the whole file in the seed layout), csv, tsv, xlsx or jsonl.

    ``fmt`` defaults from the suffix (``.txt`` → seed). A flat table written as csv/tsv/xlsx
    keeps its own columns and rows (add columns with :func:`add_column`); other tables are
    written one record per row.
    """
    path = Path(path)
    if fmt is None:
        suffix = path.suffix.lower().lstrip(".")
        fmt = {"txt": "seed", "json": "jsonl"}.get(suffix, suffix)
    data = table_bytes(table, fmt)
    try:
        path.write_bytes(data)
    except OSError as e:  # a missing directory, no permission: the user's to fix, in one line
        raise IndicatormlError(f"无法写入 {path}: {os_reason(e)}") from None


def table_bytes(table: Table, fmt: str) -> bytes:
    """The file :func:`write_table` writes, as bytes (a server hands them out without a file).

    Written back in its own kind, a text table keeps its encoding and line ends (a GB18030 CRLF
    file from a finance system comes back as one); anything else is UTF-8 with LF.
    """
    if fmt not in WRITE_FORMATS:
        raise IndicatormlError(f"不能写成 {fmt!r} 格式;可选: {', '.join(WRITE_FORMATS)}")
    own = fmt == table.kind and fmt in ("seed", "csv", "tsv")
    enc, nl = (table.encoding or "utf-8", table.newline) if own else ("utf-8", "\n")
    if fmt == "xlsx":
        return _xlsx_bytes(table)
    if fmt == "seed":
        text = render_seed(table)
    elif fmt == "jsonl":
        text = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in records_to_rows(table.records))
    else:
        text = _delimited_text(table, fmt)
    return text.replace("\n", nl).encode(enc)


def _xlsx_bytes(table: Table) -> bytes:
    from openpyxl import Workbook

    cols, rows, preamble = _flat_cells(table)
    wb = Workbook()
    ws = wb.active
    for line in preamble:
        ws.append(line.split("\t"))
    ws.append(cols)
    for r in rows:
        ws.append([xlsx_value(v) for v in r])
    for row in ws.iter_rows():
        keep_as_text(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _delimited_text(table: Table, fmt: str) -> str:
    """A flat table as CSV or TSV text with LF line ends (the caller makes them its own)."""
    cols, rows, preamble = _flat_cells(table)
    if fmt == "tsv":
        clean = [_tsv_cell(c) for c in cols]
        body = [[_tsv_cell(v) for v in r] for r in rows]
        text = "".join(line + "\n" for line in preamble) + "\t".join(clean) + "\n"
        return text + "".join("\t".join(r) + "\n" for r in body)
    buf = io.StringIO()
    for line in preamble:
        buf.write(line + "\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([_text(v) for v in r])
    return buf.getvalue()


def _text(v: Any) -> str:
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return cell_text(v) if not isinstance(v, str) else v


def _tsv_cell(v: Any) -> str:
    """TSV has no quoting: a tab or line break inside a cell becomes a space."""
    return re.sub(r"[\t\n\r]", " ", _text(v))


def xlsx_value(v: Any) -> Any:
    """A record's value as an XLSX cell: lists and dicts as JSON, an empty string as an empty cell."""
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, str) and v == "":
        return None
    return v
