"""The reviewer's decisions (and a list of reviews) as rows: CSV, JSONL, TSV, XLSX or a terminal table.

Why rows: a bureau's next step with the decisions is its own spreadsheet or system — a row per
decision with the indicator, what the table said, what the model suggested, what the reviewer
decided and her 审核意见. Written through :func:`indicatorml.output.write_rows` (the same
``--format`` choices as every verb). JSONL, CSV and TSV keep the ids as keys for scripts; the
terminal table and the XLSX a person reads get Chinese headers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from ..output import write_rows
from ..store import Decision, ReviewSummary
from ..taxonomy import code_label
from .decisions import DECISION_ZH, decided_level2, suggested_level2
from .review import Review, ReviewFile

__all__ = [
    "DECISION_COLUMNS",
    "DECISION_HEADERS",
    "SUMMARY_COLUMNS",
    "SUMMARY_HEADERS",
    "decision_rows",
    "summary_rows",
    "write_table_rows",
]

DECISION_COLUMNS = (
    "review_id",
    "file",
    "file_n",
    "n",
    "project",
    "indicator",
    "given",
    "suggested",
    "finding_id",
    "rule",
    "message",
    "decision",
    "decided",
    "comment",
    "user",
    "created_at",
)
DECISION_HEADERS = {
    "review_id": "审核编号",
    "file": "文件",
    "file_n": "文件序号",
    "n": "第几条",
    "project": "项目",
    "indicator": "指标",
    "given": "原类别",
    "suggested": "建议类别",
    "finding_id": "问题编号",
    "rule": "规则",
    "message": "问题",
    "decision": "决定",
    "decided": "审核后类别",
    "comment": "审核意见",
    "user": "审核人",
    "created_at": "时间",
}
SUMMARY_COLUMNS = (
    "id",
    "created_at",
    "title",
    "year",
    "org",
    "files",
    "rows",
    "findings",
    "model",
    "created_by",
)
SUMMARY_HEADERS = {
    "id": "审核编号",
    "created_at": "时间",
    "title": "文件",
    "year": "年度",
    "org": "主管部门",
    "files": "文件数",
    "rows": "指标数",
    "findings": "问题数",
    "model": "模型",
    "created_by": "审核人",
}


def decision_rows(review: Review, history: bool = False) -> list[dict[str, Any]]:
    """One row per current decision (per finding and per row decided), files in order; with
    ``history`` every decision ever made, oldest first."""
    decisions = review.history if history else _current(review)
    out = []
    for d in decisions:
        file = review.file(d["file_n"])
        out.append(_decision_row(review, file, d))
    return out


def _current(review: Review) -> list[Decision]:
    """The current decisions: the latest on each finding and on each row, each once, in the
    order they were made."""
    seen: dict[int, Decision] = {}
    for f in review.files:
        for x in f.findings:
            if x.decision is not None:
                seen[x.decision["id"]] = x.decision
        for d in f.decisions.values():
            seen[d["id"]] = d
    return [seen[k] for k in sorted(seen)]


def _decision_row(review: Review, file: ReviewFile, d: Decision) -> dict[str, Any]:
    row = d["row"]
    rec = file.table.records[row] if row is not None else None
    finding = None
    if d["finding_id"] is not None:
        finding = next((x.finding for x in file.findings if x.id == d["finding_id"]), None)
    suggested = None
    if finding is not None and finding.suggested_level2_code:
        suggested = finding.suggested_level2_code
    elif row is not None:
        suggested = suggested_level2(file, row)
    decided = decided_level2(file, row, d) if row is not None else None
    verb = DECISION_ZH.get(d["decision"], d["decision"])
    return {
        "review_id": review.id,
        "file": file.name,
        "file_n": file.n,
        "n": row + 1 if row is not None else None,
        "project": rec.project if rec is not None else (finding.project if finding is not None else None),
        "indicator": rec.indicator if rec is not None else None,
        "given": code_label(rec.level2_code, rec.level2) if rec is not None and rec.level2_code else None,
        "suggested": code_label(suggested) if suggested else None,
        "finding_id": d["finding_id"],
        "rule": finding.rule if finding is not None else None,
        "message": finding.message if finding is not None else None,
        "decision": verb if d["decision"] != "set" else f"{verb} {code_label(d['level2_code'])}",
        "decided": code_label(decided) if decided else None,
        "comment": d["comment"],
        "user": d["user"],
        "created_at": d["created_at"].isoformat(timespec="seconds"),
    }


def summary_rows(summaries: Sequence[ReviewSummary]) -> list[dict[str, Any]]:
    """One row per stored review (``indicatorml reviews list``)."""
    return [
        {
            "id": s["id"],
            "created_at": s["created_at"].isoformat(timespec="seconds"),
            "title": s["title"],
            "year": s["year"],
            "org": s["org"],
            "files": s["counts"]["files"],
            "rows": s["counts"]["rows"],
            "findings": s["counts"]["findings"],
            "model": s["model_name"],
            "created_by": s["created_by"],
        }
        for s in summaries
    ]


def write_table_rows(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    output: str | None,
    columns: Sequence[str],
    headers: dict[str, str],
    stream: TextIO | None = None,
) -> None:
    """``write_rows`` with Chinese headers where a person reads them (table, XLSX) and the ids
    where a script does (JSONL, CSV, TSV)."""
    if fmt == "xlsx":
        chinese = [{headers[c]: r.get(c) for c in columns} for r in rows]
        write_rows(chinese, fmt, output, columns=[headers[c] for c in columns], stream=stream)
        return
    write_rows(rows, fmt, output, columns=columns, headers=headers, stream=stream)
