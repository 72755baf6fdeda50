"""What a review gives back for its files: each annotated workbook, the coded file, a zip of all.

Why from the review and never from the files again: what the reviewer downloads must be what
the page showed her, even if the server's model changed since (issue 15). So these read only
the review — the table as read, the findings, the suggestions, all as stored — and the
uploaded bytes (the user's own ``.xlsx`` is marked in place; a Word, PDF or ``.xls`` file's
layout is copied into the new workbook). Nothing here reads a table, scores or checks.

The bytes are written to a private temporary folder for the writers (which load a workbook
from a file); the workbook shows the file's own name, never that folder.
"""

from __future__ import annotations

import copy
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..checks import write_findings_xlsx
from ..coding.write_back import write_coded
from ..errors import IndicatormlError
from ..store import Store
from .names import coded_name, unique_names, workbook_name
from .review import Review, ReviewFile

__all__ = [
    "XLSX_TYPE",
    "ZIP_TYPE",
    "Download",
    "file_bytes",
    "write_file_workbook",
    "file_workbook",
    "file_coded",
    "workbooks_zip",
]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_TYPE = "application/zip"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # members carry no clock time: the zip depends only on its contents


@dataclass(frozen=True)
class Download:
    """A file to hand back: its name (for ``Content-Disposition``), bytes and media type."""

    name: str
    data: bytes
    media_type: str


def file_bytes(file: ReviewFile, store: Store | None = None) -> bytes:
    """The uploaded bytes of ``file``: kept on it, else the store's blob."""
    if file.data is not None:
        return file.data
    if store is None:
        raise IndicatormlError(f"{file.name}：没有原文件的内容（从数据库读取审核时带上 store）")
    return store.get_blob(file.sha256)


def write_file_workbook(review: Review, n: int, out: str | Path, store: Store | None = None) -> list[str]:
    """Write file ``n``'s annotated workbook to ``out``; what openpyxl could not keep of the
    user's own workbook (text boxes, shapes…), for the caller to warn about."""
    file = review.file(n)
    data = file_bytes(file, store)
    with tempfile.TemporaryDirectory(prefix="indicatorml-review-") as tmp:
        source = Path(tmp) / f"source{_suffix(file)}"
        source.write_bytes(data)
        return write_findings_xlsx(
            [file.table], [x.finding for x in file.findings], str(out), sources=[source]
        )


def file_workbook(review: Review, n: int, store: Store | None = None) -> Download:
    """File ``n`` annotated: ``<stem>.审核.xlsx``."""
    file = review.file(n)
    with tempfile.TemporaryDirectory(prefix="indicatorml-review-") as tmp:
        out = Path(tmp) / "out.xlsx"
        write_file_workbook(review, n, out, store)
        return Download(workbook_name(file.name), out.read_bytes(), XLSX_TYPE)


def file_coded(review: Review, n: int, store: Store | None = None, threshold: float = 0.9) -> Download:
    """File ``n`` coded with the review's stored suggestions (as ``indicatorml code`` writes
    it: the draft's own kind, or a workbook; rows below ``threshold`` marked 需人工确认)."""
    if not 0.0 <= threshold <= 1.0:
        raise IndicatormlError(f"阈值应在 0 到 1 之间，收到 {threshold}")
    file = review.file(n)
    if not file.table.records:
        raise IndicatormlError(f"{file.name}：没有读到指标，无法编码")
    if not file.suggestions:
        raise IndicatormlError(f"{file.name}：这份审核没有使用模型，没有编码建议")
    name = coded_name(file.name)
    data = file_bytes(file, store)
    table = copy.deepcopy(file.table)  # coding writes the suggestions into the records
    with tempfile.TemporaryDirectory(prefix="indicatorml-review-") as tmp:
        source = Path(tmp) / f"source{_suffix(file)}"
        source.write_bytes(data)
        out = Path(tmp) / f"out{PurePosixPath(name).suffix}"
        write_coded(table, copy.deepcopy(file.suggestions), out, threshold=threshold, source=source)
        media = XLSX_TYPE if out.suffix.lower() == ".xlsx" else "application/octet-stream"
        return Download(name, out.read_bytes(), media)


def workbooks_zip(review: Review, store: Store | None = None) -> Download:
    """Every file's annotated workbook in one zip, each under its own name (``<stem>.审核.xlsx``;
    two files of one name get ``(2)``…)."""
    names = unique_names(workbook_name(f.name) for f in review.files)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f, name in zip(review.files, names, strict=True):
            member = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(member, file_workbook(review, f.n, store).data)
    title = "审核工作簿" if len(review.files) > 1 else PurePosixPath(names[0]).stem
    return Download(f"{title}.zip", buf.getvalue(), ZIP_TYPE)


def _suffix(file: ReviewFile) -> str:
    """The source's suffix for the writers: its own where it is one of the kind's, else the kind's."""
    own = PurePosixPath(file.name).suffix.lower()
    by_kind = {"xlsx": (".xlsx", ".xlsm"), "xls": (".xls",), "docx": (".docx",), "pdf": (".pdf",)}
    allowed = by_kind.get(file.kind)
    if allowed is None:
        return own if own in (".txt", ".csv", ".tsv", ".tab", ".jsonl", ".json") else ".txt"
    return own if own in allowed else allowed[0]
