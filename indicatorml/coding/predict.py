"""``classify``: indicator drafts in, :class:`Prediction` objects out — what the CLI, ``code``,
``check`` and the web page all call.

Why a batch path of its own: a 30,000-row table is featurized once per distinct row, with
cyclic GC paused, and a row the model knows nothing of says so instead of guessing.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..records import Indicator
from ..taxonomy import parent, to_layout
from .decision import decide
from .features import MAX_TEXT, SparseRows, clean_text
from .items import Item, as_pair
from .model import IndicatorClassifier, check_is_fitted
from .saved import load_model

__all__ = ["Prediction", "classify", "prepare", "fill_predictions", "known_text_rows"]


@dataclass
class Prediction:
    """One indicator's answer. Codes are ``None`` (and ``message`` says why) for unusable input."""

    indicator: str
    target: str | None
    level1_code: str | None
    level1: str | None
    level2_code: str | None
    level2: str | None
    confidence: float | None
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    level1_confidence: float | None = None
    message: str | None = None
    given_level2_code: str | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")


def _row_message(text: str, cleaned: str) -> tuple[bool, str | None]:
    """(usable, message) for one indicator text: why it cannot be or was only partly read."""
    if not text.strip():
        return False, "指标名称为空,无法编码"
    if not _LETTER.search(cleaned):
        return False, "指标名称没有文字(只有数字或标点),无法编码"
    notes = []
    if len(text) > MAX_TEXT:
        notes.append(f"指标名称有{len(text)}个字符,只用了前{MAX_TEXT}个")
    if not _CJK.search(cleaned):
        notes.append("没有汉字:模型只认识中文指标名称,置信度低")
    return True, ";".join(notes) or None


_UNKNOWN = "模型不认识其中任何字词,这个答案只依据指标值"


def classify(
    items: Iterable[Item],
    model: IndicatorClassifier | str | os.PathLike[str] | None = None,
    top_k: int = 3,
    layout: str = "pre2021",
) -> list[Prediction]:
    """Classify indicators (texts, (text, target) pairs, Indicators or dicts), in input order.

    Never raises for a bad row: an unusable text gets codes ``None`` and a ``message``.
    Labels an Indicator already carries are reported as ``given_level2_code`` and never used.
    Written for batches: the text is cleaned once per row, and everything after the features
    is done for all rows at once in numpy.
    """
    if not isinstance(model, IndicatorClassifier):
        model = load_model(model)
    check_is_fitted(model)
    with _no_gc():
        return _classify(items, model, top_k, layout)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during a batch.

    A 30,000-row batch allocates millions of small lists and strings that the collector
    would scan again and again for cycles there are none of (measured: about a fifth of
    the batch time). Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _classify(items: Iterable[Item], model: IndicatorClassifier, top_k: int, layout: str) -> list[Prediction]:
    out, usable_idx, cleaned, targets = prepare(items)
    if not usable_idx:
        return out
    # Real tables repeat indicators (满意度, 资金拨付及时率 …): featurize each distinct one once.
    first: dict[tuple[str, str | None], int] = {}
    back = [first.setdefault(key, len(first)) for key in zip(cleaned, targets, strict=True)]
    distinct = list(first)
    rows = model.transform_clean([k[0] for k in distinct], [k[1] for k in distinct])
    proba = model.proba_of_rows(rows)
    known = _known_text_rows(rows, len(model.text_block_.vocabulary))
    if len(distinct) < len(back):
        proba = proba[back]
        known = known[back]
    fill_predictions(out, usable_idx, proba, known, model.classes_, model.level1_rule, top_k, layout)
    return out


def prepare(items: Iterable[Item]) -> tuple[list[Prediction], list[int], list[str], list[str | None]]:
    """An empty answer per item, and the items that can be classified (their cleaned text and target)."""
    out: list[Prediction] = []
    usable_idx: list[int] = []
    cleaned: list[str] = []
    targets: list[str | None] = []
    for i, item in enumerate(items):
        text, target = as_pair(item)
        s = clean_text(text)
        ok, msg = _row_message(text, s)
        if isinstance(item, Indicator):
            given, source = item.level2_code, item.source
        else:
            given, source = (item.get("level2_code") if isinstance(item, dict) else None), None
        out.append(Prediction(text, target, None, None, None, None, None, [], None, msg, given, source))
        if ok:
            usable_idx.append(i)
            cleaned.append(s)
            targets.append(target)
    return out, usable_idx, cleaned, targets


def fill_predictions(
    out: list[Prediction],
    usable_idx: Sequence[int],
    proba: np.ndarray,
    known: np.ndarray,
    classes_: np.ndarray,
    level1_rule: str,
    top_k: int,
    layout: str,
) -> None:
    """Write the answers of the usable rows from their probabilities (rows of ``proba`` in the
    order of ``usable_idx``): the model's decision rule, level-1 total, alternatives.

    Why apart from the scoring: :func:`indicatorml.coding.scoring.score_rows` gets its
    probabilities from the cross-fitted models, and must turn them into the same answers.
    """
    chosen = decide(proba, classes_, level1_rule)
    classes = [str(c) for c in classes_]
    shown = [to_layout(c, layout) for c in classes]  # cost as 14 or 41, per layout
    level1 = [parent(c.code) for c in shown]
    parents = np.array([parent(c).code for c in classes])
    l1_sum = proba @ (parents[:, None] == parents[None, :]).astype(np.float64)  # each class's level-1 total
    top_k = max(1, min(int(top_k), len(classes)))
    order = np.argsort(-proba, axis=1, kind="stable")[:, :top_k].tolist()
    rounded = np.round(proba, 4).tolist()
    conf = np.round(proba[np.arange(len(chosen)), chosen], 4).tolist()
    l1conf = np.round(l1_sum[np.arange(len(chosen)), chosen], 4).tolist()
    known_rows = known.tolist()
    chosen_rows = chosen.tolist()
    for r, i in enumerate(usable_idx):
        p = out[i]
        j = chosen_rows[r]
        p.level2_code, p.level2 = shown[j].code, shown[j].name
        p.level1_code, p.level1 = level1[j].code, level1[j].name
        p.confidence = conf[r]
        p.level1_confidence = l1conf[r]
        pr = rounded[r]
        p.alternatives = [
            {"level2_code": shown[k].code, "level2": shown[k].name, "probability": pr[k]} for k in order[r]
        ]
        if not known_rows[r]:
            p.message = f"{p.message};{_UNKNOWN}" if p.message else _UNKNOWN


def known_text_rows(
    model: IndicatorClassifier, cleaned: Sequence[str], targets: Sequence[str | None]
) -> np.ndarray:
    """Rows (cleaned texts) with at least one text feature the model knows."""
    rows = model.transform_clean(list(cleaned), list(targets))
    return _known_text_rows(rows, len(model.text_block_.vocabulary))


def _known_text_rows(rows: SparseRows, n_text: int) -> np.ndarray:
    """Rows with at least one text feature the model knows."""
    row_of = np.repeat(np.arange(rows.n_rows), np.diff(rows.indptr))
    return np.bincount(row_of[rows.indices < n_text], minlength=rows.n_rows) > 0
