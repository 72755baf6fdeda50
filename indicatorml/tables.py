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
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from .errors import IndicatormlError
from .flatformat import canon_header, cell_text, label_category, match_columns, row_to_indicator
from .records import RECORD_KEYS, Indicator, Problem, Project, Table
from .seedformat import (
    format_amount,
    parse_amount,
    parse_indicator_cell,
    render_item,
    strip_p,
)
from .taxonomy import UnknownLabel, by_code

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

SEED_HEADER = ["项目名称（资金使用单位）", "总计", "财政拨款", "财政专户拨款", "其他资金", "绩效目标", "绩效指标"]
WRITE_FORMATS = ("seed", "csv", "tsv", "xlsx", "jsonl")
_HEADER_SCAN = 50  # a header row is looked for in the first this-many non-blank lines


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
            "project": _cut(r.project or "", 24) if key != last else "",  # once per project
            "level1": _view_label(r.level1_code, r.level1, r.level1_raw),
            "level2": _view_label(r.level2_code, r.level2, r.level2_raw),
            "indicator": _cut(r.indicator, 36),
            "target": _cut(r.target or "", 30),
            "where": r.source.rsplit(":", 1)[-1] if len(files) == 1 else r.source,
        })
        last = key
    return rows


def _cut(s: str, width: int) -> str:
    from .output import display_width

    if display_width(s) <= width:
        return s
    out, w = "", 0
    for ch in s:
        w += display_width(ch)
        if w > width - 1:
            break
        out += ch
    return out + "…"


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
        _read_xlsx(path, table)
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
    lines = text.split("\n")
    for n, line in enumerate(lines, start=1):
        m = _CONTROL.search(line)
        if m:
            problem(n, f"control character {m.group(0)!r} in this row (damaged file?)")
    suffix = path.suffix.lower()
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    if suffix in (".jsonl", ".json", ".ndjson") or first.startswith("{"):
        table.kind = "jsonl"
        _read_jsonl(lines, table)
        return
    h = _find_seed_header(lines)
    if h is not None:
        table.kind = "seed"
        _read_seed(lines, h, table)
        return
    delim = _guess_delimiter(lines, suffix)
    table.kind = "tsv" if delim == "\t" else "csv"
    _read_delimited(lines, delim, table)


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
    head = [ln for ln in lines[:_HEADER_SCAN] if ln.strip()]
    tabs = sum(ln.count("\t") for ln in head)
    commas = sum(ln.count(",") for ln in head)
    return "\t" if tabs >= commas or tabs >= len(head) else ","


# ---------------------------------------------------------------- the seed layout
def _find_seed_header(lines: Sequence[str]) -> int | None:
    """A tab-separated header with 项目名称, 绩效目标 and 绩效指标 and no per-row indicator column."""
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > _HEADER_SCAN:
            return None
        if "\t" not in line:
            continue
        canon = [canon_header(c) for c in line.split("\t")]
        if "绩效指标" in canon and "绩效目标" in canon and any(c.startswith("项目名称") for c in canon):
            if not any(c in ("三级指标", "指标名称", "指标", "三级指标名称") for c in canon):
                return i
    return None


def _seed_columns(header: Sequence[str]) -> tuple[int, int, int, list[int]]:
    canon = [canon_header(c) for c in header]
    i_name = next(i for i, c in enumerate(canon) if c.startswith("项目名称"))
    i_goal = canon.index("绩效目标")
    i_ind = canon.index("绩效指标")
    amounts = [i for i in range(len(header)) if i not in (i_name, i_goal, i_ind)]
    return i_name, i_goal, i_ind, amounts


