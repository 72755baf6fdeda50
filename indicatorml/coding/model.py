"""The indicator classifier: a scikit-learn style estimator, its saved form, and ``classify``.

Why this shape:
- ``IndicatorClassifier`` follows scikit-learn conventions (``fit``/``predict``/
  ``predict_proba``/``classes_``, ``get_params``/``set_params``) so ``clone`` and
  ``cross_val_score`` work, but it does not inherit from scikit-learn: a saved model is
  classified with numpy and jieba only. scikit-learn is imported inside ``fit``.
- The model predicts the level-2 category; level 1 follows from it (so they never disagree).
  With ``level1_rule="sum"`` level 1 is chosen first by summing its level-2 probabilities,
  then the best level 2 inside it: a 产出 indicator torn between 数量 and 质量 stays 产出.
- ``confidence`` is a calibrated probability: the linear scores go through a softmax with a
  temperature fitted on held-out groups of the training data (grouped by source page/file),
  so that among answers given with confidence 0.9, about 9 in 10 are right.
- ``noise_weight`` < 1 (off by default) turns down training rows whose label the
  cross-fitted models confidently contradict (a likely mislabel in a publisher's table): the
  held-out probabilities the calibration is fitted on already say which rows those are.
- Cost is learned once, as 14; ``layout`` writes it as 14 under 产出 or as the 2021
  layout's own level 1 (41 经济成本指标).
- A model is plain arrays (.npy, read with ``allow_pickle=False``) plus JSON; loading checks
  format, shapes and checksums, so a damaged or foreign directory is refused with a clear
  message and nothing in it is ever executed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndicatormlError
from ..records import Indicator
from ..taxonomy import by_code, canonical_level2, parent
from .calibration import fit_temperature, fit_vector_scaling
from .features import (
    CharNgramIndex,
    SparseRows,
    TfidfBlock,
    clean_text,
    sparse_dot,
    target_tokens,
    tokens_of_clean,
)
from .noise import contradicted
from .params import EstimatorParams

__all__ = [
    "IndicatorClassifier",
]


Item = str | tuple | Indicator | dict


# ---------------------------------------------------------------- inputs
def _as_pair(item: Any) -> tuple[str, str | None]:
    """(indicator text, target) from a str, a (text, target) tuple, an Indicator or a dict."""
    if isinstance(item, Indicator):
        return item.indicator or "", item.target
    if isinstance(item, dict):
        return str(item.get("indicator") or ""), item.get("target")
    if isinstance(item, (tuple, list)):
        text = item[0] if len(item) > 0 else ""
        target = item[1] if len(item) > 1 else None
        return ("" if text is None else str(text)), (None if target is None else str(target))
    if item is None:
        return "", None
    return str(item), None


def _identity(doc: list[str]) -> list[str]:
    """TfidfVectorizer analyzer for pre-tokenized documents (module level so clone works)."""
    return doc


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _data_hash(
    pairs: Sequence[tuple[str, str | None]], y: Sequence[str], weights: Sequence[float] | None
) -> str:
    h = hashlib.sha256()
    for i, (text, target) in enumerate(pairs):
        w = 1.0 if weights is None else float(weights[i])
        h.update(json.dumps([text, target or "", str(y[i]), w], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


# ---------------------------------------------------------------- the estimator
class IndicatorClassifier(EstimatorParams):
    """Level-2 category of an indicator from its text and target.

    Parameters (all plain values, so ``clone`` and ``cross_val_score`` work):

    - ``C``: inverse regularization of the linear model.
    - ``loss``: ``"logistic"`` (LogisticRegression) or ``"hinge"`` (LinearSVC); either way the
      scores are turned into probabilities by the calibrated softmax.
    - ``word_ngrams``, ``char_min``, ``char_max``: word 1..n-grams, character n-gram range.
    - ``use_target``/``target_weight``: the target's kind/comparison/unit as a second TF-IDF
      block, scaled by this weight beside the text block.
    - ``sublinear_tf``, ``min_df``: TF-IDF options as in scikit-learn.
    - ``calibrate``/``calibration_folds``: calibrate on held-out groups of the training data;
      ``calibration="temperature"`` fits one softmax temperature, ``"vector"`` a scale and a
      shift per class (some categories are more reliable than others), pulled toward the
      temperature by ``calibration_reg``.
    - ``level1_rule``: ``"sum"`` (choose level 1 by summed probability, then level 2 in it) or
      ``"argmax"`` (the most probable level 2, and its parent).
    - ``seed``: for the row folds used when no groups are known.
    - ``noise_weight``: 1.0 (off) or the factor in (0, 1) for the weight of a training row whose
      label the held-out models contradict (p(own label) < ``NOISE_TAU`` while another class
      has p >= ``NOISE_OTHER``); the linear model and calibration are then refitted. Hand-written
      rows and rows given a weight > 1 (a bureau's own rows) are never turned down. The count is
      ``training_["noise_downweighted"]``; the row positions ``noise_rows_`` (in memory only).
    """

    def __init__(
        self,
        C: float = 10.0,
        loss: str = "logistic",
        word_ngrams: int = 2,
        char_min: int = 1,
        char_max: int = 3,
        use_target: bool = True,
        target_weight: float = 0.5,
        sublinear_tf: bool = True,
        min_df: int = 1,
        calibrate: bool = True,
        calibration: str = "vector",
        calibration_reg: float = 1e-4,
        calibration_folds: int = 5,
        level1_rule: str = "sum",
        seed: int = 0,
        noise_weight: float = 1.0,
    ) -> None:
        self.C = C
        self.loss = loss
        self.word_ngrams = word_ngrams
        self.char_min = char_min
        self.char_max = char_max
        self.use_target = use_target
        self.target_weight = target_weight
        self.sublinear_tf = sublinear_tf
        self.min_df = min_df
        self.calibrate = calibrate
        self.calibration = calibration
        self.calibration_reg = calibration_reg
        self.calibration_folds = calibration_folds
        self.level1_rule = level1_rule
        self.seed = seed
        self.noise_weight = noise_weight

    # ------------------------------------------------ features
    def _docs(self, X: Iterable[Item]) -> tuple[list[list[str]], list[list[str]]]:
        pairs = [_as_pair(x) for x in X]
        return self._docs_of_clean([clean_text(t) for t, _ in pairs], [g for _, g in pairs])

    def _docs_of_clean(
        self, cleaned: Sequence[str], targets: Sequence[str | None]
    ) -> tuple[list[list[str]], list[list[str]]]:
        text = [tokens_of_clean(t, self.word_ngrams, self.char_min, self.char_max) for t in cleaned]
        tgt = [target_tokens(g) for g in targets] if self.use_target else [[] for _ in targets]
        return text, tgt

    def _transform_docs(self, text: list[list[str]], tgt: list[list[str]]) -> SparseRows:
        return SparseRows.hstack([self.text_block_.transform(text), self.target_block_.transform(tgt)])

    def _char_index(self) -> CharNgramIndex | None:
        """The numpy character n-gram finder for this vocabulary (None if keys would overflow)."""
        idx = getattr(self, "_char_index_", None)
        if idx is None or idx[0] is not self.text_block_:
            index = CharNgramIndex(self.text_block_.vocabulary, self.char_min, self.char_max)
            if float(index.base) ** self.char_max >= 2.0**62 or self.char_min < 1:
                index = None
            idx = (self.text_block_, index)
            self._char_index_ = idx
        return idx[1]

    def _rows_of_clean(self, cleaned: Sequence[str], targets: Sequence[str | None]) -> SparseRows:
        """Feature rows of cleaned texts: words by dict lookup, character n-grams in numpy."""
        index = self._char_index()
        if index is None:
            return self._transform_docs(*self._docs_of_clean(cleaned, targets))
        words = [tokens_of_clean(t, self.word_ngrams, 1, 0) for t in cleaned]
        tgt = [target_tokens(g) for g in targets] if self.use_target else [[] for _ in targets]
        text_rows = self.text_block_.transform(words, extra=index.lookup(cleaned))
        return SparseRows.hstack([text_rows, self.target_block_.transform(tgt)])

    def transform(self, X: Iterable[Item]) -> SparseRows:
        """The feature rows of X (TF-IDF, numpy only)."""
        self._check_fitted()
        pairs = [_as_pair(x) for x in X]
        return self._rows_of_clean([clean_text(t) for t, _ in pairs], [g for _, g in pairs])

    # ------------------------------------------------ training
    def fit(
        self,
        X: Sequence[Item],
        y: Sequence[str],
        sample_weight: Sequence[float] | None = None,
        groups: Sequence[str] | None = None,
    ) -> IndicatorClassifier:
        """Fit TF-IDF, the linear model and (with ``calibrate``) the calibration.

        ``groups`` (source page/file per row) keep calibration honest; Indicator items bring
        their own ``group``. Without groups, calibration uses seeded row folds.
        """
        from scipy.sparse import csr_matrix
        from sklearn.feature_extraction.text import TfidfVectorizer

        X = list(X)
        y = np.asarray([canonical_level2(str(v)) for v in y])
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} items but y has {len(y)} labels")
        for code in set(y.tolist()):
            cat = by_code(code) if code.isdigit() else None
            if cat is None or cat.level != 2:
                raise IndicatormlError(f"not a level-2 category code: {code!r}")
        classes = np.array(sorted(set(y.tolist()), key=int))
        if len(classes) < 2:
            raise IndicatormlError("training needs labeled indicators of at least two level-2 categories")
        if self.loss not in ("logistic", "hinge"):
            raise ValueError(f"loss must be 'logistic' or 'hinge', not {self.loss!r}")
        if self.level1_rule not in ("sum", "argmax"):
            raise ValueError(f"level1_rule must be 'sum' or 'argmax', not {self.level1_rule!r}")
        if not 0 < self.noise_weight <= 1:
            raise ValueError(f"noise_weight must be in (0, 1], not {self.noise_weight!r}")
        if groups is None and all(isinstance(x, Indicator) for x in X):
            groups = [x.group for x in X]
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)

        text, tgt = self._docs(X)
        blocks = []
        for docs, weight in ((text, 1.0), (tgt, self.target_weight if self.use_target else 0.0)):
            vec = TfidfVectorizer(
                analyzer=_identity,
                sublinear_tf=self.sublinear_tf,
                min_df=self.min_df if docs is text else 1,
                dtype=np.float64,
            )
            if any(docs):
                vec.fit(docs)
                blocks.append(
                    TfidfBlock.from_tokens(
                        list(vec.get_feature_names_out()), vec.idf_, self.sublinear_tf, weight
                    )
                )
            else:
                blocks.append(TfidfBlock({}, np.zeros(0), self.sublinear_tf, weight))
        self.text_block_, self.target_block_ = blocks
        rows = self._transform_docs(text, tgt)
        Xm = csr_matrix((rows.data, rows.indices, rows.indptr), shape=(rows.n_rows, rows.n_cols))

        self.classes_ = classes
        self._fit_linear(Xm, y, w)
        self.temperature_ = 1.0
        self.calibration_ = np.vstack([np.ones(len(classes)), np.zeros(len(classes))])
        self.training_ = {
            "rows": len(X),
            "groups": len(set(groups)) if groups is not None else None,
            "class_counts": {c: int((y == c).sum()) for c in classes},
            "data_sha256": _data_hash([_as_pair(x) for x in X], y, w),
        }
        self.evaluation_: dict[str, Any] | None = None
        self.__dict__.pop("noise_rows_", None)  # from an earlier fit with the option on
        noise = self.noise_weight < 1
        if self.calibrate or noise:
            scores, labels, rows = self._heldout(X, y, w, groups)
            temperature, calibration = self._fit_calibration(scores, labels)
            if noise:
                self.noise_rows_ = contradicted(
                    softmax(scores * calibration[0] + calibration[1]), labels, rows, w
                )
                self.training_["noise_downweighted"] = int(len(self.noise_rows_))
                if len(self.noise_rows_):
                    w = np.ones(len(X)) if w is None else w.copy()
                    w[self.noise_rows_] *= self.noise_weight
                    self._fit_linear(Xm, y, w)
                    scores, labels, _ = self._heldout(X, y, w, groups)
                    temperature, calibration = self._fit_calibration(scores, labels)
            if self.calibrate:
                self.temperature_, self.calibration_ = temperature, calibration
        return self

    def _fit_linear(self, Xm: Any, y: np.ndarray, w: np.ndarray | None) -> None:
        """``coef_``/``intercept_``: one-vs-rest linear models of ``classes_`` on the matrix Xm."""
        if self.loss == "logistic":
            from sklearn.linear_model import LogisticRegression

            def make():
                return LogisticRegression(C=self.C, solver="liblinear", random_state=self.seed, max_iter=1000)
        else:
            from sklearn.svm import LinearSVC

            def make():
                return LinearSVC(C=self.C, random_state=self.seed, max_iter=20000)

        # One-vs-rest by hand: liblinear is fast and deterministic (multinomial lbfgs takes
        # seconds per fit here); the calibrated softmax turns the k scores into probabilities.
        classes = self.classes_
        coef = np.zeros((len(classes), Xm.shape[1]))
        intercept = np.zeros(len(classes))
        for k, c in enumerate(classes):
            clf = make().fit(Xm, (y == c).astype(np.int64), sample_weight=w)
            coef[k] = clf.coef_[0]
            intercept[k] = clf.intercept_[0]
        self.coef_ = np.ascontiguousarray(coef.T)  # (n_features, n_classes): rows gathered by index
        self.intercept_ = intercept

    def _fit_calibration(self, scores: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
        """(temperature, [scale; shift]) fitted on held-out scores; identity without any."""
        k = len(self.classes_)
        calibration = np.vstack([np.ones(k), np.zeros(k)])
        if not len(labels):
            return 1.0, calibration
        temperature = fit_temperature(scores, labels)
        if self.calibration == "vector":
            return temperature, fit_vector_scaling(scores, labels, 1.0 / temperature, self.calibration_reg)
        calibration[0] = 1.0 / temperature
        return temperature, calibration

    def _heldout_scores(
        self, X: list, y: np.ndarray, w: np.ndarray | None, groups: Sequence[str] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores of models that did not see the row's group (inner grouped folds), and labels."""
        scores, labels, _ = self._heldout(X, y, w, groups)
        return scores, labels

    def _heldout(
        self, X: list, y: np.ndarray, w: np.ndarray | None, groups: Sequence[str] | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scores of models that did not see the row's group (inner grouped folds), labels, and
        the position in X of each scored row.

        Hand-written examples (``extra["provenance"] == "hand-written"``) are in every inner
        training part and never scored: the confidence must be calibrated on real rows, and
        textbook rows are easier than real ones.
        """
        from .metrics import group_folds

        hand = np.array(
            [
                isinstance(x, Indicator) and str(x.extra.get("provenance", "")).strip() == "hand-written"
                for x in X
            ],
            dtype=bool,
        )
        real = np.flatnonzero(~hand)
        all_keys = list(groups) if groups is not None else [str(i) for i in range(len(X))]
        keys = [all_keys[i] for i in real]
        n_splits = min(self.calibration_folds, len(set(keys)))
        none = np.zeros((0, len(self.classes_))), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if n_splits < 2:
            return none
        inner = IndicatorClassifier(**{**self.get_params(), "calibrate": False, "noise_weight": 1.0})
        scores, labels, where = [], [], []
        for fold_train, fold_test in group_folds(keys, n_splits, self.seed):
            train_idx = np.r_[real[fold_train], np.flatnonzero(hand)].astype(np.int64)
            test_idx = real[fold_test]
            ytr = y[train_idx]
            if len(set(ytr.tolist())) < 2:
                continue
            inner.fit([X[i] for i in train_idx], ytr, None if w is None else w[train_idx])
            s = inner.decision_function([X[i] for i in test_idx])
            col = {c: j for j, c in enumerate(inner.classes_)}
            for r, i in enumerate(test_idx):
                if y[i] not in col:
                    continue  # a category unseen in this inner fold says nothing about temperature
                full = np.full(len(self.classes_), s[r].min() - 10.0)
                for j, c in enumerate(self.classes_):
                    if c in col:
                        full[j] = s[r, col[c]]
                scores.append(full)
                labels.append(int(np.flatnonzero(self.classes_ == y[i])[0]))
                where.append(int(i))
        if not scores:
            return none
        return np.vstack(scores), np.asarray(labels, dtype=np.int64), np.asarray(where, dtype=np.int64)

    # ------------------------------------------------ prediction (numpy only)
    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise IndicatormlError("this IndicatorClassifier is not fitted yet; call fit() or load_model()")

    def decision_function(self, X: Iterable[Item]) -> np.ndarray:
        """Linear scores, one column per class in ``classes_``."""
        return sparse_dot(self.transform(X), self.coef_) + self.intercept_

    def predict_proba(self, X: Iterable[Item]) -> np.ndarray:
        """Calibrated probabilities, one column per class in ``classes_``."""
        return softmax(self.decision_function(X) * self.calibration_[0] + self.calibration_[1])

    def _decide(self, proba: np.ndarray) -> np.ndarray:
        """Column of the chosen level 2 per row, following ``level1_rule``."""
        if self.level1_rule == "argmax":
            return proba.argmax(axis=1)
        parents = np.array([parent(c).code for c in self.classes_])
        l1 = sorted(set(parents.tolist()))
        sums = np.stack([proba[:, parents == p].sum(axis=1) for p in l1], axis=1)
        chosen = np.array(l1)[sums.argmax(axis=1)]
        masked = np.where(parents[None, :] == chosen[:, None], proba, -1.0)
        return masked.argmax(axis=1)

    def predict(self, X: Iterable[Item]) -> np.ndarray:
        """Level-2 codes (cost as ``14``)."""
        return self.classes_[self._decide(self.predict_proba(X))]

    def score(self, X: Sequence[Item], y: Sequence[str]) -> float:
        """Level-2 accuracy (what ``cross_val_score`` reports by default)."""
        y = np.asarray([canonical_level2(str(v)) for v in y])
        return float((self.predict(X) == y).mean())

    # ------------------------------------------------ saving
    def save(self, directory: str | os.PathLike) -> Path:
        """Write the model as .npy arrays + JSON (see :mod:`.saved`). Same model → byte-identical files."""
        from .saved import save_model

        self._check_fitted()
        return save_model(self, directory)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> IndicatorClassifier:
        """Read a saved model, refusing anything that is not exactly what :meth:`save` writes."""
        from .saved import read_model

        return read_model(Path(directory))
