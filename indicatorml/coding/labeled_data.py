"""Labeled rows to learn from: the shipped corpus and seed, the hand-written examples, and your tables.

Why hand-written examples are marked row by row: they are training rows only. Every
evaluation scores real rows; a made-up row must never be scored, nor a real one hidden among
the training-only set (a file whose rows do not all say `provenance=hand-written` is refused).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import shipped
from ..errors import IndicatormlError
from ..records import Indicator
from ..shipped import default_data_paths
from ..taxonomy import by_code, canonical_level2

_DATA_DIR = shipped.DATA_DIR


DEFAULT_OWN_WEIGHT = 3.0  # how much a row of your own tables counts beside a shipped row
HANDWRITTEN = "hand-written"  # the provenance every row of data/handwritten/ must carry


def handwritten_paths() -> list[Path]:
    """The shipped hand-written example files (training only, never evaluated)."""
    return sorted((_DATA_DIR / "handwritten").glob("*.tsv"))


def is_handwritten(record: Indicator) -> bool:
    """True for a row from a hand-written examples file (never scored in an evaluation)."""
    return str(record.extra.get("provenance", "")).strip() == HANDWRITTEN


def mark_handwritten(table: Any, path: Path) -> None:
    """Mark every record of a hand-written file, refusing a file whose rows do not all say so
    (a real row must never slip into the training-only set, nor a made-up one into the scores)."""
    cols = [c.strip().lower() for c in (table.columns or [])]
    if "provenance" not in cols:
        raise IndicatormlError(f"{path}: 手写示例文件需要一列 provenance(来源)")
    k = cols.index("provenance")
    for r in table.records:
        row = table.rows[r.origin.row]
        value = str(row[k]).strip() if k < len(row) else ""
        if value != HANDWRITTEN:
            raise IndicatormlError(f"{r.source}: provenance(来源)是 {value!r},应为 {HANDWRITTEN!r}")
        r.extra["provenance"] = HANDWRITTEN


def load_labeled(
    paths: Sequence[str | os.PathLike[str]] = (),
    default_data: bool = True,
    stream: Any = ...,
    handwritten: bool = False,
) -> tuple[list[Indicator], np.ndarray]:
    """Labeled records of the shipped data and/or ``paths``, and a flag per row: from ``paths``?

    Unreadable rows are reported (file:line) on ``stream``; rows without a level-2 label are
    counted and skipped; cost in either layout becomes 14. With ``handwritten`` (and the
    default data) the shipped hand-written examples come last, marked (:func:`is_handwritten`).
    """
    from ..tables import read_table, report_problems

    if stream is ...:  # sys.stderr as it is now (a default bound at import goes stale)
        stream = sys.stderr
    files: list[tuple[Path, bool]] = []
    if default_data:
        files += [(p, False) for p in default_data_paths()]
        if handwritten:
            files += [(p, False) for p in handwritten_paths()]
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(
                q
                for q in path.rglob("*")
                if q.is_file() and q.suffix.lower() in (".txt", ".tsv", ".csv", ".xlsx", ".jsonl")
            )
            if not found:
                raise IndicatormlError(f"{path}: 这个目录里没有表格文件(.txt .tsv .csv .xlsx .jsonl)")
            files += [(q, True) for q in found]
        elif path.is_file():
            files.append((path, True))
        else:
            raise IndicatormlError(f"文件不存在: {path}")
    records: list[Indicator] = []
    own: list[bool] = []
    unlabeled = 0
    own_read = 0
    tables = []
    for path, is_own in files:
        table = read_table(str(path))
        for r in table.records:  # so the model can say which files it has seen (check warns on them)
            r.origin.file_sha256 = table.sha256
        if not is_own:  # shipped files are named from the repository top, wherever it lives,
            rel = path.relative_to(_DATA_DIR.parent).as_posix()  # so folds (and models) are the same
            for r in table.records:
                r.source = rel + r.source[len(str(path)) :] if r.source.startswith(str(path)) else r.source
        if path.parent.name == "handwritten" and path.parent.parent == _DATA_DIR:
            mark_handwritten(table, path)
        tables.append(table)
        own_read += len(table.records) if is_own else 0
        for r in table.records:
            code = (r.level2_code or "").strip()
            if not code or not code.isdigit():
                unlabeled += 1
                continue
            try:
                cat = by_code(canonical_level2(code))
            except KeyError:
                unlabeled += 1
                continue
            if cat.level != 2:
                unlabeled += 1
                continue
            r.level2_code = cat.code
            records.append(r)
            own.append(is_own)
    if stream is not None:
        report_problems(tables, stream=stream)
        if unlabeled:
            print(f"indicatorml: {unlabeled} 条指标没有二级指标类别,未用于训练", file=stream)
    if paths and not any(own):
        # Training "on your tables" with none of their rows would silently give the shipped model.
        names = ", ".join(str(p) for p in paths)
        if not own_read:
            raise IndicatormlError(f"{names}: 没有读到任何指标,无从学习")
        raise IndicatormlError(
            f"{names}: 读到的 {own_read} 条指标都没有二级指标类别,无从学习;"
            "请先给它们编码(例如 `indicatorml code FILE`,再人工复核类别),或者去掉 --data"
        )
    if not records:
        raise IndicatormlError("没有带类别的指标可供学习")
    return records, np.asarray(own, dtype=bool)


def own_weights(own: np.ndarray | None, own_weight: float) -> np.ndarray | None:
    if own is None or not own.any() or own.all():
        return None
    return np.where(own, float(own_weight), 1.0)


def drop_handwritten(
    records: list[Indicator], own: np.ndarray | None
) -> tuple[list[Indicator], np.ndarray | None]:
    keep = [i for i, r in enumerate(records) if not is_handwritten(r)]
    return [records[i] for i in keep], (None if own is None else own[keep])