def _read_seed(lines: list[str], h: int, table: Table) -> None:
    p = table.path
    header = lines[h].split("\t")
    table.preamble = lines[:h]
    table.columns = header
    table.rows = [ln.split("\t") for ln in lines[h + 1:]]
    i_name, i_goal, i_ind, amount_cols = _seed_columns(header)

    def problem(line: int, reason: str) -> None:
        table.problems.append(Problem(p, line, reason))

    for k, cells in enumerate(table.rows):
        lineno = h + 2 + k
        if not "".join(cells).strip():
            continue
        if len(cells) != len(header):
            problem(lineno, f"row has {len(cells)} fields, the header has {len(header)}; row not read")
            continue
        name, _ = strip_p(cells[i_name])
        goal = strip_p(cells[i_goal])[0] or None
        ind_text, _ = strip_p(cells[i_ind])
        if re.match(r"^(合计|总计|小计)", name) and not ind_text:
            continue  # the total row
        if not goal and not ind_text:
            continue  # a department (or other summary) row: not a project
        amounts: dict[str, float | None] = {}
        for j in amount_cols:
            try:
                amounts[header[j]] = parse_amount(cells[j])
            except ValueError:
                amounts[header[j]] = None
                problem(lineno, f"amount {header[j]!r} is not a number: {cells[j].strip()!r}")
        where = f"{p}:{lineno}"
        project = Project(name=name, goal=goal, amounts=amounts, source=where)
        table.projects.append(project)
        if not name:
            problem(lineno, "row has no project name")
        if not ind_text:
            problem(lineno, "project has a goal but no indicators (绩效指标 is empty)")
            continue
        cell = parse_indicator_cell(ind_text)
        for reason in cell.problems:
            problem(lineno, reason)
        for item in cell.items:
            rec = Indicator(indicator=item.name, target=item.target, period_target=item.period,
                            level1_raw=item.level1 or None, level2_raw=item.level2 or None,
                            project=name or None, goal=goal, source=where)
            _set_codes(rec, item.number, lambda reason, n=lineno: problem(n, reason))
            if item.problem:
                problem(lineno, item.problem)
            rec.extra["_seed"] = {
                "span": list(item.span),
                "number": item.number,
                "style": item.style,
                "orig": _seed_fields(rec),
            }
            project.indicator_rows.append(len(table.records))
            table.records.append(rec)


def _set_codes(rec: Indicator, number: int, report) -> None:
    """Codes and standard names from the raw labels; an unknown label is reported (with the
    item's number; the problem itself carries file and line), not guessed."""
    for level, raw in ((1, rec.level1_raw), (2, rec.level2_raw)):
        if not raw:
            report(f"indicator {number}: no level-{level} label")
            continue
        try:
            cat = label_category(raw, level)
        except UnknownLabel:
            report(f"indicator {number}: unknown level-{level} label {raw!r}")
            continue
        if level == 1:
            rec.level1_code, rec.level1 = cat.code, cat.name
        else:
            rec.level2_code, rec.level2 = cat.code, cat.name


def _seed_fields(rec: Indicator) -> list[str | None]:
    """What an item was read as; an item whose fields still equal this is written unchanged."""
    return [rec.level1_raw, rec.level2_raw, rec.indicator, rec.period_target, rec.target,
            rec.level1_code, rec.level2_code]


def _label_for(raw: str | None, code: str | None, level: int) -> str:
    """The label to write: the raw spelling if it still means ``code``, else ``code-名称``."""
    if code is None:
        return raw or ""
    if raw:
        try:
            norm = label_category(raw, level)
            if norm.code == code:
                return raw
        except UnknownLabel:
            pass
    return by_code(code).label


def _render_record(rec: Indicator, number: int, style: dict[str, str] | None = None) -> str:
    return render_item(number, _label_for(rec.level1_raw, rec.level1_code, 1),
                       _label_for(rec.level2_raw, rec.level2_code, 2), rec.indicator,
                       rec.period_target, rec.target, style)


def seed_indicator_string(records: Sequence[Indicator]) -> str:
    """Records → the seed's numbered indicator cell (``1、1-产出指标；11-数量指标；…。2、…``).

    Raw label spellings are used where they still mean the record's code, else ``code-名称``;
    punctuation follows each record's own (from the seed) or the seed's most common style.
    """
    return "".join(_render_record(r, k + 1, (r.extra.get("_seed") or {}).get("style"))
                   for k, r in enumerate(records))


def _replace_inner(raw_cell: str, new_inner: str) -> str:
    """Put new text inside a cell, keeping its ``<p>…</p>`` wrapper and surrounding spaces."""
    inner, wrapped = strip_p(raw_cell)
    if inner and inner in raw_cell:
        off = raw_cell.index(inner)
        return raw_cell[:off] + new_inner + raw_cell[off + len(inner):]
    return f"<p>{new_inner}</p>" if wrapped else new_inner


def _render_indicator_cell(raw_cell: str, recs: Sequence[Indicator]) -> str:
    inner, _ = strip_p(raw_cell)
    metas = [r.extra.get("_seed") for r in recs]
    changed = [m is None or m.get("orig") != _seed_fields(r) for r, m in zip(recs, metas, strict=True)]
    if not any(changed):
        return raw_cell
    if any(m is None for m in metas):
        return _replace_inner(raw_cell, seed_indicator_string(recs))
    new = inner
    for rec, meta, ch in sorted(zip(recs, metas, changed, strict=True), key=lambda t: -t[1]["span"][0]):
        if ch:
            s, e = meta["span"]
            new = new[:s] + _render_record(rec, meta["number"], meta["style"]) + new[e:]
    return _replace_inner(raw_cell, new)


