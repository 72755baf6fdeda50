"""Auto-code a draft table and write it back in its own kind: the ``code`` verb.

Why write back rather than print: a reviewer's next step is the table itself. The seed
layout gets the coded indicator string (``1、1-产出指标；11-数量指标；…``); CSV/TSV/XLSX get
added columns; JSONL gets added keys. A row the model is not sure of (confidence below the
threshold) is coded with its best guess *and* marked 需人工确认, never silently; a row that
already carries a level-2 label keeps it unless ``recode`` is asked for, because a person's
label outranks the model's.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import IndicatormlError
from ..records import Indicator, Table
from ..tables.annotate import (
    FILLS,
    NEW_WORKBOOK,
    OWN_WORKBOOK,
    Column,
    annotate_workbook,
    lost_line,
    report_workbook,
)
from ..taxonomy import by_code, parent, to_layout
from .model import IndicatorClassifier
from .predict import Prediction, classify
from .saved import load_model

__all__ = [
    "REVIEW_MARK",
    "CodeResult",
    "code_table",
    "coded_path",
    "write_coded",
    "level1_only_rows",
    "keep_given_level1",
]

REVIEW_MARK = "需人工确认"
_COLUMNS = ("一级指标(自动)", "二级指标(自动)", "置信度", "复核")
_WORKBOOK_KINDS = ("xlsx", "xls", "docx", "pdf")  # written back as a workbook: the user's own, else a new one
_KIND_FORMAT = {"seed": "seed", "csv": "csv", "tsv": "tsv", "xlsx": "xlsx", "jsonl": "jsonl"}


@dataclass
class CodeResult:
    """What ``code_table`` did: where it wrote, and how many rows went which way."""

    output: Path
    coded: int  # coded at or above the threshold
    review: int  # marked 需人工确认 (below the threshold, or unusable text)
    kept: int  # already labeled, kept as given
    predictions: list[Prediction]


def coded_path(path: str | os.PathLike[str]) -> Path:
    """Default output: ``draft.xlsx`` → ``draft.coded.xlsx`` beside it (the input is never
    overwritten); a ``.xls``/``.docx``/``.pdf`` draft is coded into a new ``.xlsx``."""
    p = Path(path)
    suffix = ".xlsx" if p.suffix.lower() in NEW_WORKBOOK else (p.suffix or ".txt")
    return p.with_name(f"{p.stem}.coded{suffix}")


def code_table(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    threshold: float = 0.9,
    model: IndicatorClassifier | str | os.PathLike[str] | None = None,
    layout: str = "pre2021",
    recode: bool = False,
    stream: Any = ...,
    table: Table | None = None,
) -> CodeResult:
    """Code every unlabeled indicator of a table (all of them with ``recode``) and write it back.

    ``table``: the file at ``path`` as already read (the server reads an upload once, in a
    worker, and keeps its problems for its answer); by default it is read here."""
    from ..tables import read_table, report_problems

    if stream is ...:  # sys.stderr as it is now (a default bound at import goes stale)
        stream = sys.stderr
    if not 0.0 <= threshold <= 1.0:
        raise IndicatormlError(f"--threshold must be between 0 and 1, not {threshold}")
    src = Path(path)
    if src.is_dir():
        raise IndicatormlError(f"is a directory, not a table file: {src}")
    if not src.is_file():
        raise IndicatormlError(f"no such file: {src}")
    out = Path(output) if output is not None else coded_path(src)
    if out.resolve() == src.resolve():
        raise IndicatormlError("--output must differ from the input file (the draft is never overwritten)")
    if table is None:
        table = read_table(src)
    if stream is not None:
        report_problems([table], stream=stream)
    if table.kind == "empty" or not table.records:
        raise IndicatormlError(f"{src}: no indicators to code")
    workbook_in = table.kind in _WORKBOOK_KINDS
    fmt = "xlsx" if workbook_in else _KIND_FORMAT.get(table.kind, "csv")
    suffix = out.suffix.lower().lstrip(".")
    if suffix in ("csv", "tsv", "xlsx", "jsonl") and suffix != fmt:
        fmt = suffix
    elif suffix and suffix not in ("csv", "tsv", "xlsx", "jsonl", "txt", "tab"):
        raise IndicatormlError(
            f"--output {out}: cannot write a .{suffix} file; use .txt (the seed layout), "
            ".csv, .tsv, .xlsx or .jsonl"
        )
    if not isinstance(model, IndicatorClassifier):
        model = load_model(model)
    preds = classify(table.records, model, top_k=3, layout=layout)
    _keep_given_level1(table.records, preds, model, layout, recode)
    return write_coded(table, preds, out, fmt, threshold=threshold, recode=recode, stream=stream)


def write_coded(
    table: Table,
    preds: Sequence[Prediction],
    out: str | os.PathLike[str],
    fmt: str | None = None,
    *,
    threshold: float = 0.9,
    recode: bool = False,
    source: str | Path | None = None,
    stream: Any = None,
) -> CodeResult:
    """Write ``table`` coded with ``preds`` (one per record) to ``out``: the second half of
    :func:`code_table`, apart so that a stored review's coded file is written from the
    suggestions it stored, without a model.

    ``fmt`` as :func:`code_table` chose it (default: a workbook for a workbook input, else the
    table's own kind). ``source`` is where the input's bytes are when ``table.path`` is only
    its own name (a stored review's upload). The records of ``table`` are changed (coded):
    pass a copy to keep the original.
    """
    from ..tables import add_column, write_table

    out = Path(out)
    workbook_in = table.kind in _WORKBOOK_KINDS
    if fmt is None:
        fmt = "xlsx" if workbook_in else _KIND_FORMAT.get(table.kind, "csv")
    auto1: list[str] = []
    auto2: list[str] = []
    confs: list[str | float] = []  # "" where the model gave no confidence
    marks: list[str] = []
    coded = review = kept = 0
    for rec, p in zip(table.records, preds, strict=True):
        labeled = bool(rec.level2_code) and not recode
        if labeled:
            kept += 1
            auto1.append("")
            auto2.append("")
            confs.append("")
            marks.append("")
            continue
        if p.level2_code is None:
            review += 1
            auto1.append("")
            auto2.append("")
            confs.append("")
            marks.append(f"{REVIEW_MARK}: {p.message}")
            continue
        low = p.confidence is None or p.confidence < threshold
        l2 = by_code(p.level2_code)
        l1 = parent(l2.code)
        rec.level1_code, rec.level1 = l1.code, l1.name
        rec.level2_code, rec.level2 = l2.code, l2.name
        rec.level1_raw = l1.label
        rec.level2_raw = f"{l2.label}（{REVIEW_MARK}）" if low else l2.label
        auto1.append(l1.label)
        auto2.append(l2.label)
        confs.append(round(p.confidence or 0.0, 4))
        marks.append(REVIEW_MARK if low else "")
        if low:
            review += 1
        else:
            coded += 1
    if fmt == "xlsx" and workbook_in:
        columns = _workbook_columns(auto1, auto2, confs, marks)
        if table.kind == "xlsx" and Path(table.path).suffix.lower() in OWN_WORKBOOK:
            lost = annotate_workbook(table, out, columns=columns, source=source)
            if lost and stream is not None:
                print(lost_line(table.path, out, lost), file=stream)
        else:
            report_workbook([(table, (), columns)], out, sources=[source])
        return CodeResult(out, coded, review, kept, list(preds))
    if fmt != "seed":
        added: list[Sequence[str | float]] = [auto1, auto2, confs, marks]
        for name, values in zip(_COLUMNS, added, strict=True):
            add_column(table, name, values)
    write_table(table, out, fmt)
    return CodeResult(out, coded, review, kept, list(preds))


def _workbook_columns(
    auto1: list[str], auto2: list[str], confs: list[str | float], marks: list[str]
) -> list[Column]:
    """The added columns of a workbook written back: the suggestion, its confidence, and
    需人工确认 (amber, with the suggestion's cells) where the model is not sure."""
    cols = [
        Column("建议一级指标", 14),
        Column("建议二级指标", 22),
        Column("置信度", 8, number_format="0.00"),
        Column("复核", 14, wrap=True),
    ]
    for i, (a1, a2, c, m) in enumerate(zip(auto1, auto2, confs, marks, strict=True)):
        for col, v in zip(cols, (a1, a2, c, m), strict=True):
            if v not in ("", None):
                col.values[i] = v
        if m:
            for col in (cols[1], cols[3]):
                col.fills[i] = FILLS["warning"]
    return cols


def _keep_given_level1(
    records: list[Indicator], preds: list[Prediction], model: IndicatorClassifier, layout: str, recode: bool
) -> None:
    """:func:`keep_given_level1` with the model's probabilities of the rows it applies to."""
    rows = level1_only_rows(records, preds, recode)
    if rows:
        proba = model.predict_proba([records[i] for i in rows])
        keep_given_level1(records, preds, rows, proba, model.classes_, layout)


def level1_only_rows(
    records: Sequence[Indicator], preds: Sequence[Prediction], recode: bool = False
) -> list[int]:
    """The rows :func:`keep_given_level1` applies to: a level 1 given, no level 2, a suggestion."""
    return [
        i
        for i, r in enumerate(records)
        if r.level1_code and not r.level2_code and not recode and preds[i].level2_code is not None
    ]


def keep_given_level1(
    records: Sequence[Indicator],
    preds: Sequence[Prediction],
    rows: Sequence[int],
    proba: Any,
    classes: Iterable[Any],
    layout: str,
) -> None:
    """A draft row that names its level 1 but not its level 2 keeps that level 1.

    Why: the person's level-1 label outranks the model's, as a level-2 label does. The model
    then chooses the best level 2 *within* that level 1, and the confidence is the model's
    probability of that level 2 given the level 1 (its probabilities renormalized in the family).
    ``rows`` are those of :func:`level1_only_rows`, ``proba[k]`` the probabilities of row
    ``rows[k]`` over ``classes`` (the model's, or a review's one scorer's).
    """
    for row, pr in zip(rows, proba, strict=True):
        given = records[row].level1_code
        row_layout = "2021" if given == "4" else layout  # a 成本 level 1 says the table is 2021 layout
        shown = [to_layout(str(c), row_layout) for c in classes]
        members = [j for j, cat in enumerate(shown) if parent(cat.code).code == given]
        total = float(sum(pr[j] for j in members))
        if total <= 0.0:
            continue
        best = max(members, key=lambda j: pr[j])
        p = preds[row]
        p.level2_code, p.level2 = shown[best].code, shown[best].name
        l1 = parent(shown[best].code)
        p.level1_code, p.level1 = l1.code, l1.name
        p.confidence = float(round(pr[best] / total, 4))
