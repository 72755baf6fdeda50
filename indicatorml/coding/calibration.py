"""Calibration: turn linear scores into probabilities that mean what they say.

Fitted on held-out groups of the training data (source pages), so that among answers given
with confidence 0.9 about 9 in 10 are right: one softmax temperature, or a scale and shift
per class (some categories are more reliable than others).
"""

from __future__ import annotations

import numpy as np

__all__ = ["softmax", "calibrated_proba", "fit_temperature", "fit_vector_scaling"]


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax; each row's maximum is subtracted first, so large scores cannot overflow."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    proba: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return proba


def calibrated_proba(scores: np.ndarray, calibration: np.ndarray) -> np.ndarray:
    """Probabilities of linear scores (rows × classes) under a calibration ``[scale; shift]``
    (the (2, k) array a model saves): ``softmax(scores · scale + shift)``."""
    return softmax(scores * calibration[0] + calibration[1])


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """The T > 0 minimizing the log loss of softmax(scores / T): a grid, then golden section."""

    def nll(t: float) -> float:
        z = scores / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(labels)), labels].mean())

    grid = np.exp(np.linspace(np.log(0.02), np.log(50.0), 81))
    vals = [nll(t) for t in grid]
    k = int(np.argmin(vals))
    lo, hi = np.log(grid[max(k - 1, 0)]), np.log(grid[min(k + 1, len(grid) - 1)])
    g = (np.sqrt(5) - 1) / 2
    a, b = lo + (1 - g) * (hi - lo), lo + g * (hi - lo)
    fa, fb = nll(np.exp(a)), nll(np.exp(b))
    for _ in range(40):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = lo + (1 - g) * (hi - lo)
            fa = nll(np.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = nll(np.exp(b))
    return float(round(np.exp((lo + hi) / 2), 6))


def fit_vector_scaling(scores: np.ndarray, labels: np.ndarray, scale0: float, reg: float) -> np.ndarray:
    """Per-class scale a_k > 0 and shift b_k minimizing held-out log loss of softmax(s·a + b)
    plus ``reg`` × (Σ(a − scale0)² + Σb²). Returns the (2, k) array [a; b]."""
    from scipy.optimize import minimize

    n, k = scores.shape
    onehot = np.zeros((n, k))
    onehot[np.arange(n), labels] = 1.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = np.exp(theta[:k]), theta[k:]
        z = scores * a + b
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        g = (np.exp(logp) - onehot) / n
        val = -float((logp * onehot).sum()) / n + reg * float(((a - scale0) ** 2).sum() + (b**2).sum())
        ga = (g * scores).sum(axis=0) + 2 * reg * (a - scale0)
        gb = g.sum(axis=0) + 2 * reg * b
        return val, np.r_[ga * a, gb]

    theta0 = np.r_[np.full(k, np.log(scale0)), np.zeros(k)]
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": 500})
    out = np.round(np.vstack([np.exp(res.x[:k]), res.x[k:]]), 8)
    # A class with few held-out rows can be pushed to a scale that rounds to 0; a saved model
    # needs positive scales (a zero would flatten that class's scores), so keep the smallest.
    out[0] = np.maximum(out[0], 1e-8)
    return out