def render_seed(table: Table) -> str:
    """The whole file in the seed layout. A seed table read and not changed comes out byte-equal
    (for UTF-8 input with LF line ends)."""
    if table.kind != "seed":
        return _render_seed_from_records(table.records)
    lines = list(table.preamble) + ["\t".join(table.columns)] + ["\t".join(r) for r in table.rows]
    i_name, i_goal, i_ind, amount_cols = _seed_columns(table.columns)
    for proj in table.projects:
        idx = int(proj.source.rsplit(":", 1)[1]) - 1
        cells = lines[idx].split("\t")
        if strip_p(cells[i_name])[0] != proj.name:
            cells[i_name] = _replace_inner(cells[i_name], proj.name)
        if (strip_p(cells[i_goal])[0] or None) != proj.goal:
            cells[i_goal] = _replace_inner(cells[i_goal], proj.goal or "")
        for j in amount_cols:
            col = table.columns[j]
            try:
                old = parse_amount(cells[j])
            except ValueError:
                old = None
            if col in proj.amounts and proj.amounts[col] != old:
                cells[j] = _replace_inner(cells[j], format_amount(proj.amounts[col]))
        recs = [table.records[i] for i in proj.indicator_rows]
        if recs:
            cells[i_ind] = _render_indicator_cell(cells[i_ind], recs)
        lines[idx] = "\t".join(cells)
    return "\n".join(lines)


def _render_seed_from_records(records: Sequence[Indicator]) -> str:
    groups: dict[tuple[str, str], list[Indicator]] = {}
    for r in records:
        groups.setdefault((r.project or "", r.goal or ""), []).append(r)
    lines = ["\t".join(SEED_HEADER)]
    for (name, goal), recs in groups.items():
        lines.append("\t".join([name, "", "", "", "", goal, seed_indicator_string(recs)]))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- flat tables
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
        yield i + 1, cells, "unbalanced quote (\") in this row"
        i += 1


def _read_delimited(lines: list[str], delim: str, table: Table) -> None:
    p = table.path
    header_idx = None
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > _HEADER_SCAN:
            break
        cells = _split_line(line, delim) if delim == "\t" else next(csv.reader([line]), [])
        if "indicator" in match_columns(cells):
            header_idx = i
            header = cells
            break
    if header_idx is None:
        first = next((ln for ln in lines if ln.strip()), "")
        cells = _split_line(first, delim) if delim == "\t" else next(csv.reader([first]), [])
        found = ", ".join(repr(c.strip()) for c in cells if c.strip())
        table.problems.append(Problem(p, None, "no indicator column (indicator / 指标名称 / 三级指标); "
                                      f"columns found: {found or 'none'}"))
        return
    table.preamble = lines[:header_idx]
    table.columns = header
    if lines and lines[-1] == "":
        lines = lines[:-1]  # the final line end does not start another row
    if delim == "\t":
        rows = ((i + 1, _split_line(lines[i], delim), None) for i in range(header_idx + 1, len(lines)))
    else:
        rows = _csv_rows(lines, header_idx + 1, len(header))
    _rows_to_records(rows, header, table, check_width=True)


def _rows_to_records(rows: Iterable[tuple[int, list[Any], str | None]], header: Sequence[str], table: Table,
                     check_width: bool, texts: Sequence[list[str]] | None = None) -> None:
    cols = match_columns(header)
    p = table.path
    # The seed's columns saved as CSV/XLSX: summary rows (合计, the department) have neither goal
    # nor indicators, and numbered indicator cells are split as in the seed layout.
    seed_like = canon_header(header[cols["indicator"]]) == "绩效指标" and "goal" in cols
    for k, (lineno, cells, problem) in enumerate(rows):
        table.rows.append(cells)
        text_cells = texts[k] if texts is not None else cells
        if problem:
            table.problems.append(Problem(p, lineno, problem))
        if not any(str(c).strip() for c in text_cells):
            continue
        if seed_like and not any(strip_p(str(text_cells[cols[c]]))[0] for c in ("indicator", "goal")
                                 if cols[c] < len(text_cells)):
            continue
        where = f"{p}:{lineno}"
        if check_width and len(text_cells) != len(header):
            short = len(text_cells) < len(header)
            table.problems.append(Problem(p, lineno, f"row has {len(text_cells)} fields, the header has "
                                          f"{len(header)}" + ("; missing fields read as empty" if short
                                                              else "; row not read")))
            if not short:
                continue
        rec, reasons = row_to_indicator(text_cells, cols, header, where, where)
        for reason in reasons:
            table.problems.append(Problem(p, lineno, reason))
        if rec is None:
            continue
        rec.extra["_row"] = len(table.rows) - 1
        if _NUMBERED.match(rec.indicator):
            table.records.extend(_expand_numbered(rec, lambda reason, n=lineno: table.problems.append(
                Problem(p, n, reason))))
        else:
            table.records.append(rec)


