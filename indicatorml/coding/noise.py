"""Publishers' label noise, handled explicitly: which training rows the held-out models contradict.

Why: the same text sits under different categories on different pages; a row whose label
models that never saw its source find very unlikely, while they agree on another class, is
more likely a publisher's slip than a lesson. ``IndicatorClassifier(noise_weight=w)`` gives
such rows weight × w and refits. The thresholds are fixed a priori (measured once, untuned,
by ``benchmarks/bench_unseen.py``); only the weight is an option, off (1.0) by default.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NOISE_TAU", "NOISE_OTHER", "contradicted"]

NOISE_TAU = 0.15  # p(own label) below this …
NOISE_OTHER = 0.5  # … while another class gets at least this


def contradicted(proba: np.ndarray, labels: np.ndarray, rows: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Positions (``rows[i]``) of held-out rows whose calibrated probabilities ``proba[i]``
    contradict their label ``labels[i]``; rows given a weight > 1 (a bureau's own rows) are exempt."""
    if not len(labels):
        return np.zeros(0, dtype=np.int64)
    at = np.arange(len(labels))
    own = proba[at, labels]
    rest = proba.copy()
    rest[at, labels] = -1.0
    bad = (own < NOISE_TAU) & (rest.max(axis=1) >= NOISE_OTHER)
    if w is not None:
        bad &= w[rows] <= 1.0
    return np.sort(rows[bad]).astype(np.int64)
