"""What a review gives back for its files: each annotated workbook, the coded file, a zip of all.

Why from the review and never from the files again: what the reviewer downloads must be what
the page showed her, even if the server's model changed since (issue 15). So these read only
the review — the table as read, the findings, the suggestions, all as stored — and the
uploaded bytes (the user's own ``.xlsx`` is marked in place; a Word, PDF or ``.xls`` file's
layout is copied into the new workbook). Nothing here reads a table, scores or checks.

The writers (:func:`indicatorml.checks.review_workbook`, :func:`indicatorml.coding.write_coded`)
take the bytes and the file's own name and give bytes: no file on the server is written or named.
"""

from __future__ import annotations

import copy
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from ..checks import Decision, review_workbook
from ..coding.write_back import write_coded
from ..errors import IndicatormlError
from ..store import Decision as StoredDecision
from ..store import Store
from ..tables.annotate import Listing, review_name, stem_of, unique_names
from .beside import review_beside
from .review import Review, ReviewFile

__all__ = [
    "XLSX_TYPE",
    "ZIP_TYPE",
    "BESIDE_SHEET",
    "BESIDE_HEADER",
    "beside_sheet",
    "Download",
    "file_bytes",
    "workbook_decisions",
    "file_workbook",
    "file_coded",
    "workbooks_zip",
]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_TYPE = "application/zip"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # members carry no clock time: the zip depends only on its contents
BESIDE_SHEET = "与去年对照"
BESIDE_HEADER = (
    "项目",
    "今年第N条",
    "今年指标",
    "今年指标值",
    "去年指标",
    "去年目标值",
    "去年实际值",
    "去年年度",
    "去年的表",
    "去年项目",
    "匹配度",
)


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


def workbook_decisions(file: ReviewFile) -> list[Decision]:
    """The file's current decisions as the workbook writer takes them (in the order they were
    made): each finding's latest by its place in ``file.findings``, and each row's latest where
    it was made on the row itself (one made on a finding is that finding's)."""
    current: list[tuple[int, Decision]] = []
    for k, x in enumerate(file.findings):
        if x.decision is not None:
            current.append((x.decision["id"], _decision(x.decision, finding=k)))
    for row, d in file.decisions.items():
        if d["finding_id"] is None:
            current.append((d["id"], _decision(d, row=row)))
    return [d for _, d in sorted(current, key=lambda pair: pair[0])]


def _decision(d: StoredDecision, finding: int | None = None, row: int | None = None) -> Decision:
    return Decision(
        d["decision"],
        finding=finding,
        row=row,
        level2_code=d["level2_code"],
        comment=d["comment"],
        user=d["user"],
        at=d["created_at"],
    )


def file_workbook(review: Review, n: int, store: Store | None = None) -> Download:
    """File ``n``'s review workbook, ``<stem>.审核.xlsx``: its findings marked, the one scorer's
    suggestion beside every row (建议二级指标/建议概率, as the page shows them) and the
    reviewer's current decisions in 审核意见 and the 批注 — an ``.xlsx`` marked in its own bytes,
    any other kind laid out like them.

    With the ``store``, a 与去年对照 sheet (:func:`beside_sheet`) is added when the store holds
    last year's review of the same department: computed from that stored review now, like the
    page (the findings themselves are the stored ones, never re-checked)."""
    file = review.file(n)
    sheet = beside_sheet(review_beside(store, review, n)) if store is not None else None
    data = review_workbook(
        file.table,
        [x.finding for x in file.findings],
        name=file.name,
        source=file_bytes(file, store),
        suggestions=file.suggestions or None,
        decisions=workbook_decisions(file),
        more=(sheet,) if sheet is not None else (),
    )
    return Download(review_name(file.name), data, XLSX_TYPE)


def beside_sheet(projects: list[dict[str, Any]]) -> Listing | None:
    """与去年对照: one row per line of :func:`~.beside.review_beside` (this year's row and
    last year's matched one; a row new this year has last year's cells empty, a dropped one this
    year's), None when no project has a last year. Cells are written as text, never formulas."""
    if not projects:
        return None
    sheet = Listing(
        BESIDE_SHEET,
        BESIDE_HEADER,
        fill_column=None,
        sheet_column=None,
        ref_column=None,
        widths=(26, 9, 30, 14, 30, 14, 14, 9, 24, 26, 8),
    )
    for p in projects:
        for r in p["rows"]:
            sheet.rows.append(
                [
                    p["project"] or "(未写项目名称)",
                    r["row"] + 1 if r["row"] is not None else "去年有、今年无",
                    r["indicator"],
                    r["target"],
                    r["last_indicator"] or ("(去年无对应指标)" if r["row"] is not None else None),
                    r["last_target"],
                    r["last_actual"],
                    p["year"],
                    p["last_file"],
                    p["last_project"],
                    r["score"],
                ]
            )
    return sheet


def file_coded(review: Review, n: int, store: Store | None = None, threshold: float = 0.9) -> Download:
    """File ``n`` coded with the review's stored suggestions (as ``indicatorml code`` writes
    it: the draft's own kind, or a workbook with its empty 一级/二级 cells filled; rows below
    ``threshold`` marked 需人工确认)."""
    if not 0.0 <= threshold <= 1.0:
        raise IndicatormlError(f"阈值应在 0 到 1 之间，收到 {threshold}")
    file = review.file(n)
    if not file.table.records:
        raise IndicatormlError(f"{file.name}：没有读到指标，无法编码")
    if not file.suggestions:
        raise IndicatormlError(f"{file.name}：这份审核没有使用模型，没有编码建议")
    coded = write_coded(
        copy.deepcopy(file.table),  # coding writes the suggestions into the records
        copy.deepcopy(file.suggestions),
        name=file.name,
        source=file_bytes(file, store),
        threshold=threshold,
    )
    media = XLSX_TYPE if coded.name.lower().endswith(".xlsx") else "application/octet-stream"
    return Download(coded.name, coded.data, media)


def workbooks_zip(review: Review, store: Store | None = None) -> Download:
    """Every file's review workbook in one zip, each under its own name (``<stem>.审核.xlsx``;
    two files of one name get ``(2)``…)."""
    names = unique_names([review_name(f.name) for f in review.files])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f, name in zip(review.files, names, strict=True):
            member = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(member, file_workbook(review, f.n, store).data)
    title = "审核工作簿" if len(review.files) > 1 else stem_of(names[0])
    return Download(f"{title}.zip", buf.getvalue(), ZIP_TYPE)