_NUMBERED = re.compile(r"^\s*1\s*、.*指标值", re.S)


def _expand_numbered(rec: Indicator, report) -> list[Indicator]:
    """A flat cell holding a numbered indicator string (the seed's 绩效指标 in a spreadsheet):
    one record per item, sharing the row's project, goal, url and other columns."""
    cell = parse_indicator_cell(rec.indicator)
    for reason in cell.problems:
        report(reason)
    out = []
    for item in cell.items:
        new = Indicator(indicator=item.name, target=item.target, period_target=item.period,
                        level1_raw=item.level1 or None, level2_raw=item.level2 or None, project=rec.project,
                        goal=rec.goal, source=rec.source, url=rec.url, extra=dict(rec.extra))
        _set_codes(new, item.number, report)
        if item.problem:
            report(item.problem)
        out.append(new)
    return out


def _read_jsonl(lines: list[str], table: Table) -> None:
    p = table.path
    columns: list[str] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            table.problems.append(Problem(p, n, f"not a JSON object: {e}"))
            continue
        if not isinstance(obj, dict):
            table.problems.append(Problem(p, n, "not a JSON object"))
            continue
        keys = [str(k) for k in obj]
        for k in keys:
            if k not in columns:
                columns.append(k)
        cells = [_json_cell(v) for v in obj.values()]
        where = f"{p}:{n}"
        rec, reasons = row_to_indicator(cells, match_columns(keys), keys, where, where)
        for reason in reasons:
            table.problems.append(Problem(p, n, reason))
        if rec is not None:
            table.records.append(rec)
    if not columns and not table.problems:
        table.problems.append(Problem(p, None, "empty file"))


def _json_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return cell_text(v)


def _has_merged_cells(path: Path) -> bool:
    """Merged ranges are listed only in the sheet XML; read-only mode would not see them."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with z.open(name) as f:
                    while chunk := f.read(1 << 20):
                        if b"<mergeCell " in chunk or b"<mergeCells" in chunk:
                            return True
    return False


def _read_xlsx(path: Path, table: Table) -> None:
    """First sheet with a recognizable header; merged cells give their value to every cell."""
    p = table.path
    try:
        from openpyxl import load_workbook

        merged = _has_merged_cells(path)
        wb = load_workbook(path, read_only=not merged, data_only=True)
    except Exception as e:  # noqa: BLE001 - any damage in the zip/XML is a problem, not a crash
        table.problems.append(Problem(p, None, f"cannot read as XLSX: {type(e).__name__}: {e}"))
        return
    try:
        names = []
        for ws in wb.worksheets:
            fill: dict[tuple[int, int], tuple[Any, str | None]] = {}
            if merged:
                for rng in ws.merged_cells.ranges:
                    top = ws.cell(rng.min_row, rng.min_col)
                    for r in range(rng.min_row, rng.max_row + 1):
                        for c in range(rng.min_col, rng.max_col + 1):
                            fill[(r, c)] = (top.value, top.number_format)
            values: list[list[Any]] = []
            texts: list[list[str]] = []
            for r, row in enumerate(ws.iter_rows(), start=1):
                vals, txt = [], []
                for c, cell in enumerate(row, start=1):
                    v, fmt = fill.get((r, c), (getattr(cell, "value", None), getattr(cell, "number_format", None)))
                    vals.append(v)
                    txt.append(cell_text(v, fmt))
                while txt and not txt[-1]:
                    txt.pop()
                    vals.pop()
                values.append(vals)
                texts.append(txt)
            header_idx = _find_flat_header(texts)
            names.append(ws.title)
            if header_idx is None:
                continue
            header = texts[header_idx]
            table.preamble = ["\t".join(t) for t in texts[:header_idx]]
            table.columns = header
            rows = [(header_idx + 2 + k, values[header_idx + 1 + k], None)
                    for k in range(len(values) - header_idx - 1)]
            _rows_to_records(rows, header, table, check_width=False, texts=texts[header_idx + 1:])
            return
        table.problems.append(Problem(p, None, "no sheet has an indicator column (indicator / 指标名称 / 三级指标); "
                                      f"sheets: {', '.join(names) or 'none'}"))
    finally:
        wb.close()


def _find_flat_header(texts: Sequence[Sequence[str]]) -> int | None:
    seen = 0
    for i, cells in enumerate(texts):
        if not any(cells):
            continue
        seen += 1
        if seen > _HEADER_SCAN:
            return None
        if "indicator" in match_columns(cells):
            return i
    return None


# ---------------------------------------------------------------- writing
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
    if fmt == "seed":
        path.write_text(render_seed(table), encoding="utf-8", newline="\n")
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
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    with open(path, "w", encoding="utf-8", newline="") as f:
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
