"""The one door every command reads through: a file of any kind → a :class:`Table`.

Why it never raises for bad content: a reviewer with a 300-row table wants the 298 readable
rows and a list of the 2 that are not, each with file, line and reason — not a traceback.
Every row that is not read is a :class:`~indicatorml.records.Problem`; nothing is dropped in
silence. The dispatch looks at the bytes (zip, OLE, text) before the suffix.

Every read applies :class:`~.limits.Limits` (a file over one becomes one Problem naming it),
and runs where :func:`~.reading.reading` says: in this process, or in a worker of a
:class:`~.pool.ReaderPool` under a hard memory and time limit (the server, and the CLI unless
``--trusted``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from ..errors import IndicatormlError
from ..records import Indicator, Problem, Table
from .columns import HEADER_SCAN
from .decode import CONTROL, decode, digest, looks_binary
from .delimited import read_delimited
from .docx import read_docx
from .jsonl import read_jsonl
from .limits import FileBudget, Limits, Refused, megabytes
from .pdf import read_pdf
from .reading import current_policy
from .seed import find_seed_header, read_seed
from .xls import read_xls
from .xlsx import read_xlsx

__all__ = ["read_table", "read_tables", "read_here", "parse_files", "report_problems"]


def read_table(path: str | Path, strict: bool = False, limits: Limits | None = None) -> Table:
    """Read one file into a :class:`Table`: records in reading order plus problems.

    Never raises for bad content (empty, binary, undecodable, garbled rows, a file over a
    limit): those are problems. With ``strict=True`` any problem raises
    :class:`IndicatormlError` instead. ``limits`` default to those of the
    :func:`~.reading.reading` block in force (else ``DEFAULT_LIMITS``); inside a block with a
    pool the read runs in one of its workers.
    """
    policy = current_policy()
    lim = limits or policy.limits
    if policy.pool is not None:
        table = policy.pool.read(path, lim, policy.until)
    else:
        table = read_here(path, lim)
    if strict and table.problems:
        shown = "; ".join(str(x) for x in table.problems[:5])
        more = f"(另有 {len(table.problems) - 5} 个)" if len(table.problems) > 5 else ""
        raise IndicatormlError(f"读取 {path} 时有 {len(table.problems)} 个问题: {shown}{more}")
    return table


def read_here(path: str | Path, limits: Limits, memory_bytes: int | None = None) -> Table:
    """:func:`read_table` in this process, whatever the policy (what a pool's worker runs).
    ``memory_bytes``: the hard memory limit the process runs under, named if it runs out."""
    p = str(path)
    table = Table(path=p, kind="empty")
    try:
        _read_into(Path(path), table, FileBudget(limits))
    except Refused as e:
        table.problems.append(Problem(p, None, str(e)))
    except MemoryError:
        # Whatever half-built table is dropped: its size is what ran out.
        table = Table(
            path=p,
            kind="empty",
            sha256=table.sha256,
            problems=[Problem(p, None, _out_of_memory(memory_bytes))],
        )
    except Exception as e:  # noqa: BLE001 - the reader's promise: a problem, never a traceback
        table.problems.append(Problem(p, None, f"读取时出现内部错误(技术细节: {type(e).__name__}: {e})"))
    return table


def _out_of_memory(memory_bytes: int | None) -> str:
    if memory_bytes is None:
        return "读取时内存不足(MemoryError):文件异常大或已损坏,没有读完。"
    return f"读取时内存超过上限({megabytes(memory_bytes)}):文件异常大或已损坏,没有读完。"


def read_tables(
    paths: Iterable[str | Path], strict: bool = False, limits: Limits | None = None
) -> list[Table]:
    """Read several files. A path that is not a file is a usage error (IndicatormlError,
    before anything is read): a typo should stop the command, not be one problem among many."""
    paths = list(paths)
    for p in paths:
        if not Path(p).exists():
            raise IndicatormlError(f"文件不存在: {p}")
        if Path(p).is_dir():
            raise IndicatormlError(f"这是一个目录,不是表格文件: {p}")
    return [read_table(p, strict=strict, limits=limits) for p in paths]


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


# ---------------------------------------------------------------- dispatch
def _read_into(path: Path, table: Table, budget: FileBudget) -> None:
    p = table.path

    def problem(line: int | None, reason: str) -> None:
        table.problems.append(Problem(p, line, reason))

    if not path.exists():
        problem(None, "文件不存在")
        return
    if path.is_dir():
        problem(None, "这是一个文件夹,不是表格文件")
        return
    budget.file_size(path.stat().st_size)
    data = path.read_bytes()
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        problem(None, "空文件")
        return
    suffix = path.suffix.lower()
    if suffix in _WPS:
        problem(None, f"WPS 自有的 {suffix} 格式无法读取:在 WPS 里另存为 {_WPS[suffix]} 再读取")
        return
    if data.startswith(b"PK\x03\x04"):
        table.sha256 = digest(data, None)
        kind = _zip_kind(path, suffix)
        if kind == "docx":
            table.kind = "docx"
            read_docx(path, table, budget)
        elif kind == "xlsx":
            table.kind = "xlsx"
            read_xlsx(path, table, budget)
        else:
            problem(
                None,
                f"压缩文件既不是 Excel 工作簿(.xlsx)也不是 Word 文档(.docx):{kind}",
            )
        return
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        table.sha256 = digest(data, None)
        if "EncryptedPackage".encode("utf-16-le") in data:
            problem(None, "文件有密码保护:打开文件、去掉密码后另存,再读取")
        elif "WordDocument".encode("utf-16-le") in data:
            problem(None, "不支持旧版 Word 的 .doc 格式:把文档另存为 .docx 再读取")
        else:
            table.kind = "xls"
            read_xls(path, data, table, budget)
        return
    if data.startswith(b"%PDF"):
        table.kind = "pdf"
        table.sha256 = digest(data, None)
        read_pdf(path, table, budget, data)
        return
    if looks_binary(data):
        problem(None, "不是文本表格(二进制文件)")
        return
    text, enc, line_problems = decode(data)
    for n, reason in line_problems:
        problem(n or None, reason)
    if text is None:
        return
    table.encoding = enc
    table.sha256 = digest(data, text)
    crlf = "\r\n" in data.decode("utf-16") if enc == "utf-16" else b"\r\n" in data
    table.newline = "\r\n" if crlf else "\n"
    lines = text.split("\n")
    for n, line in enumerate(lines, start=1):
        m = CONTROL.search(line)
        if m:
            problem(n, f"这一行有控制字符 {m.group(0)!r}(文件损坏?)")
    budget.rows(path.name, len(lines))
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
    _delimited_size(lines, delim, path.name, budget)
    read_delimited(lines, delim, table)


_WPS = {".et": ".xlsx", ".ett": ".xlsx", ".wps": ".docx", ".wpt": ".docx", ".dps": ".pptx"}


def _zip_kind(path: Path, suffix: str) -> str:
    """ "xlsx", "docx", or what else the zip holds. A zip too damaged to list goes by its suffix."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return "docx" if suffix in (".docx", ".docm", ".dotx") else "xlsx"
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    return "内含 " + ", ".join(sorted({n.split("/")[0] for n in names})[:5]) if names else "空压缩包"


def _delimited_size(lines: Sequence[str], delim: str, name: str, budget: FileBudget) -> None:
    """A CSV/TSV's columns and cells, counted from its delimiters before any row is split (a
    quoted delimiter counts too: an over-count, never an under-count)."""
    widest = 0
    for n, ln in enumerate(lines, start=1):
        if not ln:
            continue  # an empty line is no row
        k = ln.count(delim) + 1
        if k > widest:
            budget.columns(name, k, n)
            widest = k
        budget.add_cells(k)


def _guess_delimiter(lines: Sequence[str], suffix: str) -> str:
    if suffix == ".csv":
        return ","
    if suffix in (".tsv", ".tab"):
        return "\t"
    head = [ln for ln in lines[:HEADER_SCAN] if ln.strip()]
    tabs = sum(ln.count("\t") for ln in head)
    commas = sum(ln.count(",") for ln in head)
    return "\t" if tabs >= commas or tabs >= len(head) else ","
