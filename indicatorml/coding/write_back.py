"""Auto-code a draft table and write it back in its own kind: the ``code`` verb.

Why write back rather than print: a reviewer's next step is the table itself. The seed
layout gets the coded indicator string (``1、1-产出指标；11-数量指标；…``); CSV/TSV get added
columns; JSONL gets added keys. A workbook (``.xlsx`` marked in place; ``.xls``/``.docx``/``.pdf``
as a new ``.xlsx`` laid out like them) gets the added columns *and* its own empty 一级/二级
cells filled with the suggestion, as a writer expects of auto-coding: green where the model is
sure, amber and 需人工确认 below the threshold, each with a 批注 giving the confidence and the
runner-up. A cell the writer filled is never overwritten. CSV/TSV keep only the added columns:
a text file cannot carry the colour and the 批注 that tell a model's guess from the writer's own
label once the added columns are deleted.

A row the model is not sure of (confidence below the threshold) is coded with its best guess
*and* marked 需人工确认, never silently; a row that already carries a level-2 label keeps it
unless ``recode`` is asked for, because a person's label outranks the model's.
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
    Column,
    Entry,
    Marked,
    Source,
    coded_name,
    in_place,
    losses,
    lost_line,
    marked_workbook,
    save_bytes,
)
from ..taxonomy import by_code, code_label, parent, to_layout
from .model import IndicatorClassifier
from .predict import Prediction, classify
from .saved import load_model

__all__ = [
    "REVIEW_MARK",
    "CODED_FILL",
    "REVIEW_FILL",
    "CodeResult",
    "CodedFile",
    "code_table",
    "write_coded",
    "coded_path",
    "level1_only_rows",
    "keep_given_level1",
]

REVIEW_MARK = "需人工确认"
CODED_FILL = "C6EFCE"  # a cell the model filled at or above the threshold: Excel's "good" green
REVIEW_FILL = FILLS["warning"]  # below it: amber, as 需人工确认 everywhere
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
    overwritten); a ``.xls``/``.docx``/``.pdf`` draft is coded into a new ``.xlsx``. The name
    is :func:`indicatorml.tables.annotate.coded_name`'s, the one the web's download takes too."""
    p = Path(path)
    return p.with_name(coded_name(p.name))


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
        raise IndicatormlError(f"--threshold 应在 0 到 1 之间(收到 {threshold})")
    src = Path(path)
    if src.is_dir():
        raise IndicatormlError(f"这是一个目录,不是表格文件: {src}")
    if not src.is_file():
        raise IndicatormlError(f"文件不存在: {src}")
    out = Path(output) if output is not None else coded_path(src)
    if out.resolve() == src.resolve():
        raise IndicatormlError("--output 不能是输入文件本身(草稿从不覆盖)")
    if table is None:
        table = read_table(src)
    if stream is not None:
        report_problems([table], stream=stream)
    if table.kind == "empty" or not table.records:
        raise IndicatormlError(f"{src}: 没有读到可编码的指标")
    fmt = _own_format(table)
    suffix = out.suffix.lower().lstrip(".")
    if suffix in ("csv", "tsv", "xlsx", "jsonl") and suffix != fmt:
        fmt = suffix
    elif suffix and suffix not in ("csv", "tsv", "xlsx", "jsonl", "txt", "tab"):
        raise IndicatormlError(
            f"--output {out}: 不能写成 .{suffix} 文件;请用 .txt(种子表格式)、.csv、.tsv、.xlsx 或 .jsonl"
        )
    if not isinstance(model, IndicatorClassifier):
        model = load_model(model)
    preds = classify(table.records, model, top_k=3, layout=layout)
    _keep_given_level1(table.records, preds, model, layout, recode)
    data = src.read_bytes()
    coded = write_coded(table, preds, name=src.name, source=data, threshold=threshold, recode=recode, fmt=fmt)
    save_bytes(coded.data, out, inputs=[src])
    lost = losses(data) if fmt == "xlsx" and in_place(Source(table, src.name, data)) else []
    if lost and stream is not None:
        print(lost_line(src, out, lost), file=stream)
    return CodeResult(out, coded.coded, coded.review, coded.kept, preds)


@dataclass
class CodedFile:
    """A coded draft as :func:`write_coded` gives it: its name, its bytes, and how many rows went
    which way (as :class:`CodeResult`)."""

    name: str
    data: bytes
    coded: int
    review: int
    kept: int


def _own_format(table: Table) -> str:
    """The kind a coded draft is written back in: a workbook for a workbook or document, else its own."""
    return "xlsx" if table.kind in _WORKBOOK_KINDS else _KIND_FORMAT.get(table.kind, "csv")


