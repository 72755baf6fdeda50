"""Turn any table file into records — the one door every command reads through.

Reads the seed layout (one row per project, numbered indicator cell), flat CSV/TSV/XLSX
tables with a header row (including the shared corpus TSV), and JSONL as written by
``indicatorml parse``; UTF-8, UTF-8 with BOM, GB18030 (and UTF-16 with BOM, as Excel's
"Unicode text" saves it) read to identical records.

Why it never raises for bad content: a reviewer with a 300-row table wants the 298 readable
rows and a list of the 2 that are not, each with file, line and reason — not a traceback.
Every row that is not read is a :class:`~indicatorml.records.Problem`; nothing is dropped in
silence.

Writing back: :func:`write_table` writes the seed layout (byte for byte the same when nothing
changed: per-row punctuation and ``<p>`` wrappers are kept in ``Indicator.extra["_seed"]`` and
the raw lines in ``Table.rows``), or CSV/TSV/XLSX/JSONL. Keys of ``extra`` that start with
``_`` are the reader's bookkeeping and are never written as columns.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..errors import IndicatormlError
from ..output import fit_width
from ..records import RECORD_KEYS, Indicator, Problem, Table
from .columns import cell_text
from .flat import read_delimited, read_jsonl, read_xlsx
from .seed import (
    HEADER_SCAN,
    SEED_HEADER,
    find_seed_header,
    read_seed,
    render_seed,
    seed_indicator_string,
)

__all__ = [
    "read_table",
    "read_tables",
    "parse_files",
    "report_problems",
    "write_table",
    "render_seed",
    "seed_indicator_string",
    "records_to_rows",
    "record_columns",
    "add_column",
    "view_rows",
    "VIEW_COLUMNS",
    "VIEW_HEADERS",
    "summary_line",
    "decode",
    "SEED_HEADER",
    "WRITE_FORMATS",
]

WRITE_FORMATS = ("seed", "csv", "tsv", "xlsx", "jsonl")


# ---------------------------------------------------------------- bytes → text
def decode(data: bytes) -> tuple[str | None, str | None, list[tuple[int, str]]]:
    """Bytes → (text with LF line ends, encoding, per-line problems).

    BOM → utf-8-sig (or utf-16); valid UTF-8 → utf-8; else GB18030. A UTF-8 file with a few
    damaged lines stays UTF-8: the damaged lines are decoded with U+FFFD and reported, rather
    than the whole file being misread as GB18030.
    """
    problems: list[tuple[int, str]] = []
    if data.startswith(b"\xef\xbb\xbf"):
        enc, body = "utf-8-sig", data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _newlines(data.decode("utf-16")), "utf-16", problems
        except UnicodeDecodeError:
            return None, None, [(0, "cannot decode as UTF-16 although it starts with a UTF-16 mark")]
    else:
        enc, body = "utf-8", data
    try:
        return _newlines(body.decode("utf-8")), enc, problems
    except UnicodeDecodeError:
        pass
    raw_lines = body.replace(b"\r\n", b"\n").split(b"\n")
    good_non_ascii = bad = 0
    for line in raw_lines:
        try:
            line.decode("utf-8")
            good_non_ascii += any(b > 0x7F for b in line)
        except UnicodeDecodeError:
            bad += 1
    if enc == "utf-8-sig" or good_non_ascii > bad:
        out = []
        for n, line in enumerate(raw_lines, start=1):
            try:
                out.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                out.append(line.decode("utf-8", errors="replace"))
                problems.append((n, "bytes that are not valid UTF-8 (shown as �)"))
        return _newlines("\n".join(out)), enc, problems
    try:
        return _newlines(body.decode("gb18030")), "gb18030", problems
    except UnicodeDecodeError:
        return None, None, [(0, "cannot decode the file as UTF-8 or GB18030")]


def content_sha256(path: str | Path) -> str:
    """sha256 of a file's text (decoded, LF line ends), so a GB18030 or CRLF copy of a table
    hashes like the original; binary files (XLSX) hash by their bytes. "" if unreadable.

    Why: a model records the files it learned from, and ``check`` must recognise them.
    """
    try:
        data = Path(path).read_bytes()
    except OSError:
        return ""
    return _digest(data, None if data.startswith(b"PK\x03\x04") else decode(data)[0])


def _digest(data: bytes, text: str | None) -> str:
    import hashlib

    return hashlib.sha256(data if text is None else text.encode("utf-8")).hexdigest()


def _newlines(text: str) -> str:
    text = text.replace("\r\n", "\n")
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # old Mac line ends
    return text


# ---------------------------------------------------------------- public API
def read_table(path: str | Path, strict: bool = False) -> Table:
    """Read one file into a :class:`Table`: records in reading order plus problems.

    Never raises for bad content (empty, binary, undecodable, garbled rows): those are
    problems. With ``strict=True`` any problem raises :class:`IndicatormlError` instead.
    """
    p = str(path)
    table = Table(path=p, kind="empty")
    try:
        _read_into(Path(path), table)
    except Exception as e:  # noqa: BLE001 - the reader's promise: a problem, never a traceback
        table.problems.append(Problem(p, None, f"internal error while reading: {type(e).__name__}: {e}"))
    if strict and table.problems:
        shown = "; ".join(str(x) for x in table.problems[:5])
        more = f" (and {len(table.problems) - 5} more)" if len(table.problems) > 5 else ""
        raise IndicatormlError(f"{len(table.problems)} problem(s) reading {p}: {shown}{more}")
    return table


def read_tables(paths: Iterable[str | Path], strict: bool = False) -> list[Table]:
    """Read several files. A path that is not a file is a usage error (IndicatormlError,
    before anything is read): a typo should stop the command, not be one problem among many."""
    paths = list(paths)
    for p in paths:
        if not Path(p).exists():
            raise IndicatormlError(f"no such file: {p}")
        if Path(p).is_dir():
            raise IndicatormlError(f"is a directory, not a table file: {p}")
    return [read_table(p, strict=strict) for p in paths]


def parse_files(paths: Iterable[str | Path]) -> tuple[list[Indicator], list[Problem], list[Table]]:
    """The ``parse`` verb: all records and all problems of the files, in order."""
    tables = read_tables(paths)
    records = [r for t in tables for r in t.records]
    problems = [x for t in tables for x in t.problems]
    return records, problems, tables


def report_problems(tables: Iterable[Table], stream: TextIO | None = None) -> int:
    """Print ``file:line: reason`` per problem (to stderr); return how many."""
    out = stream if stream is not None else sys.stderr
    n = 0
    for t in tables:
        for prob in t.problems:
            print(str(prob), file=out)
            n += 1
    return n


VIEW_COLUMNS = ("project", "level1", "level2", "indicator", "target", "where")
VIEW_HEADERS = {"project": "项目", "level1": "一级指标", "level2": "二级指标", "indicator": "指标",
                "target": "年度指标值", "where": "位置"}


def _view_label(code: str | None, name: str | None, raw: str | None) -> str:
    if code:
        return f"{code} {name}"
    return f"? {raw}" if raw else ""


def view_rows(records: Sequence[Indicator]) -> list[dict[str, Any]]:
    """Rows for a terminal: codes with Chinese names, and where each record came from
    (the line alone when all records come from one file)."""
    files = {r.source.rsplit(":", 1)[0] for r in records}
    rows = []
    last = None
    for r in records:
        key = (r.source.rsplit(":", 1)[0], r.project)
        rows.append({
            "project": fit_width(r.project or "", 24) if key != last else "",  # once per project
            "level1": _view_label(r.level1_code, r.level1, r.level1_raw),
            "level2": _view_label(r.level2_code, r.level2, r.level2_raw),
            "indicator": fit_width(r.indicator, 36),
            "target": fit_width(r.target or "", 30),
            "where": r.source.rsplit(":", 1)[-1] if len(files) == 1 else r.source,
        })
        last = key
    return rows



def summary_line(tables: Sequence[Table]) -> str:
    """``读取 75 条指标, 24 个项目 (1 个文件); 0 个问题`` — what a user checks first."""
    n_rec = sum(len(t.records) for t in tables)
    n_proj = 0
    for t in tables:
        n_proj += len(t.projects) if t.kind == "seed" else len({r.project for r in t.records if r.project})
    n_prob = sum(len(t.problems) for t in tables)
    rows = len({(x.file, x.line) for t in tables for x in t.problems})
    return (f"读取 {n_rec} 条指标, {n_proj} 个项目 ({len(tables)} 个文件); "
            f"{n_prob} 个问题 ({rows} 处)")


# ---------------------------------------------------------------- dispatch
def _read_into(path: Path, table: Table) -> None:
    p = table.path

    def problem(line: int | None, reason: str) -> None:
        table.problems.append(Problem(p, line, reason))

    if not path.exists():
        problem(None, "no such file")
        return
    if path.is_dir():
        problem(None, "is a directory, not a table file")
        return
    data = path.read_bytes()
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        problem(None, "empty file")
        return
    if data.startswith(b"PK\x03\x04"):
        table.kind = "xlsx"
        table.sha256 = _digest(data, None)
        read_xlsx(path, table)
        return
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        problem(None, "old Excel .xls format is not supported: save the sheet as .xlsx")
        return
    if _looks_binary(data):
        problem(None, "not a text table (binary)")
        return
    text, enc, line_problems = decode(data)
    for line, reason in line_problems:
        problem(line or None, reason)
    if text is None:
        return
    table.encoding = enc
    table.sha256 = _digest(data, text)
    raw = data.decode("utf-16") if enc == "utf-16" else data
    table.newline = "\r\n" if ("\r\n" if enc == "utf-16" else b"\r\n") in raw else "\n"
    lines = text.split("\n")
    for n, line in enumerate(lines, start=1):
        m = _CONTROL.search(line)
        if m:
            problem(n, f"control character {m.group(0)!r} in this row (damaged file?)")
    suffix = path.suffix.lower()
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    if suffix in (".jsonl", ".json", ".ndjson") or first.startswith("{"):
        table.kind = "jsonl"
        read_jsonl(lines, table)
        return
    h = find_seed_header(lines)
    if h is not None:
        table.kind = "seed"
        read_seed(lines, h, table)
        return
    delim = _guess_delimiter(lines, suffix)
    table.kind = "tsv" if delim == "\t" else "csv"
    read_delimited(lines, delim, table)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _looks_binary(data: bytes) -> bool:
    """Many NULs or other control bytes near the start: an image, a PDF, a zip, not a table.
    A single stray byte in a text file is not enough (that row is reported instead)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    sample = data[:8192]
    control = sum(1 for b in sample if b < 0x20 and b not in (9, 10, 13, 12, 27))
    return control > 0.05 * len(sample) or sample.count(0) > max(4, 0.01 * len(sample))


