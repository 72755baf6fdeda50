"""The reviewer's decisions of a stored review as a file to download.

Why only XLSX and JSONL on the web: the XLSX is for people (Chinese headers, every cell
written as text, so a 审核意见 starting with ``=`` never becomes a formula); JSONL is for
scripts (the ids as keys). A CSV would be opened in a spreadsheet, where text starting with
``=`` is a live formula.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ..reviews import DECISION_COLUMNS, DECISION_HEADERS, Download, Review, decision_rows, write_table_rows
from ..tables.annotate import stem_of

__all__ = ["decisions_file", "XLSX", "JSONL"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSONL = "application/x-ndjson; charset=utf-8"


def decisions_file(review: Review, fmt: str, history: bool = False) -> Download:
    """The current decisions (every decision with ``history``) as ``<stem>.审核决定.xlsx`` or
    ``.jsonl`` (a review of several files: ``审核决定(N个文件)``)."""
    rows = decision_rows(review, history=history)
    files = review.files
    stem = stem_of(files[0].name) + ".审核决定" if len(files) == 1 else f"审核决定({len(files)}个文件)"
    if fmt == "jsonl":
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
        return Download(f"{stem}.jsonl", data, JSONL)
    with tempfile.TemporaryDirectory(prefix="indicatorml-export-") as tmp:
        out = Path(tmp) / "decisions.xlsx"
        write_table_rows(rows, "xlsx", str(out), DECISION_COLUMNS, DECISION_HEADERS)
        return Download(f"{stem}.xlsx", out.read_bytes(), XLSX)