def write_coded(
    table: Table,
    predictions: Sequence[Prediction],
    *,
    name: str,
    source: bytes | None = None,
    threshold: float = 0.9,
    recode: bool = False,
    fmt: str | None = None,
) -> CodedFile:
    """The coded draft of ``table`` from ``predictions`` (one per record), as bytes: nothing is
    read or classified again — the review pipeline writes a stored file's 编码 download from its
    stored table, upload bytes and suggestions; ``code_table`` from what it just computed.

    ``name`` is the user's own file name (the result is named :func:`coded_name` of it),
    ``source`` the file's bytes (a workbook draft is coded in them, a document laid out from
    them), ``fmt`` the kind to write (default: a workbook for .xlsx/.xls/.docx/.pdf, else the
    table's own). A workbook gets the added columns and its empty 一级/二级 cells filled; the
    seed layout the coded indicator strings; CSV/TSV/JSONL added columns. A row with a level-2
    label keeps it unless ``recode``. The table's records take the coded labels (the text
    writers write them).
    """
    from ..tables import add_column, table_bytes

    fmt = fmt or _own_format(table)
    given = [(r.level1_raw, r.level2_raw) for r in table.records]
    auto1: list[str] = []
    auto2: list[str] = []
    confs: list[str | float] = []  # "" where the model gave no confidence
    marks: list[str] = []
    coded = review = kept = 0
    for rec, p in zip(table.records, predictions, strict=True):
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
    if fmt == "xlsx" and table.kind in _WORKBOOK_KINDS:
        columns = _workbook_columns(auto1, auto2, confs, marks)
        # What the draft itself said, before the records took the coded labels: its own labels
        # are never written over, and a label it gives decides how the filled cells are spelled.
        entries = _cell_entries(predictions, given, threshold)
        data = marked_workbook([Marked(Source(table, name, source), columns=columns, entries=entries)])
    else:
        if fmt != "seed":
            added: list[Sequence[str | float]] = [auto1, auto2, confs, marks]
            for header, values in zip(_COLUMNS, added, strict=True):
                add_column(table, header, values)
        data = table_bytes(table, fmt)
    out_name = coded_name(name)
    if fmt != _own_format(table):  # written in another kind than its own: named for it
        out_name = out_name.rsplit(".", 1)[0] + "." + ("txt" if fmt == "seed" else fmt)
    return CodedFile(out_name, data, coded, review, kept)


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


def _spelled(code: str, given: Sequence[str | None]) -> str:
    """A category spelled as the draft spells its own labels: ``11-数量指标`` where they carry
    codes, ``数量指标`` (the standard form's way) where they do not or there are none."""
    with_code = sum(1 for g in given if g and g.strip()[:1].isdigit())
    return code_label(code) if with_code * 2 > sum(1 for g in given if g) else by_code(code).name


def _runner_up(p: Prediction, level: int) -> str | None:
    """The model's next answer after ``p``'s: another level-2 category, or (level 1) the best
    level-2 category of another family, with its probability."""
    for alt in p.alternatives:
        code = str(alt.get("level2_code") or "")
        if not code or code == p.level2_code:
            continue
        if level == 1 and parent(code).code == p.level1_code:
            continue
        shown = (
            code_label(parent(code).code) + f"(其中 {code_label(code)})" if level == 1 else code_label(code)
        )
        return f"{shown} {float(alt.get('probability') or 0.0):.2f}"
    return None


def _cell_entries(
    preds: Sequence[Prediction],
    given: Sequence[tuple[str | None, str | None]],
    threshold: float,
) -> list[Entry]:
    """The values for the draft's own empty 一级/二级 cells: each coded row's suggestion, green
    at or above ``threshold``, amber with 需人工确认 below it; the 批注 gives the confidence and
    the runner-up. A row the model could not code, or whose cell the writer filled, gets none
    (the writer skips any cell that is not empty)."""
    out: list[Entry] = []
    l1_given = [g[0] for g in given]
    l2_given = [g[1] for g in given]
    for i, p in enumerate(preds):
        if p.level2_code is None or p.level1_code is None or given[i][1]:
            continue
        conf = p.confidence if p.confidence is not None else 0.0
        low = p.confidence is None or conf < threshold
        fill = REVIEW_FILL if low else CODED_FILL
        head = f"{REVIEW_MARK}: 置信度 {conf:.2f},低于 {threshold:g}" if low else f"置信度 {conf:.2f}"
        second = _runner_up(p, 2)
        text = f"自动编码 {code_label(p.level2_code)},{head}" + (f"\n次选: {second}" if second else "")
        out.append(Entry(i, "level2", _spelled(p.level2_code, l2_given), fill, text))
        if not given[i][0]:
            l1_conf = p.level1_confidence if p.level1_confidence is not None else conf
            second1 = _runner_up(p, 1)
            text1 = (
                f"自动编码 {code_label(p.level1_code)}(由二级指标 {code_label(p.level2_code)} 定),"
                f"一级置信度 {l1_conf:.2f}"
                + (f";{REVIEW_MARK}" if low else "")
                + (f"\n次选: {second1}" if second1 else "")
            )
            out.append(Entry(i, "level1", _spelled(p.level1_code, l1_given), fill, text1))
    return out


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