def _guess_delimiter(lines: Sequence[str], suffix: str) -> str:
    if suffix == ".csv":
        return ","
    if suffix in (".tsv", ".tab"):
        return "\t"
    head = [ln for ln in lines[:HEADER_SCAN] if ln.strip()]
    tabs = sum(ln.count("\t") for ln in head)
    commas = sum(ln.count(",") for ln in head)
    return "\t" if tabs >= commas or tabs >= len(head) else ","


# ---------------------------------------------------------------- the seed layout


def record_columns(records: Sequence[Indicator]) -> list[str]:
    """RECORD_KEYS, level1_raw, url, then every extra key (not ``_``-prefixed) in first-seen order."""
    cols = list(RECORD_KEYS) + ["level1_raw", "url"]
    for r in records:
        for k in r.extra:
            if not k.startswith("_") and k not in cols:
                cols.append(k)
    return cols


def records_to_rows(records: Sequence[Indicator]) -> list[dict[str, Any]]:
    """Records → dicts for :func:`indicatorml.output.write_rows` (missing values None)."""
    rows = []
    for r in records:
        d = r.to_dict()
        for k, v in r.extra.items():
            if not k.startswith("_") and k not in d:
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
            if "_row" in rec.extra:
                per_row.setdefault(rec.extra["_row"], []).append(v)
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
    if fmt not in WRITE_FORMATS:
        raise IndicatormlError(f"cannot write format {fmt!r}; choose one of {', '.join(WRITE_FORMATS)}")
    try:
        _write_table(table, path, fmt)
    except OSError as e:  # a missing directory, no permission: the user's to fix, in one line
        raise IndicatormlError(f"cannot write {path}: {e.strerror or e}") from None


