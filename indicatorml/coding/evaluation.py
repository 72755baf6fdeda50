"""Grouped evaluation: out-of-fold probabilities whose folds never split a source page, and the
figures `indicatorml evaluate` prints (accuracy, macro-F1, calibration, coverage).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import IndicatormlError
from ..records import Indicator
from ..taxonomy import by_code, canonical_level2, parent
from .decision import decide
from .labeled_data import DEFAULT_OWN_WEIGHT, drop_handwritten, is_handwritten, load_labeled, own_weights
from .metrics import classification_figures, group_folds
from .model import IndicatorClassifier
from .options import check_counts, make_config


def evaluation_groups(records: Sequence[Indicator], n_splits: int) -> tuple[list[str], str]:
    """Groups for k-fold and what they are: source page/file, else project within a file."""
    groups = [r.group for r in records]
    if len(set(groups)) >= n_splits:
        return groups, "source page or file"
    by_project = [f"{r.group}#{r.project or ''}" for r in records]
    if len(set(by_project)) >= 2:
        return by_project, "project (too few pages or files for the folds)"
    raise IndicatormlError("分组评估至少需要两个来源(页、文件或项目)")


def cross_val_predict_proba(
    records: Sequence[Indicator],
    n_splits: int = 5,
    config: dict[str, Any] | None = None,
    seed: int = 0,
    sample_weight: Sequence[float] | np.ndarray | None = None,
    groups: Sequence[str] | None = None,
    progress: bool = False,
    train_only: Sequence[Indicator] = (),
    train_only_weight: float = 1.0,
    keep_models: list[tuple[IndicatorClassifier, np.ndarray]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold calibrated probabilities; folds never split a group (default: record.group).

    Returns ``(proba, classes)``: ``proba[i]`` comes from a model that never saw row i's group.
    ``train_only`` rows (hand-written examples) join every fold's training part and are never
    scored. Deterministic for a seed. A class absent from a fold's training part gets
    probability 0. With ``keep_models`` (a list) each fold's ``(model, test_idx)`` is appended
    to it: those are the cross-fitted models ``train`` saves for the label check.
    """
    records = list(records)
    y = np.asarray([canonical_level2(r.level2_code or "") for r in records])
    keys = list(groups) if groups is not None else [r.group for r in records]
    n_groups = len(set(keys))
    if n_groups < 2:
        raise IndicatormlError("交叉验证至少需要两组(页、文件或项目)")
    n_splits = min(n_splits, n_groups)
    classes = np.array(sorted(set(y.tolist()), key=int))
    col = {c: j for j, c in enumerate(classes)}
    proba = np.zeros((len(records), len(classes)))
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    cfg = make_config(config)
    folds = group_folds(keys, n_splits, seed)
    it = folds
    if progress:
        from tqdm import tqdm

        it = tqdm(folds, desc="交叉验证", unit="折", file=sys.stderr, leave=False)
    extra = list(train_only)
    y_extra = [canonical_level2(r.level2_code or "") for r in extra]
    for train_idx, test_idx in it:
        fold_w = None
        if extra and (w is not None or train_only_weight != 1.0):
            fold_w = np.r_[
                np.ones(len(train_idx)) if w is None else w[train_idx],
                np.full(len(extra), float(train_only_weight)),
            ]
        elif w is not None:
            fold_w = w[train_idx]
        m = IndicatorClassifier(**cfg).fit(
            [records[i] for i in train_idx] + extra,
            [*y[train_idx].tolist(), *y_extra],
            fold_w,
            groups=[keys[i] for i in train_idx] + [r.group for r in extra],
        )
        if keep_models is not None:
            keep_models.append((m, np.asarray(test_idx)))
        p = m.predict_proba([records[i] for i in test_idx])
        for j, c in enumerate(m.classes_):
            proba[test_idx, col[c]] = p[:, j]
    return proba, classes


def figures_of(
    records: Sequence[Indicator], proba: np.ndarray, classes: np.ndarray, cfg: dict[str, Any]
) -> dict[str, Any]:
    """The figures of out-of-fold probabilities (columns = ``classes``), deciding as a model
    with the options ``cfg`` would (:func:`.decision.decide`)."""
    chosen = decide(proba, classes, IndicatorClassifier(**cfg).level1_rule)
    pred = classes[chosen]
    conf = proba[np.arange(len(pred)), chosen]
    y = [canonical_level2(r.level2_code or "") for r in records]
    return classification_figures(
        y,
        pred,
        conf,
        list(classes),
        {c: parent(c).code for c in classes},
        {c: by_code(c).name for c in classes},
    )


def evaluate(
    paths: Sequence[str | os.PathLike[str]] = (),
    default_data: bool = True,
    config: dict[str, Any] | str | None = None,
    folds: int = 5,
    seed: int = 0,
    own_weight: float = DEFAULT_OWN_WEIGHT,
    progress: bool = True,
    records: Sequence[Indicator] | None = None,
    handwritten: bool = True,
) -> dict[str, Any]:
    """Grouped k-fold figures: level-2 accuracy, macro-F1, level-1 accuracy, per-class P/R,
    confusion matrix, ECE, coverage at 95% precision. Hand-written rows (``handwritten``, on by
    default like in :func:`train`) join every training fold and are never scored."""
    cfg = make_config(config)
    check_counts(folds, own_weight)
    if records is None:
        records, own = load_labeled(paths, default_data, handwritten=handwritten)
    else:
        records, own = list(records), None
    hand = [r for r in records if is_handwritten(r)] if handwritten else []
    records, own = drop_handwritten(records, own)
    groups, grouping = evaluation_groups(records, folds)
    proba, classes = cross_val_predict_proba(
        records, folds, cfg, seed, own_weights(own, own_weight), groups, progress=progress, train_only=hand
    )
    out = figures_of(records, proba, classes, cfg)
    out.update(
        {
            "folds": min(folds, len(set(groups))),
            "grouped_by": grouping,
            "groups": len(set(groups)),
            "seed": seed,
            "config": IndicatorClassifier(**cfg).get_params(),
        }
    )
    return out
