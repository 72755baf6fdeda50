"""Held-out scores inside one fit: what the calibration and the noise rule are fitted on.

Why held out: a model's scores on its own training rows are overconfident, so a temperature
fitted on them would be too. Inside ``fit``, inner models are trained on grouped folds of the
training data (never splitting a source page) and score the rows they did not see.

Why hand-written examples are never scored: the confidence must be calibrated on real rows,
and textbook rows are easier than real ones; they join every inner training part instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from ..records import Indicator
from .labeled_data import is_handwritten
from .metrics import group_folds

__all__ = ["Scorer", "heldout_scores"]


class Scorer(Protocol):
    """What an inner model must do: fit on rows and labels, and score rows per class."""

    classes_: np.ndarray

    def fit(
        self, X: Sequence[Any], y: Sequence[str], sample_weight: Sequence[float] | None = None
    ) -> Any: ...

    def decision_function(self, X: Sequence[Any]) -> np.ndarray: ...


def heldout_scores(
    make: Callable[[], Scorer],
    X: Sequence[Any],
    y: np.ndarray,
    w: np.ndarray | None,
    groups: Sequence[str] | None,
    classes: np.ndarray,
    n_folds: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scores, labels, rows): for each real row of X scored by an inner model ``make()`` that
    did not see its group, the scores in ``classes`` order (a class the inner model never saw
    gets 10 below that row's lowest score), the column of its label, and its position in X.

    Rows are grouped by ``groups`` (one group per row when None); at most ``n_folds`` folds,
    shuffled by ``seed``. Nothing is scored with fewer than two groups, nor in a fold whose
    training part has a single class.
    """
    hand = np.array([isinstance(x, Indicator) and is_handwritten(x) for x in X], dtype=bool)
    real = np.flatnonzero(~hand)
    all_keys = list(groups) if groups is not None else [str(i) for i in range(len(X))]
    keys = [all_keys[i] for i in real]
    n_splits = min(n_folds, len(set(keys)))
    none = np.zeros((0, len(classes))), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if n_splits < 2:
        return none
    scores, labels, where = [], [], []
    for fold_train, fold_test in group_folds(keys, n_splits, seed):
        train_idx = np.r_[real[fold_train], np.flatnonzero(hand)].astype(np.int64)
        test_idx = real[fold_test]
        ytr = y[train_idx]
        if len(set(ytr.tolist())) < 2:
            continue
        inner = make()
        inner.fit([X[i] for i in train_idx], ytr, None if w is None else w[train_idx])
        s = inner.decision_function([X[i] for i in test_idx])
        col = {c: j for j, c in enumerate(inner.classes_)}
        for r, i in enumerate(test_idx):
            if y[i] not in col:
                continue  # a category unseen in this inner fold says nothing about temperature
            full = np.full(len(classes), s[r].min() - 10.0)
            for j, c in enumerate(classes):
                if c in col:
                    full[j] = s[r, col[c]]
            scores.append(full)
            labels.append(int(np.flatnonzero(classes == y[i])[0]))
            where.append(int(i))
    if not scores:
        return none
    return np.vstack(scores), np.asarray(labels, dtype=np.int64), np.asarray(where, dtype=np.int64)
