"""Why the model suggests a category: the few words that pushed it there, in a reviewer's words.

Why this can be exact: the classifier is linear, and its calibration multiplies each class's
score by a scale and adds a shift (:mod:`.calibration`), so

    log p[toward] − log p[away] = Σ_j x_j · (a_t · coef[j, toward] − a_a · coef[j, away]) + constant

over the row's TF-IDF features x_j. Each feature's term of that sum is its contribution (with a
single temperature the scales are equal, and this is x_j × (coef[toward] − coef[away]) up to a
factor). A feature is a word, a word pair, a character n-gram, the last word, or a fact about
the target; a reviewer reads words, so each text feature's contribution is spread evenly over
the characters it covers in the indicator and summed per word of the segmentation — overlapping
n-grams (次, 次数, 查次) merge into the words they touch (检查, 次数). The target's features are
summed into one term, named by the target's form as the features read it (指标值≥95%). The terms that pushed most toward the suggestion and away
from the given category are the *why*: 「次数」「检查」→ 数量指标.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

import numpy as np

from .. import segment
from ..records import Indicator
from ..targets import parse_target
from ..taxonomy import by_code, canonical_level2
from .features import SparseRows, TfidfBlock, clean_text
from .model import IndicatorClassifier
from .scoring import RowScores

__all__ = [
    "Term",
    "Explanation",
    "explainable",
    "contributions",
    "word_terms",
    "explain",
    "explain_suggestion",
    "explain_rows",
]

_MIN_SHARE = 0.1  # a term below this share of the strongest one is noise beside it, not a reason
_TOKENS: weakref.WeakKeyDictionary[TfidfBlock, list[str]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Term:
    """One reason: a word of the indicator (``kind`` ``"text"``) or its target (``"target"``),
    and how much it moved log p[toward] − log p[away]."""

    text: str
    weight: float
    kind: str

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "weight": round(self.weight, 4), "kind": self.kind}


@dataclass(frozen=True)
class Explanation:
    """The terms that pushed the model toward ``toward`` and away from ``away`` (level-2 codes
    of the model's classes), strongest first."""

    toward: str
    away: str | None
    terms: tuple[Term, ...]

    def words(self) -> list[str]:
        """The terms' texts: the structured *why* of a finding."""
        return [t.text for t in self.terms]

    def quoted(self) -> str:
        """``「次数」「检查」``."""
        return "".join(f"「{t}」" for t in self.words())

    def phrase(self) -> str:
        """``「次数」「检查」→ 数量指标`` (empty when no term pushed that way)."""
        return f"{self.quoted()}→ {by_code(self.toward).name}" if self.terms else ""

    def to_dict(self) -> dict[str, Any]:
        return {"toward": self.toward, "away": self.away, "terms": [t.to_dict() for t in self.terms]}


def explainable(model: Any) -> TypeGuard[IndicatorClassifier]:
    """A model whose scores can be taken apart: a fitted :class:`IndicatorClassifier`."""
    return isinstance(model, IndicatorClassifier) and model.__sklearn_is_fitted__()


def _tokens(block: TfidfBlock) -> list[str]:
    """The block's tokens by column, built once per block."""
    if block not in _TOKENS:
        _TOKENS[block] = block.tokens
    return _TOKENS[block]


def contributions(
    model: IndicatorClassifier, indicator: str, target: str | None, toward: str, away: str
) -> tuple[list[str], np.ndarray, float]:
    """``(features, values, constant)`` of one indicator: its active features (tokens such as
    ``w:次数``, ``c:查次``, ``k:percent``), each one's contribution, and the rest (intercepts and
    calibration shifts), so that ``values.sum() + constant`` equals
    ``log p[toward] − log p[away]`` under the model's calibrated probabilities."""
    return _row_contributions(model, model.transform([(indicator, target)]), 0, toward, away)


def _row_contributions(
    model: IndicatorClassifier, rows: SparseRows, r: int, toward: str, away: str
) -> tuple[list[str], np.ndarray, float]:
    """:func:`contributions` of row ``r`` of already transformed feature rows."""
    classes = [str(c) for c in model.classes_]
    t, a = classes.index(canonical_level2(toward)), classes.index(canonical_level2(away))
    cols = rows.indices[rows.indptr[r] : rows.indptr[r + 1]]
    x = rows.data[rows.indptr[r] : rows.indptr[r + 1]]
    scale, shift = model.calibration_[0], model.calibration_[1]
    w = scale[t] * model.coef_[:, t] - scale[a] * model.coef_[:, a]
    values = x * w[cols]
    constant = float(scale[t] * model.intercept_[t] - scale[a] * model.intercept_[a] + shift[t] - shift[a])
    text_tokens, target_tokens = _tokens(model.text_block_), _tokens(model.target_block_)
    n_text = len(text_tokens)
    features = [text_tokens[c] if c < n_text else target_tokens[c - n_text] for c in cols.tolist()]
    return features, values, constant


def _word_spans(s: str) -> list[tuple[str, int, int]]:
    """The segmentation's words of ``s`` with their character spans."""
    out, at = [], 0
    for w in segment.words(s, clean=False):
        k = s.find(w, at)
        if k < 0:
            k = s.find(w)
        if k < 0:
            continue
        out.append((w, k, k + len(w)))
        at = k + len(w)
    return out


def _occurrences(s: str, spans: list[tuple[str, int, int]], feature: str) -> list[tuple[int, int]]:
    """Character spans of a text feature in ``s``: a word (pair) where the segmentation has it,
    the last word, or every place a character n-gram occurs."""
    kind, body = feature[:2], feature[2:]
    if kind == "e:":
        return [spans[-1][1:]] if spans and spans[-1][0] == body else []
    if kind == "w:":
        parts = body.split(" ")
        n = len(parts)
        return [
            (spans[k][1], spans[k + n - 1][2])
            for k in range(len(spans) - n + 1)
            if [w for w, _, _ in spans[k : k + n]] == parts
        ]
    if kind == "c:":
        out, k = [], s.find(body)
        while k >= 0 and body:
            out.append((k, k + len(body)))
            k = s.find(body, k + 1)
        return out
    return []


def word_terms(indicator: str, target: str | None, features: list[str], values: np.ndarray) -> list[Term]:
    """Contributions (from :func:`contributions`) as words, every one of them, uncut: each text
    feature spread over the characters it covers, summed per word (the same word twice is one
    term); the target's features as one term. Their weights add up to the features'."""
    s = clean_text(indicator)
    spans = _word_spans(s)
    per_char = np.zeros(len(s))
    on_target = 0.0
    for feature, v in zip(features, values.tolist(), strict=True):
        if feature[:2] not in ("w:", "c:", "e:"):
            on_target += v
            continue
        places = _occurrences(s, spans, feature)
        width = sum(b - a for a, b in places)
        for a, b in places:
            per_char[a:b] += v / width
    by_word: dict[str, float] = {}
    for w, a, b in spans:
        by_word[w] = by_word.get(w, 0.0) + float(per_char[a:b].sum())
    terms = [Term(w, v, "text") for w, v in by_word.items()]
    if (target or "").strip():  # what the target features see: its kind, comparison and unit
        terms.append(Term(f"指标值{parse_target(target).form}", on_target, "target"))
    return terms


def explain(
    model: IndicatorClassifier,
    indicator: str,
    target: str | None,
    toward: str,
    away: str,
    top: int = 3,
) -> Explanation:
    """The ``top`` terms of an indicator that pushed ``model`` most toward category ``toward``
    and away from ``away`` (level-2 codes; 41–43 count as the model's cost class 14), strongest
    first; a term under a tenth of the strongest is left out. ``model`` must be the model that
    scored the row (for a row of its training data, the fold model that never saw it)."""
    features, values, _ = contributions(model, indicator, target, toward, away)
    return _explanation(indicator, target, features, values, toward, away, top)


def _explanation(
    indicator: str,
    target: str | None,
    features: list[str],
    values: np.ndarray,
    toward: str,
    away: str,
    top: int,
) -> Explanation:
    """The strongest ``top`` positive terms (none under a tenth of the strongest)."""
    terms = sorted(
        (t for t in word_terms(indicator, target, features, values) if t.weight > 0), key=lambda t: -t.weight
    )
    if terms:
        terms = [t for t in terms if t.weight >= _MIN_SHARE * terms[0].weight]
    return Explanation(canonical_level2(toward), canonical_level2(away), tuple(terms[: max(0, top)]))


def explain_suggestion(
    model: IndicatorClassifier, indicator: str, target: str | None = None, top: int = 3
) -> Explanation | None:
    """The *why* of a draft's suggestion (the 填报 page): the terms that pushed ``model`` toward
    its answer (``classify``'s decision rule) and away from the runner-up, the category it was
    chosen over. None when the text gives the model nothing to go on."""
    from .predict import classify

    pred = classify([(indicator, target)], model)[0]
    if pred.level2_code is None:
        return None
    toward = canonical_level2(pred.level2_code)
    proba = model.predict_proba([(indicator, target)])[0]
    classes = [str(c) for c in model.classes_]
    away = next(classes[k] for k in np.argsort(-proba, kind="stable").tolist() if classes[k] != toward)
    return explain(model, indicator, target, toward, away, top)


def explain_rows(
    model: Any, records: Sequence[Indicator], scores: RowScores, file_sha: str | None = None, top: int = 3
) -> list[Explanation | None]:
    """The *why* of every row's suggestion in a table scored by the one scorer
    (:func:`~.scoring.score_rows`): toward the suggestion, away from the given category where it
    differs, else from the runner-up. Each row is explained by the model that scored it (the
    fold model that never saw its source); rows are featurized once per model. None for a row
    with no suggestion, and for every row when the model cannot be taken apart.

    For a row with a label finding whose suggestion is the page's, this is the finding's ``why``.
    """
    from .crossfit import fold_model, row_fold

    out: list[Explanation | None] = [None] * len(records)
    if not explainable(model):
        return out
    classes = list(scores.classes)
    by_fold: dict[int | None, list[int]] = {}
    for i, rec in enumerate(records):
        if scores.usable[i] and scores.predictions[i].level2_code:
            by_fold.setdefault(row_fold(model, rec, file_sha), []).append(i)
    for k, idx in by_fold.items():
        scorer = model if k is None else fold_model(model, k)
        if not explainable(scorer):
            continue
        rows = scorer.transform([(records[i].indicator, records[i].target) for i in idx])
        for r, i in enumerate(idx):
            toward = canonical_level2(scores.predictions[i].level2_code or "")
            code = records[i].level2_code
            given = canonical_level2(code) if code else None
            if given and given != toward and given in classes:
                away = given
            else:
                order = np.argsort(-scores.proba[i], kind="stable").tolist()
                away = next(classes[j] for j in order if classes[j] != toward)
            features, values, _ = _row_contributions(scorer, rows, r, toward, away)
            out[i] = _explanation(
                records[i].indicator, records[i].target, features, values, toward, away, top
            )
    return out
