"""The indicator classifier: a scikit-learn style estimator (saved by :mod:`.saved`, used by ``classify``).

Why this shape:
- ``IndicatorClassifier`` follows scikit-learn conventions (``fit``/``predict``/
  ``predict_proba``/``classes_``, ``get_params``/``set_params``) so ``clone`` and
  ``cross_val_score`` work, but it does not inherit from scikit-learn: a saved model is
  classified with numpy and jieba only. scikit-learn is imported by :mod:`.fitting`, when
  ``fit`` runs.
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
- Parameters are checked against ``_parameter_constraints`` (scikit-learn's style, our own
  validator: :mod:`.constraints`) at the start of ``fit``, before any work, and when a saved
  model is loaded; every fitted attribute is set by ``fit``, or, for a saved model, by the one
  constructor :meth:`IndicatorClassifier.from_saved`, which checks what every fitted model
  must satisfy (so a hostile ``model.json`` cannot make ``classify`` hang or answer NaN).
- A model is plain arrays (.npy, read with ``allow_pickle=False``) plus JSON, written and read
  by :mod:`.saved` (which imports this module, never the other way round).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np

from ..errors import IndicatormlError
from ..records import Indicator
from ..taxonomy import by_code, canonical_level2
from .calibration import calibrated_proba
from .constraints import Constraint, Interval, StrOptions, validate_params
from .crossfit import CrossFit
from .decision import LEVEL1_RULES, decide
from .features import SparseRows, TfidfBlock, clean_text, sparse_dot, target_tokens, tokens_of_clean
from .fitting import data_hash, fit_blocks, fit_calibration, fit_linear
from .invariants import check_fitted_parts
from .items import Item, as_pair
from .noise import contradicted
from .params import EstimatorParams

__all__ = ["IndicatorClassifier", "check_is_fitted"]


def check_is_fitted(model: Any) -> None:
    """IndicatormlError unless ``model`` is fitted (scikit-learn's ``check_is_fitted``, our wording)."""
    if not getattr(model, "__sklearn_is_fitted__", lambda: False)():
        raise IndicatormlError("这个 IndicatorClassifier 还没有训练;请先调用 fit() 或 load_model()")


# ---------------------------------------------------------------- the estimator
class IndicatorClassifier(EstimatorParams):
    """Level-2 category of an indicator from its text and target.

    Parameters (all plain values, so ``clone`` and ``cross_val_score`` work; their allowed
    values are ``_parameter_constraints``):

    - ``C``: inverse regularization of the linear model.
    - ``loss``: ``"logistic"`` (LogisticRegression) or ``"hinge"`` (LinearSVC); either way the
      scores are turned into probabilities by the calibrated softmax.
    - ``word_ngrams``, ``char_min``, ``char_max``: word 1..n-grams, character n-gram range
      (``char_min`` 0 turns character n-grams off).
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

    Fitted attributes (set by ``fit``, or by :meth:`from_saved` for a saved model): ``classes_``,
    ``coef_`` (n_features × n_classes), ``intercept_``, ``calibration_`` ([scale; shift] per
    class), ``temperature_``, ``text_block_``/``target_block_`` (the TF-IDF blocks),
    ``training_`` (what the model learned from), ``evaluation_`` (grouped-CV figures, when the
    caller measured them), ``crossfit_`` (the cross-fitted fold models, or None).
    """

    # Upper bounds keep a hostile saved config from making featurizing hang (n-gram loops).
    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "loss": [StrOptions(("logistic", "hinge"))],
        "word_ngrams": [Interval(Integral, 1, 10, closed="both")],
        "char_min": [Interval(Integral, 0, 10, closed="both")],
        "char_max": [Interval(Integral, 0, 10, closed="both")],
        "use_target": ["boolean"],
        "target_weight": [Interval(Real, 0, None, closed="left")],
        "sublinear_tf": ["boolean"],
        "min_df": [Interval(Integral, 1, None, closed="left")],
        "calibrate": ["boolean"],
        "calibration": [StrOptions(("temperature", "vector"))],
        "calibration_reg": [Interval(Real, 0, None, closed="left")],
        "calibration_folds": [Interval(Integral, 2, None, closed="left")],
        "level1_rule": [StrOptions(LEVEL1_RULES)],
        "seed": [Interval(Integral, 0, 2**32 - 1, closed="both")],
        "noise_weight": [Interval(Real, 0, 1, closed="right")],
    }

    classes_: np.ndarray
    coef_: np.ndarray
    intercept_: np.ndarray
    calibration_: np.ndarray
    temperature_: float
    text_block_: TfidfBlock
    target_block_: TfidfBlock
    training_: dict[str, Any]
    evaluation_: dict[str, Any] | None
    crossfit_: CrossFit | None
    noise_rows_: np.ndarray

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

    @classmethod
    def check_params(cls, params: Mapping[str, Any], owner: str) -> None:
        """InvalidParameterError (a ValueError and an IndicatormlError) naming the first of
        ``params`` outside ``_parameter_constraints``; ``owner`` starts the message."""
        validate_params(cls._parameter_constraints, params, owner)

    def _validate_params(self) -> None:
        self.check_params(self.get_params(), f"{type(self).__name__} 的参数")

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "coef_")

    # ------------------------------------------------ features
    def _docs(self, X: Iterable[Item]) -> tuple[list[list[str]], list[list[str]]]:
        pairs = [as_pair(x) for x in X]
        return self._docs_of_clean([clean_text(t) for t, _ in pairs], [g for _, g in pairs])

    def _docs_of_clean(
        self, cleaned: Sequence[str], targets: Sequence[str | None]
    ) -> tuple[list[list[str]], list[list[str]]]:
        text = [tokens_of_clean(t, self.word_ngrams, self.char_min, self.char_max) for t in cleaned]
        tgt = [target_tokens(g) for g in targets] if self.use_target else [[] for _ in targets]
        return text, tgt

    def _transform_docs(self, text: list[list[str]], tgt: list[list[str]]) -> SparseRows:
        return SparseRows.hstack([self.text_block_.transform(text), self.target_block_.transform(tgt)])

    def transform_clean(self, cleaned: Sequence[str], targets: Sequence[str | None]) -> SparseRows:
        """Feature rows of texts already passed through :func:`~.features.clean_text` (``classify``
        cleans each text once, for its messages too): words by dict lookup, character n-grams
        in numpy."""
        check_is_fitted(self)
        index = self.text_block_.char_index(self.char_min, self.char_max)
        if index is None:
            return self._transform_docs(*self._docs_of_clean(cleaned, targets))
        words = [tokens_of_clean(t, self.word_ngrams, 1, 0) for t in cleaned]
        tgt = [target_tokens(g) for g in targets] if self.use_target else [[] for _ in targets]
        text_rows = self.text_block_.transform(words, extra=index.lookup(cleaned))
        return SparseRows.hstack([text_rows, self.target_block_.transform(tgt)])

    def transform(self, X: Iterable[Item]) -> SparseRows:
        """The feature rows of X (TF-IDF, numpy only)."""
        pairs = [as_pair(x) for x in X]
        return self.transform_clean([clean_text(t) for t, _ in pairs], [g for _, g in pairs])

    # ------------------------------------------------ training
    def fit(
        self,
        X: Sequence[Item],
        y: Sequence[str | None] | np.ndarray,
        sample_weight: Sequence[float] | np.ndarray | None = None,
        groups: Sequence[str] | None = None,
        *,
        training: Mapping[str, Any] | None = None,
        evaluation: Mapping[str, Any] | None = None,
        crossfit: CrossFit | None = None,
    ) -> IndicatorClassifier:
        """Fit TF-IDF, the linear model and (with ``calibrate``) the calibration.

        ``groups`` (source page/file per row) keep calibration honest; Indicator items bring
        their own ``group``. Without groups, calibration uses seeded row folds.

        The keyword arguments record what the rows themselves do not say, so that a saved
        model carries it (``train`` passes them): ``training`` — more facts about the data,
        added to ``training_`` beside the counts fit takes itself; ``evaluation`` — grouped-CV
        figures measured on these rows with these parameters (``evaluation_``); ``crossfit``
        — that evaluation's fold models and source map (``crossfit_``, used by the label check).
        """
        from scipy.sparse import csr_matrix

        self._validate_params()
        X = list(X)
        labels = np.asarray([canonical_level2(str(v)) for v in y])
        if len(X) != len(labels):
            raise ValueError(f"X has {len(X)} items but y has {len(labels)} labels")
        for code in set(labels.tolist()):
            cat = by_code(code) if code.isdigit() else None
            if cat is None or cat.level != 2:
                raise IndicatormlError(f"{code!r} 不是二级指标的类别代码")
        classes = np.array(sorted(set(labels.tolist()), key=int))
        if len(classes) < 2:
            raise IndicatormlError("训练需要至少两个二级指标类别的带类别指标")
        if groups is None and all(isinstance(x, Indicator) for x in X):
            groups = [x.group for x in X if isinstance(x, Indicator)]
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)

        text, tgt = self._docs(X)
        self.text_block_, self.target_block_ = fit_blocks(
            text, tgt, self.sublinear_tf, self.min_df, self.target_weight if self.use_target else 0.0
        )
        rows = self._transform_docs(text, tgt)
        Xm = csr_matrix((rows.data, rows.indices, rows.indptr), shape=(rows.n_rows, rows.n_cols))

        self.classes_ = classes
        self.coef_, self.intercept_ = fit_linear(Xm, labels, w, classes, self.loss, self.C, self.seed)
        self.temperature_ = 1.0
        self.calibration_ = np.vstack([np.ones(len(classes)), np.zeros(len(classes))])
        self.training_ = {
            "rows": len(X),
            "groups": len(set(groups)) if groups is not None else None,
            "class_counts": {c: int((labels == c).sum()) for c in classes},
            "data_sha256": data_hash([as_pair(x) for x in X], labels, w),
        }
        self.evaluation_ = None if evaluation is None else dict(evaluation)
        self.crossfit_ = crossfit
        self.__dict__.pop("noise_rows_", None)  # from an earlier fit with the option on
        noise = self.noise_weight < 1
        if self.calibrate or noise:
            scores, held_labels, held_rows = self.heldout_scores(X, labels, w, groups)
            temperature, calibration = self._fit_calibration(scores, held_labels)
            if noise:
                self.noise_rows_ = contradicted(
                    calibrated_proba(scores, calibration), held_labels, held_rows, w
                )
                self.training_["noise_downweighted"] = int(len(self.noise_rows_))
                if len(self.noise_rows_):
                    w = np.ones(len(X)) if w is None else w.copy()
                    w[self.noise_rows_] *= self.noise_weight
                    self.coef_, self.intercept_ = fit_linear(
                        Xm, labels, w, classes, self.loss, self.C, self.seed
                    )
                    scores, held_labels, _ = self.heldout_scores(X, labels, w, groups)
                    temperature, calibration = self._fit_calibration(scores, held_labels)
            if self.calibrate:
                self.temperature_, self.calibration_ = temperature, calibration
        if training:
            clash = sorted(set(training) & set(self.training_))
            if clash:
                raise ValueError(f"fit(training=...) may not replace what fit counts itself: {clash}")
            self.training_.update(training)
        return self

    def _fit_calibration(self, scores: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
        return fit_calibration(scores, labels, len(self.classes_), self.calibration, self.calibration_reg)

    def heldout_scores(
        self,
        X: Sequence[Item],
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        groups: Sequence[str] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(scores, labels, rows) of X's real rows from inner models that did not see their group,
        in ``classes_`` order: what ``fit`` calibrates on and the noise rule reads. The inner
        models have these parameters, uncalibrated; see :func:`.heldout.heldout_scores`."""
        from .heldout import heldout_scores  # training only: keeps its imports off the classify path

        inner = {**self.get_params(), "calibrate": False, "noise_weight": 1.0}
        return heldout_scores(
            lambda: type(self)(**inner),
            X,
            y,
            sample_weight,
            groups,
            self.classes_,
            self.calibration_folds,
            self.seed,
        )

    # ------------------------------------------------ prediction (numpy only)
    def decision_function(self, X: Iterable[Item]) -> np.ndarray:
        """Linear scores, one column per class in ``classes_``."""
        return self._scores(self.transform(X))

    def _scores(self, rows: SparseRows) -> np.ndarray:
        scores: np.ndarray = sparse_dot(rows, self.coef_) + self.intercept_
        return scores

    def proba_of_rows(self, rows: SparseRows) -> np.ndarray:
        """Calibrated probabilities of feature rows (from :meth:`transform` or
        :meth:`transform_clean`), one column per class in ``classes_``."""
        return calibrated_proba(self._scores(rows), self.calibration_)

    def predict_proba(self, X: Iterable[Item]) -> np.ndarray:
        """Calibrated probabilities, one column per class in ``classes_``."""
        return calibrated_proba(self.decision_function(X), self.calibration_)

    def predict(self, X: Iterable[Item]) -> np.ndarray:
        """Level-2 codes (cost as ``14``)."""
        codes: np.ndarray = self.classes_[decide(self.predict_proba(X), self.classes_, self.level1_rule)]
        return codes

    def score(self, X: Sequence[Item], y: Sequence[str]) -> float:
        """Level-2 accuracy (what ``cross_val_score`` reports by default)."""
        labels = np.asarray([canonical_level2(str(v)) for v in y])
        return float((self.predict(X) == labels).mean())

    # ------------------------------------------------ a saved model
    @classmethod
    def from_saved(
        cls,
        config: Mapping[str, Any],
        classes: Sequence[str],
        arrays: Mapping[str, np.ndarray],
        blocks: tuple[TfidfBlock, TfidfBlock],
        temperature: float,
        training: Mapping[str, Any],
        evaluation: Mapping[str, Any] | None = None,
        crossfit: CrossFit | None = None,
    ) -> IndicatorClassifier:
        """A fitted estimator from a saved model's parts: the one way besides ``fit`` to get one.

        ``config`` holds the parameters; ``arrays`` the ``coef``, ``intercept`` and
        ``calibration`` arrays (named as their .npy files; kept, not copied, so read-only
        arrays may be shared); ``blocks`` the text and target TF-IDF blocks; the rest is what
        ``fit`` recorded. Raises TypeError for an unknown parameter and ValueError
        (InvalidParameterError for a parameter) unless the parts make a model that answers
        every input, quickly, with finite probabilities: parameters within
        ``_parameter_constraints``, the rest as :func:`.invariants.check_fitted_parts` says.
        """
        cls.check_params(config, f"{cls.__name__} 的参数")  # what is not given is a default
        model = cls(**config)
        check_fitted_parts(
            classes,
            arrays,
            blocks,
            temperature,
            training,
            float(model.target_weight) if model.use_target else 0.0,
            model.sublinear_tf,
        )
        model.classes_ = np.array([str(c) for c in classes])
        model.coef_, model.intercept_ = arrays["coef"], arrays["intercept"]
        model.calibration_, model.temperature_ = arrays["calibration"], float(temperature)
        model.text_block_, model.target_block_ = blocks
        model.training_ = dict(training)
        model.evaluation_ = None if evaluation is None else dict(evaluation)
        model.crossfit_ = crossfit
        return model