def _write_table(table: Table, path: Path, fmt: str) -> None:
    # Written back in its own kind, a text table keeps its encoding and line ends (a GB18030 CRLF
    # file from a finance system comes back as one); anything else is UTF-8 with LF.
    own = fmt == table.kind and fmt in ("seed", "csv", "tsv")
    enc, nl = (table.encoding or "utf-8", table.newline) if own else ("utf-8", "\n")
    if fmt == "seed":
        path.write_text(render_seed(table), encoding=enc, newline=nl)
        return
    if fmt == "jsonl":
        text = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in records_to_rows(table.records))
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    cols, rows, preamble = _flat_cells(table)
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        for line in preamble:
            ws.append(line.split("\t"))
        ws.append(cols)
        for r in rows:
            ws.append([_xlsx_value(v) for v in r])
        _no_formulas(ws)
        wb.save(path)
        return
    if fmt == "tsv":
        clean = [_tsv_cell(c) for c in cols]
        body = [[_tsv_cell(v) for v in r] for r in rows]
        text = "".join(line + "\n" for line in preamble) + "\t".join(clean) + "\n"
        text += "".join("\t".join(r) + "\n" for r in body)
        path.write_text(text, encoding=enc, newline=nl)
        return
    with open(path, "w", encoding=enc, newline=nl) as f:
        for line in preamble:
            f.write(line + "\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([_text(v) for v in r])


def _text(v: Any) -> str:
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return cell_text(v) if not isinstance(v, str) else v


def _tsv_cell(v: Any) -> str:
    """TSV has no quoting: a tab or line break inside a cell becomes a space."""
    return re.sub(r"[\t\n\r]", " ", _text(v))


def _no_formulas(ws: Any) -> None:
    """A target such as ``=100%`` is text, not an Excel formula."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"


def _xlsx_value(v: Any) -> Any:
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, str) and v == "":
        return None
    return v
