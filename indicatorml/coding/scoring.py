"""The one scorer of a table's rows: what the review page shows and what the label check judges.

Why one: the label check must never grade a row with a model that learned it (a model trained on
a table will not question that table's labels), so it scores rows of training sources with the
cross-fitted fold model that left them out (:mod:`.crossfit`). If the page's suggestion came
from the full model while the finding came from the fold model, a flagged row would show the
given category as the suggestion next to "looks more like 数量指标". :func:`score_rows` scores
every row once, and both the suggestion (:class:`~.predict.Prediction`, by the model's own
decision rule) and the label check (``proba``) read the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..records import Indicator
from .crossfit import heldout_proba
from .model import IndicatorClassifier, check_is_fitted
from .predict import Prediction, fill_predictions, known_text_rows, prepare

__all__ = ["RowScores", "score_rows"]


@dataclass(frozen=True)
class RowScores:
    """Scores of a table's records, aligned with them.

    ``proba[i]`` are record i's probabilities over ``classes`` (all zero for a record with no
    usable text: ``usable[i]`` False, and its prediction says why); ``heldout[i]`` is True where a
    fold model that never saw the record's source scored it; ``predictions[i]`` is the suggestion
    those probabilities give.
    """

    classes: tuple[str, ...]
    proba: np.ndarray
    heldout: np.ndarray
    usable: np.ndarray
    predictions: list[Prediction]


def score_rows(
    model: Any,
    records: Sequence[Indicator],
    file_sha: str | None = None,
    top_k: int = 3,
    layout: str = "pre2021",
) -> RowScores:
    """Score a table's records once (cross-fitted where the model learned their source).

    ``model`` is an :class:`IndicatorClassifier`, or anything with scikit-learn's ``classes_``
    and ``predict_proba`` (its rows then all count as known to it, decided level 1 first).
    """
    ours = isinstance(model, IndicatorClassifier)
    if ours:
        check_is_fitted(model)
    out, usable_idx, cleaned, targets = prepare(records)
    classes = tuple(str(c) for c in model.classes_)
    proba = np.zeros((len(out), len(classes)))
    heldout = np.zeros(len(out), dtype=bool)
    usable = np.zeros(len(out), dtype=bool)
    if usable_idx:
        p, h = heldout_proba(model, [records[i] for i in usable_idx], file_sha)
        known = known_text_rows(model, cleaned, targets) if ours else np.ones(len(usable_idx), dtype=bool)
        rule = str(getattr(model, "level1_rule", "sum"))
        fill_predictions(out, usable_idx, p, known, np.asarray(model.classes_), rule, top_k, layout)
        proba[usable_idx] = p
        heldout[usable_idx] = h
        usable[usable_idx] = True
    return RowScores(classes, proba, heldout, usable, out)
