"""The scikit-learn half of ``IndicatorClassifier.fit``: TF-IDF vocabularies, linear models, calibration.

Why apart from :mod:`.model`: this is the only part of the estimator that imports scikit-learn
(and scipy), and only when it runs; classifying with a saved model never reaches it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from .calibration import fit_temperature, fit_vector_scaling
from .features import TfidfBlock

__all__ = ["fit_blocks", "fit_linear", "fit_calibration", "data_hash"]


def _identity(doc: list[str]) -> list[str]:
    """TfidfVectorizer analyzer for pre-tokenized documents (module level so clone works)."""
    return doc


def fit_blocks(
    text: list[list[str]], tgt: list[list[str]], sublinear_tf: bool, min_df: int, target_weight: float
) -> tuple[TfidfBlock, TfidfBlock]:
    """The text and target TF-IDF blocks of tokenized rows, fitted by scikit-learn's
    ``TfidfVectorizer`` (``min_df`` applies to the text; the target block has weight
    ``target_weight``, 0 to leave it out)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    blocks = []
    for docs, weight in ((text, 1.0), (tgt, target_weight)):
        vec = TfidfVectorizer(
            analyzer=_identity,
            sublinear_tf=sublinear_tf,
            min_df=min_df if docs is text else 1,
            dtype=np.float64,
        )
        if any(docs):
            vec.fit(docs)
            blocks.append(
                TfidfBlock.from_tokens(list(vec.get_feature_names_out()), vec.idf_, sublinear_tf, weight)
            )
        else:
            blocks.append(TfidfBlock({}, np.zeros(0), sublinear_tf, weight))
    return blocks[0], blocks[1]


def fit_linear(
    Xm: Any, y: np.ndarray, w: np.ndarray | None, classes: np.ndarray, loss: str, C: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(coef (n_features × n_classes), intercept): one-vs-rest linear models of ``classes`` on
    the sparse matrix Xm, by LogisticRegression (``loss="logistic"``) or LinearSVC."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    def make() -> LogisticRegression | LinearSVC:
        if loss == "logistic":
            return LogisticRegression(C=C, solver="liblinear", random_state=seed, max_iter=1000)
        return LinearSVC(C=C, random_state=seed, max_iter=20000)

    # One-vs-rest by hand: liblinear is fast and deterministic (multinomial lbfgs takes
    # seconds per fit here); the calibrated softmax turns the k scores into probabilities.
    coef = np.zeros((len(classes), Xm.shape[1]))
    intercept = np.zeros(len(classes))
    for k, c in enumerate(classes):
        clf = make().fit(Xm, (y == c).astype(np.int64), sample_weight=w)
        coef[k] = clf.coef_[0]
        intercept[k] = clf.intercept_[0]
    return np.ascontiguousarray(coef.T), intercept  # coef rows gathered by feature index


def fit_calibration(
    scores: np.ndarray, labels: np.ndarray, n_classes: int, calibration: str, reg: float
) -> tuple[float, np.ndarray]:
    """(temperature, [scale; shift]) fitted on held-out scores (``calibration`` is
    ``"temperature"`` or ``"vector"``, pulled toward the temperature by ``reg``); the
    identity when nothing was held out."""
    out = np.vstack([np.ones(n_classes), np.zeros(n_classes)])
    if not len(labels):
        return 1.0, out
    temperature = fit_temperature(scores, labels)
    if calibration == "vector":
        return temperature, fit_vector_scaling(scores, labels, 1.0 / temperature, reg)
    out[0] = 1.0 / temperature
    return temperature, out


def data_hash(pairs: Sequence[tuple[str, str | None]], y: np.ndarray, weights: np.ndarray | None) -> str:
    """sha256 of the training rows (text, target, label, weight): the same data, the same hash."""
    h = hashlib.sha256()
    for i, (text, target) in enumerate(pairs):
        w = 1.0 if weights is None else float(weights[i])
        h.update(json.dumps([text, target or "", str(y[i]), w], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()
