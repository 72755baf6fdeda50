"""Write rows (dicts) as a readable terminal table or as JSONL / CSV / TSV / XLSX.

Why one place: every verb offers the same ``--format`` choices, and a reviewer piping
``check`` into a spreadsheet should get the same column handling as ``parse``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from .errors import IndicatormlError, os_reason

__all__ = [
    "FORMATS",
    "write_rows",
    "render_table",
    "display_width",
    "fit_width",
    "keep_as_text",
    "guess_format",
    "emit",
]

FORMATS = ("table", "jsonl", "csv", "tsv", "xlsx")


def display_width(s: str) -> int:
    """Columns a text takes on a terminal or in a spreadsheet cell: CJK characters take two.

    The one measure of text width: the terminal table here, and the column widths and comment
    boxes the workbook writers (``tables.annotate``) size to the text.
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def fit_width(s: str, width: int) -> str:
    """``s`` cut to ``width`` terminal columns, ending in … when cut (CJK characters count two)."""
    if display_width(s) <= width:
        return s
    out, w = [], 0
    for ch in s:
        cw = display_width(ch)
        if w + cw > width - 1:
            break
        out.append(ch)
        w += cw
    return "".join(out) + "…"


def render_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    max_width: int = 40,
    headers: dict[str, str] | None = None,
) -> str:
    """A plain aligned table; long cells are cut with … at ``max_width`` columns."""
    headers = headers or {}
    head = [headers.get(c, c) for c in columns]
    body = [[fit_width(_cell(r.get(c)).replace("\n", " "), max_width) for c in columns] for r in rows]
    widths = [max([display_width(h)] + [display_width(b[i]) for b in body]) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c + " " * (w - display_width(c)) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    out = [line(head), line(["-" * w for w in widths])]
    out.extend(line(b) for b in body)
    return "\n".join(out) + "\n"


def keep_as_text(cells: Iterable[Any]) -> None:
    """Mark openpyxl cells whose text starts with ``=`` as text: a target such as ``=100%`` is
    what the user wrote, never a live formula (user text is never written as one).

    The one place of this rule: every XLSX writer (``write_rows`` here, ``tables.write`` and the
    workbooks of ``tables.annotate``) passes the cells it wrote through it.
    """
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def guess_format(output: str | None, fmt: str | None, default: str = "table") -> str:
    """``--format`` wins; otherwise the output file's suffix; otherwise ``default``."""
    if fmt:
        return fmt
    if output:
        suffix = Path(output).suffix.lower().lstrip(".")
        if suffix in ("jsonl", "csv", "tsv", "xlsx"):
            return suffix
        if suffix == "json":
            return "jsonl"
    return default


def write_rows(
    rows: Iterable[dict[str, Any]],
    fmt: str,
    output: str | None = None,
    columns: Sequence[str] | None = None,
    stream: TextIO | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Write rows in ``fmt`` to ``output`` (a path) or ``stream`` (default stdout).

    JSONL keeps every key and native types (null, lists); the tabular formats use
    ``columns`` (default: keys of the first row) and JSON-encode lists and dicts.
    """
    rows = list(rows)
    if fmt not in FORMATS:
        raise ValueError(f"没有 {fmt!r} 这种输出格式;可选: {', '.join(FORMATS)}")
    cols = list(columns) if columns is not None else (list(rows[0].keys()) if rows else [])
    if fmt == "xlsx":
        if not output:
            raise IndicatormlError("--format xlsx 要与 --output PATH 一起用(工作簿只能写进文件)")
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(cols)
        for r in rows:
            ws.append([_cell(r.get(c)) if isinstance(r.get(c), (list, dict)) else r.get(c) for c in cols])
        for row in ws.iter_rows():
            keep_as_text(row)
        _save(wb.save, output)
        return
    buf = io.StringIO()
    if fmt == "jsonl":
        for r in rows:
            buf.write(json.dumps(r, ensure_ascii=False) + "\n")
    elif fmt in ("csv", "tsv"):
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in cols])
    else:
        buf.write(render_table(rows, cols, headers=headers))
    text = buf.getvalue()
    emit(text, output, stream)


def emit(text: str, output: str | None = None, stream: TextIO | None = None) -> None:
    """Text to ``output`` (UTF-8) or to ``stream`` (default stdout); a write error is a user error."""
    if output:
        _save(lambda p: Path(p).write_text(text, encoding="utf-8"), output)
    else:
        (stream or sys.stdout).write(text)


def _save(write: Any, path: str | Path) -> None:
    """Write, turning a missing directory or a permission problem into a one-line user error."""
    try:
        write(path)
    except OSError as e:
        raise IndicatormlError(f"无法写入 {path}: {os_reason(e)}") from None
