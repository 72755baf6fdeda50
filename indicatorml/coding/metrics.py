"""Grouped folds and the figures an evaluation reports, in numpy only.

Why grouped folds of our own: rows of one published page share a publisher's habits and often
near-identical texts; a random row split would test the model on pages it has seen. Folds
here never split a group (page, file or project), are balanced by size like scikit-learn's
``GroupKFold``, and are deterministic for a seed, so the benchmark, the notebook and
``indicatorml evaluate`` all score on the same folds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "group_folds",
    "classification_figures",
    "expected_calibration_error",
    "reliability",
    "coverage_at_precision",
    "confusion",
]


def group_folds(groups: Sequence[str], n_splits: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train indices, test indices) per fold; no group is split between the two.

    Groups are shuffled by ``seed``, then placed largest first into the fold with the fewest
    rows so far (ties: the lowest fold number), so folds are of similar size.
    """
    groups = [str(g) for g in groups]
    uniq = sorted(set(groups))
    if n_splits < 2:
        raise ValueError("n_splits must be at least 2")
    if len(uniq) < n_splits:
        raise ValueError(f"cannot make {n_splits} folds from {len(uniq)} groups")
    sizes = {g: 0 for g in uniq}
    for g in groups:
        sizes[g] += 1
    rng = np.random.default_rng(seed)
    order = [uniq[i] for i in rng.permutation(len(uniq))]
    order.sort(key=lambda g: -sizes[g])  # stable: equal sizes keep the shuffled order
    load = [0] * n_splits
    fold_of: dict[str, int] = {}
    for g in order:
        f = min(range(n_splits), key=lambda k: (load[k], k))
        fold_of[g] = f
        load[f] += sizes[g]
    fid = np.array([fold_of[g] for g in groups])
    idx = np.arange(len(groups))
    return [(idx[fid != f], idx[fid == f]) for f in range(n_splits)]


def confusion(
    y_true: Sequence[str] | np.ndarray, y_pred: Sequence[str] | np.ndarray, labels: Sequence[str]
) -> np.ndarray:
    """Counts: rows = true label, columns = predicted label, in ``labels`` order."""
    pos = {c: i for i, c in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        m[pos[t], pos[p]] += 1
    return m


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Σ over equal-width confidence bins of (bin share) × |accuracy − mean confidence|."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if len(confidence) == 0:
        return float("nan")
    b = np.minimum((confidence * bins).astype(int), bins - 1)
    ece = 0.0
    for k in range(bins):
        m = b == k
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - confidence[m].mean())
    return float(ece)


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    """Per bin: range, count, mean confidence, accuracy (the calibration curve's points)."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    b = np.minimum((confidence * bins).astype(int), bins - 1)
    out = []
    for k in range(bins):
        m = b == k
        out.append(
            {
                "low": k / bins,
                "high": (k + 1) / bins,
                "n": int(m.sum()),
                "confidence": float(confidence[m].mean()) if m.any() else None,
                "accuracy": float(correct[m].mean()) if m.any() else None,
            }
        )
    return out


def coverage_at_precision(
    score: np.ndarray, correct: np.ndarray, precision: float = 0.95
) -> tuple[float, float | None]:
    """(coverage, threshold): the largest share of rows with score ≥ threshold whose accuracy is
    ≥ ``precision``. Rows tied at the threshold are all in or all out. (0.0, None) if none."""
    score = np.asarray(score, dtype=float)
    correct = np.asarray(correct, dtype=float)
    n = len(score)
    if n == 0:
        return 0.0, None
    order = np.argsort(-score, kind="stable")
    s, c = score[order], correct[order]
    cum = np.cumsum(c)
    best, thr = 0.0, None
    ends = np.flatnonzero(np.r_[s[1:] != s[:-1], True])  # last index of each run of equal scores
    for e in ends:
        k = e + 1
        if cum[e] / k >= precision - 1e-12 and k / n > best:
            best, thr = k / n, float(s[e])
    return float(best), thr


def classification_figures(
    y_true: Sequence[str] | np.ndarray,
    y_pred: Sequence[str] | np.ndarray,
    confidence: Sequence[float] | np.ndarray,
    labels: Sequence[str],
    parent_of: dict[str, str],
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Every figure ``indicatorml evaluate`` reports, from out-of-fold predictions."""
    truth = np.asarray(y_true)
    pred = np.asarray(y_pred)
    conf = np.asarray(confidence, dtype=float)
    codes = list(labels)
    correct = np.asarray(truth == pred, dtype=float)
    cm = confusion(truth, pred, codes)
    per_class, f1s = [], []
    for i, c in enumerate(codes):
        tp, support, predicted = cm[i, i], cm[i].sum(), cm[:, i].sum()
        p = tp / predicted if predicted else 0.0
        r = tp / support if support else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        if support:
            f1s.append(f)
        per_class.append(
            {
                "level2_code": c,
                "level2": (names or {}).get(c, c),
                "support": int(support),
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
            }
        )
    l1_true = np.array([parent_of[c] for c in truth])
    l1_pred = np.array([parent_of[c] for c in pred])
    cov, thr = coverage_at_precision(conf, correct, 0.95)
    hi = conf >= 0.9
    return {
        "n": int(len(truth)),
        "level2_accuracy": round(float(correct.mean()), 4),
        "macro_f1": round(float(np.mean(f1s)), 4),
        "level1_accuracy": round(float((l1_true == l1_pred).mean()), 4),
        "ece": round(expected_calibration_error(conf, correct), 4),
        "coverage_at_95_precision": round(cov, 4),
        "coverage_threshold": None if thr is None else round(thr, 4),
        "share_confidence_ge_0_9": round(float(hi.mean()), 4),
        "accuracy_confidence_ge_0_9": round(float(correct[hi].mean()), 4) if hi.any() else None,
        "per_class": per_class,
        "labels": codes,
        "confusion": cm.tolist(),
        "reliability": reliability(conf, correct),
    }
